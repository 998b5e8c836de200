package autoencoder

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL, as in the GoMLX examples
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mnistlab/golab/lab/internal/torchnn"
)

// XDim is the number of pixels of an MNIST image (28×28).
const XDim = 784

// encodeGraph is the encoder: x [batch, 784] → ReLU layers of the hidden
// widths → a linear layer to the code [batch, code]. Variables under "encoder".
func encodeGraph(scope *model.Scope, x *Node, hidden []int, code int) *Node {
	s := scope.At("encoder")
	h := x
	for i, w := range hidden {
		h = activation.Relu(torchnn.Linear(s, layerName(i), h, w))
	}
	return torchnn.Linear(s, layerName(len(hidden)), h, code)
}

// decodeGraph is the mirrored decoder: z [batch, code] → ReLU layers of the
// hidden widths in reverse → 784 logits. Variables under "decoder".
func decodeGraph(scope *model.Scope, z *Node, hidden []int) *Node {
	s := scope.At("decoder")
	h := z
	for i := range hidden {
		h = activation.Relu(torchnn.Linear(s, layerName(i), h, hidden[len(hidden)-1-i]))
	}
	return torchnn.Linear(s, layerName(len(hidden)), h, XDim)
}

func layerName(i int) string { return fmt.Sprintf("fc%d", i+1) }

// bceWithLogits is the binary cross-entropy of targets x in [0, 1] under the
// pixel logits, summed over pixels and averaged over the batch, in the stable
// form max(l, 0) − l·x + log(1 + e^−|l|).
func bceWithLogits(x, logits *Node) *Node {
	bce := Sub(MaxScalar(logits, 0), Mul(logits, x))
	bce = Add(bce, Log1p(Exp(Neg(Abs(logits)))))
	return ReduceAllMean(ReduceSum(bce, -1))
}

// squaredErrors is the squared error of each image's reconstruction
// sigmoid(logits), summed over its pixels: [batch, 1].
func squaredErrors(x, logits *Node) *Node {
	return ReduceAndKeep(Square(Sub(Sigmoid(logits), x)), ReduceSum, -1)
}
