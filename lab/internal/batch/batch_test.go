package batch

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mnistlab/golab/lab/backend"
)

func wantErr(t *testing.T, what string, err error, contains string) {
	t.Helper()
	if err == nil || !strings.HasPrefix(err.Error(), "m: ") || !strings.Contains(err.Error(), contains) || strings.Contains(err.Error(), "\n") {
		t.Errorf("%s: err %v, want one line starting with \"m: \" and containing %q", what, err, contains)
	}
}

func TestImages(t *testing.T) {
	x := make([]float32, 3*XDim)
	x[5], x[XDim+7] = 1, 0.5
	if n, err := Images("m", x); n != 3 || err != nil {
		t.Fatalf("Images = %d, %v; want 3", n, err)
	}
	_, err := Images("m", nil)
	wantErr(t, "no values", err, "got 0 values")
	_, err = Images("m", x[:100])
	wantErr(t, "100 values", err, "got 100 values")
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), -0.001, 1.0001} {
		bad := slices.Clone(x)
		bad[2*XDim+16] = v
		_, err := Images("m", bad)
		wantErr(t, fmt.Sprintf("pixel %v", v), err, "image 2 pixel 16")
	}
}

func TestLabels(t *testing.T) {
	if err := Labels("m", []int{0, 9, 3}, 3, 10); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "count", Labels("m", []int{0, 1}, 3, 10), "2 labels for 3 images")
	wantErr(t, "label 10", Labels("m", []int{0, 10, 1}, 3, 10), "label 1 is 10")
	wantErr(t, "label -1", Labels("m", []int{-1}, 1, 10), "label 0 is -1")
}

func TestFlattenAndGather(t *testing.T) {
	flat, err := Flatten("m", [][]float32{{1, 2}, {3, 4}}, 2)
	if err != nil || !slices.Equal(flat, []float32{1, 2, 3, 4}) {
		t.Fatalf("Flatten = %v, %v", flat, err)
	}
	_, err = Flatten("m", [][]float32{{1, 2}, {3}}, 2)
	wantErr(t, "short row", err, "row 1 has 1 values, want 2")
	_, err = Flatten("m", [][]float32{{1, float32(math.NaN())}}, 2)
	wantErr(t, "NaN", err, "row 0 value 1 is NaN")

	x := []float32{0, 0, 1, 1, 2, 2, 3, 3} // 4 rows of 2
	buf := make([]float32, 6)
	if got := Gather(buf, x, 2, []int{3, 0, 2}); !slices.Equal(got, []float32{3, 3, 0, 0, 2, 2}) {
		t.Fatalf("Gather = %v", got)
	}
	if got := Gather(buf, x, 2, []int{1}); !slices.Equal(got, []float32{1, 1}) {
		t.Fatalf("Gather of one row = %v", got)
	}
}

// TestEach checks the batches of Each on n rows of width 3 whose values are
// their row numbers: the order, the count of real rows, the padding with
// zero rows to one batch shape, and AppendRows rebuilding the rows.
func TestEach(t *testing.T) {
	for _, n := range []int{1, 5, Size, Size + 1, 2*Size + 7} {
		x := make([]float32, 3*n)
		for i := range x {
			x[i] = float32(i/3 + 1)
		}
		var out [][]float32
		calls := 0
		err := Each(x, 3, func(in *tensors.Tensor, rows int) error {
			calls++
			if dims := in.Shape().Dimensions; !slices.Equal(dims, []int{min(n, Size), 3}) {
				t.Fatalf("n=%d: batch of shape %v", n, dims)
			}
			flat := tensors.MustCopyFlatData[float32](in)
			for i := rows * 3; i < len(flat); i++ {
				if flat[i] != 0 {
					t.Fatalf("n=%d: padding value %v", n, flat[i])
				}
			}
			var err error
			out, err = AppendRows(out, in, rows, 3)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := (n + Size - 1) / Size; calls != want || len(out) != n {
			t.Fatalf("n=%d: %d calls, %d rows; want %d and %d", n, calls, len(out), want, n)
		}
		for i, row := range out {
			if !slices.Equal(row, []float32{float32(i + 1), float32(i + 1), float32(i + 1)}) || cap(row) != 3 {
				t.Fatalf("n=%d: row %d = %v (cap %d)", n, i, row, cap(row))
			}
		}
	}
	if _, err := AppendRows(nil, tensors.FromFlatDataAndDimensions([]float32{1, 2}, 1, 2), 2, 2); err == nil {
		t.Fatal("AppendRows of 2 rows from a 1-row tensor: no error")
	}
}

// TestApply runs a graph of two outputs — 2·x and the row sums — over more
// rows than one batch: each output row matches its input row.
func TestApply(t *testing.T) {
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	exec, err := model.NewExec(b, model.NewStore(), func(_ *model.Scope, x *graph.Node) []*graph.Node {
		return []*graph.Node{graph.MulScalar(x, 2), graph.ReduceAndKeep(x, graph.ReduceSum, -1)}
	})
	if err != nil {
		t.Fatal(err)
	}
	n := Size + 3
	x := make([]float32, 2*n)
	for i := range x {
		x[i] = float32(i)
	}
	out, err := Apply(exec, x, 2, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || len(out[0]) != n || len(out[1]) != n {
		t.Fatalf("%d outputs of %d and %d rows", len(out), len(out[0]), len(out[1]))
	}
	for i := range n {
		a, b := x[2*i], x[2*i+1]
		if !slices.Equal(out[0][i], []float32{2 * a, 2 * b}) || out[1][i][0] != a+b {
			t.Fatalf("row %d: %v %v", i, out[0][i], out[1][i])
		}
	}
}

// BenchmarkImages60000 measures the input check of the whole training set
// (47 million values), which every Fit call makes once.
func BenchmarkImages60000(b *testing.B) {
	x := make([]float32, 60000*XDim)
	for range b.N {
		if _, err := Images("m", x); err != nil {
			b.Fatal(err)
		}
	}
}
