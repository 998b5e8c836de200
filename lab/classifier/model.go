package classifier

import (
	"context"
	"fmt"
	"math"
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

// Defaults of Config.
const (
	DefaultHidden       = 128
	DefaultDropout      = 0.5
	DefaultLearningRate = 1e-3
	DefaultBatchSize    = 128
)

// DefaultChannels are the output channels of the default network's two
// convolution blocks.
var DefaultChannels = []int{32, 64}

// Config describes a classifier and how it is trained. The zero value of each
// field selects its default.
type Config struct {
	// Channels are the output channels of the convolution blocks (default
	// 32, 64); each block is a 3×3 convolution, ReLU and 2×2 max-pool.
	Channels []int
	// Hidden is the width of the dense ReLU layer after the convolutions
	// (default 128).
	Hidden int
	// Dropout is the dropout rate applied to the hidden layer during training
	// (default 0.5; negative for none).
	Dropout float64
	// Seed seeds the initialisation, the dropout masks and the order of the
	// training batches.
	Seed int64
	// LearningRate is Adam's learning rate (default 1e-3).
	LearningRate float64
	// BatchSize is the number of images per training step (default 128).
	BatchSize int
	// Dir is the directory of the full checkpoints; "" keeps none. New resumes
	// from the newest checkpoint found there.
	Dir string
}

func (c Config) withDefaults() Config {
	if c.Channels == nil {
		c.Channels = slices.Clone(DefaultChannels)
	} else {
		c.Channels = slices.Clone(c.Channels)
	}
	train.Default(&c.Hidden, DefaultHidden)
	train.Default(&c.Dropout, DefaultDropout)
	train.Default(&c.LearningRate, DefaultLearningRate)
	train.Default(&c.BatchSize, DefaultBatchSize)
	return c
}

// settings are how the model trains: batches of BatchSize from the seed's
// permutations, one epoch by default, the loss and the batch accuracy
// recorded.
func (c Config) settings() train.Settings {
	return train.Settings{Dir: c.Dir, Seed: c.Seed, BatchSize: c.BatchSize, Values: []string{"loss", "accuracy"}}
}

func (c Config) validate() error {
	if len(c.Channels) > 4 {
		return fmt.Errorf("classifier: %d convolution blocks, want ≤ 4 (each halves the 28×28 image)", len(c.Channels))
	}
	for i, ch := range c.Channels {
		if ch < 1 {
			return fmt.Errorf("classifier: Channels[%d]=%d, want ≥ 1", i, ch)
		}
	}
	switch {
	case c.Hidden < 1:
		return fmt.Errorf("classifier: Hidden=%d, want ≥ 1", c.Hidden)
	case c.Dropout >= 1 || math.IsNaN(c.Dropout):
		return fmt.Errorf("classifier: Dropout=%g, want < 1", c.Dropout)
	}
	return train.CheckOptimizer("classifier", c.LearningRate, c.BatchSize)
}

// sameModel reports whether c and o describe the same network and training
// (Dir aside).
func (c Config) sameModel(o Config) bool {
	return slices.Equal(c.Channels, o.Channels) && c.Hidden == o.Hidden && c.Dropout == o.Dropout &&
		c.Seed == o.Seed && c.LearningRate == o.LearningRate && c.BatchSize == o.BatchSize
}

func (c Config) describe() string {
	return fmt.Sprintf("%s seed=%d lr=%g batch=%d", describeArch(c), c.Seed, c.LearningRate, c.BatchSize)
}

// Classifier is a small convolutional network that tells which digit an
// MNIST image shows, with its Adam state, loss history and checkpoints.
// Create it with New, Open or LoadPretrained. It is not safe for concurrent
// use.
type Classifier struct {
	cfg  Config
	core *train.Core[Config]

	trainExec, probaExec *model.Exec
}

// New creates a classifier from cfg (zero fields take their defaults). If
// cfg.Dir holds checkpoints, the newest intact one is loaded — weights, Adam
// state, step and loss history — and its configuration must match cfg.
// Otherwise the weights are initialised from cfg.Seed (He-normal kernels,
// zero biases).
func New(cfg Config) (*Classifier, error) { return build(kind.Start(cfg, cfg.Dir)) }

// Open loads a classifier from a checkpoint file, or from the newest intact
// checkpoint of a directory: a full checkpoint (Save) or a weights-only file
// (SaveWeights). From a full checkpoint, Config.Dir is the file's directory,
// so further training saves next to it; a weights-only model has no Dir and
// is for inference only.
func Open(path string) (*Classifier, error) { return build(kind.Load(path)) }

// LoadPretrained loads the classifier shipped with the lab
// (lab/pretrained/classifier, see its README.md for how it was trained and
// its test accuracy), ready for Predict, Score and Judge.
func LoadPretrained() (*Classifier, error) { return build(kind.Pretrained(pretrained.Classifier)) }

// kind describes the classifier's checkpoint files (package
// lab/internal/ckpt): the configuration, the variables of the Store — all of
// them in a full checkpoint (weights, Adam's moments and step, global step,
// random state), only the network's in a weights-only file — the loss and
// batch accuracy of every step and the training time.
var kind = ckpt.Kind[Config]{Name: "classifier", Format: "golab-classifier/1",
	Defaults: Config.withDefaults, Validate: Config.validate, Dir: func(c *Config) *string { return &c.Dir },
	Same: Config.sameModel, Describe: Config.describe}

// build makes the model of a prepared configuration, from checkpoint f or
// (nil) fresh weights.
func build(cfg Config, f *ckpt.File[Config], err error) (*Classifier, error) {
	if err != nil {
		return nil, err
	}
	if f != nil {
		nw := 0
		for _, v := range f.Variables {
			if isWeight(v.Path) {
				nw++
			}
		}
		if want := 2*len(cfg.Channels) + 4; nw != want { // kernel and bias per layer
			return nil, fmt.Errorf("classifier: checkpoint has %d network variables, want %d", nw, want)
		}
	}
	return train.Build(kind, cfg, cfg.settings(), f, nil, func(core *train.Core[Config]) (*Classifier, error) {
		m := &Classifier{cfg: cfg, core: core}
		if err := m.buildExecs(); err != nil {
			return nil, err
		}
		return m, m.initialize()
	})
}

func (m *Classifier) buildExecs() error {
	cfg := m.cfg
	b, store := m.core.Backend, m.core.Store
	opt := optimizer.Adam().LearningRate(cfg.LearningRate).Epsilon(1e-8).Done()
	var err error
	m.trainExec, err = model.NewExec(b, store, func(scope *model.Scope, x, labels *Node) (*Node, *Node) {
		scope.Store().SetTraining(x.Graph(), true)
		logits := logitsGraph(scope, x, cfg)
		loss := crossEntropy(logits, labels)
		opt.UpdateGraph(scope, x.Graph(), loss)
		return loss, numCorrect(StopGradient(logits), labels)
	})
	if err != nil {
		return fmt.Errorf("classifier: %w", err)
	}
	m.probaExec, err = model.NewExec(b, store, func(scope *model.Scope, x *Node) *Node {
		return Softmax(logitsGraph(scope, x, cfg), -1)
	})
	if err != nil {
		return fmt.Errorf("classifier: %w", err)
	}
	return nil
}

// initialize creates the variables by running the network once on a blank
// image; loaded variables are left as they are.
func (m *Classifier) initialize() error {
	_, err := m.probaExec.Call(tensors.FromFlatDataAndDimensions(make([]float32, XDim), 1, XDim))
	if err != nil {
		return fmt.Errorf("classifier: initialising: %w", err)
	}
	return nil
}

// Config returns the configuration (defaults filled in).
func (m *Classifier) Config() Config {
	c := m.cfg
	c.Channels = slices.Clone(c.Channels)
	return c
}

// Step is the number of training steps taken so far.
func (m *Classifier) Step() int { return m.core.Record.Step }

// Losses returns the training loss of every step so far (element i is step
// i+1): the batch's mean cross-entropy in nats.
func (m *Classifier) Losses() []float32 { return slices.Clone(m.core.Record.Losses) }

// TrainingTime is the total time spent in training steps so far, summed over
// every Fit call (and the runs before the checkpoint it was resumed from).
func (m *Classifier) TrainingTime() time.Duration { return m.core.Record.Elapsed }

// WeightsOnly reports whether the classifier was loaded from a weights-only
// file (SaveWeights), which has no optimizer state and cannot be trained
// further.
func (m *Classifier) WeightsOnly() bool { return m.core.WeightsOnly }

// NumParameters is the number of trainable weights of the network.
func (m *Classifier) NumParameters() int {
	return m.core.Store.Scope("/" + modelScope).NumParameters()
}

// Architecture describes the network in one line, e.g.
// "conv3×3(32)-pool-conv3×3(64)-pool-fc128-dropout0.5-fc10".
func (m *Classifier) Architecture() string { return describeArch(m.cfg) }

// String describes the model, e.g. "Classifier conv3×3(32)-pool-… seed=0
// lr=0.001 batch=128, 421642 parameters, step 1407".
func (m *Classifier) String() string {
	return fmt.Sprintf("Classifier %s, %d parameters, step %d", m.cfg.describe(), m.NumParameters(), m.Step())
}

// FitOptions control Fit: Steps or Epochs (default one epoch), SaveEvery,
// Progress. See train.Options.
type FitOptions = train.Options

// Progress reports one training step to FitOptions.Progress: Loss and
// Running are the batch's cross-entropy and its mean over the last 100
// steps, Metric("accuracy") the mean training accuracy of the last 100
// batches (dropout on).
type Progress = train.Progress

// Fit trains the classifier on x — N images of 784 values in [0, 1],
// row-major, as mnist.Set.Float32 returns — and their labels 0…9
// (mnist.Set.IntLabels), minimising the cross-entropy with Adam. Each step
// takes the next batch of a per-epoch shuffle determined by Config.Seed and
// the epoch, and the dropout masks come from the model's random state (saved
// in checkpoints), so training is deterministic and a run resumed from a
// checkpoint takes exactly the steps of an uninterrupted one.
//
// With Config.Dir set, checkpoints are written every opts.SaveEvery steps, at
// the last step and when ctx is cancelled; Fit then returns ctx's error. A
// loss that becomes NaN or infinite is an error.
func (m *Classifier) Fit(ctx context.Context, x []float32, labels []int, opts FitOptions) error {
	n, err := checkData(x, labels)
	if err != nil {
		return err
	}
	bs := min(m.cfg.BatchSize, n)
	xbuf, ybuf := make([]float32, bs*XDim), make([]int32, bs)
	return m.core.Train(ctx, opts, n, func(_ int, idx []int) ([]float64, error) {
		xb, yb := batch.Gather(xbuf, x, XDim, idx), ybuf[:len(idx)]
		for i, j := range idx {
			yb[i] = int32(labels[j])
		}
		outs, err := m.trainExec.Call(tensors.FromFlatDataAndDimensions(xb, len(idx), XDim),
			tensors.FromFlatDataAndDimensions(yb, len(idx)))
		v := train.Scalars(outs)
		if err == nil {
			v[1] /= float64(len(idx)) // correct predictions → accuracy
		}
		return v, err
	})
}

// PredictProba returns, for each image of x (N×784 values in [0, 1],
// row-major), the probabilities of the 10 digits (a softmax: each row sums
// to 1). Images go through the network in batches of at most 256.
func (m *Classifier) PredictProba(x []float32) ([][]float32, error) {
	if _, err := batch.Images("classifier", x); err != nil {
		return nil, err
	}
	out, err := batch.Apply(m.probaExec, x, XDim, Classes)
	if err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	return out[0], nil
}

// Predict returns the most probable digit of each image of x (N×784 values
// in [0, 1], row-major).
func (m *Classifier) Predict(x []float32) ([]int, error) {
	proba, err := m.PredictProba(x)
	if err != nil {
		return nil, err
	}
	pred := make([]int, len(proba))
	for i, p := range proba {
		pred[i] = argmax(p)
	}
	return pred, nil
}

// Score is the accuracy of Predict on images x (N×784 values in [0, 1]):
// the fraction of images whose predicted digit is their label (0…9).
func (m *Classifier) Score(x []float32, labels []int) (float64, error) {
	n, err := checkData(x, labels)
	if err != nil {
		return 0, err
	}
	pred, err := m.Predict(x)
	if err != nil {
		return 0, err
	}
	correct := 0
	for i, p := range pred {
		if p == labels[i] {
			correct++
		}
	}
	return float64(correct) / float64(n), nil
}

// checkData returns the number of images in x, or an error unless x holds
// N ≥ 1 images of 784 values in [0, 1] and labels N digits 0…9.
func checkData(x []float32, labels []int) (int, error) {
	n, err := batch.Images("classifier", x)
	if err != nil {
		return 0, err
	}
	return n, batch.Labels("classifier", labels, n, Classes)
}

func argmax(p []float32) int {
	best := 0
	for j, v := range p {
		if v > p[best] {
			best = j
		}
	}
	return best
}
