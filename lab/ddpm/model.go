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

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/mnistlab/golab/lab/backend"
	"github.com/mnistlab/golab/lab/internal/ckpt"
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
	// latest checkpoint found there.
	Dir string
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.T, DefaultT)
	def(&c.Hidden, DefaultHidden)
	def(&c.Blocks, DefaultBlocks)
	def(&c.LabelDim, DefaultLabelDim)
	def(&c.TimeDim, DefaultTimeDim)
	def(&c.BatchSize, DefaultBatchSize)
	if c.Schedule == "" {
		c.Schedule = "cosine"
	}
	if c.Target == "" {
		c.Target = TargetImage
	}
	if c.PUncond == 0 {
		c.PUncond = DefaultPUncond
	}
	if c.EMADecay == 0 {
		c.EMADecay = DefaultEMADecay
	}
	if c.LearningRate == 0 {
		c.LearningRate = DefaultLearningRate
	}
	return c
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
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0):
		return fmt.Errorf("ddpm: LearningRate=%g, want > 0", c.LearningRate)
	case c.BatchSize < 1:
		return fmt.Errorf("ddpm: BatchSize=%d, want ≥ 1", c.BatchSize)
	case c.Target != TargetImage && c.Target != TargetNoise:
		return fmt.Errorf("ddpm: Target=%q, want %q or %q", c.Target, TargetImage, TargetNoise)
	}
	if _, err := NewSchedule(c.Schedule, c.T); err != nil {
		return err
	}
	return nil
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
	cfg         Config
	sched       Schedule
	backend     compute.Backend
	store       *model.Store
	step        int
	losses      []float32
	elapsed     time.Duration
	weightsOnly bool // loaded from a weights-only file: can sample, cannot train

	trainExec, lossExec, condExec, guidedExec *model.Exec

	permEpoch int
	perm      []int
}

// New creates a DDPM from cfg (zero fields take their defaults). If cfg.Dir
// holds checkpoints, the latest one is loaded — weights, moving average, Adam
// state, step and losses — and its configuration must match cfg.
func New(cfg Config) (*Model, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Dir != "" {
		path, err := ckpt.Latest(cfg.Dir)
		if err != nil {
			return nil, fmt.Errorf("ddpm: %w", err)
		}
		if path != "" {
			ck, err := readCheckpoint(path)
			if err != nil {
				return nil, err
			}
			if !ck.Config.sameModel(cfg) {
				return nil, fmt.Errorf("ddpm: checkpoint %s has %s, not %s (use another directory)",
					path, ck.Config.describe(), cfg.describe())
			}
			return fromCheckpoint(ck, cfg.Dir)
		}
	}
	m, err := newModel(cfg)
	if err != nil {
		return nil, err
	}
	if err := m.store.SetRNGStateFromSeed(cfg.Seed); err != nil {
		return nil, fmt.Errorf("ddpm: %w", err)
	}
	if err := m.initialize(); err != nil {
		return nil, err
	}
	return m, nil
}

// Open loads a DDPM from a checkpoint file, or from the latest checkpoint of a
// directory (full or weights-only).
func Open(path string) (*Model, error) {
	file, dir, err := ckpt.Resolve(path)
	if err != nil {
		return nil, fmt.Errorf("ddpm: %w", err)
	}
	ck, err := readCheckpoint(file)
	if err != nil {
		return nil, err
	}
	return fromCheckpoint(ck, dir)
}

// LoadPretrained loads the DDPM shipped in lab/pretrained/ddpm (see its README
// for the command that trained it and the scores it reached).
func LoadPretrained() (*Model, error) {
	dir, err := pretrained.Dir(pretrained.DDPM)
	if err != nil {
		return nil, err
	}
	return Open(dir)
}

func newModel(cfg Config) (*Model, error) {
	sched, err := NewSchedule(cfg.Schedule, cfg.T)
	if err != nil {
		return nil, err
	}
	b, err := backend.New()
	if err != nil {
		return nil, err
	}
	m := &Model{cfg: cfg, sched: sched, backend: b, store: model.NewStore(), permEpoch: -1}
	return m, m.buildExecs()
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
	m.trainExec, err = model.NewExec(m.backend, m.store, func(scope *model.Scope, in []*Node) *Node {
		l := loss(scope, in[:6])
		opt.UpdateGraph(scope, l.Graph(), l)
		updateEMA(m.store, l.Graph(), in[6])
		return l
	})
	if err != nil {
		return fmt.Errorf("ddpm: %w", err)
	}
	m.lossExec, err = model.NewExec(m.backend, m.store, func(scope *model.Scope, in []*Node) *Node {
		return loss(scope, in)
	})
	if err != nil {
		return fmt.Errorf("ddpm: %w", err)
	}
	m.condExec, err = model.NewExec(m.backend, m.store, func(scope *model.Scope, x, t, y, a, s *Node) *Node {
		return predictNoise(scope.At(emaScope).At(netScope), cfg, x, t, y, a, s)
	})
	if err != nil {
		return fmt.Errorf("ddpm: %w", err)
	}
	m.guidedExec, err = model.NewExec(m.backend, m.store, func(scope *model.Scope, in []*Node) *Node {
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
	init, err := model.NewExec(m.backend, m.store, func(scope *model.Scope, x, t, y *Node) *Node {
		return network(scope.At(netScope), cfg, x, t, y)
	})
	if err != nil {
		return fmt.Errorf("ddpm: %w", err)
	}
	defer init.Finalize()
	if !m.weightsOnly {
		_, err = init.Call(tensors.FromFlatDataAndDimensions(make([]float32, XDim), 1, XDim),
			tensors.FromFlatDataAndDimensions([]float32{1}, 1), tensors.FromFlatDataAndDimensions([]int32{0}, 1))
		if err != nil {
			return fmt.Errorf("ddpm: initialising: %w", err)
		}
	}
	var missing []*model.Variable
	for v := range m.store.IterVariables() {
		if strings.HasPrefix(v.Path(), "/"+netScope+"/") && m.store.GetVariable("/"+emaScope+v.Path()) == nil {
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
		ev, err := m.store.CreateVariable("/"+emaScope+v.Path(), clone)
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
func (m *Model) Step() int { return m.step }

// Losses returns the loss of every step so far (element i is step i+1).
func (m *Model) Losses() []float32 { return slices.Clone(m.losses) }

// TrainingTime is the time spent in training steps, over every Fit call.
func (m *Model) TrainingTime() time.Duration { return m.elapsed }

// NumParameters is the number of weights of the network (counted on their
// moving average, which weights-only files hold too).
func (m *Model) NumParameters() int {
	return m.store.Scope("/" + emaScope + "/" + netScope).NumParameters()
}

// String describes the model.
func (m *Model) String() string {
	return fmt.Sprintf("DDPM %s, step %d", m.cfg.describe(), m.step)
}

// FitOptions control Fit.
type FitOptions struct {
	// Steps is the step at which training stops (default DefaultSteps);
	// Fit takes Steps − Step() more steps.
	Steps int
	// SaveEvery writes a checkpoint every SaveEvery steps when Config.Dir is
	// set (0: only at the end and on cancellation).
	SaveEvery int
	// Progress, if set, is called after every step.
	Progress func(Progress)
}

// Progress reports a training step.
type Progress struct {
	Step, Steps int
	Loss        float64 // the batch's loss
	Running     float64 // mean of the last (up to) 200 losses
	Elapsed     time.Duration
	Checkpoint  string // written after this step, if any
}

// String formats the smoothed loss.
func (p Progress) String() string { return fmt.Sprintf("mse=%.4f", p.Running) }

// Fit trains the network on images x (N×784 values in [0, 1]) with labels
// (0–9): each step takes a batch from a per-epoch shuffle, draws a step t
// uniformly in 1…T, noise ε ~ N(0, I) and (with probability PUncond) drops the
// label, and minimises ‖ε − ε_θ(√ᾱ_t x₀ + √(1−ᾱ_t) ε, t, y)‖² with Adam; the
// moving average of the weights follows. All randomness comes from the seed
// and the step, so a run resumed from a checkpoint takes the very same steps.
// If ctx is cancelled, Fit saves a checkpoint (when Config.Dir is set) and
// returns ctx's error.
func (m *Model) Fit(ctx context.Context, x []float32, labels []uint8, opts FitOptions) error {
	if m.weightsOnly {
		return errors.New("ddpm: this model was loaded from a weights-only file (no optimizer state); train a new one with New")
	}
	n, err := checkData(x, labels)
	if err != nil {
		return err
	}
	if opts.Steps < 0 || opts.SaveEvery < 0 {
		return fmt.Errorf("ddpm: Steps=%d SaveEvery=%d, want ≥ 0", opts.Steps, opts.SaveEvery)
	}
	steps := opts.Steps
	if steps == 0 {
		steps = DefaultSteps
	}
	bs := min(m.cfg.BatchSize, n)
	perEpoch := (n + bs - 1) / bs
	b := newBatch(bs)
	start := time.Now()
	for m.step < steps {
		if err := ctx.Err(); err != nil {
			if m.cfg.Dir != "" {
				if _, serr := m.Save(); serr != nil {
					return serr
				}
			}
			return err
		}
		t0 := time.Now()
		epoch, k := m.step/perEpoch, m.step%perEpoch
		idx := m.permutation(epoch, n)[k*bs : min((k+1)*bs, n)]
		b.fill(m, x, labels, idx, m.step)
		decay := min(m.cfg.EMADecay, float64(1+m.step)/float64(10+m.step))
		outs, err := m.trainExec.Call(append(b.inputs(len(idx)), tensors.FromScalar(float32(decay)))...)
		if err != nil {
			return fmt.Errorf("ddpm: training step %d: %w", m.step+1, err)
		}
		l := scalar(outs[0])
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return fmt.Errorf("ddpm: training diverged at step %d (loss=%v)", m.step+1, l)
		}
		m.step++
		m.losses = append(m.losses, float32(l))
		m.elapsed += time.Since(t0)
		p := Progress{Step: m.step, Steps: steps, Loss: l, Running: lastMean(m.losses, 200), Elapsed: time.Since(start)}
		if m.cfg.Dir != "" && ((opts.SaveEvery > 0 && m.step%opts.SaveEvery == 0) || m.step == steps) {
			if p.Checkpoint, err = m.Save(); err != nil {
				return err
			}
		}
		if opts.Progress != nil {
			opts.Progress(p)
		}
	}
	return nil
}

// Loss is the training loss of the current weights (not the moving average) on
// the batch of images x with labels that Fit would draw at training step
// `step` — the noise, steps and label dropout of that step. It lets tests and
// notebooks watch one fixed batch.
func (m *Model) Loss(x []float32, labels []uint8, step int) (float64, error) {
	if m.weightsOnly {
		return 0, errors.New("ddpm: this model was loaded from a weights-only file: it has the moving average only")
	}
	n, err := checkData(x, labels)
	if err != nil {
		return 0, err
	}
	b := newBatch(n)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	b.fill(m, x, labels, idx, step)
	outs, err := m.lossExec.Call(b.inputs(n)...)
	if err != nil {
		return 0, fmt.Errorf("ddpm: %w", err)
	}
	return scalar(outs[0]), nil
}

// batch holds the host-side inputs of a training step.
type batch struct {
	x0, eps, a, s, t []float32
	y                []int32
}

func newBatch(n int) *batch {
	return &batch{x0: make([]float32, n*XDim), eps: make([]float32, n*XDim), a: make([]float32, n), s: make([]float32, n),
		t: make([]float32, n), y: make([]int32, n)}
}

// fill draws step `step`'s noise, steps and label dropout for images idx.
func (b *batch) fill(m *Model, x []float32, labels []uint8, idx []int, step int) {
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

func (b *batch) inputs(n int) []any {
	return []any{
		tensors.FromFlatDataAndDimensions(b.x0[:n*XDim], n, XDim),
		tensors.FromFlatDataAndDimensions(b.eps[:n*XDim], n, XDim),
		tensors.FromFlatDataAndDimensions(b.a[:n], n, 1),
		tensors.FromFlatDataAndDimensions(b.s[:n], n, 1),
		tensors.FromFlatDataAndDimensions(b.t[:n], n),
		tensors.FromFlatDataAndDimensions(b.y[:n], n),
	}
}

func (m *Model) permutation(epoch, n int) []int {
	if m.permEpoch != epoch || len(m.perm) != n {
		r := rand.New(rand.NewPCG(uint64(m.cfg.Seed), uint64(epoch)))
		m.perm = r.Perm(n)
		m.permEpoch = epoch
	}
	return m.perm
}

func checkData(x []float32, labels []uint8) (int, error) {
	if len(x) == 0 || len(x)%XDim != 0 {
		return 0, fmt.Errorf("ddpm: got %d values, want N×%d (N ≥ 1 images of 28×28 values in [0,1])", len(x), XDim)
	}
	n := len(x) / XDim
	if len(labels) != n {
		return 0, fmt.Errorf("ddpm: %d images but %d labels", n, len(labels))
	}
	for i, l := range labels {
		if l >= NumClasses {
			return 0, fmt.Errorf("ddpm: label %d of image %d, want 0–9", l, i)
		}
	}
	for i, v := range x {
		if !(v >= 0 && v <= 1) {
			return 0, fmt.Errorf("ddpm: pixel %d of image %d is %v, want a value in [0, 1]", i%XDim, i/XDim, v)
		}
	}
	return n, nil
}

func scalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	return math.NaN()
}

func lastMean(h []float32, w int) float64 {
	h = h[max(0, len(h)-w):]
	s := 0.0
	for _, v := range h {
		s += float64(v)
	}
	return s / float64(max(1, len(h)))
}

// String describes the configuration on one line.
func (c Config) String() string { return c.describe() }
