package autoencoder

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/mnistlab/golab/lab/internal/labtest"
	"github.com/mnistlab/golab/lab/internal/train"
)

// lastMean is the mean of the last w values of h.
func lastMean(h []float32, w int) float64 { return train.MeanOfLast(h, w) }

func smallConfig(dir string) Config {
	return Config{Hidden: []int{32, 8}, Seed: 3, BatchSize: 20, LearningRate: 3e-3, Dir: dir}
}

func mustNew(t testing.TB, cfg Config) *AutoEncoder { return labtest.Must(New(cfg))(t) }

func mustEncode(t *testing.T, m *AutoEncoder, x []float32) [][]float32 {
	t.Helper()
	z, err := m.Encode(x)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestDefaultsShapesAndParameters(t *testing.T) {
	m := mustNew(t, Config{})
	c := m.Config()
	if !slices.Equal(c.Hidden, []int{512, 128}) || c.Code != 2 || c.BatchSize != 128 || c.LearningRate != 1e-3 {
		t.Fatalf("defaults: %+v", c)
	}
	// Encoder 784·512+512 + 512·128+128 + 128·2+2, decoder 2·128+128 + 128·512+512 + 512·784+784.
	want := 784*512 + 512 + 512*128 + 128 + 128*2 + 2 + 2*128 + 128 + 128*512 + 512 + 512*784 + 784
	if got := m.NumParameters(); got != want {
		t.Fatalf("NumParameters = %d, want %d", got, want)
	}
	x := labtest.Images(5, 1)
	z := mustEncode(t, m, x)
	if len(z) != 5 || len(z[0]) != 2 {
		t.Fatalf("Encode: %d rows of %d, want 5 of 2", len(z), len(z[0]))
	}
	imgs, err := m.Decode(z)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 5 || len(imgs[0]) != XDim {
		t.Fatalf("Decode: %d rows of %d, want 5 of 784", len(imgs), len(imgs[0]))
	}
	for _, img := range imgs {
		for _, v := range img {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("decoded pixel %v outside [0, 1]", v)
			}
		}
	}
	rec, err := m.Reconstruct(x)
	if err != nil || !labtest.EqualRows(rec, imgs) {
		t.Fatalf("Reconstruct differs from Decode(Encode): err %v", err)
	}
	// ReconstructionError is the per-pixel MSE of Reconstruct.
	se := 0.0
	for i, img := range rec {
		for j, v := range img {
			d := float64(v - x[i*XDim+j])
			se += d * d
		}
	}
	got, err := m.ReconstructionError(x)
	if err != nil || math.Abs(got-se/float64(5*XDim)) > 1e-5 {
		t.Fatalf("ReconstructionError = %v (err %v), want %v", got, err, se/float64(5*XDim))
	}
}

func TestBadInput(t *testing.T) {
	for _, bad := range []Config{{Code: -1}, {Hidden: []int{}}, {Hidden: []int{8, 0}}, {BatchSize: -1}, {LearningRate: -1}} {
		if _, err := New(bad); err == nil || !strings.HasPrefix(err.Error(), "autoencoder: ") {
			t.Errorf("New(%+v): err = %v, want an autoencoder: error", bad, err)
		}
	}
	m := mustNew(t, smallConfig(""))
	if _, err := m.Encode(make([]float32, 100)); err == nil {
		t.Error("Encode accepted 100 values")
	}
	if _, err := m.Decode([][]float32{{1, 2, 3}}); err == nil {
		t.Error("Decode accepted a 3-value code")
	}
	if err := m.Fit(context.Background(), labtest.Images(3, 1), FitOptions{Steps: -1}); err == nil {
		t.Error("Fit accepted Steps=-1")
	}
	if _, err := m.Save(); err == nil {
		t.Error("Save without Dir succeeded")
	}
}

func TestSeedDeterminesInitialisation(t *testing.T) {
	x := labtest.Images(6, 2)
	a := mustEncode(t, mustNew(t, smallConfig("")), x)
	b := mustEncode(t, mustNew(t, smallConfig("")), x)
	if !labtest.EqualRows(a, b) {
		t.Fatal("same seed gave different codes")
	}
	cfg := smallConfig("")
	cfg.Seed++
	if labtest.EqualRows(a, mustEncode(t, mustNew(t, cfg), x)) {
		t.Fatal("different seeds gave identical codes")
	}
}

func TestLossDecreasesOnFixedBatch(t *testing.T) {
	x := labtest.Images(20, 3) // one batch of 20: every step sees the same images
	m := mustNew(t, smallConfig(""))
	before, err := m.ReconstructionError(x)
	if err != nil {
		t.Fatal(err)
	}
	var calls int
	var last Progress
	if err := m.Fit(context.Background(), x, FitOptions{Steps: 150, Progress: func(p Progress) { calls++; last = p }}); err != nil {
		t.Fatal(err)
	}
	l := m.Losses()
	if m.Step() != 150 || len(l) != 150 || calls != 150 || last.Step != 150 || last.Steps != 150 {
		t.Fatalf("step %d, %d losses, %d progress calls, last %+v", m.Step(), len(l), calls, last)
	}
	if !(l[149] < 0.5*l[0]) {
		t.Fatalf("loss did not fall: step 1 %v, step 150 %v", l[0], l[149])
	}
	after, _ := m.ReconstructionError(x)
	if !(after < 0.5*before) {
		t.Fatalf("reconstruction error %v → %v, want halved", before, after)
	}
	// Already there: nothing to do. Epochs: 2 passes of one batch = 2 steps, below 150.
	if err := m.Fit(context.Background(), x, FitOptions{Epochs: 2}); err != nil || m.Step() != 150 {
		t.Fatalf("Fit(Epochs: 2): step %d, err %v", m.Step(), err)
	}
}

func TestEpochs(t *testing.T) {
	m := mustNew(t, smallConfig(""))
	// 50 images in batches of 20: 3 steps per epoch.
	if err := m.Fit(context.Background(), labtest.Images(50, 4), FitOptions{Epochs: 2}); err != nil {
		t.Fatal(err)
	}
	if m.Step() != 6 {
		t.Fatalf("2 epochs of 50 images in batches of 20: %d steps, want 6", m.Step())
	}
}

// TestContract runs the checks every model shares: checkpoints, round
// trips, resumption bit for bit, cancellation, damaged files.
func TestContract(t *testing.T) {
	x := labtest.Images(90, 6)
	labtest.Contract(t, labtest.Case[*AutoEncoder]{
		Name: "autoencoder",
		New:  func(dir string) (*AutoEncoder, error) { return New(smallConfig(dir)) },
		Other: func(dir string) (*AutoEncoder, error) {
			cfg := smallConfig(dir)
			cfg.Hidden = []int{16, 8}
			return New(cfg)
		},
		Open:  Open,
		Fit:   func(ctx context.Context, m *AutoEncoder, o FitOptions) error { return m.Fit(ctx, x, o) },
		Store: func(m *AutoEncoder) *model.Store { return m.core.Store },
	})
}
