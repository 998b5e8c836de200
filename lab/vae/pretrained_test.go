package vae

import (
	"math"
	"testing"

	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/pretrained"
)

// The shipped VAE's scores, from lab/pretrained/vae/README.md (10 000 test
// images, mean of 100 passes, evaluation seed 0).
const (
	shippedNELBO = 99.413
	shippedKL    = 19.157
	shippedREC   = 80.256
)

// TestPretrainedScores re-evaluates the shipped VAE on the MNIST test images
// and compares with its README. With fewer passes (10, or 2 on the first
// 2 000 images with -short) the Monte Carlo means move by a few hundredths of
// a nat, and the backend's float32 rounding by less: the tolerance is 0.15
// nats on NELBO and REC and 0.1 on KL (0.6 and 0.4 with -short, where the
// subset itself differs from the whole test set).
func TestPretrainedScores(t *testing.T) {
	dir, err := pretrained.Dir(pretrained.VAE)
	if err != nil {
		t.Fatalf("shipped VAE missing: %v", err)
	}
	test, err := mnist.Load(mnist.Test)
	if err != nil {
		t.Skipf("MNIST test images not installed (%v): run go run ./lab/cmd/mnist-fetch or set MNIST_DIR", err)
	}
	repeats, tol, tolKL := 10, 0.15, 0.1
	if testing.Short() {
		test, repeats, tol, tolKL = test.Head(2000), 2, 0.6, 0.4
	}
	m, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Step() != 20000 || m.Config().Z != 10 {
		t.Fatalf("shipped VAE: step %d, z %d; want 20000 and 10", m.Step(), m.Config().Z)
	}
	r, err := m.Evaluate(test.Float32(), EvalOptions{Repeats: repeats})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("shipped VAE on %d test images, %d passes: NELBO %.3f KL %.3f REC %.3f (README: %.3f / %.3f / %.3f) in %v",
		r.Images, r.Repeats, r.NELBO, r.KL, r.REC, shippedNELBO, shippedKL, shippedREC, r.Elapsed)
	if math.Abs(r.NELBO-shippedNELBO) > tol || math.Abs(r.KL-shippedKL) > tolKL || math.Abs(r.REC-shippedREC) > tol {
		t.Fatalf("shipped VAE: NELBO %.3f KL %.3f REC %.3f, README %.3f / %.3f / %.3f (tolerance %.2f, KL %.2f)",
			r.NELBO, r.KL, r.REC, shippedNELBO, shippedKL, shippedREC, tol, tolKL)
	}
}
