//go:build goexperiment.simd && amd64

package pca

import (
	"simd/archsimd"
	"unsafe"

	"github.com/mnistlab/golab/lab/internal/vecmath"
)

// syrkPacked adds to c (ld×ld row-major) the products of the rows of a
// packed block (see covariance.go: column j of row r of the block is at
// packedF64Index(r, j)) over rows 0..rows−1: for r < denseTile(l) and j in
// chunk jc (columns 32·jc … 32·jc+31),
//
//	c[i0+r][j] += Σ_n x[n][i0+r]·x[n][j],
//
// with the kernels of level l (AVX512 or AVX2). ld must be a multiple of 32.
// The extents are checked first; the inner loops use unsafe offsets from the
// start of pk.
func syrkPacked(l vecmath.Level, pk []float64, rows, i0, jc, ld int, c []float64) {
	if l > vecmath.Best || !l.Vector() {
		panic("pca: syrkPacked called for " + l.String() + " on a CPU that supports only " + vecmath.Best.String())
	}
	if rows == 0 {
		return
	}
	tile := denseTile(l)
	if ld%32 != 0 || i0 < 0 || i0+tile > ld || jc < 0 || 32*jc >= ld || rows > denseBlock {
		panic("pca: syrkPacked: bad geometry")
	}
	_ = c[(i0+tile-1)*ld+32*jc+31]
	_ = pk[packedF64Index(rows-1, max(i0+tile-1, 32*jc+31))]
	pb := unsafe.Pointer(&pk[0])
	p0 := unsafe.Add(pb, 8*packedF64Index(0, i0))
	p1 := unsafe.Add(pb, 8*packedF64Index(0, i0+1))
	pj := unsafe.Add(pb, 8*packedF64Index(0, 32*jc))
	cc := c[i0*ld+32*jc:]
	if l == vecmath.AVX512 {
		syrkPackedAVX512(p0, p1, unsafe.Add(pb, 8*packedF64Index(0, i0+2)), pj, rows, ld, cc)
		return
	}
	syrkPackedAVX2(p0, p1, pj, rows, ld, cc)
	syrkPackedAVX2(p0, p1, unsafe.Add(pj, 128), rows, ld, cc[16:])
}

// syrkPackedAVX512 accumulates a 3×32 tile: 12 accumulators, 4 loaded
// vectors, a broadcast and the copies of it that the compiler's FMA form
// (the product overwrites its first operand) needs. Measured on a Zen 5 core:
// 40 GFMA/s, against 27 for a 4×32 tile (which spills) and 23 for 2×32.
func syrkPackedAVX512(p0, p1, p2, pj unsafe.Pointer, rows, ld int, c []float64) {
	var a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23 archsimd.Float64x8
	for off := 0; off < rows*256; off += 256 {
		q := unsafe.Add(pj, off)
		v0, v1 := vecmath.Load8(q), vecmath.Load8(unsafe.Add(q, 64))
		v2, v3 := vecmath.Load8(unsafe.Add(q, 128)), vecmath.Load8(unsafe.Add(q, 192))
		b := archsimd.BroadcastFloat64x8(*(*float64)(unsafe.Add(p0, off)))
		a00, a01, a02, a03 = b.MulAdd(v0, a00), b.MulAdd(v1, a01), b.MulAdd(v2, a02), b.MulAdd(v3, a03)
		b = archsimd.BroadcastFloat64x8(*(*float64)(unsafe.Add(p1, off)))
		a10, a11, a12, a13 = b.MulAdd(v0, a10), b.MulAdd(v1, a11), b.MulAdd(v2, a12), b.MulAdd(v3, a13)
		b = archsimd.BroadcastFloat64x8(*(*float64)(unsafe.Add(p2, off)))
		a20, a21, a22, a23 = b.MulAdd(v0, a20), b.MulAdd(v1, a21), b.MulAdd(v2, a22), b.MulAdd(v3, a23)
	}
	addStore8x4(c[0:32], a00, a01, a02, a03)
	addStore8x4(c[ld:ld+32], a10, a11, a12, a13)
	addStore8x4(c[2*ld:2*ld+32], a20, a21, a22, a23)
}

func addStore8x4(c []float64, x0, x1, x2, x3 archsimd.Float64x8) {
	c = c[:32]
	archsimd.LoadFloat64x8(c[0:8]).Add(x0).Store(c[0:8])
	archsimd.LoadFloat64x8(c[8:16]).Add(x1).Store(c[8:16])
	archsimd.LoadFloat64x8(c[16:24]).Add(x2).Store(c[16:24])
	archsimd.LoadFloat64x8(c[24:32]).Add(x3).Store(c[24:32])
}

// syrkPackedAVX2 accumulates a 2×16 tile with 4-lane vectors: 8
// accumulators, 4 loaded vectors and a broadcast fit in the 15 registers the
// compiler allocates (20 GFMA/s on a Zen 5 core, against 16 for 4×8).
func syrkPackedAVX2(p0, p1, pj unsafe.Pointer, rows, ld int, c []float64) {
	var a00, a01, a02, a03, a10, a11, a12, a13 archsimd.Float64x4
	for off := 0; off < rows*256; off += 256 {
		q := unsafe.Add(pj, off)
		v0, v1 := vecmath.Load4(q), vecmath.Load4(unsafe.Add(q, 32))
		v2, v3 := vecmath.Load4(unsafe.Add(q, 64)), vecmath.Load4(unsafe.Add(q, 96))
		b := archsimd.BroadcastFloat64x4(*(*float64)(unsafe.Add(p0, off)))
		a00, a01, a02, a03 = b.MulAdd(v0, a00), b.MulAdd(v1, a01), b.MulAdd(v2, a02), b.MulAdd(v3, a03)
		b = archsimd.BroadcastFloat64x4(*(*float64)(unsafe.Add(p1, off)))
		a10, a11, a12, a13 = b.MulAdd(v0, a10), b.MulAdd(v1, a11), b.MulAdd(v2, a12), b.MulAdd(v3, a13)
	}
	addStore4(c[0:8], a00, a01)
	addStore4(c[8:16], a02, a03)
	addStore4(c[ld:ld+8], a10, a11)
	addStore4(c[ld+8:ld+16], a12, a13)
}

func addStore4(c []float64, x0, x1 archsimd.Float64x4) {
	c = c[:8]
	archsimd.LoadFloat64x4(c[0:4]).Add(x0).Store(c[0:4])
	archsimd.LoadFloat64x4(c[4:8]).Add(x1).Store(c[4:8])
}

// syrkInt16 adds to c (int32, ld×ld row-major) the products of the packed
// pairs of rows listed in pairs (a block packed as covint.go describes, with
// packedIndex(q, j) the index of column j of pair q): for r < intTile(l) and
// j0 ≤ j < ld,
//
//	c[i0+r][j] += Σ_q x[q][i0+r]·x[q][j] + y[q][i0+r]·y[q][j],
//
// where x[q][j] = buf[packedIndex(q, j)] and y[q][j] the value after it.
// j0 must be a multiple of 32 (AVX512) or 16 (AVX2) and ld of 32. The extents are
// checked first; the inner loops use unsafe offsets from the start of buf.
// The caller guarantees that the sums fit in int32.
func syrkInt16(l vecmath.Level, buf []int16, ld int, pairs []int32, i0, j0 int, c []int32) {
	if l > vecmath.Best || !l.Vector() {
		panic("pca: syrkInt16 called for " + l.String() + " on a CPU that supports only " + vecmath.Best.String())
	}
	if len(pairs) == 0 {
		return
	}
	tile := intTile(l)
	if ld%32 != 0 || j0%32 != 0 && (l == vecmath.AVX512 || j0%16 != 0) || i0 < 0 || i0+tile > ld || j0 >= ld {
		panic("pca: syrkInt16: bad geometry")
	}
	_ = c[(i0+tile-1)*ld+ld-1]
	last := 0
	for _, q := range pairs {
		if q < 0 || q >= intPairs {
			panic("pca: syrkInt16: pair index out of range")
		}
		last = max(last, int(q))
	}
	_ = buf[packedIndex(last, ld-1)+1]
	pb := unsafe.Pointer(&buf[0])
	if l == vecmath.AVX512 {
		if i0%4 != 0 {
			panic("pca: syrkInt16: bad geometry")
		}
		syrkInt16AVX512(pb, unsafe.Add(pb, 2*packedIndex(0, i0)), pairs, i0, j0, ld, c)
	} else {
		syrkInt16AVX2(pb, pairs, i0, j0, ld, c)
	}
}

func syrkInt16AVX512(pb, pi unsafe.Pointer, pairs []int32, i0, j0, ld int, c []int32) {
	for j := j0; j < ld; j += 32 {
		pj := unsafe.Add(pb, 2*packedIndex(0, j))
		var a00, a01, a10, a11, a20, a21, a30, a31 archsimd.Int32x16
		for _, q := range pairs {
			off := int(q) * (2 * intChunk)
			v0 := archsimd.LoadInt16x32Array((*[32]int16)(unsafe.Add(pj, off)))
			v1 := archsimd.LoadInt16x32Array((*[32]int16)(unsafe.Add(pj, off+64)))
			w := (*[4]int32)(unsafe.Add(pi, off))
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

// syrkInt16AVX2 is syrkInt16AVX512 for 3 rows (which may straddle two
// chunks) and 16 columns: 6 accumulators of 8 lanes, 2 loaded vectors, the
// broadcasts and the products fit in the 15 vector registers the compiler
// allocates (4 rows spill).
func syrkInt16AVX2(pb unsafe.Pointer, pairs []int32, i0, j0, ld int, c []int32) {
	p0 := unsafe.Add(pb, 2*packedIndex(0, i0))
	p1 := unsafe.Add(pb, 2*packedIndex(0, i0+1))
	p2 := unsafe.Add(pb, 2*packedIndex(0, i0+2))
	for j := j0; j < ld; j += 16 {
		pj := unsafe.Add(pb, 2*packedIndex(0, j))
		var a00, a01, a10, a11, a20, a21 archsimd.Int32x8
		for _, q := range pairs {
			off := int(q) * (2 * intChunk)
			v0 := archsimd.LoadInt16x16Array((*[16]int16)(unsafe.Add(pj, off)))
			v1 := archsimd.LoadInt16x16Array((*[16]int16)(unsafe.Add(pj, off+32)))
			b := archsimd.BroadcastInt32x8(*(*int32)(unsafe.Add(p0, off))).AsInt16x16()
			a00 = a00.Add(b.DotProductPairs(v0))
			a01 = a01.Add(b.DotProductPairs(v1))
			b = archsimd.BroadcastInt32x8(*(*int32)(unsafe.Add(p1, off))).AsInt16x16()
			a10 = a10.Add(b.DotProductPairs(v0))
			a11 = a11.Add(b.DotProductPairs(v1))
			b = archsimd.BroadcastInt32x8(*(*int32)(unsafe.Add(p2, off))).AsInt16x16()
			a20 = a20.Add(b.DotProductPairs(v0))
			a21 = a21.Add(b.DotProductPairs(v1))
		}
		addInt32x8(c[i0*ld+j:], a00, a01)
		addInt32x8(c[(i0+1)*ld+j:], a10, a11)
		addInt32x8(c[(i0+2)*ld+j:], a20, a21)
	}
}

func addInt32x8(c []int32, x0, x1 archsimd.Int32x8) {
	c = c[:16]
	archsimd.LoadInt32x8(c[0:8]).Add(x0).Store(c[0:8])
	archsimd.LoadInt32x8(c[8:16]).Add(x1).Store(c[8:16])
}

// packPair writes row r0 and row r1 (zeros when r1 is nil) of one pair into
// its packed form out (the pair's part of a block, from its first value):
// out[packedIndex(0, j)] = r0[j] and the next value r1[j], as int16, for
// j < len(r0) (len(r1) ≥ len(r0)), and sets bit j of nz (which the caller
// cleared) when one of the two is not 0. It returns the largest |value| and
// whether every value is an integer in [−intMax, intMax] (if not, out and nz
// are partly written).
func packPair(l vecmath.Level, r0, r1 []float64, out []int16, nz []uint64) (maxAbs int32, ok bool) {
	if l > vecmath.Best || !l.Vector() {
		panic("pca: packPair called for " + l.String() + " on a CPU that supports only " + vecmath.Best.String())
	}
	d := len(r0)
	if d == 0 {
		return 0, true
	}
	if r1 != nil {
		r1 = r1[:d]
	}
	_ = out[packedIndex(0, d-1)+1]
	_ = nz[(d-1)>>6]
	j := 0
	switch l {
	case vecmath.AVX512:
		var bad archsimd.Mask64x8
		var mn, mx archsimd.Int32x8
		low := archsimd.BroadcastInt32x8(0xffff)
		var zero8 archsimd.Int32x8
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
			k := packedIndex(0, j) // 8 | 32: the 8 columns lie in one chunk
			w.StoreArray((*[8]int32)(unsafe.Pointer((*[16]int16)(out[k : k+16]))))
			nz[j>>6] |= uint64(^w.Equal(zero8).ToBits()) << (j & 63)
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
		var zero4 archsimd.Int32x4
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
			k := packedIndex(0, j)
			w.StoreArray((*[4]int32)(unsafe.Pointer((*[8]int16)(out[k : k+8]))))
			nz[j>>6] |= uint64(^w.Equal(zero4).ToBits()&0xf) << (j & 63)
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
	m, good := packPairScalarFrom(j, r0[j:], tail1, out, nz)
	return max(maxAbs, m), good
}

// tridiagRowSIMD is tridiagRow with the kernels of level l: row[c] −=
// vpr·wp[c] + wpr·vp[c], returns Σ row[c]·u[c] and adds ur·row[c] to p[c],
// over len(row) columns (every slice at least that long). The last, partial
// vector uses masked loads and stores.
func tridiagRowSIMD(l vecmath.Level, row, u, vp, wp, p []float64, ur, vpr, wpr float64) float64 {
	if l > vecmath.Best || !l.Vector() {
		panic("pca: tridiagRowSIMD called for " + l.String() + " on a CPU that supports only " + vecmath.Best.String())
	}
	n := len(row)
	if n == 0 {
		return 0
	}
	u, vp, wp, p = u[:n], vp[:n], wp[:n], p[:n]
	pr, pu := unsafe.Pointer(&row[0]), unsafe.Pointer(&u[0])
	pvp, pwp, pp := unsafe.Pointer(&vp[0]), unsafe.Pointer(&wp[0]), unsafe.Pointer(&p[0])
	if l == vecmath.AVX512 {
		c := n / 8 * 8
		bu := archsimd.BroadcastFloat64x8(ur)
		bv := archsimd.BroadcastFloat64x8(-vpr)
		bw := archsimd.BroadcastFloat64x8(-wpr)
		acc := tridiagRowAVX512(pr, pu, pvp, pwp, pp, c, bu, bv, bw)
		if c < n {
			x, _ := archsimd.LoadFloat64x8Part(row[c:])
			wv, _ := archsimd.LoadFloat64x8Part(wp[c:])
			vv, _ := archsimd.LoadFloat64x8Part(vp[c:])
			uv, _ := archsimd.LoadFloat64x8Part(u[c:])
			pv, _ := archsimd.LoadFloat64x8Part(p[c:])
			x = bw.MulAdd(vv, bv.MulAdd(wv, x))
			x.StorePart(row[c:])
			acc = x.MulAdd(uv, acc) // masked-off lanes are zero
			bu.MulAdd(x, pv).StorePart(p[c:])
		}
		return vecmath.Hsum(acc)
	}
	c := n / 4 * 4
	bu := archsimd.BroadcastFloat64x4(ur)
	bv := archsimd.BroadcastFloat64x4(-vpr)
	bw := archsimd.BroadcastFloat64x4(-wpr)
	acc := tridiagRowAVX2(pr, pu, pvp, pwp, pp, c, bu, bv, bw)
	if c < n {
		x, _ := archsimd.LoadFloat64x4Part(row[c:])
		wv, _ := archsimd.LoadFloat64x4Part(wp[c:])
		vv, _ := archsimd.LoadFloat64x4Part(vp[c:])
		uv, _ := archsimd.LoadFloat64x4Part(u[c:])
		pv, _ := archsimd.LoadFloat64x4Part(p[c:])
		x = bw.MulAdd(vv, bv.MulAdd(wv, x))
		x.StorePart(row[c:])
		acc = x.MulAdd(uv, acc)
		bu.MulAdd(x, pv).StorePart(p[c:])
	}
	return vecmath.Hsum4(acc)
}

func tridiagRowAVX512(pr, pu, pvp, pwp, pp unsafe.Pointer, n int, bu, bv, bw archsimd.Float64x8) archsimd.Float64x8 {
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
	return acc
}

func tridiagRowAVX2(pr, pu, pvp, pwp, pp unsafe.Pointer, n int, bu, bv, bw archsimd.Float64x4) archsimd.Float64x4 {
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
	return acc
}

// tridiagRow2SIMD is tridiagRow2 with the kernels of level l.
func tridiagRow2SIMD(l vecmath.Level, ra, rb, u, vp, wp, p []float64, ua, vpa, wpa, ub, vpb, wpb float64) (float64, float64) {
	if l > vecmath.Best || !l.Vector() {
		panic("pca: tridiagRow2SIMD called for " + l.String() + " on a CPU that supports only " + vecmath.Best.String())
	}
	n := len(ra)
	if n == 0 {
		return 0, 0
	}
	rb, u, vp, wp, p = rb[:n], u[:n], vp[:n], wp[:n], p[:n]
	pa, pb, pu := unsafe.Pointer(&ra[0]), unsafe.Pointer(&rb[0]), unsafe.Pointer(&u[0])
	pvp, pwp, pp := unsafe.Pointer(&vp[0]), unsafe.Pointer(&wp[0]), unsafe.Pointer(&p[0])
	if l == vecmath.AVX512 {
		c := n / 8 * 8
		accA, accB := tridiagRow2AVX512(pa, pb, pu, pvp, pwp, pp, c, ua, -vpa, -wpa, ub, -vpb, -wpb)
		if c < n {
			xa, _ := archsimd.LoadFloat64x8Part(ra[c:])
			xb, _ := archsimd.LoadFloat64x8Part(rb[c:])
			wv, _ := archsimd.LoadFloat64x8Part(wp[c:])
			vv, _ := archsimd.LoadFloat64x8Part(vp[c:])
			uv, _ := archsimd.LoadFloat64x8Part(u[c:])
			pv, _ := archsimd.LoadFloat64x8Part(p[c:])
			xa = archsimd.BroadcastFloat64x8(-wpa).MulAdd(vv, archsimd.BroadcastFloat64x8(-vpa).MulAdd(wv, xa))
			xb = archsimd.BroadcastFloat64x8(-wpb).MulAdd(vv, archsimd.BroadcastFloat64x8(-vpb).MulAdd(wv, xb))
			xa.StorePart(ra[c:])
			xb.StorePart(rb[c:])
			accA = xa.MulAdd(uv, accA)
			accB = xb.MulAdd(uv, accB)
			pv = archsimd.BroadcastFloat64x8(ua).MulAdd(xa, pv)
			archsimd.BroadcastFloat64x8(ub).MulAdd(xb, pv).StorePart(p[c:])
		}
		return vecmath.Hsum(accA), vecmath.Hsum(accB)
	}
	c := n / 4 * 4
	accA, accB := tridiagRow2AVX2(pa, pb, pu, pvp, pwp, pp, c, ua, -vpa, -wpa, ub, -vpb, -wpb)
	if c < n {
		xa, _ := archsimd.LoadFloat64x4Part(ra[c:])
		xb, _ := archsimd.LoadFloat64x4Part(rb[c:])
		wv, _ := archsimd.LoadFloat64x4Part(wp[c:])
		vv, _ := archsimd.LoadFloat64x4Part(vp[c:])
		uv, _ := archsimd.LoadFloat64x4Part(u[c:])
		pv, _ := archsimd.LoadFloat64x4Part(p[c:])
		xa = archsimd.BroadcastFloat64x4(-wpa).MulAdd(vv, archsimd.BroadcastFloat64x4(-vpa).MulAdd(wv, xa))
		xb = archsimd.BroadcastFloat64x4(-wpb).MulAdd(vv, archsimd.BroadcastFloat64x4(-vpb).MulAdd(wv, xb))
		xa.StorePart(ra[c:])
		xb.StorePart(rb[c:])
		accA = xa.MulAdd(uv, accA)
		accB = xb.MulAdd(uv, accB)
		pv = archsimd.BroadcastFloat64x4(ua).MulAdd(xa, pv)
		archsimd.BroadcastFloat64x4(ub).MulAdd(xb, pv).StorePart(p[c:])
	}
	return vecmath.Hsum4(accA), vecmath.Hsum4(accB)
}

func tridiagRow2AVX512(pa, pb, pu, pvp, pwp, pp unsafe.Pointer, n int, ua, nvpa, nwpa, ub, nvpb, nwpb float64) (archsimd.Float64x8, archsimd.Float64x8) {
	bua, bva, bwa := archsimd.BroadcastFloat64x8(ua), archsimd.BroadcastFloat64x8(nvpa), archsimd.BroadcastFloat64x8(nwpa)
	bub, bvb, bwb := archsimd.BroadcastFloat64x8(ub), archsimd.BroadcastFloat64x8(nvpb), archsimd.BroadcastFloat64x8(nwpb)
	var accA, accB archsimd.Float64x8
	for off := 0; off < n*8; off += 64 {
		wv := vecmath.Load8(unsafe.Add(pwp, off))
		vv := vecmath.Load8(unsafe.Add(pvp, off))
		uv := vecmath.Load8(unsafe.Add(pu, off))
		xa := bwa.MulAdd(vv, bva.MulAdd(wv, vecmath.Load8(unsafe.Add(pa, off))))
		xb := bwb.MulAdd(vv, bvb.MulAdd(wv, vecmath.Load8(unsafe.Add(pb, off))))
		xa.StoreArray((*[8]float64)(unsafe.Add(pa, off)))
		xb.StoreArray((*[8]float64)(unsafe.Add(pb, off)))
		accA = xa.MulAdd(uv, accA)
		accB = xb.MulAdd(uv, accB)
		q := (*[8]float64)(unsafe.Add(pp, off))
		bub.MulAdd(xb, bua.MulAdd(xa, archsimd.LoadFloat64x8Array(q))).StoreArray(q)
	}
	return accA, accB
}

func tridiagRow2AVX2(pa, pb, pu, pvp, pwp, pp unsafe.Pointer, n int, ua, nvpa, nwpa, ub, nvpb, nwpb float64) (archsimd.Float64x4, archsimd.Float64x4) {
	bua, bva, bwa := archsimd.BroadcastFloat64x4(ua), archsimd.BroadcastFloat64x4(nvpa), archsimd.BroadcastFloat64x4(nwpa)
	bub, bvb, bwb := archsimd.BroadcastFloat64x4(ub), archsimd.BroadcastFloat64x4(nvpb), archsimd.BroadcastFloat64x4(nwpb)
	var accA, accB archsimd.Float64x4
	for off := 0; off < n*8; off += 32 {
		wv := vecmath.Load4(unsafe.Add(pwp, off))
		vv := vecmath.Load4(unsafe.Add(pvp, off))
		uv := vecmath.Load4(unsafe.Add(pu, off))
		xa := bwa.MulAdd(vv, bva.MulAdd(wv, vecmath.Load4(unsafe.Add(pa, off))))
		xb := bwb.MulAdd(vv, bvb.MulAdd(wv, vecmath.Load4(unsafe.Add(pb, off))))
		xa.StoreArray((*[4]float64)(unsafe.Add(pa, off)))
		xb.StoreArray((*[4]float64)(unsafe.Add(pb, off)))
		accA = xa.MulAdd(uv, accA)
		accB = xb.MulAdd(uv, accB)
		q := (*[4]float64)(unsafe.Add(pp, off))
		bub.MulAdd(xb, bua.MulAdd(xa, archsimd.LoadFloat64x4Array(q))).StoreArray(q)
	}
	return accA, accB
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
