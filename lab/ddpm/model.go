package ddpm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/mnistlab/golab/lab/internal/batch"
	"github.com/mnistlab/golab/lab/internal/ckpt"
	"github.com/mnistlab/golab/lab/internal/train"
	"github.com/mnistlab/golab/lab/pretrained"
)

// Defaults of Config and FitOptions.
const (
	DefaultT            = 1000
	DefaultHidden       = 768
	DefaultBlocks       = 2
	DefaultLabelDim     = 32
	DefaultTimeDim      = 128
	DefaultPUncond      = 0.1
	DefaultEMADecay     = 0.999
	DefaultLearningRate = 5e-4
	DefaultBatchSize    = 128
	DefaultSteps        = 20000
	// DefaultMinSNR is γ of the Min-SNR loss weighting used with TargetImage.
	DefaultMinSNR = 5
)

// What the network outputs (Config.Target).
const (
	// TargetImage: the network estimates the clean image x̂₀ and the noise
	// estimate is derived from it; the loss is the Min-SNR-γ weighted
	// min(SNR_t, γ)·‖x̂₀ − x₀‖² (Hang et al. 2023), SNR_t = ᾱ_t/(1−ᾱ_t),
	// which equals min(1, γ/SNR_t)·‖ε̂ − ε‖². The default: an MLP draws much
	// better digits this way (see the package documentation).
	TargetImage = "x0"
	// TargetNoise: the network estimates ε directly, trained with Ho et
	// al.'s unweighted ‖ε̂ − ε‖².
	TargetNoise = "eps"
)

// Config describes a DDPM and how it is trained. The zero value of each field
// selects its default.
type Config struct {
	// T is the number of diffusion steps (default 1000, as the course's).
	T int
	// Schedule is the noise schedule, "cosine" (default, the course's) or "linear".
	Schedule string
	// Target is what the network outputs: TargetImage (default) or TargetNoise.
	Target string
	// Hidden is the width of the residual MLP (default 768).
	Hidden int
	// Blocks is the number of residual blocks (default 2).
	Blocks int
	// LabelDim is the size of the label embedding concatenated to the image
	// (default 32).
	LabelDim int
	// TimeDim is the size of the sinusoidal step embedding (default 128).
	TimeDim int
	// PUncond is the probability of replacing a training label by NullLabel
	// (label dropout), which teaches the same network the unconditional model
	// that classifier-free guidance needs (default 0.1). A negative value trains
	// without label dropout: conditioning by concatenation only.
	PUncond float64
	// EMADecay is the decay of the exponential moving average of the weights
	// that sampling uses (default 0.999).
	EMADecay float64
	// Seed seeds the initialisation, the batches, the noise and the label dropout.
	Seed int64
	// LearningRate is Adam's learning rate (default 5e-4).
	LearningRate float64
	// BatchSize is the number of images per step (default 128).
	BatchSize int
	// Dir is the checkpoint directory; "" keeps none. New resumes from the
	// newest checkpoint found there.
	Dir string
}

func (c Config) withDefaults() Config {
	train.Default(&c.T, DefaultT)
	train.Default(&c.Hidden, DefaultHidden)
	train.Default(&c.Blocks, DefaultBlocks)
	train.Default(&c.LabelDim, DefaultLabelDim)
	train.Default(&c.TimeDim, DefaultTimeDim)
	train.Default(&c.BatchSize, DefaultBatchSize)
	train.Default(&c.Schedule, "cosine")
	train.Default(&c.Target, TargetImage)
	train.Default(&c.PUncond, DefaultPUncond)
	train.Default(&c.EMADecay, DefaultEMADecay)
	train.Default(&c.LearningRate, DefaultLearningRate)
	return c
}

// settings are how the model trains: batches of BatchSize from the seed's
// permutations, DefaultSteps, the loss recorded.
func (c Config) settings() train.Settings {
	return train.Settings{Dir: c.Dir, Seed: c.Seed, BatchSize: c.BatchSize, DefaultSteps: DefaultSteps, Values: []string{"mse"}}
}

func (c Config) validate() error {
	switch {
	case c.T < 2:
		return fmt.Errorf("ddpm: T=%d, want ≥ 2", c.T)
	case c.Hidden < 1 || c.Blocks < 0 || c.LabelDim < 1:
		return fmt.Errorf("ddpm: Hidden=%d Blocks=%d LabelDim=%d, want ≥ 1, ≥ 0, ≥ 1", c.Hidden, c.Blocks, c.LabelDim)
	case c.TimeDim < 2 || c.TimeDim%2 != 0:
		return fmt.Errorf("ddpm: TimeDim=%d, want an even number ≥ 2", c.TimeDim)
	case c.PUncond >= 1 || math.IsNaN(c.PUncond):
		return fmt.Errorf("ddpm: PUncond=%g, want < 1", c.PUncond)
	case !(c.EMADecay > 0 && c.EMADecay < 1):
		return fmt.Errorf("ddpm: EMADecay=%g, want in (0, 1)", c.EMADecay)
	case c.Target != TargetImage && c.Target != TargetNoise:
		return fmt.Errorf("ddpm: Target=%q, want %q or %q", c.Target, TargetImage, TargetNoise)
	}
	if _, err := NewSchedule(c.Schedule, c.T); err != nil {
		return err
	}
	return train.CheckOptimizer("ddpm", c.LearningRate, c.BatchSize)
}

// labelDropout is the effective probability of dropping a label.
func (c Config) labelDropout() float64 { return max(c.PUncond, 0) }

func (c Config) sameModel(o Config) bool {
	c.Dir, o.Dir = "", ""
	return c == o
}

func (c Config) describe() string {
	return fmt.Sprintf("T=%d %s target=%s MLP %d×%d label=%d time=%d p_uncond=%g ema=%g seed=%d lr=%g batch=%d",
		c.T, c.Schedule, c.Target, c.Hidden, c.Blocks, c.LabelDim, c.TimeDim, c.labelDropout(), c.EMADecay, c.Seed, c.LearningRate, c.BatchSize)
}

// Model is a class-conditional DDPM: the noise-prediction network, its Adam
// state and the moving average of its weights, the schedule and the loss
// history. Create it with New, Open or LoadPretrained. Not safe for concurrent use.
type Model struct {
	cfg   Config
	sched Schedule
	core  *train.Core[Config]

	trainExec, lossExec, condExec, guidedExec *model.Exec
}

// New creates a DDPM from cfg (zero fields take their defaults). If cfg.Dir
// holds checkpoints, the newest intact one is loaded — weights, moving
// average, Adam state, step and losses — and its configuration must match cfg.
func New(cfg Config) (*Model, error) { return build(kind.Start(cfg, cfg.Dir)) }

// Open loads a DDPM from a checkpoint file, or from the newest intact
// checkpoint of a directory: a full checkpoint, whose directory becomes
// Config.Dir so that further training saves next to it, or a weights-only
// file (SaveWeights), which samples but cannot be trained.
func Open(path string) (*Model, error) { return build(kind.Load(path)) }

// LoadPretrained loads the DDPM shipped in lab/pretrained/ddpm (see its README
// for the command that trained it and the scores it reached).
func LoadPretrained() (*Model, error) { return build(kind.Pretrained(pretrained.DDPM)) }

// kind describes the DDPM's checkpoint files (package lab/internal/ckpt): the
// configuration and the variables of the Store — all of them in a full
// checkpoint (weights, moving average, Adam state, RNG), the moving average
// alone in a weights-only one, all that sampling needs — with the loss of
// every step and the training time.
var kind = ckpt.Kind[Config]{Name: "ddpm", Format: "golab-ddpm/1",
	Defaults: Config.withDefaults, Validate: Config.validate, Dir: func(c *Config) *string { return &c.Dir },
	Same: Config.sameModel, Describe: Config.describe}

// build makes the model of a prepared configuration, from checkpoint f or
// (nil) fresh weights.
func build(cfg Config, f *ckpt.File[Config], err error) (*Model, error) {
	return train.Build(kind, cfg, cfg.settings(), f, err, func(core *train.Core[Config]) (*Model, error) {
		sched, err := NewSchedule(cfg.Schedule, cfg.T)
		if err != nil {
			return nil, err
		}
		m := &Model{cfg: cfg, sched: sched, core: core}
		if err := m.buildExecs(); err != nil {
			return nil, err
		}
		return m, m.initialize()
	})
}

// trainInputs are the training step's inputs, all prepared on the host so that
// a run is deterministic and resumable: the clean images x0 [B,784] in [−1,1],
// the noise eps [B,784], the coefficients √ᾱ_t and √(1−ᾱ_t) [B,1], the step t
// [B] (float), the labels y [B] (int32, NullLabel when dropped) and the EMA
// decay (scalar).
func (m *Model) buildExecs() error {
	cfg := m.cfg
	opt := optimizer.Adam().LearningRate(cfg.LearningRate).Done()
	loss := func(scope *model.Scope, in []*Node) *Node {
		x0, eps, a, s, t, y := in[0], in[1], in[2], in[3], in[4], in[5]
		xt := Add(Mul(a, x0), Mul(s, eps))
		out := network(scope.At(netScope), cfg, xt, t, y)
		if cfg.Target == TargetNoise {
			return ReduceAllMean(Square(Sub(out, eps)))
		}
		snr := Div(Square(a), Square(s))
		weight := MinScalar(snr, DefaultMinSNR)
		return ReduceAllMean(Mul(weight, Square(Sub(out, x0))))
	}
	var err error
	b, store := m.core.Backend, m.core.Store
	m.trainExec, err = model.NewExec(b, store, func(scope *model.Scope, in []*Node) *Node {
		l := loss(scope, in[:6])
		opt.UpdateGraph(scope, l.Graph(), l)
		updateEMA(store, l.Graph(), in[6])
		return l
	})
	if err != nil {
		return fmt.Errorf("ddpm: %w", err)
	}
	m.lossExec, err = model.NewExec(b, store, func(scope *model.Scope, in []*Node) *Node {
		return loss(scope, in)
	})
	if err != nil {
		return fmt.Errorf("ddpm: %w", err)
	}
	m.condExec, err = model.NewExec(b, store, func(scope *model.Scope, x, t, y, a, s *Node) *Node {
		return predictNoise(scope.At(emaScope).At(netScope), cfg, x, t, y, a, s)
	})
	if err != nil {
		return fmt.Errorf("ddpm: %w", err)
	}
	m.guidedExec, err = model.NewExec(b, store, func(scope *model.Scope, in []*Node) *Node {
		x, t, y, a, s, w := in[0], in[1], in[2], in[3], in[4], in[5]
		// One pass over the batch twice: with the labels and with NullLabel.
		null := OnesLike(y)
		null = MulScalar(null, NullLabel)
		eps := predictNoise(scope.At(emaScope).At(netScope), cfg,
			Concatenate([]*Node{x, x}, 0), Concatenate([]*Node{t, t}, 0), Concatenate([]*Node{y, null}, 0),
			Concatenate([]*Node{a, a}, 0), Concatenate([]*Node{s, s}, 0))
		n := x.Shape().Dim(0)
		cond, uncond := Slice(eps, AxisRange(0, n)), Slice(eps, AxisRange(n, 2*n))
		// ε̃ = (1+w)·ε(x, y) − w·ε(x, ∅)
		return Add(cond, Mul(w, Sub(cond, uncond)))
	})
	if err != nil {
		return fmt.Errorf("ddpm: %w", err)
	}
	return nil
}

// updateEMA moves every moving-average variable towards the network weight it
// follows (just updated by the optimizer): ema ← d·ema + (1−d)·w.
func updateEMA(store *model.Store, g *Graph, decay *Node) {
	for v := range store.IterVariables() {
		if !strings.HasPrefix(v.Path(), "/"+emaScope+"/") {
			continue
		}
		w := store.GetVariable(strings.TrimPrefix(v.Path(), "/"+emaScope))
		if w == nil {
			continue
		}
		e := v.NodeValue(g)
		v.SetNodeValue(Add(e, Mul(OneMinus(decay), Sub(w.NodeValue(g), e))))
	}
}

// initialize creates the network's variables (running it once) and the moving
// averages that start equal to them; loaded variables are kept.
func (m *Model) initialize() error {
	cfg := m.cfg
	store := m.core.Store
	init, err := model.NewExec(m.core.Backend, store, func(scope *model.Scope, x, t, y *Node) *Node {
		return network(scope.At(netScope), cfg, x, t, y)
	})
	if err != nil {
		return fmt.Errorf("ddpm: %w", err)
	}
	defer init.Finalize()
	if !m.core.WeightsOnly {
		_, err = init.Call(tensors.FromFlatDataAndDimensions(make([]float32, XDim), 1, XDim),
			tensors.FromFlatDataAndDimensions([]float32{1}, 1), tensors.FromFlatDataAndDimensions([]int32{0}, 1))
		if err != nil {
			return fmt.Errorf("ddpm: initialising: %w", err)
		}
	}
	var missing []*model.Variable
	for v := range store.IterVariables() {
		if strings.HasPrefix(v.Path(), "/"+netScope+"/") && store.GetVariable("/"+emaScope+v.Path()) == nil {
			missing = append(missing, v)
		}
	}
	for _, v := range missing {
		t, err := v.Value()
		if err != nil {
			return fmt.Errorf("ddpm: %w", err)
		}
		clone, err := t.LocalClone()
		if err != nil {
			return fmt.Errorf("ddpm: %w", err)
		}
		ev, err := store.CreateVariable("/"+emaScope+v.Path(), clone)
		if err != nil {
			return fmt.Errorf("ddpm: %w", err)
		}
		ev.SetTrainable(false)
	}
	return nil
}

// Config returns the configuration (defaults filled in).
func (m *Model) Config() Config { return m.cfg }

// Schedule returns the noise schedule.
func (m *Model) Schedule() Schedule { return m.sched }

// Step is the number of training steps taken.
func (m *Model) Step() int { return m.core.Record.Step }

// Losses returns the loss of every step so far (element i is step i+1).
func (m *Model) Losses() []float32 { return slices.Clone(m.core.Record.Losses) }

// TrainingTime is the time spent in training steps, over every Fit call.
func (m *Model) TrainingTime() time.Duration { return m.core.Record.Elapsed }

// WeightsOnly reports whether the model was loaded from a weights-only file
// (SaveWeights): it samples, but cannot be trained further.
func (m *Model) WeightsOnly() bool { return m.core.WeightsOnly }

// NumParameters is the number of weights of the network (counted on their
// moving average, which weights-only files hold too).
func (m *Model) NumParameters() int {
	return m.core.Store.Scope("/" + emaScope + "/" + netScope).NumParameters()
}

// String describes the model.
func (m *Model) String() string {
	return fmt.Sprintf("DDPM %s, step %d", m.cfg.describe(), m.Step())
}

// FitOptions control Fit: Steps (default DefaultSteps) or Epochs,
// SaveEvery, Progress. See train.Options.
type FitOptions = train.Options

// Progress reports one training step to FitOptions.Progress: Loss and
// Running are the batch's (weighted) mean squared error ("mse") and its mean
// over the last 100 steps.
type Progress = train.Progress

// Fit trains the network on images x (N×784 values in [0, 1]) with labels
// (0–9, e.g. mnist.Set.IntLabels): each step takes a batch from a per-epoch
// shuffle, draws a step t uniformly in 1…T, noise ε ~ N(0, I) and (with
// probability PUncond) drops the label, and minimises the loss of
// Config.Target with Adam; the moving average of the weights follows. All
// randomness comes from the seed and the step, so a run resumed from a
// checkpoint takes the very same steps.
//
// With Config.Dir set, checkpoints are written every opts.SaveEvery steps, at
// the last step and when ctx is cancelled; Fit then returns ctx's error.
func (m *Model) Fit(ctx context.Context, x []float32, labels []int, opts FitOptions) error {
	n, err := checkData(x, labels)
	if err != nil {
		return err
	}
	b := newStepBatch(min(m.cfg.BatchSize, n))
	return m.core.Train(ctx, opts, n, func(step int, idx []int) ([]float64, error) {
		b.fill(m, x, labels, idx, step)
		decay := min(m.cfg.EMADecay, float64(1+step)/float64(10+step))
		outs, err := m.trainExec.Call(append(b.inputs(len(idx)), tensors.FromScalar(float32(decay)))...)
		return train.Scalars(outs), err
	})
}

// Loss is the training loss of the current weights (not the moving average) on
// the batch of images x with labels that Fit would draw at training step
// `step` — the noise, steps and label dropout of that step. It lets tests and
// notebooks watch one fixed batch.
func (m *Model) Loss(x []float32, labels []int, step int) (float64, error) {
	if m.core.WeightsOnly {
		return 0, errors.New("ddpm: this model was loaded from a weights-only file: it has the moving average only")
	}
	n, err := checkData(x, labels)
	if err != nil {
		return 0, err
	}
	b := newStepBatch(n)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	b.fill(m, x, labels, idx, step)
	outs, err := m.lossExec.Call(b.inputs(n)...)
	if err != nil {
		return 0, fmt.Errorf("ddpm: %w", err)
	}
	return train.Scalars(outs)[0], nil
}

// stepBatch holds the host-side inputs of a training step.
type stepBatch struct {
	x0, eps, a, s, t []float32
	y                []int32
}

func newStepBatch(n int) *stepBatch {
	return &stepBatch{x0: make([]float32, n*XDim), eps: make([]float32, n*XDim), a: make([]float32, n), s: make([]float32, n),
		t: make([]float32, n), y: make([]int32, n)}
}

// fill draws step `step`'s noise, steps and label dropout for images idx.
func (b *stepBatch) fill(m *Model, x []float32, labels []int, idx []int, step int) {
	r := rand.New(rand.NewPCG(uint64(m.cfg.Seed)^0x9e3779b97f4a7c15, uint64(step)))
	p := m.cfg.labelDropout()
	for i, j := range idx {
		src := x[j*XDim : (j+1)*XDim]
		dst := b.x0[i*XDim : (i+1)*XDim]
		for k, v := range src {
			dst[k] = 2*v - 1
		}
		ti := r.IntN(m.cfg.T)
		b.t[i] = float32(ti + 1)
		b.a[i] = float32(math.Sqrt(m.sched.AlphaBar[ti]))
		b.s[i] = float32(math.Sqrt(1 - m.sched.AlphaBar[ti]))
		b.y[i] = int32(labels[j])
		if r.Float64() < p {
			b.y[i] = NullLabel
		}
		for k := range XDim {
			b.eps[i*XDim+k] = float32(r.NormFloat64())
		}
	}
}

func (b *stepBatch) inputs(n int) []any {
	return []any{
		tensors.FromFlatDataAndDimensions(b.x0[:n*XDim], n, XDim),
		tensors.FromFlatDataAndDimensions(b.eps[:n*XDim], n, XDim),
		tensors.FromFlatDataAndDimensions(b.a[:n], n, 1),
		tensors.FromFlatDataAndDimensions(b.s[:n], n, 1),
		tensors.FromFlatDataAndDimensions(b.t[:n], n),
		tensors.FromFlatDataAndDimensions(b.y[:n], n),
	}
}

// checkData returns the number of images in x, or an error unless x holds
// N ≥ 1 images of 784 values in [0, 1] and labels N digits 0…9.
func checkData(x []float32, labels []int) (int, error) {
	n, err := batch.Images("ddpm", x)
	if err != nil {
		return 0, err
	}
	return n, batch.Labels("ddpm", labels, n, NumClasses)
}

// String describes the configuration on one line.
func (c Config) String() string { return c.describe() }
