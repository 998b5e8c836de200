package vae

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mnistlab/golab/lab/internal/labtest"
)

func smallConfig(dir string) Config {
	return Config{Z: 4, Hidden: 32, Seed: 3, BatchSize: 20, Dir: dir}
}

func mustNew(t testing.TB, cfg Config) *Model { return labtest.Must(New(cfg))(t) }

func weights(t *testing.T, m *Model) map[string][]byte { return labtest.Weights(t, m.core.Store) }

func TestNewDefaultsAndParameters(t *testing.T) {
	m := mustNew(t, Config{})
	if c := m.Config(); c.Z != 10 || c.Hidden != 300 || c.BatchSize != 100 || c.LearningRate != 1e-3 {
		t.Fatalf("defaults: %+v", c)
	}
	// Encoder 784·300+300 + 300·300+300 + 300·20+20, decoder 10·300+300 + 300·300+300 + 300·784+784.
	want := 784*300 + 300 + 300*300 + 300 + 300*20 + 20 + 10*300 + 300 + 300*300 + 300 + 300*784 + 784
	if got := m.NumParameters(); got != want {
		t.Fatalf("NumParameters = %d, want %d", got, want)
	}
	// PyTorch's nn.Linear initialisation: first-layer weights uniform in ±1/√784.
	w, err := m.core.Store.GetVariable("/encoder/fc1/dense/weights").Value()
	if err != nil {
		t.Fatal(err)
	}
	flat := tensors.MustCopyFlatData[float32](w)
	bound := float32(1 / math.Sqrt(784))
	lo, hi := slices.Min(flat), slices.Max(flat)
	if lo < -bound || hi > bound || lo > -0.9*bound || hi < 0.9*bound {
		t.Fatalf("fc1 weights in [%g, %g], want spread over ±%g", lo, hi, bound)
	}
	for _, bad := range []Config{{Z: -1}, {Hidden: -3}, {BatchSize: -1}, {LearningRate: -1}} {
		if _, err := New(bad); err == nil || !strings.HasPrefix(err.Error(), "vae: ") {
			t.Errorf("New(%+v): err = %v, want a vae: error", bad, err)
		}
	}
}

func TestSeedDeterminesInitialisation(t *testing.T) {
	a := weights(t, mustNew(t, smallConfig("")))
	b := weights(t, mustNew(t, smallConfig("")))
	labtest.SameWeights(t, "same seed", a, b)
	cfg := smallConfig("")
	cfg.Seed++
	c := weights(t, mustNew(t, cfg))
	if string(a["/decoder/fc3/dense/weights"]) == string(c["/decoder/fc3/dense/weights"]) {
		t.Fatal("different seeds gave identical weights")
	}
}

func TestFitLowersLossAndRecordsHistory(t *testing.T) {
	x := labtest.Images(120, 1)
	m := mustNew(t, smallConfig(""))
	var calls int
	var last Progress
	err := m.Fit(context.Background(), x, FitOptions{Steps: 60, Progress: func(p Progress) { calls++; last = p }})
	if err != nil {
		t.Fatal(err)
	}
	h := m.History()
	if m.Step() != 60 || h.Len() != 60 || len(h.KL) != 60 || len(h.REC) != 60 || calls != 60 || last.Step != 60 || last.Steps != 60 {
		t.Fatalf("step %d, history %d, %d progress calls, last %+v", m.Step(), h.Len(), calls, last)
	}
	if !slices.Equal(m.Losses(), h.NELBO) {
		t.Fatal("Losses() differs from History().NELBO")
	}
	for i := range h.NELBO {
		if d := h.NELBO[i] - h.KL[i] - h.REC[i]; math.Abs(float64(d)) > 1e-3*float64(h.NELBO[i]) {
			t.Fatalf("step %d: nelbo %v ≠ kl %v + rec %v", i+1, h.NELBO[i], h.KL[i], h.REC[i])
		}
	}
	first, final := mean32(h.NELBO[:5]), mean32(h.NELBO[55:])
	if !(final < 0.7*first) {
		t.Fatalf("NELBO did not fall: first steps %v, last steps %v", first, final)
	}
	if math.Abs(last.Running-mean32(h.NELBO)) > 1e-6*last.Running || math.Abs(last.Metric("kl")-mean32(h.KL)) > 1e-6*last.Metric("kl") ||
		math.Abs(last.Metric("rec")-mean32(h.REC)) > 1e-6*last.Metric("rec") {
		t.Fatalf("running means %v, want %v %v %v", last, mean32(h.NELBO), mean32(h.KL), mean32(h.REC))
	}
	if s := last.String(); !strings.HasPrefix(s, "nelbo=") || !strings.Contains(s, " kl=") || !strings.Contains(s, " rec=") {
		t.Fatalf("Progress.String() = %q", s)
	}
	if err := m.Fit(context.Background(), x[:100], FitOptions{Steps: 70}); err == nil {
		t.Fatal("Fit accepted 100 values")
	}
}

func mean32(v []float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x)
	}
	return s / float64(len(v))
}

// TestContract runs the checks every model shares: checkpoints, round
// trips, resumption bit for bit, cancellation, damaged files.
func TestContract(t *testing.T) {
	x := labtest.Images(90, 3)
	labtest.Contract(t, labtest.Case[*Model]{
		Name: "vae",
		New:  func(dir string) (*Model, error) { return New(smallConfig(dir)) },
		Other: func(dir string) (*Model, error) {
			cfg := smallConfig(dir)
			cfg.Z = 5
			return New(cfg)
		},
		Open:  Open,
		Fit:   func(ctx context.Context, m *Model, o FitOptions) error { return m.Fit(ctx, x, o) },
		Store: func(m *Model) *model.Store { return m.core.Store },
	})
}

// TestHistoryRoundTrip checks that a checkpoint keeps the KL and REC terms
// and that decoding and evaluation are the same after a reload.
func TestHistoryRoundTrip(t *testing.T) {
	dir := t.TempDir()
	x := labtest.Images(60, 2)
	m := mustNew(t, smallConfig(dir))
	if err := m.Fit(context.Background(), x, FitOptions{Steps: 7}); err != nil {
		t.Fatal(err)
	}
	m2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if h1, h2 := m.History(), m2.History(); m2.Config() != m.Config() || !slices.Equal(h1.KL, h2.KL) || !slices.Equal(h1.REC, h2.REC) {
		t.Fatalf("reloaded: config %+v, history %+v vs %+v", m2.Config(), h2, h1)
	}
	z := [][]float32{{0, 0, 0, 0}, {1, -1, 0.5, 2}}
	p1, err := m.InverseTransform(z)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := m2.InverseTransform(z)
	if err != nil || !labtest.EqualRows(p1, p2) {
		t.Fatalf("decoder output differs after reload (%v)", err)
	}
	e1, err := m.Evaluate(x, EvalOptions{Repeats: 2})
	if err != nil {
		t.Fatal(err)
	}
	e2, err := m2.Evaluate(x, EvalOptions{Repeats: 2})
	if err != nil {
		t.Fatal(err)
	}
	if e1.NELBO != e2.NELBO || e1.KL != e2.KL || e1.REC != e2.REC {
		t.Fatalf("evaluation differs after reload: %+v vs %+v", e1, e2)
	}
	if _, err := New(Config{Z: 5, Hidden: 32, Seed: 3, BatchSize: 20, Dir: dir}); err == nil || !strings.Contains(err.Error(), "z=4") {
		t.Fatalf("New with z=5 on a z=4 checkpoint: err = %v", err)
	}
}

// TestShippedV1FileUpgrades reads the shipped checkpoint, written in the
// format before the shared one (golab-vae/1): its History becomes Losses and
// the KL and REC metrics, and LoadPretrained keeps no checkpoint directory.
func TestShippedV1FileUpgrades(t *testing.T) {
	m, err := LoadPretrained()
	if err != nil {
		t.Fatal(err)
	}
	h := m.History()
	if m.Step() != 20000 || h.Len() != 20000 || len(h.KL) != 20000 || len(h.REC) != 20000 || m.Config().Dir != "" {
		t.Fatalf("shipped VAE: step %d, history %d/%d/%d, dir %q", m.Step(), h.Len(), len(h.KL), len(h.REC), m.Config().Dir)
	}
	for _, i := range []int{0, 9999, 19999} {
		if d := h.NELBO[i] - h.KL[i] - h.REC[i]; math.Abs(float64(d)) > 1e-3*float64(h.NELBO[i]) {
			t.Fatalf("step %d: nelbo %v ≠ kl %v + rec %v", i+1, h.NELBO[i], h.KL[i], h.REC[i])
		}
	}
	if _, err := m.Save(); err == nil {
		t.Fatal("Save of the shipped model (no checkpoint directory) succeeded")
	}
}

func TestIWAEBounds(t *testing.T) {
	x := labtest.Images(60, 5)
	m := mustNew(t, smallConfig(""))
	if err := m.Fit(context.Background(), x, FitOptions{Steps: 40}); err != nil {
		t.Fatal(err)
	}
	ev, err := m.Evaluate(x, EvalOptions{Repeats: 200, IWAE: []int{1, 10, 100}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.IWAE) != 3 || ev.IWAE[0].Repeats != 200 || ev.IWAE[1].Repeats != 20 || ev.IWAE[2].Repeats != 2 {
		t.Fatalf("IWAE results %+v", ev.IWAE)
	}
	k1, k10, k100 := ev.IWAE[0], ev.IWAE[1], ev.IWAE[2]
	// k = 1 is the ELBO: equal in expectation (different noise, 200 passes).
	if math.Abs(k1.NIWAE-ev.NELBO) > 0.01*ev.NELBO {
		t.Errorf("IWAE k=1 = %.3f, NELBO = %.3f: want equal within 1%%", k1.NIWAE, ev.NELBO)
	}
	if math.Abs(k1.KL-ev.KL) > 0.05*ev.KL+0.05 || math.Abs(k1.REC-ev.REC) > 0.01*ev.REC {
		t.Errorf("IWAE k=1 terms kl %.3f rec %.3f vs ELBO kl %.3f rec %.3f", k1.KL, k1.REC, ev.KL, ev.REC)
	}
	// More samples: a tighter (smaller) negative bound.
	if !(k10.NIWAE < ev.NELBO && k100.NIWAE < k10.NIWAE) {
		t.Errorf("want NIWAE(100) %.3f < NIWAE(10) %.3f < NELBO %.3f", k100.NIWAE, k10.NIWAE, ev.NELBO)
	}
	// Evaluation is reproducible and leaves the training state alone.
	before := weights(t, m)
	ev2, err := m.Evaluate(x, EvalOptions{Repeats: 200, IWAE: []int{1, 10, 100}})
	if err != nil {
		t.Fatal(err)
	}
	if ev2.NELBO != ev.NELBO || ev2.IWAE[2].NIWAE != k100.NIWAE {
		t.Errorf("evaluation not reproducible: %v vs %v", ev2.NELBO, ev.NELBO)
	}
	labtest.SameWeights(t, "after Evaluate", before, weights(t, m))
	// Memory batching does not change the result beyond float rounding.
	ev3, err := m.Evaluate(x, EvalOptions{Repeats: 2, IWAE: []int{100}, Rows: 700})
	if err != nil {
		t.Fatal(err)
	}
	ev4, err := m.Evaluate(x, EvalOptions{Repeats: 2, IWAE: []int{100}, Rows: 100000})
	if err != nil {
		t.Fatal(err)
	}
	if ev3.IWAE[0].Images != 60 || math.Abs(ev3.NELBO-ev4.NELBO) > 1e-4*ev4.NELBO {
		t.Errorf("batched evaluation %+v vs unbatched %+v", ev3, ev4)
	}
	if _, err := m.Evaluate(x, EvalOptions{IWAE: []int{0}}); err == nil {
		t.Error("Evaluate accepted k=0")
	}
}

func TestSampling(t *testing.T) {
	m := mustNew(t, smallConfig(""))
	z := m.SampleZ(500)
	if len(z) != 500 || len(z[0]) != 4 {
		t.Fatalf("SampleZ shape %d×%d", len(z), len(z[0]))
	}
	var s, s2 float64
	for _, row := range z {
		for _, v := range row {
			s += float64(v)
			s2 += float64(v) * float64(v)
		}
	}
	if mean, vr := s/2000, s2/2000; math.Abs(mean) > 0.15 || math.Abs(vr-1) > 0.15 {
		t.Fatalf("prior samples: mean %v var %v", mean, vr)
	}
	p, err := m.InverseTransform(z[:3])
	if err != nil {
		t.Fatal(err)
	}
	xs, err := m.SampleX(z[:3])
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 3 || len(p[0]) != XDim || len(xs) != 3 || len(xs[2]) != XDim {
		t.Fatal("wrong output sizes")
	}
	for i := range p {
		for j := range p[i] {
			if p[i][j] <= 0 || p[i][j] >= 1 || (xs[i][j] != 0 && xs[i][j] != 1) {
				t.Fatalf("probability %v, sample %v", p[i][j], xs[i][j])
			}
		}
	}
	imgs, err := m.Sample(2)
	if err != nil || len(imgs) != 2 {
		t.Fatalf("Sample: %v", err)
	}
	if _, err := m.InverseTransform([][]float32{{1, 2}}); err == nil {
		t.Fatal("InverseTransform accepted a 2-value code")
	}
	codes, err := m.Transform(labtest.Images(5, 6))
	if err != nil || len(codes) != 5 || len(codes[0]) != 4 {
		t.Fatalf("Transform: %v", err)
	}
	_, v, err := m.Encode(labtest.Images(2, 6))
	if err != nil || v[1][3] <= 0 {
		t.Fatalf("Encode variances %v, %v", v, err)
	}
	if _, err := m.Transform(make([]float32, 10)); err == nil {
		t.Fatal("Transform accepted 10 values")
	}
}

func TestCheckpointDir(t *testing.T) {
	if got := CheckpointDir("checkpoints", 10, 0); got != filepath.Join("checkpoints", "model=vae_z=10_run=0000") {
		t.Fatalf("CheckpointDir = %q", got)
	}
}
