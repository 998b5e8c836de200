package pca

import (
	"sync"
	"testing"

	"github.com/mnistlab/golab/lab/mnist"
	"gonum.org/v1/gonum/mat"
)

var mnistOnce struct {
	sync.Once
	X   *mat.Dense
	err error
}

// mnistTrain returns the 60 000×784 raw MNIST training images, loaded once;
// it skips the test or benchmark when MNIST is not installed.
func mnistTrain(tb testing.TB) *mat.Dense {
	tb.Helper()
	mnistOnce.Do(func() {
		set, err := mnist.Load(mnist.Train)
		if err != nil {
			mnistOnce.err = err
			return
		}
		mnistOnce.X = set.Dense()
	})
	if mnistOnce.err != nil {
		tb.Skipf("MNIST not installed (go run ./lab/cmd/mnist-fetch): %v", mnistOnce.err)
	}
	return mnistOnce.X
}

// BenchmarkMNISTCovariance is the covariance of the real training images
// (integer pixels: the integer path).
func BenchmarkMNISTCovariance(b *testing.B) {
	X := mnistTrain(b)
	start := cpuTime()
	for b.Loop() {
		if _, _, err := Covariance(X); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// BenchmarkMNISTFit fits PCA(50) on the real training images.
func BenchmarkMNISTFit(b *testing.B) {
	X := mnistTrain(b)
	start := cpuTime()
	for b.Loop() {
		if err := New(50).Fit(X); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// BenchmarkMNISTSymEigen is the eigendecomposition step of referenceFit on the
// covariance of the real training images: all 784 eigenvalues, 50 vectors.
func BenchmarkMNISTSymEigen(b *testing.B) {
	_, cov, err := Covariance(mnistTrain(b))
	if err != nil {
		b.Fatal(err)
	}
	start := cpuTime()
	for b.Loop() {
		if _, _, err := SymEigen(cov, 50); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}
