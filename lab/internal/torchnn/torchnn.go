// Package torchnn holds GoMLX layers initialised as PyTorch's torch.nn
// initialises them, so that the lab's networks (the VAE of HW2, lab 3's
// AutoEncoder) start from the distribution the course's PyTorch models do.
package torchnn

import (
	"math"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL, as in the GoMLX examples
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
)

// Linear is PyTorch's nn.Linear(in, out) under scope/name: y = x·W + b for x
// of shape [batch, in], with W [in, out] and b [out] initialised uniformly in
// ±1/√in from the store's random state.
func Linear(scope *model.Scope, name string, x *Node, out int) *Node {
	in := x.Shape().Dim(-1)
	bound := 1 / math.Sqrt(float64(in))
	store := scope.Store()
	init := func(g *Graph, shape shapes.Shape) *Node {
		u := store.RandomUniform(g, shape) // [0, 1)
		return AddScalar(MulScalar(u, 2*bound), -bound)
	}
	return layers.DenseWithBias(scope.At("%s", name).WithInitializer(init), x, out)
}
