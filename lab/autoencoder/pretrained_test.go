package autoencoder

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mnistlab/golab/lab/metrics"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/pretrained"
)

// TestPretrained checks the shipped autoencoder (lab/pretrained/autoencoder,
// trained by `go run ./lab/cmd/autoencoder train`) on the MNIST test images.
//
// Its README records a reconstruction error of 0.03709 per pixel on the
// 10 000 test images (XLA backend; 0.03704 on the pure-Go one) and a 5-NN
// accuracy of the 2-D codes of 78.53 %; on the first 2 000 test images (the
// -short subset) the pure-Go backend gives 0.03776 and 72.70 %. On the whole
// test set the bounds are the README's numbers within what float32 rounding
// of another backend can move them: MSE < 1.02 × 0.0371 and 5-NN accuracy
// within one point of 78.5 %; the -short bounds keep 10 % slack. (After 60
// steps the MSE is still 0.059.)
func TestPretrained(t *testing.T) {
	if _, err := pretrained.Dir(pretrained.AutoEncoder); err != nil {
		t.Fatalf("shipped autoencoder missing: %v", err)
	}
	test, err := mnist.Load(mnist.Test)
	if err != nil {
		t.Skipf("MNIST test images not installed (%v): run go run ./lab/cmd/mnist-fetch or set MNIST_DIR", err)
	}
	maxMSE, minKNN := 0.0379, 0.775 // 1.02 × 0.0371, 0.785 − 0.01
	if testing.Short() {
		test = test.Head(2000)
		maxMSE, minKNN = 0.042, 0.65 // 1.1 × 0.0378, 0.9 × 0.727
	}
	m, err := LoadPretrained()
	if err != nil {
		t.Fatal(err)
	}
	cfg := m.Config()
	if m.Step() != DefaultSteps || len(m.Losses()) != DefaultSteps || cfg.Dir != "" || m.NumParameters() != 936466 ||
		!slices.Equal(cfg.Hidden, DefaultHidden) || cfg.Code != DefaultCode || cfg.BatchSize != DefaultBatchSize ||
		cfg.LearningRate != DefaultLearningRate || cfg.Seed != 0 {
		t.Fatalf("pretrained: %s, %d losses, config %+v", m, len(m.Losses()), cfg)
	}
	if l := m.Losses(); lastMean(l, 100) > 140 || lastMean(l, 100) > float64(l[0])/3 {
		t.Errorf("final training loss %.2f (first step %.2f), want ≤ 140 (README: 134.54)", lastMean(l, 100), l[0])
	}

	x := test.Float32()
	mse, err := m.ReconstructionError(x)
	if err != nil {
		t.Fatal(err)
	}
	z, err := m.Encode(x)
	if err != nil {
		t.Fatal(err)
	}
	codes := mat.NewDense(len(z), DefaultCode, nil)
	for i, row := range z {
		codes.SetRow(i, []float64{float64(row[0]), float64(row[1])})
	}
	labels := make([]int, test.N)
	for i, l := range test.Labels {
		labels[i] = int(l)
	}
	acc, err := metrics.KNNAccuracy(codes, labels, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s on %d test images: MSE %.5f per pixel, 5-NN accuracy of the codes %.4f", m, test.N, mse, acc)
	if !(mse < maxMSE) || !(acc > minKNN) {
		t.Fatalf("shipped autoencoder on %d test images: MSE %.5f, 5-NN accuracy %.4f; want < %g and > %g", test.N, mse, acc, maxMSE, minKNN)
	}

	// ReconstructionError agrees with the mean squared difference between
	// the first images and their decoded codes (up to its float32 sum of
	// 78 400 terms).
	const n = 100
	rec, err := m.Decode(z[:n])
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for i, r := range rec {
		for j, v := range r {
			d := float64(v) - float64(x[i*XDim+j])
			sum += d * d
		}
	}
	want, err := m.ReconstructionError(x[:n*XDim])
	if err != nil {
		t.Fatal(err)
	}
	if got := sum / (n * XDim); math.Abs(got-want) > 1e-4*want {
		t.Errorf("MSE of Decode(Encode(x)) = %.7f, ReconstructionError = %.7f", got, want)
	}
}

// Load the shipped autoencoder and map a blank image to the plane and back.
func ExampleLoadPretrained() {
	m, err := LoadPretrained()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("steps:", m.Step(), "parameters:", m.NumParameters())
	z, _ := m.Encode(make([]float32, XDim))
	img, _ := m.Decode(z)
	fmt.Println("code:", len(z[0]), "numbers; decoded:", len(img[0]), "pixels")
	// Output:
	// steps: 4690 parameters: 936466
	// code: 2 numbers; decoded: 784 pixels
}
