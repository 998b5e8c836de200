package vae

import (
	"math"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mnistlab/golab/lab/backend"
)

func testBackend(t testing.TB) compute.Backend {
	t.Helper()
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// run1 executes a one-output graph function and returns the flat float64 values.
func run1[F ExecGraphFnOneOutput](t testing.TB, fn F, args ...any) []float64 {
	t.Helper()
	out, err := ExecOnce(testBackend(t), fn, args...)
	if err != nil {
		t.Fatal(err)
	}
	switch flat := out.Value().(type) {
	case float64:
		return []float64{flat}
	case float32:
		return []float64{float64(flat)}
	}
	var res []float64
	if out.DType() == dtypes.Float64 {
		res = tensors.MustCopyFlatData[float64](out)
	} else {
		for _, v := range tensors.MustCopyFlatData[float32](out) {
			res = append(res, float64(v))
		}
	}
	return res
}

func close(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values %v, want %d %v", name, len(got), got, len(want), want)
	}
	for i := range got {
		if math.IsNaN(got[i]) || math.Abs(got[i]-want[i]) > tol*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %.10g, want %.10g (all: got %v want %v)", name, i, got[i], want[i], got, want)
		}
	}
}

func TestKLNormalIdenticalIsZero(t *testing.T) {
	m := [][]float64{{0.3, -1.2, 5}, {2, 0, -0.5}}
	v := [][]float64{{0.1, 1, 7}, {2.5, 1e-3, 1}}
	got := run1(t, func(m, v *Node) *Node { return klNormal(m, v, m, v) }, m, v)
	close(t, "KL(q‖q)", got, []float64{0, 0}, 1e-12)
}

func TestKLNormalHandComputed(t *testing.T) {
	// Row 0, one dimension: KL(N(1,2) ‖ N(0,1)) = ½(log 1 − log 2 + 2 + 1 − 1) = 1 − ½ log 2.
	// Row 1, two dimensions against N(1, 4):
	//   dim 0: q = N(3, 1): ½(log 4 − 0 + 1/4 + 4/4 − 1) = ½ log 4 + 1/8
	//   dim 1: q = N(1, 4): 0.
	qm := [][]float64{{1, 0}, {3, 1}}
	qv := [][]float64{{2, 1}, {1, 4}}
	pm := [][]float64{{0, 0}, {1, 1}}
	pv := [][]float64{{1, 1}, {4, 4}}
	got := run1(t, klNormal, qm, qv, pm, pv)
	close(t, "KL", got, []float64{1 - 0.5*math.Log(2), 0.5*math.Log(4) + 0.125}, 1e-12)

	// A scalar prior N(0, 1) broadcasts.
	got = run1(t, func(qm, qv *Node) *Node {
		g := qm.Graph()
		return klNormal(qm, qv, ScalarZero(g, dtypes.Float64), ScalarOne(g, dtypes.Float64))
	}, [][]float64{{1}}, [][]float64{{2}})
	close(t, "KL vs scalar prior", got, []float64{1 - 0.5*math.Log(2)}, 1e-12)
}

func TestLogNormal(t *testing.T) {
	// log N(1; 0, 4) + log N(-1; -1, 1) = −½(log 2π + log 4 + 1/4) − ½ log 2π.
	want := -0.5*(math.Log(2*math.Pi)+math.Log(4)+0.25) - 0.5*math.Log(2*math.Pi)
	got := run1(t, logNormal, [][]float64{{1, -1}}, [][]float64{{0, -1}}, [][]float64{{4, 1}})
	close(t, "logNormal", got, []float64{want}, 1e-12)
}

func TestLogBernoulliWithLogits(t *testing.T) {
	x := [][]float64{{1, 0, 1, 0, 1}, {0, 1, 1, 0, 0}}
	l := [][]float64{{0.3, -2, 4, 0, -0.7}, {1.5, 2.5, -3, -1e-3, 6}}
	want := make([]float64, len(x))
	for i := range x {
		for j := range x[i] {
			p := 1 / (1 + math.Exp(-l[i][j]))
			want[i] += x[i][j]*math.Log(p) + (1-x[i][j])*math.Log(1-p)
		}
	}
	got := run1(t, logBernoulliWithLogits, x, l)
	close(t, "log Bernoulli", got, want, 1e-12)

	// Large |logits|: the naive formula gives log(0) = −Inf or NaN; the stable
	// one gives ≈ 0 for a confident right answer and −|l| for a wrong one.
	x = [][]float64{{1}, {0}, {1}, {0}, {1}, {0}}
	l = [][]float64{{100}, {100}, {-100}, {-100}, {1e4}, {-1e4}}
	got = run1(t, logBernoulliWithLogits, x, l)
	close(t, "log Bernoulli, large logits", got, []float64{-math.Exp(-100), -100, -100, -math.Exp(-100), 0, 0}, 1e-12)

	// float32, as in the model: still finite.
	got = run1(t, logBernoulliWithLogits, [][]float32{{1, 0}}, [][]float32{{-200, 300}})
	close(t, "float32 large logits", got, []float64{-500}, 1e-6)
}

func TestLogMeanExp(t *testing.T) {
	// log((e^1000 + e^(1000+log 3))/2) = 1000 + log 2: overflows without the shift.
	got := run1(t, func(x *Node) *Node { return logMeanExp(x, 0) }, [][]float64{{1000, -5}, {1000 + math.Log(3), -5}})
	close(t, "logMeanExp", got, []float64{1000 + math.Log(2), -5}, 1e-12)
}

func TestELU(t *testing.T) {
	xs := []float64{-50, -1, -1e-3, 0, 0.5, 100}
	want := make([]float64, len(xs))
	for i, x := range xs {
		want[i] = x
		if x <= 0 {
			want[i] = math.Expm1(x)
		}
	}
	close(t, "ELU", run1(t, ELU, xs), want, 1e-12)
	// Gradient: 1 for x > 0, eˣ otherwise, finite even for large x.
	grad := run1(t, func(x *Node) *Node { return Gradient(ReduceAllSum(ELU(x)), x)[0] }, xs)
	close(t, "ELU'", grad, []float64{math.Exp(-50), math.Exp(-1), math.Exp(-1e-3), 1, 1, 1}, 1e-12)
}

func TestSampleGaussianMoments(t *testing.T) {
	const n = 200000
	m := []float64{1, -2, 0}
	v := []float64{4, 0.25, 1e-4}
	out := run1(t, func(g *Graph) *Node {
		rng := RNGStateFromSeedForGraph(g, 42)
		mn := BroadcastToDims(InsertAxes(Const(g, m), 0), n, 3)
		vn := BroadcastToDims(InsertAxes(Const(g, v), 0), n, 3)
		_, z := sampleGaussianRNG(rng, mn, vn)
		mean := ReduceAndKeep(z, ReduceMean, 0) // [1, 3]
		variance := ReduceAndKeep(Square(Sub(z, mean)), ReduceMean, 0)
		return Concatenate([]*Node{mean, variance}, 0)
	})
	for j := range m {
		se := math.Sqrt(v[j] / n) // standard error of the mean
		if d := math.Abs(out[j] - m[j]); d > 5*se {
			t.Errorf("mean[%d] = %g, want %g ± %g", j, out[j], m[j], 5*se)
		}
		if r := out[3+j] / v[j]; math.Abs(r-1) > 5*math.Sqrt(2.0/n) {
			t.Errorf("var[%d] = %g, want %g (ratio %g)", j, out[3+j], v[j], r)
		}
	}
	// Gradients of the reparameterized sample: dz/dm = 1, dz/dv = ε/(2√v).
	grads := run1(t, func(m, v, eps *Node) *Node {
		z := sampleGaussian(m, v, eps)
		gr := Gradient(ReduceAllSum(z), m, v)
		return Concatenate(gr, 0)
	}, []float64{1, 2}, []float64{4, 9}, []float64{0.5, -3})
	close(t, "dz/d(m,v)", grads, []float64{1, 1, 0.5 / 4, -3.0 / 6}, 1e-12)
}

func TestBinarizeMean(t *testing.T) {
	const n = 100000
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(7); err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 3*n)
	for i := 0; i < n; i++ {
		x[3*i+1], x[3*i+2] = 0.25, 1
	}
	out, err := model.ExecOnce(testBackend(t), store, func(scope *model.Scope, x *Node) *Node {
		b := Binarize(scope, x)
		isBinary := ReduceAllSum(Mul(b, OneMinus(b))) // 0 iff every value is 0 or 1
		return Concatenate([]*Node{ReduceMean(b, 0), Reshape(isBinary, 1)}, 0)
	}, tensors.FromFlatDataAndDimensions(x, n, 3))
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](out)
	if got[0] != 0 || got[2] != 1 || got[3] != 0 {
		t.Fatalf("Binarize: means %v and non-binary sum %v, want 0, ≈0.25, 1 and 0", got[:3], got[3])
	}
	if se := math.Sqrt(0.25 * 0.75 / n); math.Abs(float64(got[1])-0.25) > 5*se {
		t.Fatalf("Binarize: mean of p=0.25 pixels is %v", got[1])
	}
}
