//go:build !(goexperiment.simd && amd64)

package pca

import "github.com/mnistlab/golab/lab/internal/vecmath"

// syrkSIMD is not built without GOEXPERIMENT=simd on amd64 (kernels is
// vecmath.Scalar then and gonum's BLAS is used instead).
func syrkSIMD(l vecmath.Level, a []float64, ld, rows, d int, c []float64) {
	panic("pca: no vector kernels in this build")
}
