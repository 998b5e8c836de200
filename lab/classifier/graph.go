package classifier

import (
	"fmt"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL, as in the GoMLX examples
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
)

const (
	// XDim is the number of pixels of an MNIST image (28×28).
	XDim = 784
	// Classes is the number of digits, 0 to 9.
	Classes = 10
	side    = 28
)

// modelScope holds every weight of the network; variables outside it (Adam's
// moments, step counters, the random-number state) are optimizer or training
// state, left out of weights-only files.
const modelScope = "classifier"

// logitsGraph is the network: x [batch, 784] → per Config.Channels a 3×3
// convolution (same padding) + ReLU + 2×2 max-pool → flatten → dense Hidden +
// ReLU → dropout (training graphs only) → dense 10 logits.
func logitsGraph(scope *model.Scope, x *Node, cfg Config) *Node {
	s := scope.At(modelScope)
	batch := x.Shape().Dim(0)
	h := Reshape(x, batch, side, side, 1)
	for i, c := range cfg.Channels {
		h = maxPool2(activation.Relu(conv3x3(s.At("conv%d", i+1), h, c)))
	}
	h = Reshape(h, batch, -1)
	h = activation.Relu(layers.DenseWithBias(s.At("fc1"), h, cfg.Hidden))
	if cfg.Dropout > 0 {
		h = layers.DropoutStatic(s, h, cfg.Dropout)
	}
	return layers.DenseWithBias(s.At("fc2"), h, Classes)
}

// conv3x3 is a 3×3 convolution with zero ("same") padding and a bias, from
// h [batch, H, W, C] to [batch, H, W, out], written as im2col — the 9 shifted
// copies of h side by side, times the kernel reshaped to [9·C, out] — since
// one matrix multiplication is far faster than the pure-Go backend's generic
// convolution (and about as fast on XLA). The kernel variable has the shape
// [3, 3, C, out] of layers.Convolution's, so its He initialisation is the same.
func conv3x3(scope *model.Scope, h *Node, out int) *Node {
	g := h.Graph()
	dtype := h.DType()
	b, hh, w, c := h.Shape().Dim(0), h.Shape().Dim(1), h.Shape().Dim(2), h.Shape().Dim(3)
	kernel := scope.VariableWithShape("weights", shapes.Make(dtype, 3, 3, c, out)).NodeValue(g)
	bias := scope.VariableWithShape("biases", shapes.Make(dtype, out)).NodeValue(g)
	p := Pad(h, ScalarZero(g, dtype), PadAxis{}, PadAxis{Start: 1, End: 1}, PadAxis{Start: 1, End: 1}, PadAxis{})
	cols := make([]*Node, 0, 9)
	for dy := range 3 {
		for dx := range 3 {
			cols = append(cols, Slice(p, AxisRange(), AxisRange(dy, dy+hh), AxisRange(dx, dx+w), AxisRange()))
		}
	}
	patches := Reshape(Concatenate(cols, -1), b*hh*w, 9*c) // column (dy·3+dx)·C+ci, as the kernel's rows
	y := Add(MatMul(patches, Reshape(kernel, 9*c, out)), InsertAxes(bias, 0))
	return Reshape(y, b, hh, w, out)
}

// maxPool2 is a 2×2 max-pool with stride 2 of h [batch, H, W, C] (an odd last
// row or column is dropped), as a reshape and a ReduceMax.
func maxPool2(h *Node) *Node {
	b, hh, w, c := h.Shape().Dim(0), h.Shape().Dim(1), h.Shape().Dim(2), h.Shape().Dim(3)
	if hh%2 != 0 || w%2 != 0 {
		h = Slice(h, AxisRange(), AxisRange(0, hh-hh%2), AxisRange(0, w-w%2), AxisRange())
	}
	return ReduceMax(Reshape(h, b, hh/2, 2, w/2, 2, c), 2, 4)
}

// crossEntropy is the mean over the batch of −log softmax(logits)[label].
func crossEntropy(logits, labels *Node) *Node {
	oneHot := OneHot(labels, Classes, logits.DType())
	return Neg(ReduceAllMean(ReduceSum(Mul(oneHot, LogSoftmax(logits, -1)), -1)))
}

// numCorrect counts the rows whose largest logit is at the label.
func numCorrect(logits, labels *Node) *Node {
	pred := ArgMax(logits, -1, labels.DType())
	return ReduceAllSum(ConvertDType(Equal(pred, labels), logits.DType()))
}

// featureSide is the width (and height) of the feature maps after the
// convolution blocks: each 2×2 max-pool halves it, rounding down.
func featureSide(blocks int) int {
	s := side
	for range blocks {
		s /= 2
	}
	return s
}

// describeArch is the architecture in one line, e.g.
// "conv3×3(32)-pool-conv3×3(64)-pool-fc128-dropout0.5-fc10".
func describeArch(cfg Config) string {
	s := ""
	for _, c := range cfg.Channels {
		s += fmt.Sprintf("conv3×3(%d)-pool-", c)
	}
	s += fmt.Sprintf("fc%d-", cfg.Hidden)
	if cfg.Dropout > 0 {
		s += fmt.Sprintf("dropout%g-", cfg.Dropout)
	}
	return s + "fc10"
}
