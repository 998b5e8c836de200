package classifier

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/mnistlab/golab/lab/backend"
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

// evalRows is the largest number of images sent through the network at once by
// PredictProba, Predict, Score and Judge (bounds memory).
const evalRows = 256

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
	// from the latest checkpoint found there.
	Dir string
}

func (c Config) withDefaults() Config {
	if c.Channels == nil {
		c.Channels = slices.Clone(DefaultChannels)
	} else {
		c.Channels = slices.Clone(c.Channels)
	}
	if c.Hidden == 0 {
		c.Hidden = DefaultHidden
	}
	if c.Dropout == 0 {
		c.Dropout = DefaultDropout
	}
	if c.LearningRate == 0 {
		c.LearningRate = DefaultLearningRate
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	return c
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
	case c.BatchSize < 1:
		return fmt.Errorf("classifier: BatchSize=%d, want ≥ 1", c.BatchSize)
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0):
		return fmt.Errorf("classifier: LearningRate=%g, want > 0", c.LearningRate)
	}
	return nil
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
	cfg         Config
	backend     compute.Backend
	store       *model.Store
	step        int
	losses      []float32
	elapsed     time.Duration // time spent in training steps, over all Fit calls
	weightsOnly bool          // loaded from a weights-only file: no optimizer state

	trainExec, probaExec *model.Exec

	permEpoch int
	perm      []int
}

// New creates a classifier from cfg (zero fields take their defaults). If
// cfg.Dir holds checkpoints, the latest is loaded — weights, Adam state, step
// and loss history — and its configuration must match cfg. Otherwise the
// weights are initialised from cfg.Seed (He-normal kernels, zero biases).
func New(cfg Config) (*Classifier, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Dir != "" {
		path, err := latest(cfg.Dir)
		if err != nil {
			return nil, err
		}
		if path != "" {
			ck, err := readCheckpoint(path)
			if err != nil {
				return nil, err
			}
			if !ck.Config.sameModel(cfg) {
				return nil, fmt.Errorf("classifier: checkpoint %s has %s, not %s (use another directory)",
					path, ck.Config.describe(), cfg.describe())
			}
			if ck.WeightsOnly {
				return nil, fmt.Errorf("classifier: %s holds weights only, not a training checkpoint (use Open to load it, or another directory)", path)
			}
			return fromCheckpoint(ck, cfg.Dir)
		}
	}
	m, err := newModel(cfg)
	if err != nil {
		return nil, err
	}
	if err := m.store.SetRNGStateFromSeed(cfg.Seed); err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	if err := m.initialize(); err != nil {
		return nil, err
	}
	return m, nil
}

func newModel(cfg Config) (*Classifier, error) {
	b, err := backend.New()
	if err != nil {
		return nil, err
	}
	m := &Classifier{cfg: cfg, backend: b, store: model.NewStore(), permEpoch: -1}
	return m, m.buildExecs()
}

func (m *Classifier) buildExecs() error {
	cfg := m.cfg
	opt := optimizer.Adam().LearningRate(cfg.LearningRate).Epsilon(1e-8).Done()
	var err error
	m.trainExec, err = model.NewExec(m.backend, m.store, func(scope *model.Scope, x, labels *Node) (*Node, *Node) {
		scope.Store().SetTraining(x.Graph(), true)
		logits := logitsGraph(scope, x, cfg)
		loss := crossEntropy(logits, labels)
		opt.UpdateGraph(scope, x.Graph(), loss)
		return loss, numCorrect(StopGradient(logits), labels)
	})
	if err != nil {
		return fmt.Errorf("classifier: %w", err)
	}
	m.probaExec, err = model.NewExec(m.backend, m.store, func(scope *model.Scope, x *Node) *Node {
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
func (m *Classifier) Step() int { return m.step }

// Losses returns the training loss of every step so far (element i is step
// i+1): the batch's mean cross-entropy in nats.
func (m *Classifier) Losses() []float32 { return slices.Clone(m.losses) }

// TrainingTime is the total time spent in training steps so far, summed over
// every Fit call (and the runs before the checkpoint it was resumed from).
func (m *Classifier) TrainingTime() time.Duration { return m.elapsed }

// WeightsOnly reports whether the classifier was loaded from a weights-only
// file (SaveWeights), which has no optimizer state and cannot be trained
// further.
func (m *Classifier) WeightsOnly() bool { return m.weightsOnly }

// NumParameters is the number of trainable weights of the network.
func (m *Classifier) NumParameters() int {
	return m.store.Scope("/" + modelScope).NumParameters()
}

// Architecture describes the network in one line, e.g.
// "conv3×3(32)-pool-conv3×3(64)-pool-fc128-dropout0.5-fc10".
func (m *Classifier) Architecture() string { return describeArch(m.cfg) }

// String describes the model, e.g. "Classifier conv3×3(32)-pool-… seed=0
// lr=0.001 batch=128, 421642 parameters, step 1407".
func (m *Classifier) String() string {
	return fmt.Sprintf("Classifier %s, %d parameters, step %d", m.cfg.describe(), m.NumParameters(), m.step)
}

// FitOptions control Fit.
type FitOptions struct {
	// Steps is the step at which training stops: Fit takes Steps − Step()
	// more steps, none if the model is already there.
	Steps int
	// Epochs, if Steps is 0, sets Steps to Epochs passes over the data
	// (Epochs·⌈N/BatchSize⌉ steps). When both are 0, Steps is one epoch.
	Epochs int
	// SaveEvery: when Config.Dir is set, a checkpoint is written every
	// SaveEvery steps (0: none), and always at the last step and when the
	// context is cancelled.
	SaveEvery int
	// Progress, if set, is called after every step.
	Progress func(Progress)
}

// Progress reports one training step to FitOptions.Progress.
type Progress struct {
	Step, Steps int
	Epoch       int     // the epoch of this step, from 0
	Loss        float64 // this step's batch cross-entropy
	Running     float64 // mean loss of the last (up to) 100 steps
	Accuracy    float64 // training accuracy of the last (up to) 100 batches, dropout on
	Elapsed     time.Duration
	Checkpoint  string // checkpoint written after this step, if any
}

// String formats the smoothed loss and accuracy, e.g. "loss=0.0612 acc=98.1%".
func (p Progress) String() string {
	return fmt.Sprintf("loss=%.4f acc=%.1f%%", p.Running, 100*p.Accuracy)
}

// Fit trains the classifier on x — N images of 784 values in [0, 1],
// row-major, as mnist.Set.Float32 returns — and their labels 0…9, minimising
// the cross-entropy with Adam. Each step takes the next batch of a per-epoch
// shuffle determined by Config.Seed and the epoch, and the dropout masks come
// from the model's random state (saved in checkpoints), so training is
// deterministic and a run resumed from a checkpoint takes exactly the steps
// of an uninterrupted one.
//
// If ctx is cancelled, Fit saves a checkpoint (when Config.Dir is set) and
// returns ctx's error. A loss that becomes NaN or infinite is an error.
func (m *Classifier) Fit(ctx context.Context, x []float32, labels []uint8, opts FitOptions) error {
	n, err := checkImages(x)
	if err != nil {
		return err
	}
	if err := checkLabels(labels, n); err != nil {
		return err
	}
	if opts.Steps < 0 || opts.Epochs < 0 || opts.SaveEvery < 0 {
		return fmt.Errorf("classifier: Steps=%d Epochs=%d SaveEvery=%d, want ≥ 0", opts.Steps, opts.Epochs, opts.SaveEvery)
	}
	if m.weightsOnly {
		return fmt.Errorf("classifier: this model was loaded from a weights-only file (no optimizer state) and cannot be trained further; train from a full checkpoint or New")
	}
	bs := min(m.cfg.BatchSize, n)
	perEpoch := (n + bs - 1) / bs
	steps := opts.Steps
	if steps == 0 {
		steps = max(1, opts.Epochs) * perEpoch
	}
	xbuf := make([]float32, bs*XDim)
	ybuf := make([]int32, bs)
	var accs []float32
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
		stepStart := time.Now()
		epoch, b := m.step/perEpoch, m.step%perEpoch
		idx := m.permutation(epoch, n)[b*bs : min((b+1)*bs, n)]
		xb, yb := xbuf[:len(idx)*XDim], ybuf[:len(idx)]
		for i, j := range idx {
			copy(xb[i*XDim:(i+1)*XDim], x[j*XDim:(j+1)*XDim])
			yb[i] = int32(labels[j])
		}
		outs, err := m.trainExec.Call(tensors.FromFlatDataAndDimensions(xb, len(idx), XDim),
			tensors.FromFlatDataAndDimensions(yb, len(idx)))
		if err != nil {
			return fmt.Errorf("classifier: training step %d: %w", m.step+1, err)
		}
		loss := scalar(outs[0])
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("classifier: training diverged at step %d (loss=%v)", m.step+1, loss)
		}
		m.step++
		m.losses = append(m.losses, float32(loss))
		accs = append(accs, float32(scalar(outs[1])/float64(len(idx))))
		m.elapsed += time.Since(stepStart)
		p := Progress{Step: m.step, Steps: steps, Epoch: epoch, Loss: loss, Running: lastMean(m.losses, 100),
			Accuracy: lastMean(accs, 100), Elapsed: time.Since(start)}
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

// permutation returns the shuffled order of epoch, a function of the seed and
// the epoch only, so a resumed run sees the same batches.
func (m *Classifier) permutation(epoch, n int) []int {
	if m.permEpoch != epoch || len(m.perm) != n {
		r := rand.New(rand.NewPCG(uint64(m.cfg.Seed), uint64(epoch)))
		m.perm = r.Perm(n)
		m.permEpoch = epoch
	}
	return m.perm
}

// PredictProba returns, for each image of x (N×784 values in [0, 1],
// row-major), the probabilities of the 10 digits (a softmax: each row sums
// to 1). Images are processed in batches of at most 1000.
func (m *Classifier) PredictProba(x []float32) ([][]float32, error) {
	n, err := checkImages(x)
	if err != nil {
		return nil, err
	}
	chunk := min(n, evalRows)
	out := make([][]float32, 0, n)
	var pad []float32
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		in := x[lo*XDim : hi*XDim]
		if hi-lo < chunk { // pad the last batch: one compiled shape for all
			if pad == nil {
				pad = make([]float32, chunk*XDim)
			}
			copy(pad, in)
			clear(pad[len(in):])
			in = pad
		}
		res, err := m.probaExec.Call(tensors.FromFlatDataAndDimensions(in, chunk, XDim))
		if err != nil {
			return nil, fmt.Errorf("classifier: %w", err)
		}
		flat, err := tensors.CopyFlatData[float32](res[0])
		if err != nil {
			return nil, fmt.Errorf("classifier: %w", err)
		}
		for i := range hi - lo {
			out = append(out, flat[i*Classes:(i+1)*Classes:(i+1)*Classes])
		}
	}
	return out, nil
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
// the fraction of images whose predicted digit is their label.
func (m *Classifier) Score(x []float32, labels []uint8) (float64, error) {
	n, err := checkImages(x)
	if err != nil {
		return 0, err
	}
	if err := checkLabels(labels, n); err != nil {
		return 0, err
	}
	pred, err := m.Predict(x)
	if err != nil {
		return 0, err
	}
	correct := 0
	for i, p := range pred {
		if p == int(labels[i]) {
			correct++
		}
	}
	return float64(correct) / float64(n), nil
}

// checkImages returns the number of images in x, or an error if x is not
// N ≥ 1 rows of 784 finite values.
func checkImages(x []float32) (int, error) {
	if len(x) == 0 || len(x)%XDim != 0 {
		return 0, fmt.Errorf("classifier: got %d values, want N×%d (N ≥ 1 images of 28×28 values in [0,1])", len(x), XDim)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return 0, fmt.Errorf("classifier: image %d pixel %d is %v, want a finite value in [0,1]", i/XDim, i%XDim, v)
		}
	}
	return len(x) / XDim, nil
}

func checkLabels(labels []uint8, n int) error {
	if len(labels) != n {
		return fmt.Errorf("classifier: %d labels for %d images", len(labels), n)
	}
	for i, l := range labels {
		if l >= Classes {
			return fmt.Errorf("classifier: label %d is %d, want 0…9", i, l)
		}
	}
	return nil
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
