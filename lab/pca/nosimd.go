//go:build !(goexperiment.simd && amd64)

package pca

import "github.com/mnistlab/golab/lab/internal/vecmath"

// syrkPacked is not built without GOEXPERIMENT=simd on amd64 (kernels is
// vecmath.Scalar then and gonum's BLAS is used instead).
func syrkPacked(l vecmath.Level, pk []float64, rows, i0, jc, ld int, c []float64) {
	panic("pca: no vector kernels in this build")
}

// syrkInt16 is not built without GOEXPERIMENT=simd on amd64 (the integer
// covariance path needs a vector level).
func syrkInt16(l vecmath.Level, buf []int16, ld int, pairs []int32, i0, j0 int, c []int32) {
	panic("pca: no vector kernels in this build")
}

// packPair is not built without GOEXPERIMENT=simd on amd64.
func packPair(l vecmath.Level, r0, r1 []float64, out []int16, nz []uint64) (maxAbs int32, ok bool) {
	panic("pca: no vector kernels in this build")
}

// tridiagRowSIMD, tridiagRow2SIMD, dotSIMD and axpySIMD are not built without
// GOEXPERIMENT=simd on amd64.
func tridiagRowSIMD(l vecmath.Level, row, u, vp, wp, p []float64, ur, vpr, wpr float64) float64 {
	panic("pca: no vector kernels in this build")
}

func tridiagRow2SIMD(l vecmath.Level, ra, rb, u, vp, wp, p []float64, ua, vpa, wpa, ub, vpb, wpb float64) (float64, float64) {
	panic("pca: no vector kernels in this build")
}

func dotSIMD(l vecmath.Level, x, y []float64) float64 { panic("pca: no vector kernels in this build") }

func axpySIMD(l vecmath.Level, alpha float64, x, y []float64) {
	panic("pca: no vector kernels in this build")
}
