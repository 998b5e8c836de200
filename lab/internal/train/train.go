// Package train is the training loop of the lab's four GoMLX models (vae,
// autoencoder, classifier, ddpm) and the state they share, after GoMLX's
// ml/train: a loop with a per-step hook, checkpoints kept apart (package
// ckpt). Each model keeps its configuration, its graph, a short step function
// and its inference API; the loop does the rest the same way for all:
//
//   - batches from a per-epoch permutation seeded by the model's seed and the
//     epoch only, so that a resumed run takes exactly the batches of an
//     uninterrupted one;
//   - the record of every step's loss (and the model's other values), the
//     running mean over the last Window steps and the training time;
//   - a progress callback after every step;
//   - a checkpoint every SaveEvery steps, at the last step and when the
//     context is cancelled (Ctrl-C), after which Run returns ctx's error;
//   - a loss that becomes NaN or infinite stops training with an error.
//
// The model packages expose Options and Progress under their own names
// (FitOptions, Progress), so that notebooks never import this package.
package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/mnistlab/golab/lab/backend"
	"github.com/mnistlab/golab/lab/checkpoints"
	"github.com/mnistlab/golab/lab/internal/batch"
	"github.com/mnistlab/golab/lab/internal/ckpt"
)

// Window is the number of steps the running means average over.
const Window = 100

// Record is what training has done so far; every checkpoint keeps it.
type Record struct {
	Step int // training steps taken
	// Losses is the loss of every step: element i is step i+1.
	Losses []float32
	// Metrics are the model's other per-step values, by name, aligned with
	// Losses (NaN where a resumed file had not recorded them).
	Metrics map[string][]float32
	Elapsed time.Duration // time spent in training steps, over every run
}

// Core is what every model holds besides its configuration and graphs: the
// backend, the variable store, the training record and how its checkpoint
// files are written.
type Core[C any] struct {
	Kind     ckpt.Kind[C]
	Config   C // the model's configuration, prepared (Kind.Prepare)
	Settings   // how it trains
	Backend  compute.Backend
	Store    *model.Store
	Record   Record
	// WeightsOnly: loaded from a weights-only file, without the optimizer's
	// state; such a model cannot be trained or saved in full.
	WeightsOnly bool
}

// Settings are what the loop needs of a model's configuration and kind.
type Settings struct {
	Dir       string // the checkpoint directory, "" for none
	Seed      int64  // seeds fresh weights and each epoch's permutation
	BatchSize int    // examples per step
	// DefaultSteps is the length of training when Options sets neither
	// Steps nor Epochs (0: one epoch).
	DefaultSteps int
	// Values names the values a step returns: Values[0] the loss, the
	// others kept in Record.Metrics.
	Values []string
}

// Build makes a model of kind k: the Core of configuration cfg, trained with
// s, from checkpoint f (nil for fresh weights), then the model around it
// with newModel. A non-nil err (from Kind.Start or Kind.Load) is returned
// as is, so that a model's New and Open read build(kind.Start(…)).
func Build[C, M any](k ckpt.Kind[C], cfg C, s Settings, f *ckpt.File[C], err error, newModel func(*Core[C]) (M, error)) (M, error) {
	var zero M
	if err != nil {
		return zero, err
	}
	c, err := NewCore(k, cfg, s, f)
	if err != nil {
		return zero, err
	}
	m, err := newModel(c)
	if err != nil {
		return zero, err
	}
	return m, nil
}

// NewCore creates the backend and the variable store of a model of kind k
// with configuration cfg, trained with s, starting from the checkpoint f
// (its variables and record), or, when f is nil, with the store's random
// state seeded by s.Seed for fresh weights.
func NewCore[C any](k ckpt.Kind[C], cfg C, s Settings, f *ckpt.File[C]) (*Core[C], error) {
	b, err := backend.New()
	if err != nil {
		return nil, err
	}
	c := &Core[C]{Kind: k, Config: cfg, Settings: s, Backend: b, Store: model.NewStore()}
	if f == nil {
		if err := c.Store.SetRNGStateFromSeed(s.Seed); err != nil {
			return nil, fmt.Errorf("%s: %w", k.Name, err)
		}
		return c, nil
	}
	if err := ckpt.Restore(c.Store, f.Variables); err != nil {
		return nil, fmt.Errorf("%s: %w", k.Name, err)
	}
	if !f.WeightsOnly && c.Store.GetVariable(optimizer.GlobalStepVariableName) != nil {
		if gs := int(optimizer.GetGlobalStep(c.Store)); gs != f.Step {
			return nil, fmt.Errorf("%s: checkpoint step %d but optimizer step %d", k.Name, f.Step, gs)
		}
	}
	c.Record = Record{Step: f.Step, Losses: f.Losses, Metrics: f.Metrics, Elapsed: f.Elapsed}
	c.WeightsOnly = f.WeightsOnly
	return c, nil
}

// Save writes a checkpoint of the model to path atomically: every variable
// of the store, or, with keep, those whose path it accepts (a weights-only
// file). A model loaded from a weights-only file writes only weights-only
// files.
func (c *Core[C]) Save(path string, keep func(path string) bool) error {
	if c.WeightsOnly && keep == nil {
		return fmt.Errorf("%s: a model loaded from a weights-only file can only save its weights", c.Kind.Name)
	}
	saved, err := c.Kind.Prepare(c.Config, "") // the file does not say where it lies
	if err != nil {
		return err
	}
	vars, err := ckpt.Capture(c.Store, keep)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Kind.Name, err)
	}
	r := c.Record
	return c.Kind.Write(path, &ckpt.File[C]{Config: saved, Step: r.Step, Saved: time.Now().UTC(),
		WeightsOnly: keep != nil, Variables: vars, Losses: r.Losses, Metrics: r.Metrics, Elapsed: r.Elapsed})
}

// SaveStep writes a full checkpoint of the current step into the checkpoint
// directory (Dir/model-<step>.ckpt) and returns its path.
func (c *Core[C]) SaveStep() (string, error) {
	if c.Dir == "" {
		return "", fmt.Errorf("%s: Save: no checkpoint directory (Config.Dir is empty)", c.Kind.Name)
	}
	path := checkpoints.Path(c.Dir, c.Record.Step)
	return path, c.Save(path, nil)
}

// Train trains the model on n examples until opts.Steps with step (see
// Loop), saving checkpoints in Dir when it is set. A weights-only model
// cannot be trained.
func (c *Core[C]) Train(ctx context.Context, opts Options, n int, step func(step int, batch []int) ([]float64, error)) error {
	if c.WeightsOnly {
		return fmt.Errorf("%s: this model was loaded from a weights-only file (no optimizer state) and cannot be trained; train a new one or resume from a full checkpoint", c.Kind.Name)
	}
	l := Loop{Name: c.Kind.Name, Record: &c.Record, N: n, BatchSize: c.BatchSize, Seed: c.Seed,
		DefaultSteps: c.DefaultSteps, Names: c.Values, Step: step}
	if c.Dir != "" {
		l.Save = c.SaveStep
	}
	return l.Run(ctx, opts)
}

// FitImages trains the model on images x (N×784 values in [0, 1]) until
// opts.Steps: each step calls exec, a graph of the model's store taking
// one batch of images [B, 784] (B ≤ BatchSize) and returning the step's
// scalar values (Values).
func (c *Core[C]) FitImages(ctx context.Context, x []float32, opts Options, exec *model.Exec) error {
	n, err := batch.Images(c.Kind.Name, x)
	if err != nil {
		return err
	}
	buf := make([]float32, min(c.BatchSize, n)*batch.XDim)
	return c.Train(ctx, opts, n, func(_ int, idx []int) ([]float64, error) {
		outs, err := exec.Call(tensors.FromFlatDataAndDimensions(batch.Gather(buf, x, batch.XDim, idx), len(idx), batch.XDim))
		return Scalars(outs), err
	})
}

// Default sets *v to d if it is the zero value: the defaults of a model's
// Config.
func Default[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}

// CheckOptimizer returns an error (prefixed with pkg) unless the learning
// rate is positive and finite and the batch size at least 1: the checks every
// model's Config shares.
func CheckOptimizer(pkg string, learningRate float64, batchSize int) error {
	switch {
	case !(learningRate > 0) || math.IsInf(learningRate, 0):
		return fmt.Errorf("%s: LearningRate=%g, want > 0", pkg, learningRate)
	case batchSize < 1:
		return fmt.Errorf("%s: BatchSize=%d, want ≥ 1", pkg, batchSize)
	}
	return nil
}

// Options are how long to train and what to report: every model's FitOptions.
type Options struct {
	// Steps is the step at which training stops: Fit takes Steps − Step()
	// more steps, none if the model is already there. 0 means Epochs passes
	// over the data if Epochs is set, else the model's default.
	Steps int
	// Epochs, when Steps is 0, sets Steps to Epochs·⌈N/BatchSize⌉.
	Epochs int
	// SaveEvery: when the model has a checkpoint directory (Config.Dir), a
	// checkpoint is written every SaveEvery steps (0: none), and always at
	// the last step and when the context is cancelled.
	SaveEvery int
	// Progress, if set, is called after every step.
	Progress func(Progress)
}

// Progress reports one training step.
type Progress struct {
	Step, Steps int
	Epoch       int     // the epoch of this step, from 0
	LossName    string  // what the loss is, e.g. "nelbo" or "bce"
	Loss        float64 // this step's loss (on its batch)
	Running     float64 // the mean loss of the last (up to) Window steps
	// Metrics are the model's other values at this step.
	Metrics    []Metric
	Elapsed    time.Duration // since the start of this Fit call
	Checkpoint string        // the checkpoint written after this step, if any
}

// Metric is one of a model's other per-step values.
type Metric struct {
	Name    string
	Value   float64 // at this step
	Running float64 // mean of the last (up to) Window steps
}

// String formats the running means, e.g. "nelbo=101.3 kl=19.12 rec=82.2".
func (p Progress) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s=%.4g", p.LossName, p.Running)
	for _, m := range p.Metrics {
		fmt.Fprintf(&b, " %s=%.4g", m.Name, m.Running)
	}
	return b.String()
}

// Metric returns the running mean of the metric called name, NaN if the
// step has none.
func (p Progress) Metric(name string) float64 {
	for _, m := range p.Metrics {
		if m.Name == name {
			return m.Running
		}
	}
	return math.NaN()
}

// Loop trains one model.
type Loop struct {
	Name         string  // the model's package, prefix of errors
	Record       *Record // the model's record, advanced by the loop
	N, BatchSize int     // training examples, examples per step
	Seed         int64   // seeds the permutation of each epoch
	DefaultSteps int     // Steps when Options has neither Steps nor Epochs (0: one epoch)
	// Names names the values Step returns: Names[0] the loss, the others
	// recorded in Record.Metrics.
	Names []string
	// Step takes the training step numbered step (from 0) on the examples
	// batch (indices into the training data) and returns its values.
	Step func(step int, batch []int) ([]float64, error)
	// Save writes a checkpoint and returns its path; nil keeps none.
	Save func() (string, error)
}

// Run trains until opts.Steps (see Options), calling Step once per step.
func (l *Loop) Run(ctx context.Context, opts Options) error {
	if opts.Steps < 0 || opts.Epochs < 0 || opts.SaveEvery < 0 {
		return fmt.Errorf("%s: Steps=%d Epochs=%d SaveEvery=%d, want ≥ 0", l.Name, opts.Steps, opts.Epochs, opts.SaveEvery)
	}
	bs := min(l.BatchSize, l.N)
	perEpoch := (l.N + bs - 1) / bs
	steps := opts.Steps
	switch {
	case steps > 0:
	case opts.Epochs > 0:
		steps = opts.Epochs * perEpoch
	case l.DefaultSteps > 0:
		steps = l.DefaultSteps
	default:
		steps = perEpoch
	}
	r := l.Record
	start := time.Now()
	permEpoch, perm := -1, []int(nil)
	for r.Step < steps {
		if err := ctx.Err(); err != nil {
			if l.Save != nil {
				if _, serr := l.Save(); serr != nil {
					return serr
				}
			}
			return err
		}
		t0 := time.Now()
		epoch, b := r.Step/perEpoch, r.Step%perEpoch
		if epoch != permEpoch {
			perm = rand.New(rand.NewPCG(uint64(l.Seed), uint64(epoch))).Perm(l.N)
			permEpoch = epoch
		}
		values, err := l.Step(r.Step, perm[b*bs:min((b+1)*bs, l.N)])
		if err != nil {
			return fmt.Errorf("%s: training step %d: %w", l.Name, r.Step+1, err)
		}
		if loss := values[0]; math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("%s: training diverged at step %d (%s=%v)", l.Name, r.Step+1, l.Names[0], loss)
		}
		p := l.record(values)
		r.Elapsed += time.Since(t0)
		p.Steps, p.Epoch, p.Elapsed = steps, epoch, time.Since(start)
		if l.Save != nil && ((opts.SaveEvery > 0 && r.Step%opts.SaveEvery == 0) || r.Step == steps) {
			if p.Checkpoint, err = l.Save(); err != nil {
				return err
			}
		}
		if opts.Progress != nil {
			opts.Progress(p)
		}
	}
	return nil
}

// record appends one step's values to the record and returns its progress.
func (l *Loop) record(values []float64) Progress {
	r := l.Record
	r.Step++
	r.Losses = append(r.Losses, float32(values[0]))
	p := Progress{Step: r.Step, LossName: l.Names[0], Loss: values[0], Running: MeanOfLast(r.Losses, Window)}
	if len(values) > 1 && r.Metrics == nil {
		r.Metrics = map[string][]float32{}
	}
	for i, name := range l.Names[1:] {
		h := r.Metrics[name]
		for len(h) < len(r.Losses)-1 { // recorded from a resumed file on
			h = append(h, float32(math.NaN()))
		}
		h = append(h, float32(values[i+1]))
		r.Metrics[name] = h
		p.Metrics = append(p.Metrics, Metric{Name: name, Value: values[i+1], Running: MeanOfLast(h, Window)})
	}
	return p
}

// MeanOfLast is the mean of the last (up to) n values of x that are not NaN,
// NaN if there is none.
func MeanOfLast(x []float32, n int) float64 {
	s, k := 0.0, 0
	for _, v := range x[max(0, len(x)-n):] {
		if !math.IsNaN(float64(v)) {
			s += float64(v)
			k++
		}
	}
	if k == 0 {
		return math.NaN()
	}
	return s / float64(k)
}

// Scalars converts the scalar outputs of a graph call to float64 (NaN for a
// tensor that is not a float scalar).
func Scalars(outs []*tensors.Tensor) []float64 {
	v := make([]float64, len(outs))
	for i, t := range outs {
		switch x := t.Value().(type) {
		case float32:
			v[i] = float64(x)
		case float64:
			v[i] = x
		default:
			v[i] = math.NaN()
		}
	}
	return v
}
