//go:build !(goexperiment.simd && amd64)

package gmm

// The kernels below are not built without GOEXPERIMENT=simd on amd64
// (kernels is vecmath.Scalar then and the gonum path is used instead).

func mahaSIMD(xb []float64, stride, d, dp int, m, b, thr, out []float64) {
	panic("gmm: SIMD kernel not built")
}

func scaleCentreSIMD(dst, src, sg []float64, mu float64) {
	panic("gmm: SIMD kernel not built")
}

func expShiftedSIMD(x, shift []float64) {
	panic("gmm: SIMD kernel not built")
}

func logpAndMaxSIMD(lp, maha, best []float64, c float64) { panic("gmm: SIMD kernel not built") }
func thresholdSIMD(thr, best []float64, c float64)       { panic("gmm: SIMD kernel not built") }
func addSIMD(dst, x []float64)                           { panic("gmm: SIMD kernel not built") }
func mulSIMD(dst, x, y []float64)                        { panic("gmm: SIMD kernel not built") }
func sqrtSIMD(dst, x []float64)                          { panic("gmm: SIMD kernel not built") }
