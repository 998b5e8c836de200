package torchnn

import (
	"math"
	"slices"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mnistlab/golab/lab/backend"
)

// TestLinearInitAndOutput checks the shapes, the ±1/√in bound of the
// initial weights and biases (spread over most of it), and y = x·W + b.
func TestLinearInitAndOutput(t *testing.T) {
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *Node) *Node {
		return Linear(scope, "fc", x, 50)
	})
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 2*400)
	x[3], x[400+7] = 1, 2 // y[0] = W[3] + b, y[1] = 2·W[7] + b
	out, err := exec.Call(tensors.FromFlatDataAndDimensions(x, 2, 400))
	if err != nil {
		t.Fatal(err)
	}
	y := tensors.MustCopyFlatData[float32](out[0])
	w := tensors.MustCopyFlatData[float32](store.GetVariable("/fc/dense/weights").MustValue())
	bias := tensors.MustCopyFlatData[float32](store.GetVariable("/fc/dense/biases").MustValue())
	bound := float32(1 / math.Sqrt(400))
	for name, v := range map[string][]float32{"weights": w, "biases": bias} {
		lo, hi := slices.Min(v), slices.Max(v)
		if lo < -bound || hi > bound || lo > -0.8*bound || hi < 0.8*bound {
			t.Fatalf("%s in [%g, %g], want spread over ±%g", name, lo, hi, bound)
		}
	}
	if len(w) != 400*50 || len(bias) != 50 || len(y) != 2*50 {
		t.Fatalf("sizes %d, %d, %d", len(w), len(bias), len(y))
	}
	for j := range 50 {
		if d := y[j] - (w[3*50+j] + bias[j]); math.Abs(float64(d)) > 1e-6 {
			t.Fatalf("y[0][%d] = %v, want %v", j, y[j], w[3*50+j]+bias[j])
		}
		if d := y[50+j] - (2*w[7*50+j] + bias[j]); math.Abs(float64(d)) > 1e-6 {
			t.Fatalf("y[1][%d] = %v, want %v", j, y[50+j], 2*w[7*50+j]+bias[j])
		}
	}
}
