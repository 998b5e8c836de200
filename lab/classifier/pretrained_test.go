package classifier

import (
	"math"
	"testing"

	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/pretrained"
)

// readmeAccuracy is the test accuracy in lab/pretrained/classifier/README.md.
const readmeAccuracy = 0.9906

// TestPretrainedAccuracy checks the shipped weights on the MNIST test images
// against their README: 99.06 % on all 10 000, reproduced within 0.15 points
// (15 images: the backends round float32 differently, which can flip an image
// whose two best classes are nearly tied); with -short, at least 98.5 % on the
// first 2 000.
func TestPretrainedAccuracy(t *testing.T) {
	if _, err := pretrained.Dir(pretrained.Classifier); err != nil {
		t.Fatalf("shipped classifier missing: %v", err)
	}
	test, err := mnist.Load(mnist.Test)
	if err != nil {
		t.Skipf("MNIST test images not installed (%v): run go run ./lab/cmd/mnist-fetch or set MNIST_DIR", err)
	}
	if testing.Short() {
		test = test.Head(2000)
	}
	m, err := LoadPretrained()
	if err != nil {
		t.Fatal(err)
	}
	if !m.WeightsOnly() || m.Config().Dir != "" || m.NumParameters() != 421642 {
		t.Fatalf("pretrained: weightsOnly %v, dir %q, %d parameters", m.WeightsOnly(), m.Config().Dir, m.NumParameters())
	}
	intended := make([]int, test.N)
	for i, l := range test.Labels {
		intended[i] = int(l)
	}
	j, err := m.Judge(test.Float32(), intended)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s", m, j)
	if !testing.Short() && math.Abs(j.Accuracy-readmeAccuracy) > 0.0015 {
		t.Errorf("shipped classifier: accuracy %.4f on the test set, README %.4f (tolerance 0.0015)", j.Accuracy, readmeAccuracy)
	}
	if j.N != test.N || j.Accuracy < 0.985 || j.MeanConfidence < 0.95 {
		t.Fatalf("shipped classifier on %d test images: accuracy %.4f, mean confidence %.4f; want ≥ 0.985 and ≥ 0.95",
			j.N, j.Accuracy, j.MeanConfidence)
	}
	for d, a := range j.PerDigit {
		if a < 0.95 {
			t.Errorf("digit %d: accuracy %.4f < 0.95", d, a)
		}
	}
}
