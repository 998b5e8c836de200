package ddpm

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL, as in the GoMLX examples
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/layers/norm"
	"github.com/gomlx/gomlx/ml/model"
)

// XDim is the number of pixels of an MNIST image (28×28).
const XDim = 784

// NumClasses is the number of digit labels; label NumClasses (10) is the
// "no label" of classifier-free guidance.
const NumClasses = 10

// NullLabel is the label that means "unconditional": the label dropped during
// training and used for the unconditional half of classifier-free guidance.
const NullLabel = NumClasses

// netScope is the scope of the trained weights; emaScope holds their
// exponential moving average, which sampling uses.
const (
	netScope = "net"
	emaScope = "ema"
)

// dense is PyTorch's nn.Linear(in, out) initialisation (uniform ±1/√in).
func dense(scope *model.Scope, name string, x *Node, out int) *Node {
	in := x.Shape().Dim(-1)
	bound := 1 / math.Sqrt(float64(in))
	store := scope.Store()
	init := func(g *Graph, shape shapes.Shape) *Node {
		u := store.RandomUniform(g, shape)
		return AddScalar(MulScalar(u, 2*bound), -bound)
	}
	return layers.DenseWithBias(scope.At("%s", name).WithInitializer(init), x, out)
}

// zeroDense is a dense layer initialised to zero, so that every residual block
// starts as the identity (a standard trick for deep residual networks).
func zeroDense(scope *model.Scope, name string, x *Node, out int) *Node {
	init := func(g *Graph, shape shapes.Shape) *Node { return Zeros(g, shape) }
	return layers.DenseWithBias(scope.At("%s", name).WithInitializer(init), x, out)
}

// timeEmbedding is the sinusoidal embedding of the step t (a float in
// [1, T]) of Vaswani et al.: [sin(t·ω_k), cos(t·ω_k)] with ω_k = 10000^(−k/half).
func timeEmbedding(t *Node, dim int) *Node {
	g := t.Graph()
	half := dim / 2
	freqs := make([]float32, half)
	for k := range freqs {
		freqs[k] = float32(math.Exp(-math.Log(10000) * float64(k) / float64(half)))
	}
	args := Mul(InsertAxes(t, -1), InsertAxes(Const(g, freqs), 0)) // [B, half]
	return Concatenate([]*Node{Sin(args), Cos(args)}, -1)
}

// predictNoise is the noise prediction ε_θ(x_t, t, y). With Config.Target
// "x0" (the default) the network outputs an estimate x̂₀ of the clean image and
// the noise follows from the forward process, ε̂ = (x_t − √ᾱ_t·x̂₀)/√(1−ᾱ_t);
// with "eps" the network outputs ε̂ directly. a = √ᾱ_t and s = √(1−ᾱ_t) are
// [B, 1].
func predictNoise(scope *model.Scope, cfg Config, x, t, y, a, s *Node) *Node {
	out := network(scope, cfg, x, t, y)
	if cfg.Target == TargetNoise {
		return out
	}
	return Div(Sub(x, Mul(a, out)), s)
}

// network is the MLP with residual blocks behind predictNoise:
//
//   - the label y (0–9, or NullLabel) is embedded in cfg.LabelDim values and
//     concatenated to the noisy image x_t (the course's conditioning);
//   - the step t is embedded sinusoidally and passed through a 2-layer MLP;
//   - a dense layer lifts [x_t, label] to cfg.Hidden units, then each of
//     cfg.Blocks residual blocks adds
//     Dense(SiLU(Dense(SiLU(LayerNorm(h) + Dense(temb))))) to h;
//   - a final LayerNorm, SiLU and dense layer give 784 values: x̂₀ or ε̂.
//
// x is [B, 784] float32 in [−1, 1]·scale, t is [B] float32, y is [B] int32.
func network(scope *model.Scope, cfg Config, x, t, y *Node) *Node {
	// y is given as [B, 1] so that Embedding treats it as B indices even when B = 1.
	label := layers.Embedding(scope.At("label"), InsertAxes(y, -1), dtypes.Float32, NumClasses+1, cfg.LabelDim)
	h := dense(scope, "in", Concatenate([]*Node{x, label}, -1), cfg.Hidden)

	temb := timeEmbedding(t, cfg.TimeDim)
	temb = activation.Swish(dense(scope, "time1", temb, 2*cfg.TimeDim))
	temb = activation.Swish(dense(scope, "time2", temb, 2*cfg.TimeDim))

	for b := range cfg.Blocks {
		s := scope.At("block%d", b)
		r := norm.LayerNorm(s.At("norm"), h, -1).Done()
		r = Add(r, dense(s, "time", temb, cfg.Hidden))
		r = activation.Swish(dense(s, "fc1", activation.Swish(r), cfg.Hidden))
		h = Add(h, zeroDense(s, "fc2", r, cfg.Hidden))
	}
	h = activation.Swish(norm.LayerNorm(scope.At("out_norm"), h, -1).Done())
	return dense(scope, "out", h, XDim)
}
