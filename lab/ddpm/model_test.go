package ddpm

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mnistlab/golab/lab/checkpoints"
	"github.com/mnistlab/golab/lab/internal/labtest"
	"github.com/mnistlab/golab/lab/internal/train"
)

// tinyConfig is a small network that trains in milliseconds.
func tinyConfig(dir string) Config {
	return Config{T: 50, Hidden: 32, Blocks: 1, LabelDim: 4, TimeDim: 8, BatchSize: 16, Seed: 7, Dir: dir}
}

// tinyData is n random "images" (values in [0,1]) with labels 0..9.
func tinyData(n int) ([]float32, []int) {
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, n*XDim)
	for i := range x {
		x[i] = float32(r.Float64())
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 10
	}
	return x, labels
}

// TestTrainingStepReducesLoss takes one Adam step on a fixed batch — same
// images, noise, steps and label dropout — and checks the loss on that batch
// went down.
func TestTrainingStepReducesLoss(t *testing.T) {
	for _, target := range []string{TargetImage, TargetNoise} {
		cfg := tinyConfig("")
		cfg.Target, cfg.LearningRate = target, 1e-3
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		x, labels := tinyData(16)
		b := newStepBatch(16)
		idx := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
		b.fill(m, x, labels, idx, 0)
		lossOf := func() float64 {
			out, err := m.lossExec.Call(b.inputs(16)...)
			if err != nil {
				t.Fatal(err)
			}
			return train.Scalars(out)[0]
		}
		before := lossOf()
		out, err := m.trainExec.Call(append(b.inputs(16), tensors.FromScalar(float32(0.9)))...)
		if err != nil {
			t.Fatal(err)
		}
		if got := train.Scalars(out)[0]; math.Abs(got-before) > 1e-5*max(1, before) {
			t.Errorf("%s: the training step reports loss %v, the loss executable %v", target, got, before)
		}
		after := lossOf()
		if !(after < before) {
			t.Errorf("%s: loss on the fixed batch %v → %v after one step, want a decrease", target, before, after)
		}
	}
}

// trained is the tiny model after steps training steps on 32 random images.
func trained(t *testing.T, steps int) *Model {
	t.Helper()
	m := labtest.Must(New(tinyConfig("")))(t)
	x, labels := tinyData(32)
	if err := m.Fit(context.Background(), x, labels, FitOptions{Steps: steps}); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSamplerShapeRangeAndDeterminism(t *testing.T) {
	m := trained(t, 5)
	want := []int{0, 3, 9, NullLabel, 5}
	for _, opts := range []SampleOptions{
		{Method: Ancestral, Seed: 1},
		{Method: DDIM, Steps: 7, Seed: 1},
		{Method: DDIM, Steps: 7, Eta: 1, Guidance: 2, Seed: 1},
		{Method: Ancestral, Guidance: 3, Seed: 1, BatchSize: 2},
	} {
		imgs, err := m.Sample(context.Background(), want, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(imgs) != len(want) {
			t.Fatalf("%+v: %d images for %d labels", opts, len(imgs), len(want))
		}
		for _, img := range imgs {
			if len(img) != XDim {
				t.Fatalf("%+v: image of %d values", opts, len(img))
			}
			for _, v := range img {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("%+v: pixel %v outside [0, 1]", opts, v)
				}
			}
		}
		again, _ := m.Sample(context.Background(), want, opts)
		for i := range imgs {
			if !slices.Equal(imgs[i], again[i]) {
				t.Fatalf("%+v: same seed, different image %d", opts, i)
			}
		}
	}
	for name, opts := range map[string]SampleOptions{
		"negative guidance": {Guidance: -1},
		"unknown method":    {Method: "euler"},
		"too many steps":    {Method: DDIM, Steps: 51},
		"eta > 1":           {Method: DDIM, Eta: 2},
	} {
		if _, err := m.Sample(context.Background(), []int{1}, opts); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := m.Sample(context.Background(), []int{11}, SampleOptions{}); err == nil {
		t.Error("label 11: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Sample(ctx, []int{1}, SampleOptions{}); err == nil {
		t.Error("cancelled context: no error")
	}
}

// TestGuidanceFormula checks ε̃ = (1+w)·ε(x, y) − w·ε(x, ∅) against the
// unguided estimates.
func TestGuidanceFormula(t *testing.T) {
	m := trained(t, 3)
	xt := make([]float32, 2*XDim)
	for i := range xt {
		xt[i] = float32(math.Sin(float64(i)))
	}
	ts, ys, nulls := []int{10, 40}, []int{2, 7}, []int{NullLabel, NullLabel}
	cond, _ := m.PredictNoise(xt, ts, ys, 0)
	uncond, _ := m.PredictNoise(xt, ts, nulls, 0)
	guided, err := m.PredictNoise(xt, ts, ys, 2.5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range guided {
		want := 3.5*float64(cond[i]) - 2.5*float64(uncond[i])
		if math.Abs(float64(guided[i])-want) > 1e-3*max(1, math.Abs(want)) {
			t.Fatalf("guided[%d] = %v, want %v", i, guided[i], want)
		}
	}
}

// TestContract runs the checks every model shares: checkpoints, round
// trips, resumption bit for bit (the same noise, steps and label dropout),
// cancellation, damaged files.
func TestContract(t *testing.T) {
	x, labels := tinyData(90)
	labtest.Contract(t, labtest.Case[*Model]{
		Name: "ddpm",
		New:  func(dir string) (*Model, error) { return New(tinyConfig(dir)) },
		Other: func(dir string) (*Model, error) {
			cfg := tinyConfig(dir)
			cfg.Hidden = 48
			return New(cfg)
		},
		Open:  Open,
		Fit:   func(ctx context.Context, m *Model, o FitOptions) error { return m.Fit(ctx, x, labels, o) },
		Store: func(m *Model) *model.Store { return m.core.Store },
	})
}

// TestWeightsOnly checks that a weights-only file samples like the model it
// came from but refuses to train, and that New refuses a directory of them.
func TestWeightsOnly(t *testing.T) {
	x, labels := tinyData(40)
	ctx := context.Background()
	m := trained(t, 6)
	dir := t.TempDir()
	path := checkpoints.Path(dir, m.Step())
	if err := m.SaveWeights(path); err != nil {
		t.Fatal(err)
	}
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	opts := SampleOptions{Method: DDIM, Steps: 5, Guidance: 1, Seed: 9}
	a, _ := m.Sample(ctx, []int{1, 2}, opts)
	c, _ := w.Sample(ctx, []int{1, 2}, opts)
	if !labtest.EqualRows(a, c) {
		t.Fatal("weights-only model samples differently")
	}
	if n := w.NumParameters(); n == 0 || n != m.NumParameters() || !w.WeightsOnly() || w.Config().Dir != "" || w.Step() != 6 {
		t.Errorf("weights-only model: %d parameters (full %d), weights only %v, dir %q, step %d",
			n, m.NumParameters(), w.WeightsOnly(), w.Config().Dir, w.Step())
	}
	if err := w.Fit(ctx, x, labels, FitOptions{Steps: 8}); err == nil || !strings.Contains(err.Error(), "weights-only") {
		t.Fatalf("Fit on a weights-only model: %v", err)
	}
	if err := w.SaveTo(path); err == nil {
		t.Fatal("a weights-only model wrote a full checkpoint")
	}
	if _, err := New(tinyConfig(dir)); err == nil || !strings.Contains(err.Error(), "weights only") {
		t.Fatalf("New on a directory of weights: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	m, err := New(tinyConfig(""))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	x, labels := tinyData(4)
	bad := slices.Clone(x)
	bad[5] = float32(math.NaN())
	for name, err := range map[string]error{
		"short images":  m.Fit(ctx, x[:100], labels, FitOptions{Steps: 1}),
		"label count":   m.Fit(ctx, x, labels[:3], FitOptions{Steps: 1}),
		"label 10":      m.Fit(ctx, x, []int{1, 2, 3, 10}, FitOptions{Steps: 1}),
		"NaN pixel":     m.Fit(ctx, bad, labels, FitOptions{Steps: 1}),
		"negative step": m.Fit(ctx, x, labels, FitOptions{Steps: -1}),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	for name, cfg := range map[string]Config{
		"T=1":        {T: 1},
		"odd time":   {TimeDim: 7},
		"p_uncond 1": {PUncond: 1},
		"target":     {Target: "v"},
		"schedule":   {Schedule: "sigmoid"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("config %s: no error", name)
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Open of a missing path: no error")
	}
}
