//go:build goexperiment.simd && amd64

package pca

import (
	"simd/archsimd"
	"unsafe"

	"github.com/mnistlab/golab/lab/internal/vecmath"
)

// syrkSIMD adds the upper triangle of AᵀA to c, where a holds rows×ld values
// (row-major, ld a multiple of 16, columns d..ld-1 zero) and c is ld×ld
// (only the upper triangle of the leading d×d block is meaningful), with the
// kernels of level l (AVX512 or AVX2).
func syrkSIMD(l vecmath.Level, a []float64, ld, rows, d int, c []float64) {
	if l > vecmath.Best || !l.Vector() {
		panic("pca: syrkSIMD called for " + l.String() + " on a CPU that supports only " + vecmath.Best.String())
	}
	for j0 := 0; j0 < d; j0 += 16 {
		for i0 := 0; i0 < min(j0+16, d); i0 += 4 {
			if l == vecmath.AVX512 {
				syrkTile4x16(a, ld, rows, i0, j0, c)
			} else {
				syrkTile4x8AVX2(a, ld, rows, i0, j0, c)
				syrkTile4x8AVX2(a, ld, rows, i0, j0+8, c)
			}
		}
	}
}

// syrkTile4x16 accumulates c[i0+r][j0:j0+16] += Σ_n a[n][i0+r]·a[n][j0:j0+16]
// for r < 4, with 8 AVX-512 accumulators (the compiler keeps 15 vector
// registers, so larger tiles spill).
func syrkTile4x16(a []float64, ld, rows, i0, j0 int, c []float64) {
	var a00, a01, a10, a11, a20, a21, a30, a31 archsimd.Float64x8
	for n := range rows {
		row := a[n*ld : n*ld+ld]
		r := row[j0 : j0+16]
		v0 := archsimd.LoadFloat64x8(r[0:8])
		v1 := archsimd.LoadFloat64x8(r[8:16])
		s := row[i0 : i0+4]
		b := archsimd.BroadcastFloat64x8(s[0])
		a00 = b.MulAdd(v0, a00)
		a01 = b.MulAdd(v1, a01)
		b = archsimd.BroadcastFloat64x8(s[1])
		a10 = b.MulAdd(v0, a10)
		a11 = b.MulAdd(v1, a11)
		b = archsimd.BroadcastFloat64x8(s[2])
		a20 = b.MulAdd(v0, a20)
		a21 = b.MulAdd(v1, a21)
		b = archsimd.BroadcastFloat64x8(s[3])
		a30 = b.MulAdd(v0, a30)
		a31 = b.MulAdd(v1, a31)
	}
	addStore8(c[i0*ld+j0:], a00, a01)
	addStore8(c[(i0+1)*ld+j0:], a10, a11)
	addStore8(c[(i0+2)*ld+j0:], a20, a21)
	addStore8(c[(i0+3)*ld+j0:], a30, a31)
}

func addStore8(c []float64, x0, x1 archsimd.Float64x8) {
	c = c[:16]
	archsimd.LoadFloat64x8(c[0:8]).Add(x0).Store(c[0:8])
	archsimd.LoadFloat64x8(c[8:16]).Add(x1).Store(c[8:16])
}

// syrkTile4x8AVX2 is syrkTile4x16 for 8 columns with 4-lane AVX2 vectors: 8
// accumulators, 2 loaded vectors and a broadcast fit in 16 registers.
func syrkTile4x8AVX2(a []float64, ld, rows, i0, j0 int, c []float64) {
	var a00, a01, a10, a11, a20, a21, a30, a31 archsimd.Float64x4
	for n := range rows {
		row := a[n*ld : n*ld+ld]
		r := row[j0 : j0+8]
		v0 := archsimd.LoadFloat64x4(r[0:4])
		v1 := archsimd.LoadFloat64x4(r[4:8])
		s := row[i0 : i0+4]
		b := archsimd.BroadcastFloat64x4(s[0])
		a00 = b.MulAdd(v0, a00)
		a01 = b.MulAdd(v1, a01)
		b = archsimd.BroadcastFloat64x4(s[1])
		a10 = b.MulAdd(v0, a10)
		a11 = b.MulAdd(v1, a11)
		b = archsimd.BroadcastFloat64x4(s[2])
		a20 = b.MulAdd(v0, a20)
		a21 = b.MulAdd(v1, a21)
		b = archsimd.BroadcastFloat64x4(s[3])
		a30 = b.MulAdd(v0, a30)
		a31 = b.MulAdd(v1, a31)
	}
	addStore4(c[i0*ld+j0:], a00, a01)
	addStore4(c[(i0+1)*ld+j0:], a10, a11)
	addStore4(c[(i0+2)*ld+j0:], a20, a21)
	addStore4(c[(i0+3)*ld+j0:], a30, a31)
}

func addStore4(c []float64, x0, x1 archsimd.Float64x4) {
	c = c[:8]
	archsimd.LoadFloat64x4(c[0:4]).Add(x0).Store(c[0:4])
	archsimd.LoadFloat64x4(c[4:8]).Add(x1).Store(c[4:8])
}

// syrkInt16 adds to c (int32, ld×ld row-major) the products of the packed
// pairs of rows listed in pairs (indices into buf, which holds pairs of
// interleaved int16 rows of 2·ld values, see covint.go): for r < intTile and
// j0 ≤ j < ld,
//
//	c[i0+r][j] += Σ_q buf[q][2(i0+r)]·buf[q][2j] + buf[q][2(i0+r)+1]·buf[q][2j+1].
//
// j0 must be a multiple of 32 (AVX512) or 16 (AVX2) and ld of 32. The
// extents are checked first; the inner loops use unsafe offsets from the start
// of buf. The caller guarantees that the sums fit in int32.
func syrkInt16(l vecmath.Level, buf []int16, ld int, pairs []int32, i0, j0 int, c []int32) {
	if l > vecmath.Best || !l.Vector() {
		panic("pca: syrkInt16 called for " + l.String() + " on a CPU that supports only " + vecmath.Best.String())
	}
	if len(pairs) == 0 {
		return
	}
	if ld%32 != 0 || j0%32 != 0 && (l == vecmath.AVX512 || j0%16 != 0) || i0+intTile > ld || j0 >= ld {
		panic("pca: syrkInt16: bad geometry")
	}
	_ = c[(i0+intTile-1)*ld+ld-1]
	last := 0
	for _, q := range pairs {
		last = max(last, int(q))
		if q < 0 {
			panic("pca: syrkInt16: negative pair index")
		}
	}
	_ = buf[(last+1)*2*ld-1]
	if l == vecmath.AVX512 {
		syrkInt16AVX512(unsafe.Pointer(&buf[0]), 4*ld, pairs, i0, j0, ld, c)
	} else {
		syrkInt16AVX2(unsafe.Pointer(&buf[0]), 4*ld, pairs, i0, j0, ld, c)
	}
}

func syrkInt16AVX512(pb unsafe.Pointer, rowBytes int, pairs []int32, i0, j0, ld int, c []int32) {
	for j := j0; j < ld; j += 32 {
		var a00, a01, a10, a11, a20, a21, a30, a31 archsimd.Int32x16
		for _, q := range pairs {
			p := unsafe.Add(pb, int(q)*rowBytes)
			v0 := archsimd.LoadInt16x32Array((*[32]int16)(unsafe.Add(p, 4*j)))
			v1 := archsimd.LoadInt16x32Array((*[32]int16)(unsafe.Add(p, 4*j+64)))
			w := (*[intTile]int32)(unsafe.Add(p, 4*i0))
			b := archsimd.BroadcastInt32x16(w[0]).AsInt16x32()
			a00 = a00.Add(b.DotProductPairs(v0))
			a01 = a01.Add(b.DotProductPairs(v1))
			b = archsimd.BroadcastInt32x16(w[1]).AsInt16x32()
			a10 = a10.Add(b.DotProductPairs(v0))
			a11 = a11.Add(b.DotProductPairs(v1))
			b = archsimd.BroadcastInt32x16(w[2]).AsInt16x32()
			a20 = a20.Add(b.DotProductPairs(v0))
			a21 = a21.Add(b.DotProductPairs(v1))
			b = archsimd.BroadcastInt32x16(w[3]).AsInt16x32()
			a30 = a30.Add(b.DotProductPairs(v0))
			a31 = a31.Add(b.DotProductPairs(v1))
		}
		addInt32x16(c[i0*ld+j:], a00, a01)
		addInt32x16(c[(i0+1)*ld+j:], a10, a11)
		addInt32x16(c[(i0+2)*ld+j:], a20, a21)
		addInt32x16(c[(i0+3)*ld+j:], a30, a31)
	}
}

func addInt32x16(c []int32, x0, x1 archsimd.Int32x16) {
	c = c[:32]
	archsimd.LoadInt32x16(c[0:16]).Add(x0).Store(c[0:16])
	archsimd.LoadInt32x16(c[16:32]).Add(x1).Store(c[16:32])
}

// syrkInt16AVX2 is syrkInt16AVX512 with 16-column tiles: 8 accumulators of
// 8 lanes, 2 loaded vectors, a broadcast and a product fit in 16 registers.
func syrkInt16AVX2(pb unsafe.Pointer, rowBytes int, pairs []int32, i0, j0, ld int, c []int32) {
	for j := j0; j < ld; j += 16 {
		var a00, a01, a10, a11, a20, a21, a30, a31 archsimd.Int32x8
		for _, q := range pairs {
			p := unsafe.Add(pb, int(q)*rowBytes)
			v0 := archsimd.LoadInt16x16Array((*[16]int16)(unsafe.Add(p, 4*j)))
			v1 := archsimd.LoadInt16x16Array((*[16]int16)(unsafe.Add(p, 4*j+32)))
			w := (*[intTile]int32)(unsafe.Add(p, 4*i0))
			b := archsimd.BroadcastInt32x8(w[0]).AsInt16x16()
			a00 = a00.Add(b.DotProductPairs(v0))
			a01 = a01.Add(b.DotProductPairs(v1))
			b = archsimd.BroadcastInt32x8(w[1]).AsInt16x16()
			a10 = a10.Add(b.DotProductPairs(v0))
			a11 = a11.Add(b.DotProductPairs(v1))
			b = archsimd.BroadcastInt32x8(w[2]).AsInt16x16()
			a20 = a20.Add(b.DotProductPairs(v0))
			a21 = a21.Add(b.DotProductPairs(v1))
			b = archsimd.BroadcastInt32x8(w[3]).AsInt16x16()
			a30 = a30.Add(b.DotProductPairs(v0))
			a31 = a31.Add(b.DotProductPairs(v1))
		}
		addInt32x8(c[i0*ld+j:], a00, a01)
		addInt32x8(c[(i0+1)*ld+j:], a10, a11)
		addInt32x8(c[(i0+2)*ld+j:], a20, a21)
		addInt32x8(c[(i0+3)*ld+j:], a30, a31)
	}
}

func addInt32x8(c []int32, x0, x1 archsimd.Int32x8) {
	c = c[:16]
	archsimd.LoadInt32x8(c[0:8]).Add(x0).Store(c[0:8])
	archsimd.LoadInt32x8(c[8:16]).Add(x1).Store(c[8:16])
}

// packPair writes out[2j] = r0[j] and out[2j+1] = r1[j] (0 when r1 is nil)
// as int16 for j < len(r0) (len(r1) ≥ len(r0), len(out) ≥ 2·len(r0)) and
// returns the largest |value| and whether every value is an integer in
// [−intMax, intMax] (if not, out is partly written).
func packPair(l vecmath.Level, r0, r1 []float64, out []int16) (maxAbs int32, ok bool) {
	if l > vecmath.Best || !l.Vector() {
		panic("pca: packPair called for " + l.String() + " on a CPU that supports only " + vecmath.Best.String())
	}
	d := len(r0)
	if r1 != nil {
		r1 = r1[:d]
	}
	out = out[:2*d]
	j := 0
	switch l {
	case vecmath.AVX512:
		var bad archsimd.Mask64x8
		var mn, mx archsimd.Int32x8
		low := archsimd.BroadcastInt32x8(0xffff)
		for ; j+8 <= d; j += 8 {
			f0 := archsimd.LoadFloat64x8(r0[j : j+8])
			i0 := f0.ConvertToInt32()
			bad = bad.Or(i0.ConvertToFloat64().NotEqual(f0))
			mn, mx = mn.Min(i0), mx.Max(i0)
			w := i0.And(low)
			if r1 != nil {
				f1 := archsimd.LoadFloat64x8(r1[j : j+8])
				i1 := f1.ConvertToInt32()
				bad = bad.Or(i1.ConvertToFloat64().NotEqual(f1))
				mn, mx = mn.Min(i1), mx.Max(i1)
				w = w.Or(i1.ShiftAllLeft(16))
			}
			w.StoreArray((*[8]int32)(unsafe.Pointer(&out[2*j])))
		}
		if bad.ToBits() != 0 {
			return 0, false
		}
		var lo, hi [8]int32
		mn.StoreArray(&lo)
		mx.StoreArray(&hi)
		for i := range lo {
			if lo[i] < -intMax || hi[i] > intMax {
				return 0, false
			}
			maxAbs = max(maxAbs, -lo[i], hi[i])
		}
	case vecmath.AVX2:
		var bad archsimd.Mask64x4
		var mn, mx archsimd.Int32x4
		low := archsimd.BroadcastInt32x4(0xffff)
		for ; j+4 <= d; j += 4 {
			f0 := archsimd.LoadFloat64x4(r0[j : j+4])
			i0 := f0.ConvertToInt32()
			bad = bad.Or(i0.ConvertToFloat64().NotEqual(f0))
			mn, mx = mn.Min(i0), mx.Max(i0)
			w := i0.And(low)
			if r1 != nil {
				f1 := archsimd.LoadFloat64x4(r1[j : j+4])
				i1 := f1.ConvertToInt32()
				bad = bad.Or(i1.ConvertToFloat64().NotEqual(f1))
				mn, mx = mn.Min(i1), mx.Max(i1)
				w = w.Or(i1.ShiftAllLeft(16))
			}
			w.StoreArray((*[4]int32)(unsafe.Pointer(&out[2*j])))
		}
		if bad.ToBits() != 0 {
			return 0, false
		}
		var lo, hi [4]int32
		mn.StoreArray(&lo)
		mx.StoreArray(&hi)
		for i := range lo {
			if lo[i] < -intMax || hi[i] > intMax {
				return 0, false
			}
			maxAbs = max(maxAbs, -lo[i], hi[i])
		}
	}
	var tail1 []float64
	if r1 != nil {
		tail1 = r1[j:]
	}
	m, good := packPairScalar(r0[j:], tail1, out[2*j:])
	return max(maxAbs, m), good
}

// tridiagRowSIMD is tridiagRow with the kernels of level l: row[c] −=
// vpr·wp[c] + wpr·vp[c], returns Σ row[c]·u[c] and adds ur·row[c] to p[c],
// over len(row) columns (every slice at least that long).
func tridiagRowSIMD(l vecmath.Level, row, u, vp, wp, p []float64, ur, vpr, wpr float64) float64 {
	if l > vecmath.Best || !l.Vector() {
		panic("pca: tridiagRowSIMD called for " + l.String() + " on a CPU that supports only " + vecmath.Best.String())
	}
	n := len(row)
	if n == 0 {
		return 0
	}
	_, _, _, _ = u[n-1], vp[n-1], wp[n-1], p[n-1]
	pr, pu := unsafe.Pointer(&row[0]), unsafe.Pointer(&u[0])
	pvp, pwp, pp := unsafe.Pointer(&vp[0]), unsafe.Pointer(&wp[0]), unsafe.Pointer(&p[0])
	var dot float64
	var c int
	if l == vecmath.AVX512 {
		dot, c = tridiagRowAVX512(pr, pu, pvp, pwp, pp, n/8*8, ur, vpr, wpr)
	} else {
		dot, c = tridiagRowAVX2(pr, pu, pvp, pwp, pp, n/4*4, ur, vpr, wpr)
	}
	return dot + tridiagRowScalar(row[c:], u[c:], vp[c:], wp[c:], p[c:], ur, vpr, wpr)
}

func tridiagRowAVX512(pr, pu, pvp, pwp, pp unsafe.Pointer, n int, ur, vpr, wpr float64) (float64, int) {
	bu := archsimd.BroadcastFloat64x8(ur)
	bv := archsimd.BroadcastFloat64x8(-vpr)
	bw := archsimd.BroadcastFloat64x8(-wpr)
	var acc archsimd.Float64x8
	for off := 0; off < n*8; off += 64 {
		x := vecmath.Load8(unsafe.Add(pr, off))
		x = bv.MulAdd(vecmath.Load8(unsafe.Add(pwp, off)), x)
		x = bw.MulAdd(vecmath.Load8(unsafe.Add(pvp, off)), x)
		x.StoreArray((*[8]float64)(unsafe.Add(pr, off)))
		acc = x.MulAdd(vecmath.Load8(unsafe.Add(pu, off)), acc)
		q := (*[8]float64)(unsafe.Add(pp, off))
		bu.MulAdd(x, archsimd.LoadFloat64x8Array(q)).StoreArray(q)
	}
	return vecmath.Hsum(acc), n
}

func tridiagRowAVX2(pr, pu, pvp, pwp, pp unsafe.Pointer, n int, ur, vpr, wpr float64) (float64, int) {
	bu := archsimd.BroadcastFloat64x4(ur)
	bv := archsimd.BroadcastFloat64x4(-vpr)
	bw := archsimd.BroadcastFloat64x4(-wpr)
	var acc archsimd.Float64x4
	for off := 0; off < n*8; off += 32 {
		x := vecmath.Load4(unsafe.Add(pr, off))
		x = bv.MulAdd(vecmath.Load4(unsafe.Add(pwp, off)), x)
		x = bw.MulAdd(vecmath.Load4(unsafe.Add(pvp, off)), x)
		x.StoreArray((*[4]float64)(unsafe.Add(pr, off)))
		acc = x.MulAdd(vecmath.Load4(unsafe.Add(pu, off)), acc)
		q := (*[4]float64)(unsafe.Add(pp, off))
		bu.MulAdd(x, archsimd.LoadFloat64x4Array(q)).StoreArray(q)
	}
	return vecmath.Hsum4(acc), n
}

// dotSIMD returns Σ x[i]·y[i] over len(x) values (len(y) ≥ len(x)).
func dotSIMD(l vecmath.Level, x, y []float64) float64 {
	if l > vecmath.Best || !l.Vector() {
		panic("pca: dotSIMD called for " + l.String() + " on a CPU that supports only " + vecmath.Best.String())
	}
	n := len(x)
	if n == 0 {
		return 0
	}
	_ = y[n-1]
	px, py := unsafe.Pointer(&x[0]), unsafe.Pointer(&y[0])
	s, c := 0.0, 0
	if l == vecmath.AVX512 {
		c = n / 16 * 16
		var a0, a1 archsimd.Float64x8
		for off := 0; off < c*8; off += 128 {
			a0 = vecmath.Load8(unsafe.Add(px, off)).MulAdd(vecmath.Load8(unsafe.Add(py, off)), a0)
			a1 = vecmath.Load8(unsafe.Add(px, off+64)).MulAdd(vecmath.Load8(unsafe.Add(py, off+64)), a1)
		}
		s = vecmath.Hsum(a0.Add(a1))
	} else {
		c = n / 8 * 8
		var a0, a1 archsimd.Float64x4
		for off := 0; off < c*8; off += 64 {
			a0 = vecmath.Load4(unsafe.Add(px, off)).MulAdd(vecmath.Load4(unsafe.Add(py, off)), a0)
			a1 = vecmath.Load4(unsafe.Add(px, off+32)).MulAdd(vecmath.Load4(unsafe.Add(py, off+32)), a1)
		}
		s = vecmath.Hsum4(a0.Add(a1))
	}
	for i := c; i < n; i++ {
		s += x[i] * y[i]
	}
	return s
}

// axpySIMD adds alpha·x[i] to y[i] for i < len(x) (len(y) ≥ len(x)).
func axpySIMD(l vecmath.Level, alpha float64, x, y []float64) {
	if l > vecmath.Best || !l.Vector() {
		panic("pca: axpySIMD called for " + l.String() + " on a CPU that supports only " + vecmath.Best.String())
	}
	n := len(x)
	if n == 0 {
		return
	}
	_ = y[n-1]
	px, py := unsafe.Pointer(&x[0]), unsafe.Pointer(&y[0])
	c := 0
	if l == vecmath.AVX512 {
		c = n / 8 * 8
		b := archsimd.BroadcastFloat64x8(alpha)
		for off := 0; off < c*8; off += 64 {
			q := (*[8]float64)(unsafe.Add(py, off))
			b.MulAdd(vecmath.Load8(unsafe.Add(px, off)), archsimd.LoadFloat64x8Array(q)).StoreArray(q)
		}
	} else {
		c = n / 4 * 4
		b := archsimd.BroadcastFloat64x4(alpha)
		for off := 0; off < c*8; off += 32 {
			q := (*[4]float64)(unsafe.Add(py, off))
			b.MulAdd(vecmath.Load4(unsafe.Add(px, off)), archsimd.LoadFloat64x4Array(q)).StoreArray(q)
		}
	}
	for i := c; i < n; i++ {
		y[i] += alpha * x[i]
	}
}
