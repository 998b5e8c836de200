//go:build goexperiment.simd && amd64

package gmm

import (
	"math"
	"simd/archsimd"
	"unsafe"

	"github.com/mnistlab/golab/lab/internal/vecmath"
)

// Each kernel below has an AVX-512 version (8 lanes) and an AVX2+FMA version
// (4 lanes) that computes every lane with the same sequence of operations, so
// the two give bit-identical results; the entry points dispatch on the
// package's kernels level.
//
// The kernels use unsafe pointer arithmetic in their inner loops: with slices
// the bounds checks need more general registers than the compiler has and it
// spills in the hot loop. Each entry point checks the extent of every slice
// it reads or writes before the loops.

// mahaSIMD computes, for the blockCols columns c of a data block xb (d rows
// of stride `stride`), out[c] = Σ_j (Σ_{i≤j} m[i*dp+j]·xb[i*stride+c] − b[j])²
// for j < dp, i.e. ‖L⁻¹(x_c − μ)‖² with m = L⁻ᵀ (upper triangular, columns
// padded with zeros to dp, a multiple of 4) and b = μᵀ·m.
//
// The sum grows with every group of 4 coordinates; as soon as the partial
// sums of all 16 columns of a chunk exceed their thresholds thr[c], the rest
// is skipped and the chunk's out values are set to +Inf (see logProb).
func mahaSIMD(xb []float64, stride, d, dp int, m, b, thr, out []float64) {
	_ = xb[(d-1)*stride+blockCols-1]
	_ = m[d*dp-1]
	_ = b[dp-1]
	_ = out[blockCols-1]
	_ = thr[blockCols-1]
	wide := kernels == vecmath.AVX512
	xp := unsafe.Pointer(&xb[0])
	mp := unsafe.Pointer(&m[0])
	for c := 0; c < blockCols; c += 16 {
		o := (*[16]float64)(out[c : c+16])
		th := (*[16]float64)(thr[c : c+16])
		*o = [16]float64{}
		xc := unsafe.Add(xp, c*8)
		for j0 := 0; j0 < dp; j0 += 4 {
			mj, bj, iend := unsafe.Add(mp, j0*8), (*[4]float64)(b[j0:j0+4]), min(d, j0+4)
			if wide {
				mahaTile(xc, stride*8, mj, dp*8, iend, bj, o)
			} else {
				mahaTileAVX2(xc, stride*8, mj, dp*8, iend, bj, (*[8]float64)(o[0:8]))
				mahaTileAVX2(unsafe.Add(xc, 64), stride*8, mj, dp*8, iend, bj, (*[8]float64)(o[8:16]))
			}
			if allAbove(o, th) {
				for q := range o {
					o[q] = math.Inf(1)
				}
				break
			}
		}
	}
}

func allAbove(o, th *[16]float64) bool {
	for q := range o {
		if !(o[q] > th[q]) {
			return false
		}
	}
	return true
}

// mahaTile handles 16 columns × 4 output coordinates j0..j0+3: 8 vector
// accumulators start at −b and gain m[i][j]·x[i][c] for i < iend; their
// squares are added to o.
func mahaTile(x unsafe.Pointer, xstride int, m unsafe.Pointer, mstride int, iend int, b *[4]float64, o *[16]float64) {
	a00 := archsimd.BroadcastFloat64x8(-b[0])
	a01 := a00
	a10 := archsimd.BroadcastFloat64x8(-b[1])
	a11 := a10
	a20 := archsimd.BroadcastFloat64x8(-b[2])
	a21 := a20
	a30 := archsimd.BroadcastFloat64x8(-b[3])
	a31 := a30
	// Offsets rather than advancing pointers: a pointer past the end of an
	// allocation is invalid in Go, even if never dereferenced.
	xo, mo := 0, 0
	for range iend {
		x0 := vecmath.Load8(unsafe.Add(x, xo))
		x1 := vecmath.Load8(unsafe.Add(x, xo+64))
		mm := (*[4]float64)(unsafe.Add(m, mo))
		w := archsimd.BroadcastFloat64x8(mm[0])
		a00 = w.MulAdd(x0, a00)
		a01 = w.MulAdd(x1, a01)
		w = archsimd.BroadcastFloat64x8(mm[1])
		a10 = w.MulAdd(x0, a10)
		a11 = w.MulAdd(x1, a11)
		w = archsimd.BroadcastFloat64x8(mm[2])
		a20 = w.MulAdd(x0, a20)
		a21 = w.MulAdd(x1, a21)
		w = archsimd.BroadcastFloat64x8(mm[3])
		a30 = w.MulAdd(x0, a30)
		a31 = w.MulAdd(x1, a31)
		xo += xstride
		mo += mstride
	}
	s0 := vecmath.Load8(unsafe.Pointer(&o[0]))
	s1 := vecmath.Load8(unsafe.Pointer(&o[8]))
	s0 = a00.MulAdd(a00, s0)
	s0 = a10.MulAdd(a10, s0)
	s0 = a20.MulAdd(a20, s0)
	s0 = a30.MulAdd(a30, s0)
	s1 = a01.MulAdd(a01, s1)
	s1 = a11.MulAdd(a11, s1)
	s1 = a21.MulAdd(a21, s1)
	s1 = a31.MulAdd(a31, s1)
	s0.StoreArray((*[8]float64)(o[0:8]))
	s1.StoreArray((*[8]float64)(o[8:16]))
}

// mahaTileAVX2 is mahaTile for 8 columns with 4-lane vectors (8
// accumulators, 2 loaded vectors and a broadcast fit in 16 registers).
func mahaTileAVX2(x unsafe.Pointer, xstride int, m unsafe.Pointer, mstride int, iend int, b *[4]float64, o *[8]float64) {
	a00 := archsimd.BroadcastFloat64x4(-b[0])
	a01 := a00
	a10 := archsimd.BroadcastFloat64x4(-b[1])
	a11 := a10
	a20 := archsimd.BroadcastFloat64x4(-b[2])
	a21 := a20
	a30 := archsimd.BroadcastFloat64x4(-b[3])
	a31 := a30
	xo, mo := 0, 0
	for range iend {
		x0 := vecmath.Load4(unsafe.Add(x, xo))
		x1 := vecmath.Load4(unsafe.Add(x, xo+32))
		mm := (*[4]float64)(unsafe.Add(m, mo))
		w := archsimd.BroadcastFloat64x4(mm[0])
		a00 = w.MulAdd(x0, a00)
		a01 = w.MulAdd(x1, a01)
		w = archsimd.BroadcastFloat64x4(mm[1])
		a10 = w.MulAdd(x0, a10)
		a11 = w.MulAdd(x1, a11)
		w = archsimd.BroadcastFloat64x4(mm[2])
		a20 = w.MulAdd(x0, a20)
		a21 = w.MulAdd(x1, a21)
		w = archsimd.BroadcastFloat64x4(mm[3])
		a30 = w.MulAdd(x0, a30)
		a31 = w.MulAdd(x1, a31)
		xo += xstride
		mo += mstride
	}
	s0 := vecmath.Load4(unsafe.Pointer(&o[0]))
	s1 := vecmath.Load4(unsafe.Pointer(&o[4]))
	s0 = a00.MulAdd(a00, s0)
	s0 = a10.MulAdd(a10, s0)
	s0 = a20.MulAdd(a20, s0)
	s0 = a30.MulAdd(a30, s0)
	s1 = a01.MulAdd(a01, s1)
	s1 = a11.MulAdd(a11, s1)
	s1 = a21.MulAdd(a21, s1)
	s1 = a31.MulAdd(a31, s1)
	s0.StoreArray((*[4]float64)(o[0:4]))
	s1.StoreArray((*[4]float64)(o[4:8]))
}

// Constants of the exponential (the reduction and polynomial of the Go
// standard library's math.Exp, from FreeBSD's e_exp.c).
const (
	expLn2Hi = 6.93147180369123816490e-01
	expLn2Lo = 1.90821492927058770002e-10
	expLog2e = 1.44269504088896338700e+00
	expP1    = 1.66666666666666657415e-01  /* 0x3FC55555; 0x55555555 */
	expP2    = -2.77777777770155933842e-03 /* 0xBF66C16C; 0x16BEBD93 */
	expP3    = 6.61375632143793436117e-05  /* 0x3F11566A; 0xAF25DE2C */
	expP4    = -1.65339022054652515390e-06 /* 0xBEBBBD41; 0xC5D26BF1 */
	expP5    = 4.13813679705723846039e-08  /* 0x3E663769; 0x72BEA4D0 */
)

// expShiftedSIMD sets x[q] = exp(x[q] − shift[q]) for q < blockCols, 0 where
// the argument is below −746: k = round(a/ln2), r = a − k·ln2 (in two parts),
// exp(r) by the rational approximation of math.Exp, times 2^k.
func expShiftedSIMD(x, shift []float64) {
	x, shift = x[:blockCols], shift[:blockCols]
	if kernels == vecmath.AVX512 {
		for q := 0; q < blockCols; q += 8 {
			expShifted8(x[q:q+8], shift[q:q+8])
		}
		return
	}
	for q := 0; q < blockCols; q += 4 {
		expShifted4(x[q:q+4], shift[q:q+4])
	}
}

// expShifted8 is one AVX-512 step of expShiftedSIMD; 2^k by VSCALEFPD, which
// also produces subnormal results correctly.
func expShifted8(x, shift []float64) {
	lo := archsimd.BroadcastFloat64x8(-746)
	a := archsimd.LoadFloat64x8(x).Sub(archsimd.LoadFloat64x8(shift))
	keep := a.Greater(lo)
	a = a.Max(lo)
	k := a.Mul(archsimd.BroadcastFloat64x8(expLog2e)).RoundScaled(0)
	hi := k.MulAdd(archsimd.BroadcastFloat64x8(-expLn2Hi), a)
	l := k.Mul(archsimd.BroadcastFloat64x8(expLn2Lo))
	r := hi.Sub(l)
	t := r.Mul(r)
	p := t.MulAdd(archsimd.BroadcastFloat64x8(expP5), archsimd.BroadcastFloat64x8(expP4))
	p = t.MulAdd(p, archsimd.BroadcastFloat64x8(expP3))
	p = t.MulAdd(p, archsimd.BroadcastFloat64x8(expP2))
	p = t.MulAdd(p, archsimd.BroadcastFloat64x8(expP1))
	c := r.Sub(t.Mul(p))
	two := archsimd.BroadcastFloat64x8(2)
	y := l.Sub(r.Mul(c).Div(two.Sub(c))).Sub(hi)
	y = archsimd.BroadcastFloat64x8(1).Sub(y)
	y = y.Scale(k)
	y.Masked(keep).Store(x)
}

// expShifted4 is expShifted8 with AVX2 instructions only. AVX2 has no
// VSCALEFPD: 2^k is applied as 2^k₁·2^k₂ with k₁ = ⌊k/2⌋, each factor a normal
// number built from its exponent bits; y·2^k₁ is exact (y ∈ [½, 2], k ≥ −1077)
// and the second product rounds once, as VSCALEFPD does, so the results are
// bit-identical.
func expShifted4(x, shift []float64) {
	lo := archsimd.BroadcastFloat64x4(-746)
	a := archsimd.LoadFloat64x4(x).Sub(archsimd.LoadFloat64x4(shift))
	keep := a.Greater(lo)
	a = a.Max(lo)
	k := a.Mul(archsimd.BroadcastFloat64x4(expLog2e)).Round()
	hi := k.MulAdd(archsimd.BroadcastFloat64x4(-expLn2Hi), a)
	l := k.Mul(archsimd.BroadcastFloat64x4(expLn2Lo))
	r := hi.Sub(l)
	t := r.Mul(r)
	p := t.MulAdd(archsimd.BroadcastFloat64x4(expP5), archsimd.BroadcastFloat64x4(expP4))
	p = t.MulAdd(p, archsimd.BroadcastFloat64x4(expP3))
	p = t.MulAdd(p, archsimd.BroadcastFloat64x4(expP2))
	p = t.MulAdd(p, archsimd.BroadcastFloat64x4(expP1))
	c := r.Sub(t.Mul(p))
	two := archsimd.BroadcastFloat64x4(2)
	y := l.Sub(r.Mul(c).Div(two.Sub(c))).Sub(hi)
	y = archsimd.BroadcastFloat64x4(1).Sub(y)
	k1 := k.Mul(archsimd.BroadcastFloat64x4(0.5)).Floor()
	y = y.Mul(pow2AVX2(k1)).Mul(pow2AVX2(k.Sub(k1)))
	y.Masked(keep).Store(x)
}

// pow2AVX2 returns 2^k for integral k in [−1022, 1023]: adding 1.5·2⁵² puts k
// in the low bits of the float's representation (whose low 12 bits are
// otherwise zero); adding the bias and shifting by 52 gives the exponent
// field of 2^k.
func pow2AVX2(k archsimd.Float64x4) archsimd.Float64x4 {
	const magic = 0x1.8p52
	bits := k.Add(archsimd.BroadcastFloat64x4(magic)).AsInt64x4()
	return bits.Add(archsimd.BroadcastInt64x4(1023)).ShiftAllLeft(52).AsFloat64x4()
}

// The helpers below are element-wise loops over blockCols values of the
// E- and M-steps, vectorised.

// scaleCentreSIMD sets dst[q] = sg[q]·(src[q] − mu) for q < blockCols.
func scaleCentreSIMD(dst, src, sg []float64, mu float64) {
	dst, src, sg = dst[:blockCols], src[:blockCols], sg[:blockCols]
	if kernels == vecmath.AVX512 {
		m := archsimd.BroadcastFloat64x8(mu)
		for q := 0; q < blockCols; q += 8 {
			x := archsimd.LoadFloat64x8(src[q : q+8]).Sub(m)
			x.Mul(archsimd.LoadFloat64x8(sg[q : q+8])).Store(dst[q : q+8])
		}
		return
	}
	m := archsimd.BroadcastFloat64x4(mu)
	for q := 0; q < blockCols; q += 4 {
		x := archsimd.LoadFloat64x4(src[q : q+4]).Sub(m)
		x.Mul(archsimd.LoadFloat64x4(sg[q : q+4])).Store(dst[q : q+4])
	}
}

// logpAndMaxSIMD sets lp[q] = c − ½·maha[q] and best[q] = max(best[q], lp[q]).
func logpAndMaxSIMD(lp, maha, best []float64, c float64) {
	lp, maha, best = lp[:blockCols], maha[:blockCols], best[:blockCols]
	if kernels == vecmath.AVX512 {
		cv := archsimd.BroadcastFloat64x8(c)
		half := archsimd.BroadcastFloat64x8(-0.5)
		for q := 0; q < blockCols; q += 8 {
			v := archsimd.LoadFloat64x8(maha[q:q+8]).MulAdd(half, cv)
			v.Store(lp[q : q+8])
			v.Max(archsimd.LoadFloat64x8(best[q : q+8])).Store(best[q : q+8])
		}
		return
	}
	cv := archsimd.BroadcastFloat64x4(c)
	half := archsimd.BroadcastFloat64x4(-0.5)
	for q := 0; q < blockCols; q += 4 {
		v := archsimd.LoadFloat64x4(maha[q:q+4]).MulAdd(half, cv)
		v.Store(lp[q : q+4])
		v.Max(archsimd.LoadFloat64x4(best[q : q+4])).Store(best[q : q+4])
	}
}

// thresholdSIMD sets thr[q] = 2·(c − best[q] + 750).
func thresholdSIMD(thr, best []float64, c float64) {
	thr, best = thr[:blockCols], best[:blockCols]
	if kernels == vecmath.AVX512 {
		cv := archsimd.BroadcastFloat64x8(2 * (c + 750))
		m2 := archsimd.BroadcastFloat64x8(-2)
		for q := 0; q < blockCols; q += 8 {
			archsimd.LoadFloat64x8(best[q:q+8]).MulAdd(m2, cv).Store(thr[q : q+8])
		}
		return
	}
	cv := archsimd.BroadcastFloat64x4(2 * (c + 750))
	m2 := archsimd.BroadcastFloat64x4(-2)
	for q := 0; q < blockCols; q += 4 {
		archsimd.LoadFloat64x4(best[q:q+4]).MulAdd(m2, cv).Store(thr[q : q+4])
	}
}

// addSIMD sets dst[q] += x[q].
func addSIMD(dst, x []float64) {
	dst, x = dst[:blockCols], x[:blockCols]
	if kernels == vecmath.AVX512 {
		for q := 0; q < blockCols; q += 8 {
			archsimd.LoadFloat64x8(dst[q : q+8]).Add(archsimd.LoadFloat64x8(x[q : q+8])).Store(dst[q : q+8])
		}
		return
	}
	for q := 0; q < blockCols; q += 4 {
		archsimd.LoadFloat64x4(dst[q : q+4]).Add(archsimd.LoadFloat64x4(x[q : q+4])).Store(dst[q : q+4])
	}
}

// mulSIMD sets dst[q] = x[q]·y[q].
func mulSIMD(dst, x, y []float64) {
	dst, x, y = dst[:blockCols], x[:blockCols], y[:blockCols]
	if kernels == vecmath.AVX512 {
		for q := 0; q < blockCols; q += 8 {
			archsimd.LoadFloat64x8(x[q : q+8]).Mul(archsimd.LoadFloat64x8(y[q : q+8])).Store(dst[q : q+8])
		}
		return
	}
	for q := 0; q < blockCols; q += 4 {
		archsimd.LoadFloat64x4(x[q : q+4]).Mul(archsimd.LoadFloat64x4(y[q : q+4])).Store(dst[q : q+4])
	}
}

// sqrtSIMD sets dst[q] = √x[q].
func sqrtSIMD(dst, x []float64) {
	dst, x = dst[:blockCols], x[:blockCols]
	if kernels == vecmath.AVX512 {
		for q := 0; q < blockCols; q += 8 {
			archsimd.LoadFloat64x8(x[q : q+8]).Sqrt().Store(dst[q : q+8])
		}
		return
	}
	for q := 0; q < blockCols; q += 4 {
		archsimd.LoadFloat64x4(x[q : q+4]).Sqrt().Store(dst[q : q+4])
	}
}
