package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/mnistlab/golab/lab/checkpoints"
	"github.com/mnistlab/golab/lab/internal/ckpt"
)

// toy is a model whose step's loss is the sum of its batch's example indices
// plus the step number, and whose "accuracy" is the batch size: the values
// say exactly which batch each step saw.
type toy struct {
	rec     Record
	batches [][]int
	saves   []int
}

func (m *toy) loop(n, bs int) *Loop {
	return &Loop{Name: "toy", Record: &m.rec, N: n, BatchSize: bs, Seed: 7, Names: []string{"loss", "size"},
		Step: func(step int, batch []int) ([]float64, error) {
			m.batches = append(m.batches, slices.Clone(batch))
			s := float64(step)
			for _, i := range batch {
				s += float64(i)
			}
			return []float64{s, float64(len(batch))}, nil
		},
		Save: func() (string, error) {
			m.saves = append(m.saves, m.rec.Step)
			return fmt.Sprintf("model-%d.ckpt", m.rec.Step), nil
		}}
}

func TestBatchesArePermutationsOfEachEpoch(t *testing.T) {
	m := &toy{}
	// 10 examples in batches of 4: 3 steps per epoch (4, 4, 2).
	if err := m.loop(10, 4).Run(context.Background(), Options{Epochs: 2}); err != nil {
		t.Fatal(err)
	}
	if m.rec.Step != 6 || len(m.batches) != 6 {
		t.Fatalf("%d steps, %d batches; want 6", m.rec.Step, len(m.batches))
	}
	for e := range 2 {
		var seen []int
		for _, b := range m.batches[3*e : 3*e+3] {
			seen = append(seen, b...)
		}
		if len(m.batches[3*e+2]) != 2 {
			t.Fatalf("epoch %d: last batch of %d", e, len(m.batches[3*e+2]))
		}
		slices.Sort(seen)
		if !slices.Equal(seen, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Fatalf("epoch %d saw %v", e, seen)
		}
	}
	if slices.Equal(m.batches[0], m.batches[3]) {
		t.Fatal("two epochs in the same order")
	}
	// The losses are the step plus the batch's indices; "size" a metric.
	for i, b := range m.batches {
		want := float32(i)
		for _, j := range b {
			want += float32(j)
		}
		if m.rec.Losses[i] != want || m.rec.Metrics["size"][i] != float32(len(b)) {
			t.Fatalf("step %d: loss %v size %v, want %v %d", i+1, m.rec.Losses[i], m.rec.Metrics["size"][i], want, len(b))
		}
	}
}

func TestResumedRunSeesTheSameBatches(t *testing.T) {
	full := &toy{}
	if err := full.loop(25, 4).Run(context.Background(), Options{Steps: 17}); err != nil {
		t.Fatal(err)
	}
	parts := &toy{}
	for _, steps := range []int{3, 7, 7, 17} {
		if err := parts.loop(25, 4).Run(context.Background(), Options{Steps: steps}); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.EqualFunc(full.batches, parts.batches, slices.Equal) || !slices.Equal(full.rec.Losses, parts.rec.Losses) {
		t.Fatal("a run in parts took other batches")
	}
}

func TestStepsDefaultsAndOptions(t *testing.T) {
	for _, c := range []struct {
		opts         Options
		defaultSteps int
		want         int
	}{
		{Options{Steps: 5}, 0, 5},
		{Options{Epochs: 3}, 0, 9},
		{Options{Steps: 4, Epochs: 3}, 0, 4},
		{Options{}, 0, 3},   // one epoch
		{Options{}, 11, 11}, // the model's default
	} {
		m := &toy{}
		l := m.loop(9, 3)
		l.DefaultSteps = c.defaultSteps
		if err := l.Run(context.Background(), c.opts); err != nil || m.rec.Step != c.want {
			t.Errorf("%+v, default %d: step %d, %v; want %d", c.opts, c.defaultSteps, m.rec.Step, err, c.want)
		}
	}
	for _, bad := range []Options{{Steps: -1}, {Epochs: -2}, {SaveEvery: -3}} {
		err := (&toy{}).loop(9, 3).Run(context.Background(), bad)
		if err == nil || !strings.HasPrefix(err.Error(), "toy: ") {
			t.Errorf("%+v: err %v", bad, err)
		}
	}
}

func TestProgressCheckpointsAndCancel(t *testing.T) {
	m := &toy{}
	var ps []Progress
	err := m.loop(20, 5).Run(context.Background(), Options{Steps: 7, SaveEvery: 3, Progress: func(p Progress) { ps = append(ps, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.saves, []int{3, 6, 7}) || len(ps) != 7 {
		t.Fatalf("saves %v, %d progress calls; want [3 6 7] and 7", m.saves, len(ps))
	}
	last := ps[6]
	if last.Step != 7 || last.Steps != 7 || last.Epoch != 1 || last.Checkpoint != "model-7.ckpt" || ps[4].Checkpoint != "" ||
		last.Loss != float64(m.rec.Losses[6]) || last.Elapsed <= 0 || m.rec.Elapsed <= 0 {
		t.Fatalf("last progress %+v", last)
	}
	mean := 0.0
	for _, v := range m.rec.Losses {
		mean += float64(v) / 7
	}
	if math.Abs(last.Running-mean) > 1e-9 || last.Metric("size") != 5 || !math.IsNaN(last.Metric("none")) {
		t.Fatalf("running loss %v (want %v), size %v", last.Running, mean, last.Metric("size"))
	}
	if s := last.String(); s != fmt.Sprintf("loss=%.4g size=5", mean) {
		t.Fatalf("String() = %q", s)
	}

	// Cancelled after step 9: a checkpoint, then the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	err = m.loop(20, 5).Run(ctx, Options{Steps: 20, Progress: func(p Progress) {
		if p.Step == 9 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || m.rec.Step != 9 || m.saves[len(m.saves)-1] != 9 {
		t.Fatalf("cancelled: %v at step %d, saves %v", err, m.rec.Step, m.saves)
	}
}

func TestDivergenceAndStepErrors(t *testing.T) {
	m := &toy{}
	l := m.loop(10, 2)
	step := l.Step
	l.Step = func(s int, b []int) ([]float64, error) {
		v, err := step(s, b)
		if s == 4 {
			v[0] = math.Inf(1)
		}
		return v, err
	}
	err := l.Run(context.Background(), Options{Steps: 10})
	if err == nil || err.Error() != "toy: training diverged at step 5 (loss=+Inf)" || m.rec.Step != 4 {
		t.Fatalf("err %v at step %d", err, m.rec.Step)
	}
	l.Step = func(int, []int) ([]float64, error) { return nil, errors.New("out of memory") }
	if err := l.Run(context.Background(), Options{Steps: 10}); err == nil || err.Error() != "toy: training step 5: out of memory" {
		t.Fatalf("err %v", err)
	}
}

// TestMetricsFromAResumedRecord: a record resumed from a file without the
// metric (written by an older version) keeps it aligned with the losses.
func TestMetricsFromAResumedRecord(t *testing.T) {
	m := &toy{rec: Record{Step: 3, Losses: []float32{1, 2, 3}}}
	if err := m.loop(10, 2).Run(context.Background(), Options{Steps: 5}); err != nil {
		t.Fatal(err)
	}
	size := m.rec.Metrics["size"]
	if len(size) != 5 || !math.IsNaN(float64(size[0])) || size[4] != 2 {
		t.Fatalf("metric %v", size)
	}
	if got := MeanOfLast(size, 100); got != 2 {
		t.Fatalf("running mean over NaN padding = %v, want 2", got)
	}
}

func TestMeanOfLastAndScalars(t *testing.T) {
	x := []float32{1, 2, 3, 4}
	if MeanOfLast(x, 2) != 3.5 || MeanOfLast(x, 100) != 2.5 || !math.IsNaN(MeanOfLast(nil, 3)) {
		t.Fatal("MeanOfLast")
	}
	v := Scalars([]*tensors.Tensor{tensors.FromScalar(float32(1.5)), tensors.FromScalar(2.25), tensors.FromScalar(int32(3))})
	if v[0] != 1.5 || v[1] != 2.25 || !math.IsNaN(v[2]) {
		t.Fatalf("Scalars = %v", v)
	}
}

// TestCoreRoundTrip saves a core with one variable and a record, and
// restores it: same variable bytes and record; a weights-only file refuses
// full saves and training.
func TestCoreRoundTrip(t *testing.T) {
	var dir string
	kind := ckpt.Kind[int]{Name: "toy", Format: "toy/1", Defaults: func(c int) int { return c }, Validate: func(int) error { return nil },
		Dir: func(*int) *string { return &dir }, Same: func(a, b int) bool { return a == b }, Describe: func(c int) string { return fmt.Sprint(c) }}
	c, err := NewCore(kind, 5, Settings{Dir: t.TempDir(), Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Store.CreateVariable("/net/w", tensors.FromFlatDataAndDimensions([]float32{1, 2, 3}, 3)); err != nil {
		t.Fatal(err)
	}
	c.Record = Record{Step: 2, Losses: []float32{4, 5}, Elapsed: 7}
	path, err := c.SaveStep()
	if err != nil || path != checkpoints.Path(c.Dir, 2) {
		t.Fatalf("SaveStep = %s, %v", path, err)
	}
	_, f, err := kind.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := NewCore(kind, f.Config, Settings{Dir: c.Dir}, f)
	if err != nil {
		t.Fatal(err)
	}
	w, err := c2.Store.GetVariable("/net/w").Value()
	if err != nil || !slices.Equal(tensors.MustCopyFlatData[float32](w), []float32{1, 2, 3}) || c2.Config != 5 ||
		c2.Record.Step != 2 || !slices.Equal(c2.Record.Losses, []float32{4, 5}) || c2.Record.Elapsed != 7 {
		t.Fatalf("restored %+v, %v", c2.Record, err)
	}
	wpath := checkpoints.Path(t.TempDir(), 2)
	if err := c2.Save(wpath, func(p string) bool { return strings.HasPrefix(p, "/net/") }); err != nil {
		t.Fatal(err)
	}
	_, wf, err := kind.Load(wpath)
	if err != nil || !wf.WeightsOnly || len(wf.Variables) != 1 {
		t.Fatalf("weights-only file: %+v, %v", wf, err)
	}
	c3, err := NewCore(kind, wf.Config, Settings{}, wf)
	if err != nil {
		t.Fatal(err)
	}
	if err := c3.Save(path, nil); err == nil || !strings.Contains(err.Error(), "weights-only") {
		t.Fatalf("full save of a weights-only model: %v", err)
	}
	if err := c3.Train(context.Background(), Options{Steps: 3}, 10, nil); err == nil || !strings.HasPrefix(err.Error(), "toy: this model was loaded from a weights-only file") {
		t.Fatalf("training a weights-only model: %v", err)
	}
	if _, err := c3.SaveStep(); err == nil || !strings.Contains(err.Error(), "no checkpoint directory") {
		t.Fatalf("SaveStep without a directory: %v", err)
	}
}
