package gmm

import (
	"math"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

// pcaLike returns n×d synthetic data shaped like a PCA projection of MNIST:
// k clusters with means spread over a few hundred units, correlated
// covariances whose scale decreases with the coordinate (as PCA variances
// do), mixed with moderate overlap.
func pcaLike(n, d, k int) *mat.Dense {
	rng := rand.New(rand.NewPCG(11, 12))
	means := make([][]float64, k)
	facs := make([][]float64, k) // d×d factors
	for j := range k {
		means[j] = make([]float64, d)
		facs[j] = make([]float64, d*d)
		for a := range d {
			scale := 600 / math.Sqrt(float64(a+1))
			means[j][a] = rng.NormFloat64() * scale * 0.5
			for b := 0; b <= a; b++ {
				facs[j][a*d+b] = rng.NormFloat64() * scale * 0.3 / math.Sqrt(float64(a+1))
			}
		}
	}
	X := mat.NewDense(n, d, nil)
	z := make([]float64, d)
	for i := range n {
		j := rng.IntN(k)
		for a := range z {
			z[a] = rng.NormFloat64()
		}
		row := X.RawRowView(i)
		for a := range d {
			v := means[j][a]
			for b := 0; b <= a; b++ {
				v += facs[j][a*d+b] * z[b]
			}
			row[a] = v
		}
	}
	return X
}

// BenchmarkGMMFit fits K=10 components on 60 000×50 with 100 EM iterations
// (the lab's full-size GMM).
func BenchmarkGMMFit(b *testing.B) {
	X := pcaLike(60000, 50, 10)
	start := cpuTime()
	for b.Loop() {
		g := New(10, fixed(123, 100))
		if err := g.Fit(X); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// BenchmarkEStep is one reference E-step of BenchmarkGMMFit's size.
func BenchmarkEStep(b *testing.B) {
	X := pcaLike(60000, 50, 10)
	g := New(10, fixed(123, 2))
	if err := g.Fit(X); err != nil {
		b.Fatal(err)
	}
	w, m, c := g.Weights(), g.Means(), g.Covariances()
	start := cpuTime()
	for b.Loop() {
		if _, err := referenceEStep(X, w, m, c); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// cpuTime is the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds a cpu-s/op metric: CPU seconds per operation, which depends
// less on other load on the machine than the wall time does.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
}
