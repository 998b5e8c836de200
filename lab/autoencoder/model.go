package autoencoder

import (
	"context"
	"fmt"
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

// Defaults of Config and FitOptions.
const (
	DefaultCode         = 2
	DefaultLearningRate = 1e-3
	DefaultBatchSize    = 128
	// DefaultSteps is the default training length: 10 epochs of the 60 000
	// training images in batches of 128 (469 steps per epoch).
	DefaultSteps = 4690
)

// DefaultHidden are the default encoder widths, 784→512→128→code; the decoder
// mirrors them, code→128→512→784.
var DefaultHidden = []int{512, 128}

// Config describes an autoencoder and how it is trained. The zero value of each
// field selects its default.
type Config struct {
	// Hidden are the widths of the encoder's hidden ReLU layers, from the
	// input (default 512, 128); the decoder uses them in reverse.
	Hidden []int
	// Code is the bottleneck dimension (default 2).
	Code int
	// Seed seeds the initialisation and the order of the training batches.
	Seed int64
	// LearningRate is Adam's learning rate (default 1e-3).
	LearningRate float64
	// BatchSize is the number of images per training step (default 128).
	BatchSize int
	// Dir is the checkpoint directory; "" keeps no checkpoints. New resumes
	// from the newest checkpoint found there.
	Dir string
}

func (c Config) withDefaults() Config {
	if c.Hidden == nil {
		c.Hidden = slices.Clone(DefaultHidden)
	} else {
		c.Hidden = slices.Clone(c.Hidden)
	}
	train.Default(&c.Code, DefaultCode)
	train.Default(&c.LearningRate, DefaultLearningRate)
	train.Default(&c.BatchSize, DefaultBatchSize)
	return c
}

// settings are how the model trains: batches of BatchSize from the seed's
// permutations, DefaultSteps, the binary cross-entropy recorded.
func (c Config) settings() train.Settings {
	return train.Settings{Dir: c.Dir, Seed: c.Seed, BatchSize: c.BatchSize, DefaultSteps: DefaultSteps, Values: []string{"bce"}}
}

func (c Config) validate() error {
	if len(c.Hidden) == 0 {
		return fmt.Errorf("autoencoder: Hidden is empty, want ≥ 1 hidden layer")
	}
	for i, w := range c.Hidden {
		if w < 1 {
			return fmt.Errorf("autoencoder: Hidden[%d]=%d, want ≥ 1", i, w)
		}
	}
	if c.Code < 1 {
		return fmt.Errorf("autoencoder: Code=%d, want ≥ 1", c.Code)
	}
	return train.CheckOptimizer("autoencoder", c.LearningRate, c.BatchSize)
}

// sameModel reports whether a and b describe the same network and training
// (Dir aside).
func (c Config) sameModel(o Config) bool {
	return slices.Equal(c.Hidden, o.Hidden) && c.Code == o.Code && c.Seed == o.Seed &&
		c.LearningRate == o.LearningRate && c.BatchSize == o.BatchSize
}

func (c Config) describe() string {
	return fmt.Sprintf("784→%v→%d seed=%d lr=%g batch=%d", c.Hidden, c.Code, c.Seed, c.LearningRate, c.BatchSize)
}

// AutoEncoder is an MLP autoencoder with its Adam state, loss history and
// checkpoints. Create it with New, Open or LoadPretrained. It is not safe for
// concurrent use.
type AutoEncoder struct {
	cfg  Config
	core *train.Core[Config]

	trainExec, encodeExec, decodeExec, errExec *model.Exec
}

// New creates an autoencoder from cfg (zero fields take their defaults). If
// cfg.Dir holds checkpoints, the newest intact one is loaded — weights, Adam
// state, step and loss history — and its configuration must match cfg.
// Otherwise the weights are initialised as PyTorch's nn.Linear does, from
// cfg.Seed.
func New(cfg Config) (*AutoEncoder, error) { return build(kind.Start(cfg, cfg.Dir)) }

// Open loads an autoencoder from a checkpoint file, or from the newest intact
// checkpoint of a directory. Its Config.Dir is the file's directory, so
// further training saves next to it.
func Open(path string) (*AutoEncoder, error) { return build(kind.Load(path)) }

// LoadPretrained loads the autoencoder shipped with the lab
// (lab/pretrained/autoencoder: the default network after DefaultSteps steps;
// its README.md records the command that trained it and its scores), ready
// for Encode, Decode and ReconstructionError. Its Config.Dir is empty, so
// training it further keeps no checkpoints rather than writing into the
// shipped directory.
func LoadPretrained() (*AutoEncoder, error) { return build(kind.Pretrained(pretrained.AutoEncoder)) }

// kind describes the autoencoder's checkpoint files (package
// lab/internal/ckpt): the configuration, every variable of the Store
// (weights, Adam's moments and step counters), the loss of every step and the
// training time.
var kind = ckpt.Kind[Config]{Name: "autoencoder", Format: "golab-autoencoder/1",
	Defaults: Config.withDefaults, Validate: Config.validate, Dir: func(c *Config) *string { return &c.Dir },
	Same: Config.sameModel, Describe: Config.describe}

// build makes the model of a prepared configuration, from checkpoint f or
// (nil) fresh weights.
func build(cfg Config, f *ckpt.File[Config], err error) (*AutoEncoder, error) {
	return train.Build(kind, cfg, cfg.settings(), f, err, func(core *train.Core[Config]) (*AutoEncoder, error) {
		m := &AutoEncoder{cfg: cfg, core: core}
		if err := m.buildExecs(); err != nil {
			return nil, err
		}
		return m, m.initialize()
	})
}

func (m *AutoEncoder) buildExecs() error {
	hidden, code := m.cfg.Hidden, m.cfg.Code
	b, store := m.core.Backend, m.core.Store
	opt := optimizer.Adam().LearningRate(m.cfg.LearningRate).Epsilon(1e-8).Done()
	var err error
	m.trainExec, err = model.NewExec(b, store, func(scope *model.Scope, x *Node) *Node {
		loss := bceWithLogits(x, decodeGraph(scope, encodeGraph(scope, x, hidden, code), hidden))
		opt.UpdateGraph(scope, x.Graph(), loss)
		return loss
	})
	if err != nil {
		return fmt.Errorf("autoencoder: %w", err)
	}
	m.encodeExec, err = model.NewExec(b, store, func(scope *model.Scope, x *Node) *Node {
		return encodeGraph(scope, x, hidden, code)
	})
	if err != nil {
		return fmt.Errorf("autoencoder: %w", err)
	}
	m.decodeExec, err = model.NewExec(b, store, func(scope *model.Scope, z *Node) *Node {
		return Sigmoid(decodeGraph(scope, z, hidden))
	})
	if err != nil {
		return fmt.Errorf("autoencoder: %w", err)
	}
	m.errExec, err = model.NewExec(b, store, func(scope *model.Scope, x *Node) *Node {
		return squaredErrors(x, decodeGraph(scope, encodeGraph(scope, x, hidden, code), hidden))
	})
	if err != nil {
		return fmt.Errorf("autoencoder: %w", err)
	}
	return nil
}

// initialize creates the variables (encoder first, then decoder) by running the
// network once on a zero image; loaded variables are left as they are.
func (m *AutoEncoder) initialize() error {
	hidden, code := m.cfg.Hidden, m.cfg.Code
	init, err := model.NewExec(m.core.Backend, m.core.Store, func(scope *model.Scope, x *Node) *Node {
		return decodeGraph(scope, encodeGraph(scope, x, hidden, code), hidden)
	})
	if err != nil {
		return fmt.Errorf("autoencoder: %w", err)
	}
	defer init.Finalize()
	if _, err := init.Call(tensors.FromFlatDataAndDimensions(make([]float32, XDim), 1, XDim)); err != nil {
		return fmt.Errorf("autoencoder: initialising: %w", err)
	}
	return nil
}

// Config returns the configuration (defaults filled in).
func (m *AutoEncoder) Config() Config {
	c := m.cfg
	c.Hidden = slices.Clone(c.Hidden)
	return c
}

// Step is the number of training steps taken so far.
func (m *AutoEncoder) Step() int { return m.core.Record.Step }

// Losses returns the training loss of every step so far (element i is step
// i+1): the batch's binary cross-entropy summed over pixels, averaged over
// images.
func (m *AutoEncoder) Losses() []float32 { return slices.Clone(m.core.Record.Losses) }

// TrainingTime is the total time spent in training steps so far, summed over
// every Fit call (and the runs before the checkpoint it was resumed from).
func (m *AutoEncoder) TrainingTime() time.Duration { return m.core.Record.Elapsed }

// Save writes the model's complete state to checkpoints.Path(Config.Dir, Step())
// atomically (a complete file or none) and returns the path.
func (m *AutoEncoder) Save() (string, error) { return m.core.SaveStep() }

// SaveTo writes the model's complete state to path atomically.
func (m *AutoEncoder) SaveTo(path string) error { return m.core.Save(path, nil) }

// NumParameters is the number of trainable weights of the encoder and decoder.
func (m *AutoEncoder) NumParameters() int {
	return m.core.Store.Scope("/encoder").NumParameters() + m.core.Store.Scope("/decoder").NumParameters()
}

// String describes the model, e.g. "AutoEncoder 784→[512 128]→2 …, step 4690".
func (m *AutoEncoder) String() string {
	return fmt.Sprintf("AutoEncoder %s, %d parameters, step %d", m.cfg.describe(), m.NumParameters(), m.Step())
}

// FitOptions control Fit: Steps (default DefaultSteps) or Epochs,
// SaveEvery, Progress. See train.Options.
type FitOptions = train.Options

// Progress reports one training step to FitOptions.Progress: Loss and
// Running are the batch's binary cross-entropy ("bce") and its mean over the
// last 100 steps.
type Progress = train.Progress

// Fit trains the autoencoder on x — N images of 784 values in [0, 1],
// row-major — minimising the binary cross-entropy between each image and its
// reconstruction with Adam. Each step takes the next batch of a per-epoch
// shuffle determined by Config.Seed and the epoch, so training is deterministic
// and a run resumed from a checkpoint takes exactly the steps of an
// uninterrupted one.
//
// With Config.Dir set, checkpoints are written every opts.SaveEvery steps, at
// the last step and when ctx is cancelled; Fit then returns ctx's error.
func (m *AutoEncoder) Fit(ctx context.Context, x []float32, opts FitOptions) error {
	return m.core.FitImages(ctx, x, opts, m.trainExec)
}

// Encode maps images x (N×784 values in [0, 1], row-major) to their codes:
// N rows of Config.Code values. Any image can be encoded, not only the
// training ones.
func (m *AutoEncoder) Encode(x []float32) ([][]float32, error) {
	if _, err := batch.Images("autoencoder", x); err != nil {
		return nil, err
	}
	return m.apply(m.encodeExec, x, XDim, m.cfg.Code)
}

// Decode maps codes z (rows of Config.Code values) to images: 784 pixel
// values in [0, 1] per row (the sigmoid of the decoder's logits).
func (m *AutoEncoder) Decode(z [][]float32) ([][]float32, error) {
	flat, err := batch.Flatten("autoencoder", z, m.cfg.Code)
	if err != nil {
		return nil, err
	}
	return m.apply(m.decodeExec, flat, m.cfg.Code, XDim)
}

// apply runs exec on the rows of in (rows of width values) in evaluation
// batches and returns its output rows of outWidth values.
func (m *AutoEncoder) apply(exec *model.Exec, in []float32, width, outWidth int) ([][]float32, error) {
	out, err := batch.Apply(exec, in, width, outWidth)
	if err != nil {
		return nil, fmt.Errorf("autoencoder: %w", err)
	}
	return out[0], nil
}

// Transform is Encode (scikit-learn's name).
func (m *AutoEncoder) Transform(x []float32) ([][]float32, error) { return m.Encode(x) }

// InverseTransform is Decode (scikit-learn's name).
func (m *AutoEncoder) InverseTransform(z [][]float32) ([][]float32, error) { return m.Decode(z) }

// Reconstruct encodes and decodes images x (N×784 values in [0, 1]).
func (m *AutoEncoder) Reconstruct(x []float32) ([][]float32, error) {
	z, err := m.Encode(x)
	if err != nil {
		return nil, err
	}
	return m.Decode(z)
}

// ReconstructionError is the mean squared error per pixel between images x
// (N×784 values in [0, 1]) and their reconstructions, on the [0, 1] scale.
func (m *AutoEncoder) ReconstructionError(x []float32) (float64, error) {
	n, err := batch.Images("autoencoder", x)
	if err != nil {
		return 0, err
	}
	perImage, err := m.apply(m.errExec, x, XDim, 1)
	if err != nil {
		return 0, err
	}
	total := 0.0
	for _, e := range perImage {
		total += float64(e[0])
	}
	return total / float64(n*XDim), nil
}
