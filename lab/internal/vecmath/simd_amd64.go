//go:build goexperiment.simd && amd64

package vecmath

import (
	"simd/archsimd"
	"unsafe"
)

// Best is the widest level this CPU supports, read once at start-up
// (archsimd honours GODEBUG=cpu.avx512f=off and cpu.avx2=off).
var Best = detect()

func detect() Level {
	switch {
	case archsimd.X86.AVX512():
		return AVX512
	case archsimd.X86.AVX2() && archsimd.X86.FMA():
		return AVX2
	}
	return Scalar
}

// Load8 loads the 8 float64 values at p (AVX-512). It lets kernels use unsafe
// offsets from in-bounds row starts in their inner loops: with slices the
// bounds checks need more general registers than the compiler has and it
// spills.
func Load8(p unsafe.Pointer) archsimd.Float64x8 {
	return archsimd.LoadFloat64x8Array((*[8]float64)(p))
}

// Load4 loads the 4 float64 values at p (AVX2), as Load8.
func Load4(p unsafe.Pointer) archsimd.Float64x4 {
	return archsimd.LoadFloat64x4Array((*[4]float64)(p))
}

// Hsum returns the sum of the 8 lanes of v, added pairwise in a fixed order.
func Hsum(v archsimd.Float64x8) float64 {
	var t [8]float64
	v.StoreArray(&t)
	return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]))
}

// Hsum4 returns the sum of the 4 lanes of v, added pairwise in a fixed order.
func Hsum4(v archsimd.Float64x4) float64 {
	var t [4]float64
	v.StoreArray(&t)
	return (t[0] + t[1]) + (t[2] + t[3])
}

// Dot4x2 adds to r the 8 dot products, over n values (a multiple of 8), of
// the rows a[r*as:] (r < 4) with the rows b[s*bs:] (s < 2), in the order
// (a0·b0, a0·b1, a1·b0, a1·b1, …), with the kernel of level l (AVX512 or
// AVX2; it panics for a level the CPU lacks). The extents are checked first;
// the inner loops then use unsafe offsets from in-bounds row starts (bounds
// checks would make the compiler spill).
func Dot4x2(l Level, a []float64, as int, b []float64, bs int, n int, r *[8]float64) {
	mustSupport("Dot4x2", l)
	if n == 0 {
		return
	}
	_ = a[3*as+n-1]
	_ = b[bs+n-1]
	if n%8 != 0 {
		panic("vecmath: Dot4x2 needs a multiple of 8 values")
	}
	if l == AVX512 {
		dot4x2AVX512(unsafe.Pointer(&a[0]), as*8, unsafe.Pointer(&b[0]), bs*8, n, r)
	} else {
		dot4x2AVX2(unsafe.Pointer(&a[0]), as*8, unsafe.Pointer(&b[0]), bs*8, n, r)
	}
}

func dot4x2AVX512(pa unsafe.Pointer, as8 int, pb unsafe.Pointer, bs8 int, n int, r *[8]float64) {
	a1, a2, a3 := unsafe.Add(pa, as8), unsafe.Add(pa, 2*as8), unsafe.Add(pa, 3*as8)
	b1 := unsafe.Add(pb, bs8)
	var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float64x8
	for off := 0; off < n*8; off += 64 {
		y0 := Load8(unsafe.Add(pb, off))
		y1 := Load8(unsafe.Add(b1, off))
		x := Load8(unsafe.Add(pa, off))
		c00 = x.MulAdd(y0, c00)
		c01 = x.MulAdd(y1, c01)
		x = Load8(unsafe.Add(a1, off))
		c10 = x.MulAdd(y0, c10)
		c11 = x.MulAdd(y1, c11)
		x = Load8(unsafe.Add(a2, off))
		c20 = x.MulAdd(y0, c20)
		c21 = x.MulAdd(y1, c21)
		x = Load8(unsafe.Add(a3, off))
		c30 = x.MulAdd(y0, c30)
		c31 = x.MulAdd(y1, c31)
	}
	r[0] += Hsum(c00)
	r[1] += Hsum(c01)
	r[2] += Hsum(c10)
	r[3] += Hsum(c11)
	r[4] += Hsum(c20)
	r[5] += Hsum(c21)
	r[6] += Hsum(c30)
	r[7] += Hsum(c31)
}

// dot4x2AVX2 is dot4x2AVX512 with 4-lane vectors: 8 accumulators, 2 loaded
// b vectors and one a vector fit in the 16 vector registers.
func dot4x2AVX2(pa unsafe.Pointer, as8 int, pb unsafe.Pointer, bs8 int, n int, r *[8]float64) {
	a1, a2, a3 := unsafe.Add(pa, as8), unsafe.Add(pa, 2*as8), unsafe.Add(pa, 3*as8)
	b1 := unsafe.Add(pb, bs8)
	var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float64x4
	for off := 0; off < n*8; off += 32 {
		y0 := Load4(unsafe.Add(pb, off))
		y1 := Load4(unsafe.Add(b1, off))
		x := Load4(unsafe.Add(pa, off))
		c00 = x.MulAdd(y0, c00)
		c01 = x.MulAdd(y1, c01)
		x = Load4(unsafe.Add(a1, off))
		c10 = x.MulAdd(y0, c10)
		c11 = x.MulAdd(y1, c11)
		x = Load4(unsafe.Add(a2, off))
		c20 = x.MulAdd(y0, c20)
		c21 = x.MulAdd(y1, c21)
		x = Load4(unsafe.Add(a3, off))
		c30 = x.MulAdd(y0, c30)
		c31 = x.MulAdd(y1, c31)
	}
	r[0] += Hsum4(c00)
	r[1] += Hsum4(c01)
	r[2] += Hsum4(c10)
	r[3] += Hsum4(c11)
	r[4] += Hsum4(c20)
	r[5] += Hsum4(c21)
	r[6] += Hsum4(c30)
	r[7] += Hsum4(c31)
}
