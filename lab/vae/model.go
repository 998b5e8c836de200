package vae

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
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

// Config describes a VAE and how it is trained. The zero value of each field
// selects the homework's default.
type Config struct {
	Z            int     // latent dimension (default 10)
	Hidden       int     // units of each hidden layer (default 300)
	Seed         int64   // seeds initialisation, batch order, binarization and noise
	LearningRate float64 // Adam's learning rate (default 1e-3)
	BatchSize    int     // images per training step (default 100)

	// Dir is the checkpoint directory (see CheckpointDir); "" keeps no
	// checkpoints. New resumes from the newest checkpoint found there.
	Dir string
}

// DefaultSteps is the homework's training length (--iter_max 20000): Fit's
// Steps when FitOptions sets neither Steps nor Epochs.
const DefaultSteps = 20000

// DefaultConfig is the homework's configuration: z = 10, 300 hidden units,
// Adam with learning rate 1e-3, batches of 100, seed 0, no checkpoints.
func DefaultConfig() Config {
	return Config{Z: DefaultZ, Hidden: DefaultHidden, LearningRate: 1e-3, BatchSize: 100}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	train.Default(&c.Z, d.Z)
	train.Default(&c.Hidden, d.Hidden)
	train.Default(&c.LearningRate, d.LearningRate)
	train.Default(&c.BatchSize, d.BatchSize)
	return c
}

// settings are how the model trains: batches of BatchSize from the seed's
// permutations, DefaultSteps, the NELBO and its two terms recorded.
func (c Config) settings() train.Settings {
	return train.Settings{Dir: c.Dir, Seed: c.Seed, BatchSize: c.BatchSize, DefaultSteps: DefaultSteps,
		Values: []string{"nelbo", "kl", "rec"}}
}

// sameModel reports whether c and o describe the same network and training,
// Dir aside.
func (c Config) sameModel(o Config) bool {
	c.Dir, o.Dir = "", ""
	return c == o
}

func (c Config) validate() error {
	switch {
	case c.Z < 1:
		return fmt.Errorf("vae: Z=%d, want ≥ 1", c.Z)
	case c.Hidden < 1:
		return fmt.Errorf("vae: Hidden=%d, want ≥ 1", c.Hidden)
	}
	return train.CheckOptimizer("vae", c.LearningRate, c.BatchSize)
}

// History holds the training losses of every step: element i is step i+1.
// NELBO is the loss (Losses); KL and REC are its two terms.
type History struct {
	NELBO, KL, REC []float32
}

// Len is the number of recorded steps.
func (h History) Len() int { return len(h.NELBO) }

// Model is the homework's VAE with its optimizer state, training history and
// checkpoints. Create it with New, Open or LoadPretrained. A Model is not
// safe for concurrent use.
type Model struct {
	cfg  Config
	core *train.Core[Config]
	rng  *rand.Rand // Go-side sampling (SampleZ, SampleX)

	trainExec, probExec, encodeExec, elboExec *model.Exec
	iwaeExecs                                 map[int]*model.Exec
}

// New creates a VAE from cfg (zero fields take the defaults of DefaultConfig).
// If cfg.Dir holds checkpoints, the newest intact one is loaded and training
// resumes from it; its configuration must then match cfg. Otherwise the
// weights are initialised as PyTorch's nn.Linear does, from cfg.Seed.
func New(cfg Config) (*Model, error) { return build(kind.Start(cfg, cfg.Dir)) }

// Open loads a model from a checkpoint file, or from the newest intact
// checkpoint of a directory. Its Config.Dir is the file's directory, so
// further training saves next to it.
func Open(path string) (*Model, error) { return build(kind.Load(path)) }

// LoadPretrained loads the VAE shipped with the lab (lab/pretrained/vae: the
// homework's run 0 after 20 000 steps; its README.md records the command and
// the scores), ready for Evaluate, Sample and Transform. Its Config.Dir is
// empty, so training it further keeps no checkpoints rather than writing into
// the shipped directory.
func LoadPretrained() (*Model, error) { return build(kind.Pretrained(pretrained.VAE)) }

// kind describes the VAE's checkpoint files (package lab/internal/ckpt): the
// configuration, every variable of the Store (weights, Adam's moments and
// step, global step, RNG state) and the record of the NELBO, KL and REC of
// every step.
var kind = ckpt.Kind[Config]{Name: "vae", Format: "golab-vae/2", Upgrade: upgradeV1,
	Defaults: Config.withDefaults, Validate: Config.validate, Dir: func(c *Config) *string { return &c.Dir },
	Same: Config.sameModel, Describe: Config.describe}

// build makes the model of a prepared configuration, from checkpoint f or
// (nil) fresh weights.
func build(cfg Config, f *ckpt.File[Config], err error) (*Model, error) {
	return train.Build(kind, cfg, cfg.settings(), f, err, func(core *train.Core[Config]) (*Model, error) {
		core.Store.SetParam(ParamZ, cfg.Z)
		core.Store.SetParam(ParamHidden, cfg.Hidden)
		core.Store.SetParam(ParamXDim, XDim)
		m := &Model{cfg: cfg, core: core, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5a3b1e)), iwaeExecs: map[int]*model.Exec{}}
		if err := m.buildExecs(); err != nil {
			return nil, err
		}
		return m, m.initialize()
	})
}

func (c Config) describe() string {
	return fmt.Sprintf("z=%d hidden=%d seed=%d lr=%g batch=%d", c.Z, c.Hidden, c.Seed, c.LearningRate, c.BatchSize)
}

func (m *Model) buildExecs() error {
	var err error
	b, store := m.core.Backend, m.core.Store
	opt := optimizer.Adam().LearningRate(m.cfg.LearningRate).Epsilon(1e-8).Done() // torch.optim.Adam defaults
	m.trainExec, err = model.NewExec(b, store, func(scope *model.Scope, x *Node) []*Node {
		nelbo, kl, rec := negativeELBOBound(scope, Binarize(scope, x))
		opt.UpdateGraph(scope, x.Graph(), nelbo)
		return []*Node{nelbo, kl, rec}
	})
	if err != nil {
		return fmt.Errorf("vae: %w", err)
	}
	m.probExec, err = model.NewExec(b, store, func(scope *model.Scope, z *Node) *Node {
		return Probabilities(scope, z)
	})
	if err != nil {
		return fmt.Errorf("vae: %w", err)
	}
	m.encodeExec, err = model.NewExec(b, store, func(scope *model.Scope, x *Node) []*Node {
		mean, v := Encode(scope, x)
		return []*Node{mean, v}
	})
	if err != nil {
		return fmt.Errorf("vae: %w", err)
	}
	m.elboExec, err = model.NewExec(b, store, func(scope *model.Scope, x, rng *Node) []*Node {
		withRNG(rng)
		nelbo, kl, rec := negativeELBOBound(scope, x)
		return []*Node{nelbo, kl, rec, rngStateOf(x.Graph())}
	})
	if err != nil {
		return fmt.Errorf("vae: %w", err)
	}
	return nil
}

func (m *Model) iwaeExec(k int) (*model.Exec, error) {
	if e, ok := m.iwaeExecs[k]; ok {
		return e, nil
	}
	e, err := model.NewExec(m.core.Backend, m.core.Store, func(scope *model.Scope, x, rng *Node) []*Node {
		withRNG(rng)
		niwae, kl, rec := negativeIWAEPerExample(scope, x, k)
		return []*Node{ReduceAllSum(niwae), ReduceAllSum(kl), ReduceAllSum(rec), rngStateOf(x.Graph())}
	})
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	m.iwaeExecs[k] = e
	return e, nil
}

// initialize creates and initialises the network's variables (encoder first,
// then decoder) by running the encoder and decoder once on a zero image;
// variables loaded from a checkpoint are left as they are.
func (m *Model) initialize() error {
	init, err := model.NewExec(m.core.Backend, m.core.Store, func(scope *model.Scope, x *Node) *Node {
		mean, _ := Encode(scope, x)
		return Decode(scope, mean)
	})
	if err != nil {
		return fmt.Errorf("vae: %w", err)
	}
	defer init.Finalize()
	if _, err := init.Call(tensors.FromFlatDataAndDimensions(make([]float32, XDim), 1, XDim)); err != nil {
		return fmt.Errorf("vae: initialising: %w", err)
	}
	return nil
}

// Config returns the model's configuration (defaults filled in).
func (m *Model) Config() Config { return m.cfg }

// Step is the number of training steps taken so far.
func (m *Model) Step() int { return m.core.Record.Step }

// Losses returns the training loss (the batch's NELBO) of every step so far:
// element i is step i+1.
func (m *Model) Losses() []float32 { return slices.Clone(m.core.Record.Losses) }

// History returns a copy of the losses of every training step so far and
// their KL and REC terms (restored from the checkpoint when resuming).
func (m *Model) History() History {
	r := m.core.Record
	return History{NELBO: slices.Clone(r.Losses), KL: slices.Clone(r.Metrics["kl"]), REC: slices.Clone(r.Metrics["rec"])}
}

// TrainingTime is the total time spent in training steps so far, over every
// Fit call (and the runs before the checkpoint it was resumed from).
func (m *Model) TrainingTime() time.Duration { return m.core.Record.Elapsed }

// NumParameters is the number of trainable weights of the encoder and decoder.
func (m *Model) NumParameters() int {
	n := 0
	for _, s := range []string{"/encoder", "/decoder"} {
		n += m.core.Store.Scope(s).NumParameters()
	}
	return n
}

// String describes the model, e.g. "VAE z=10 hidden=300 (…) step 20000".
func (m *Model) String() string {
	return fmt.Sprintf("VAE %s, %d parameters, step %d", m.cfg.describe(), m.NumParameters(), m.Step())
}

// FitOptions control Fit: Steps (default DefaultSteps, the homework's
// --iter_max), SaveEvery (the homework's --iter_save), Progress. See
// train.Options.
type FitOptions = train.Options

// Progress reports one training step to FitOptions.Progress: Loss and
// Running are the batch's NELBO and its mean over the last 100 steps, and
// Metric("kl"), Metric("rec") the running means of its two terms.
type Progress = train.Progress

// Fit trains the model on x — N images of 784 values in [0, 1], row-major —
// as the homework does: each step takes the next batch of a per-epoch shuffle
// (seeded by Config.Seed and the epoch), binarizes it dynamically (each pixel
// ~ Bernoulli(x)) and takes one Adam step on the NELBO. Training is
// deterministic given the seed, and resuming from a checkpoint continues the
// same sequence of batches and random numbers.
//
// With Config.Dir set, checkpoints are written every opts.SaveEvery steps, at
// the last step and when ctx is cancelled; Fit then returns ctx's error.
func (m *Model) Fit(ctx context.Context, x []float32, opts FitOptions) error {
	return m.core.FitImages(ctx, x, opts, m.trainExec)
}

// SampleZ draws n latent codes from the prior N(0, I): n rows of Z values.
func (m *Model) SampleZ(n int) [][]float32 {
	z := make([][]float32, n)
	for i := range z {
		z[i] = make([]float32, m.cfg.Z)
		for j := range z[i] {
			z[i][j] = float32(m.rng.NormFloat64())
		}
	}
	return z
}

// InverseTransform maps latent codes z (rows of Z values) to the decoder's
// pixel probabilities sigmoid(logits): one 784-value image per row, in [0, 1].
// These are the images to display.
func (m *Model) InverseTransform(z [][]float32) ([][]float32, error) {
	flat, err := batch.Flatten("vae", z, m.cfg.Z)
	if err != nil {
		return nil, err
	}
	out, err := batch.Apply(m.probExec, flat, m.cfg.Z, XDim)
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	return out[0], nil
}

// SampleX draws binary images x ~ p(x|z) = Bernoulli(sigmoid(decoder(z))), one
// per latent code.
func (m *Model) SampleX(z [][]float32) ([][]float32, error) {
	p, err := m.InverseTransform(z)
	if err != nil {
		return nil, err
	}
	for _, img := range p {
		for j, q := range img {
			img[j] = 0
			if m.rng.Float32() < q {
				img[j] = 1
			}
		}
	}
	return p, nil
}

// Sample draws n binary images from the model: z ~ N(0, I), x ~ p(x|z).
func (m *Model) Sample(n int) ([][]float32, error) {
	return m.SampleX(m.SampleZ(n))
}

// Transform encodes images x (N×784 values in [0, 1], row-major) to the means
// of q(z|x): N rows of Z values.
func (m *Model) Transform(x []float32) ([][]float32, error) {
	mean, _, err := m.Encode(x)
	return mean, err
}

// Encode returns the mean and variance of q(z|x) for each image of x
// (N×784 values in [0, 1], row-major): N rows of Z values each.
func (m *Model) Encode(x []float32) (mean, variance [][]float32, err error) {
	if _, err := batch.Images("vae", x); err != nil {
		return nil, nil, err
	}
	out, err := batch.Apply(m.encodeExec, x, XDim, m.cfg.Z, m.cfg.Z)
	if err != nil {
		return nil, nil, fmt.Errorf("vae: %w", err)
	}
	return out[0], out[1], nil
}
