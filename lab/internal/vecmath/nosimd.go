//go:build !(goexperiment.simd && amd64)

package vecmath

// Best is Scalar: this build has no vector kernels (build with
// GOEXPERIMENT=simd on amd64 to get them); callers use their scalar path.
const Best = Scalar

// Dot4x2 is not built without GOEXPERIMENT=simd on amd64: it panics with a
// message (callers check Best first).
func Dot4x2(l Level, a []float64, as int, b []float64, bs int, n int, r *[8]float64) {
	mustSupport("Dot4x2", l)
}
