package classifier

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mnistlab/golab/lab/backend"
	"github.com/mnistlab/golab/lab/checkpoints"
	"github.com/mnistlab/golab/lab/internal/batch"
	"github.com/mnistlab/golab/lab/internal/labtest"
)

func smallConfig(dir string) Config {
	return Config{Channels: []int{4, 8}, Hidden: 16, Seed: 3, BatchSize: 20, LearningRate: 3e-3, Dir: dir}
}

func mustNew(t testing.TB, cfg Config) *Classifier { return labtest.Must(New(cfg))(t) }

func mustProba(t *testing.T, m *Classifier, x []float32) [][]float32 {
	t.Helper()
	p, err := m.PredictProba(x)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsShapesAndParameters(t *testing.T) {
	m := mustNew(t, Config{})
	c := m.Config()
	if !slices.Equal(c.Channels, []int{32, 64}) || c.Hidden != 128 || c.Dropout != 0.5 || c.BatchSize != 128 || c.LearningRate != 1e-3 {
		t.Fatalf("defaults: %+v", c)
	}
	// conv 3·3·1·32+32, conv 3·3·32·64+64, dense 7·7·64·128+128, dense 128·10+10.
	want := 3*3*1*32 + 32 + 3*3*32*64 + 64 + 7*7*64*128 + 128 + 128*10 + 10
	if got := m.NumParameters(); got != want || want != 421642 {
		t.Fatalf("NumParameters = %d, want %d", got, want)
	}
	if a := m.Architecture(); a != "conv3×3(32)-pool-conv3×3(64)-pool-fc128-dropout0.5-fc10" {
		t.Fatalf("Architecture = %q", a)
	}
	x, _ := synthetic(5, 1)
	p := mustProba(t, m, x)
	if len(p) != 5 {
		t.Fatalf("PredictProba: %d rows, want 5", len(p))
	}
	pred, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range p {
		s := 0.0
		for _, v := range row {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("probability %v outside [0, 1]", v)
			}
			s += float64(v)
		}
		if len(row) != Classes || math.Abs(s-1) > 1e-5 {
			t.Fatalf("row %d: %d values summing to %v, want 10 summing to 1", i, len(row), s)
		}
		if pred[i] != argmax(row) {
			t.Fatalf("Predict[%d] = %d, argmax of PredictProba = %d", i, pred[i], argmax(row))
		}
	}
}

func TestConvolutionAndPoolMatchGoMLX(t *testing.T) {
	// conv3x3 (im2col) and maxPool2 (reshape + ReduceMax) against GoMLX's own
	// Convolve with same padding and MaxPool, on a random 7×5 image with 2
	// channels (odd sizes: the pool drops the last row).
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *Node) []*Node {
		mine := conv3x3(scope.At("c"), x, 3)
		g := x.Graph()
		kernel := store.GetVariable("/c/weights").NodeValue(g)
		bias := store.GetVariable("/c/biases").NodeValue(g)
		ref := Add(Convolve(x, kernel).PadSame().Done(), Reshape(AddScalar(bias, 0.5), 1, 1, 1, 3))
		mine = AddScalar(mine, 0.5) // biases start at 0; shift both alike
		return []*Node{mine, ref, maxPool2(mine), MaxPool(ref).Window(2).Done()}
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 2*7*5*2)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	outs, err := exec.Call(tensors.FromFlatDataAndDimensions(x, 2, 7, 5, 2))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range [][]int{{2, 7, 5, 3}, {2, 7, 5, 3}, {2, 3, 2, 3}, {2, 3, 2, 3}} {
		if dims := outs[k].Shape().Dimensions; !slices.Equal(dims, want) {
			t.Fatalf("output %d shape %v, want %v", k, dims, want)
		}
	}
	for k := 0; k < 4; k += 2 {
		got, _ := tensors.CopyFlatData[float32](outs[k])
		want, _ := tensors.CopyFlatData[float32](outs[k+1])
		for i := range got {
			if math.Abs(float64(got[i]-want[i])) > 1e-5 {
				t.Fatalf("output %d element %d: %v, GoMLX %v", k, i, got[i], want[i])
			}
		}
	}

	// One block of 1 channel: 14×14 after pooling, so fc1's kernel is [196, 1].
	m := mustNew(t, Config{Channels: []int{1}, Hidden: 1, Seed: 1})
	if got, want := m.NumParameters(), 9+1+196+1+10+10; got != want {
		t.Fatalf("NumParameters = %d, want %d", got, want)
	}
}

func TestBadInput(t *testing.T) {
	for _, bad := range []Config{{Channels: []int{8, 0}}, {Channels: []int{1, 1, 1, 1, 1}}, {Hidden: -1},
		{Dropout: 1}, {BatchSize: -1}, {LearningRate: -1}, {LearningRate: math.Inf(1)}} {
		if _, err := New(bad); err == nil || !strings.HasPrefix(err.Error(), "classifier: ") {
			t.Errorf("New(%+v): err = %v, want a classifier: error", bad, err)
		}
	}
	m := mustNew(t, smallConfig(""))
	x, y := synthetic(3, 1)
	nan := slices.Clone(x)
	nan[800] = float32(math.NaN())
	checks := []struct {
		name string
		err  error
	}{}
	add := func(name string, err error) {
		checks = append(checks, struct {
			name string
			err  error
		}{name, err})
	}
	_, err := m.PredictProba(make([]float32, 100))
	add("PredictProba 100 values", err)
	_, err = m.PredictProba(nil)
	add("PredictProba no image", err)
	_, err = m.Predict(nan)
	add("Predict NaN pixel", err)
	_, err = m.Score(x, y[:2])
	add("Score 2 labels for 3 images", err)
	_, err = m.Score(x, []int{1, 10, 2})
	add("Score label 10", err)
	add("Fit label 12", m.Fit(context.Background(), x, []int{0, 12, 1}, FitOptions{Steps: 1}))
	add("Fit NaN pixel", m.Fit(context.Background(), nan, y, FitOptions{Steps: 1}))
	add("Fit Steps=-1", m.Fit(context.Background(), x, y, FitOptions{Steps: -1}))
	_, err = m.Judge(x, []int{0, 1})
	add("Judge 2 digits for 3 images", err)
	_, err = m.Judge(x, []int{0, 1, -1})
	add("Judge digit -1", err)
	_, err = m.Judge(x[:10], []int{0})
	add("Judge 10 values", err)
	_, err = m.Save()
	add("Save without Dir", err)
	for _, c := range checks {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		} else if msg := c.err.Error(); !strings.HasPrefix(msg, "classifier: ") || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q, want one line starting with \"classifier: \"", c.name, msg)
		}
	}
	if strings.Contains(checks[2].err.Error(), "image 1 pixel 16") == false {
		t.Errorf("NaN error does not locate the pixel: %v", checks[2].err)
	}
	if m.Step() != 0 {
		t.Errorf("rejected Fit calls took %d steps", m.Step())
	}
}

func TestSeedDeterminesInitialisation(t *testing.T) {
	x, _ := synthetic(6, 2)
	a := mustProba(t, mustNew(t, smallConfig("")), x)
	b := mustProba(t, mustNew(t, smallConfig("")), x)
	if !labtest.EqualRows(a, b) {
		t.Fatal("same seed gave different predictions")
	}
	cfg := smallConfig("")
	cfg.Seed++
	if labtest.EqualRows(a, mustProba(t, mustNew(t, cfg), x)) {
		t.Fatal("different seeds gave identical predictions")
	}
}

func TestTrainingLearnsFixedBatch(t *testing.T) {
	x, y := synthetic(20, 3) // one batch of 20: every step sees the same images
	m := mustNew(t, smallConfig(""))
	var calls int
	var last Progress
	if err := m.Fit(context.Background(), x, y, FitOptions{Steps: 40, Progress: func(p Progress) { calls++; last = p }}); err != nil {
		t.Fatal(err)
	}
	l := m.Losses()
	if m.Step() != 40 || len(l) != 40 || calls != 40 || last.Step != 40 || last.Steps != 40 || last.Epoch != 39 {
		t.Fatalf("step %d, %d losses, %d progress calls, last %+v", m.Step(), len(l), calls, last)
	}
	if acc := last.Metric("accuracy"); !(acc > 0.5 && acc <= 1) || !strings.HasPrefix(last.String(), "loss=") {
		t.Fatalf("running training accuracy %v, progress %q", acc, last)
	}
	// Three classes at chance: loss ≈ ln 10 at first (10 outputs).
	if !(l[0] > 1.5 && l[39] < 0.25*l[0]) {
		t.Fatalf("loss did not fall: step 1 %v, step 40 %v", l[0], l[39])
	}
	if acc, err := m.Score(x, y); err != nil || acc != 1 {
		t.Fatalf("training accuracy %v (err %v), want 1", acc, err)
	}
	// Fresh images of the same three shapes.
	xt, yt := synthetic(30, 33)
	if acc, err := m.Score(xt, yt); err != nil || acc < 0.9 {
		t.Fatalf("accuracy on new images %v (err %v), want ≥ 0.9", acc, err)
	}
	// Already there: nothing to do.
	if err := m.Fit(context.Background(), x, y, FitOptions{Epochs: 2}); err != nil || m.Step() != 40 {
		t.Fatalf("Fit(Epochs: 2): step %d, err %v", m.Step(), err)
	}
}

func TestOneStepReducesLoss(t *testing.T) {
	// With the default network: a single Adam step on a batch lowers that
	// batch's loss (dropout off in the measurement, so it is exact).
	x, y := synthetic(16, 4)
	m := mustNew(t, Config{Seed: 5, BatchSize: 16, Dropout: -1})
	loss := func() float64 {
		p := mustProba(t, m, x)
		s := 0.0
		for i, row := range p {
			s -= math.Log(float64(row[y[i]]))
		}
		return s / float64(len(p))
	}
	before := loss()
	if err := m.Fit(context.Background(), x, y, FitOptions{Steps: 1}); err != nil {
		t.Fatal(err)
	}
	after := loss()
	if math.Abs(float64(m.Losses()[0])-before) > 1e-4 {
		t.Fatalf("Fit's step-1 loss %v, want the loss before the step %v", m.Losses()[0], before)
	}
	if !(after < before) {
		t.Fatalf("loss %v → %v after one step, want lower", before, after)
	}
}

func TestEpochsAndDropoutDeterminism(t *testing.T) {
	x, y := synthetic(50, 4)
	run := func() *Classifier {
		m := mustNew(t, smallConfig(""))
		// 50 images in batches of 20: 3 steps per epoch.
		if err := m.Fit(context.Background(), x, y, FitOptions{Epochs: 2}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := run(), run()
	if a.Step() != 6 {
		t.Fatalf("2 epochs of 50 images in batches of 20: %d steps, want 6", a.Step())
	}
	if !slices.Equal(a.Losses(), b.Losses()) || !labtest.EqualRows(mustProba(t, a, x), mustProba(t, b, x)) {
		t.Fatal("two runs with the same seed differ")
	}
}

// TestContract runs the checks every model shares: checkpoints, round
// trips, resumption bit for bit (the same dropout masks included),
// cancellation, damaged files.
func TestContract(t *testing.T) {
	x, y := synthetic(90, 6)
	labtest.Contract(t, labtest.Case[*Classifier]{
		Name: "classifier",
		New:  func(dir string) (*Classifier, error) { return New(smallConfig(dir)) },
		Other: func(dir string) (*Classifier, error) {
			cfg := smallConfig(dir)
			cfg.Hidden = 32
			return New(cfg)
		},
		Open:  Open,
		Fit:   func(ctx context.Context, m *Classifier, o FitOptions) error { return m.Fit(ctx, x, y, o) },
		Store: func(m *Classifier) *model.Store { return m.core.Store },
	})
}

func TestSaveWeightsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	x, y := synthetic(40, 6)
	m := mustNew(t, smallConfig(dir))
	if err := m.Fit(context.Background(), x, y, FitOptions{Steps: 4}); err != nil {
		t.Fatal(err)
	}
	wdir := t.TempDir()
	wpath := checkpoints.Path(wdir, m.Step())
	if err := m.SaveWeights(wpath); err != nil {
		t.Fatal(err)
	}
	// The weights-only file holds the network's variables and nothing else.
	full, err := kind.Read(checkpoints.Path(dir, 4))
	if err != nil {
		t.Fatal(err)
	}
	weights, err := kind.Read(wpath)
	if err != nil {
		t.Fatal(err)
	}
	var wantPaths, adam []string
	for _, v := range full.Variables {
		if strings.HasPrefix(v.Path, "/classifier/") {
			wantPaths = append(wantPaths, v.Path)
		} else if strings.HasPrefix(v.Path, "/AdamOptimizer/") {
			adam = append(adam, v.Path)
		}
	}
	var gotPaths []string
	for _, v := range weights.Variables {
		gotPaths = append(gotPaths, v.Path)
	}
	if !weights.WeightsOnly || full.WeightsOnly || len(wantPaths) != 8 || !slices.Equal(gotPaths, wantPaths) || len(adam) < 16 {
		t.Fatalf("weights-only file has %v; full checkpoint's weights %v, %d Adam variables", gotPaths, wantPaths, len(adam))
	}
	fiFull, _ := os.Stat(checkpoints.Path(dir, 4))
	fiW, _ := os.Stat(wpath)
	if !(fiW.Size() < fiFull.Size()/2) {
		t.Fatalf("weights-only file %d bytes, full checkpoint %d", fiW.Size(), fiFull.Size())
	}

	for _, path := range []string{wpath, wdir} {
		w, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if !w.WeightsOnly() || w.Step() != 4 || w.Config().Dir != "" || !w.Config().sameModel(m.Config()) || w.NumParameters() != m.NumParameters() {
			t.Fatalf("Open(%s): weightsOnly %v step %d config %+v", path, w.WeightsOnly(), w.Step(), w.Config())
		}
		if !labtest.EqualRows(mustProba(t, m, x), mustProba(t, w, x)) {
			t.Fatal("PredictProba differs after SaveWeights → Open")
		}
		if err := w.Fit(context.Background(), x, y, FitOptions{Steps: 6}); err == nil || !strings.Contains(err.Error(), "weights-only") {
			t.Fatalf("Fit on a weights-only model: err %v", err)
		}
	}
	// New on a directory of weights only refuses rather than training from them.
	cfg := smallConfig(wdir)
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "weights only") {
		t.Fatalf("New on weights-only directory: err %v", err)
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no checkpoint") {
		t.Fatalf("Open(empty dir): err %v", err)
	}
}

func TestDivergenceIsAnError(t *testing.T) {
	x, y := synthetic(20, 8)
	m := mustNew(t, Config{Channels: []int{4}, Hidden: 8, Seed: 1, BatchSize: 20, LearningRate: 1e30})
	err := m.Fit(context.Background(), x, y, FitOptions{Steps: 30})
	if err == nil || !strings.Contains(err.Error(), "diverged") {
		t.Fatalf("Fit with learning rate 1e30: err %v, want divergence", err)
	}
}

func TestPredictBatching(t *testing.T) {
	// More images than one evaluation batch, with a partial last batch:
	// the same probabilities as one image at a time.
	m := mustNew(t, smallConfig(""))
	x, _ := synthetic(batch.Size+7, 9)
	all := mustProba(t, m, x)
	if len(all) != batch.Size+7 {
		t.Fatalf("%d rows", len(all))
	}
	for _, i := range []int{0, batch.Size - 1, batch.Size, batch.Size + 6} {
		one := mustProba(t, m, x[i*XDim:(i+1)*XDim])
		for j := range Classes {
			if math.Abs(float64(one[0][j]-all[i][j])) > 1e-5 {
				t.Fatalf("image %d: batched %v, alone %v", i, all[i], one[0])
			}
		}
	}
}
