//go:build goexperiment.simd && amd64

package pca

import (
	"simd/archsimd"

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
