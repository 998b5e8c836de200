package pca

import (
	"bytes"
	"encoding/gob"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/internal/vecmath"
	"gonum.org/v1/gonum/mat"
)

// rotatedCross returns 6 points m ± 3·r1, m ± 2·r2, m ± 1·r3 with orthonormal
// r1 = (0.6, 0.8, 0), r2 = (−0.8, 0.6, 0), r3 = (0, 0, 1) and m = (10, 20, 30).
// By hand: the covariance (N−1 = 5) is Σ_k 2·s_k²·r_k r_kᵀ / 5, so its
// eigenvalues are 18/5, 8/5, 2/5 with eigenvectors r1, r2, r3.
func rotatedCross() *mat.Dense {
	m := []float64{10, 20, 30}
	r := [][]float64{{0.6, 0.8, 0}, {-0.8, 0.6, 0}, {0, 0, 1}}
	s := []float64{3, 2, 1}
	X := mat.NewDense(6, 3, nil)
	for k := range 3 {
		for sign, row := 1.0, 2*k; row < 2*k+2; sign, row = -sign, row+1 {
			for j := range 3 {
				X.Set(row, j, m[j]+sign*s[k]*r[k][j])
			}
		}
	}
	return X
}

func closeTo(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", name, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			t.Fatalf("%s[%d] = %.12g, want %.12g (all: %v)", name, i, got[i], want[i], got)
		}
	}
}

func TestHandComputed(t *testing.T) {
	for _, simd := range simdModes() {
		kernels = simd
		p := New(3)
		if err := p.Fit(rotatedCross()); err != nil {
			t.Fatal(err)
		}
		closeTo(t, "mean", p.Mean(), []float64{10, 20, 30}, 1e-12)
		closeTo(t, "explained variance", p.ExplainedVariance(), []float64{3.6, 1.6, 0.4}, 1e-12)
		closeTo(t, "ratio", p.ExplainedVarianceRatio(), []float64{3.6 / 5.6, 1.6 / 5.6, 0.4 / 5.6}, 1e-12)
		c := p.Components()
		// Signs: the largest-magnitude entry of each component is positive, so
		// r2 = (−0.8, 0.6, 0) comes out as (0.8, −0.6, 0).
		closeTo(t, "component 0", c.RawRowView(0), []float64{0.6, 0.8, 0}, 1e-12)
		closeTo(t, "component 1", c.RawRowView(1), []float64{0.8, -0.6, 0}, 1e-12)
		closeTo(t, "component 2", c.RawRowView(2), []float64{0, 0, 1}, 1e-12)

		// m + 3·r1 projects on (3, 0, 0); m + 2·r2 on (0, −2, 0).
		z, err := p.Transform(rotatedCross().Slice(0, 4, 0, 3).(*mat.Dense))
		if err != nil {
			t.Fatal(err)
		}
		closeTo(t, "z0", z.RawRowView(0), []float64{3, 0, 0}, 1e-12)
		closeTo(t, "z1", z.RawRowView(1), []float64{-3, 0, 0}, 1e-12)
		closeTo(t, "z2", z.RawRowView(2), []float64{0, -2, 0}, 1e-12)
	}
	kernels = vecmath.Best
}

func TestPointsOnALine(t *testing.T) {
	// (1,2), (2,4), (3,6): covariance [[1,2],[2,4]], eigenvalues 5 and 0, first
	// direction (1,2)/√5.
	X := mat.NewDense(3, 2, []float64{1, 2, 2, 4, 3, 6})
	p := New(1)
	if err := p.Fit(X); err != nil {
		t.Fatal(err)
	}
	closeTo(t, "eigenvalues", p.AllEigenvalues(), []float64{5, 0}, 1e-12)
	closeTo(t, "ratio", p.ExplainedVarianceRatio(), []float64{1}, 1e-12)
	closeTo(t, "component", p.Components().RawRowView(0), []float64{1 / math.Sqrt(5), 2 / math.Sqrt(5)}, 1e-12)
	// One component reconstructs points on the line exactly.
	z, _ := p.Transform(X)
	closeTo(t, "z", z.RawMatrix().Data, []float64{-math.Sqrt(5), 0, math.Sqrt(5)}, 1e-12)
	xr, _ := p.InverseTransform(z)
	closeTo(t, "reconstruction", xr.RawMatrix().Data, X.RawMatrix().Data, 1e-12)
}

func randomData(n, d int, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 1))
	// Correlated columns with different scales and a large offset.
	X := mat.NewDense(n, d, nil)
	for i := range n {
		prev := 0.0
		for j := range d {
			v := 0.5*prev + rng.NormFloat64()*float64(1+j%5) + 100
			X.Set(i, j, v)
			prev = v - 100
		}
	}
	return X
}

func naiveCov(X *mat.Dense) *mat.Dense {
	n, d := X.Dims()
	mean := make([]float64, d)
	for i := range n {
		for j := range d {
			mean[j] += X.At(i, j) / float64(n)
		}
	}
	c := mat.NewDense(d, d, nil)
	for a := range d {
		for b := range d {
			s := 0.0
			for i := range n {
				s += (X.At(i, a) - mean[a]) * (X.At(i, b) - mean[b])
			}
			c.Set(a, b, s/float64(n-1))
		}
	}
	return c
}

// simdModes is every kernel level this build and CPU can run, scalar first.
func simdModes() []vecmath.Level { return vecmath.Levels() }

func TestCovarianceVsNaive(t *testing.T) {
	for _, d := range []int{1, 5, 16, 37} {
		for _, n := range []int{2, 3, 300, 1100} {
			X := randomData(n, d, uint64(n*d))
			want := naiveCov(X)
			for _, simd := range simdModes() {
				kernels = simd
				_, got, err := Covariance(X)
				if err != nil {
					t.Fatal(err)
				}
				for a := range d {
					for b := range d {
						if math.Abs(got.At(a, b)-want.At(a, b)) > 1e-9*(1+math.Abs(want.At(a, b))) {
							t.Fatalf("n=%d d=%d simd=%v: cov[%d,%d] = %g, want %g", n, d, simd, a, b, got.At(a, b), want.At(a, b))
						}
					}
				}
			}
		}
	}
	kernels = vecmath.Best
}

func TestEigenpairsOfRandomData(t *testing.T) {
	X := randomData(500, 30, 7)
	p := New(10)
	if err := p.Fit(X); err != nil {
		t.Fatal(err)
	}
	cov := naiveCov(X)
	c := p.Components()
	ev := p.ExplainedVariance()
	all := p.AllEigenvalues()
	if len(all) != 30 {
		t.Fatalf("AllEigenvalues has %d values, want 30", len(all))
	}
	trace := 0.0
	for i := range 30 {
		trace += cov.At(i, i)
	}
	sum := 0.0
	for i, v := range all {
		sum += v
		if i > 0 && v > all[i-1] {
			t.Fatalf("eigenvalues not decreasing at %d: %v", i, all)
		}
	}
	if math.Abs(sum-trace) > 1e-9*trace || math.Abs(p.TotalVariance()-trace) > 1e-9*trace {
		t.Fatalf("sum of eigenvalues %g, total variance %g, trace %g", sum, p.TotalVariance(), trace)
	}
	for k := range 10 {
		v := mat.NewVecDense(30, c.RawRowView(k))
		var cv mat.VecDense
		cv.MulVec(cov, v)
		for j := range 30 {
			if math.Abs(cv.AtVec(j)-ev[k]*v.AtVec(j)) > 1e-8*ev[0] {
				t.Fatalf("component %d is not an eigenvector: (Cv)[%d]=%g, λv=%g", k, j, cv.AtVec(j), ev[k]*v.AtVec(j))
			}
		}
		for l := range 10 {
			dot := mat.Dot(v, mat.NewVecDense(30, c.RawRowView(l)))
			want := 0.0
			if k == l {
				want = 1
			}
			if math.Abs(dot-want) > 1e-10 {
				t.Fatalf("components %d·%d = %g, want %g", k, l, dot, want)
			}
		}
	}
}

func TestRoundTripAllComponents(t *testing.T) {
	X := randomData(200, 12, 3)
	p := New(12)
	if err := p.Fit(X); err != nil {
		t.Fatal(err)
	}
	z, err := p.Transform(X)
	if err != nil {
		t.Fatal(err)
	}
	xr, err := p.InverseTransform(z)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(xr, X, 1e-9) {
		t.Fatal("InverseTransform(Transform(X)) != X with all components")
	}
	// The projections are uncorrelated with variances equal to the eigenvalues.
	_, cz, _ := Covariance(z)
	ev := p.ExplainedVariance()
	for a := range 12 {
		for b := range 12 {
			want := 0.0
			if a == b {
				want = ev[a]
			}
			if math.Abs(cz.At(a, b)-want) > 1e-9*ev[0] {
				t.Fatalf("cov(Z)[%d,%d] = %g, want %g", a, b, cz.At(a, b), want)
			}
		}
	}
}

func TestDeterministicSigns(t *testing.T) {
	X := randomData(400, 20, 11)
	a, b := New(5), New(5)
	if err := a.Fit(X); err != nil {
		t.Fatal(err)
	}
	// Same data in another row order: the same components.
	n, d := X.Dims()
	Y := mat.NewDense(n, d, nil)
	for i := range n {
		Y.SetRow(i, X.RawRowView(n-1-i))
	}
	if err := b.Fit(Y); err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(a.Components(), b.Components(), 1e-9) {
		t.Fatal("components depend on the row order")
	}
}

func TestFitWith(t *testing.T) {
	X := rotatedCross()
	calls := 0
	p := New(2).FitWith(func(X *mat.Dense, dim int) ([]float64, *mat.Dense, []float64, error) {
		calls++
		return referenceFit(X, dim)
	})
	if err := p.Fit(X); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("plugged function called %d times", calls)
	}
	closeTo(t, "ev", p.ExplainedVariance(), []float64{3.6, 1.6}, 1e-12)

	bad := []FitFunc{
		func(X *mat.Dense, dim int) ([]float64, *mat.Dense, []float64, error) {
			return make([]float64, 3), mat.NewDense(3, 3, nil), make([]float64, 3), nil // 3 rows, want 2
		},
		func(X *mat.Dense, dim int) ([]float64, *mat.Dense, []float64, error) {
			return make([]float64, 2), mat.NewDense(2, 3, nil), make([]float64, 3), nil // mean too short
		},
		func(X *mat.Dense, dim int) ([]float64, *mat.Dense, []float64, error) {
			return make([]float64, 3), nil, make([]float64, 3), nil
		},
		func(X *mat.Dense, dim int) ([]float64, *mat.Dense, []float64, error) {
			return make([]float64, 3), mat.NewDense(2, 3, nil), make([]float64, 1), nil
		},
	}
	for i, fn := range bad {
		if err := New(2).FitWith(fn).Fit(X); err == nil {
			t.Errorf("bad fit function %d: no error", i)
		}
	}
}

func TestBadInput(t *testing.T) {
	X := rotatedCross()
	nan := mat.DenseCopyOf(X)
	nan.Set(4, 1, math.NaN())
	inf := mat.DenseCopyOf(X)
	inf.Set(5, 2, math.Inf(-1))
	cases := []struct {
		name string
		p    *PCA
		X    *mat.Dense
		want string
	}{
		{"dim 0", New(0), X, "dim=0"},
		{"dim > D", New(4), X, "dim=4 > D=3"},
		{"one sample", New(1), mat.NewDense(1, 3, []float64{1, 2, 3}), "N=1"},
		{"NaN", New(1), nan, "X[4,1] = NaN"},
		{"Inf", New(1), inf, "X[5,2] = -Inf"},
		{"nil", New(1), nil, "empty"},
	}
	for _, c := range cases {
		err := c.p.Fit(c.X)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	p := New(2)
	if _, err := p.Transform(X); err == nil {
		t.Error("Transform before Fit: no error")
	}
	if err := p.Fit(X); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Transform(mat.NewDense(2, 4, nil)); err == nil || !strings.Contains(err.Error(), "4 columns") {
		t.Errorf("Transform with 4 columns: %v", err)
	}
	if _, err := p.InverseTransform(mat.NewDense(2, 3, nil)); err == nil || !strings.Contains(err.Error(), "3 columns") {
		t.Errorf("InverseTransform with 3 columns: %v", err)
	}
}

func TestSaveLoad(t *testing.T) {
	X := randomData(100, 8, 5)
	p := New(3)
	if err := p.Fit(X); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sub", "pca.bin")
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	q, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	za, _ := p.Transform(X)
	zb, err := q.Transform(X)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(za, zb) || q.Dim() != 3 || q.NSamples() != 100 || q.TotalVariance() != p.TotalVariance() {
		t.Fatal("loaded PCA differs")
	}
	closeTo(t, "eigenvalues", q.AllEigenvalues(), p.AllEigenvalues(), 0)

	// Through gob, as persist.Cached does.
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(p); err != nil {
		t.Fatal(err)
	}
	var r *PCA
	if err := gob.NewDecoder(&buf).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(r.Components(), p.Components()) {
		t.Fatal("gob round trip changed the components")
	}

	// Corrupt, truncated and foreign files give clear errors.
	data, _ := os.ReadFile(path)
	flipped := append([]byte{}, data...)
	flipped[len(flipped)/2] ^= 0xff
	bad := map[string][]byte{
		"flipped byte": flipped,
		"truncated":    data[:len(data)-9],
		"short":        []byte("GOLAB"),
		"foreign":      []byte("hello world, this is not a PCA file"),
	}
	for name, b := range bad {
		f := filepath.Join(t.TempDir(), name)
		os.WriteFile(f, b, 0o644)
		if _, err := Load(f); err == nil {
			t.Errorf("%s: Load succeeded", name)
		} else if !strings.HasPrefix(err.Error(), "pca: ") {
			t.Errorf("%s: error %q", name, err)
		}
	}
	if err := New(2).Save(filepath.Join(t.TempDir(), "x")); err == nil {
		t.Error("Save of an unfitted PCA: no error")
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Load of a missing file: no error")
	}
}

func TestTransformPathsAgree(t *testing.T) {
	for _, d := range []int{1, 5, 16, 37} {
		for _, dim := range []int{1, 2, 3} {
			if dim > d {
				continue
			}
			X := randomData(300, d, uint64(d+dim))
			p := New(dim)
			if err := p.Fit(X); err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{1, 3, 257, 300} {
				Y := X.Slice(0, n, 0, d).(*mat.Dense)
				// Reference: (X − mean)·Cᵀ computed naively.
				want := mat.NewDense(n, dim, nil)
				c, mean := p.Components(), p.Mean()
				for i := range n {
					for k := range dim {
						s := 0.0
						for j := range d {
							s += (Y.At(i, j) - mean[j]) * c.At(k, j)
						}
						want.Set(i, k, s)
					}
				}
				for _, simd := range simdModes() {
					kernels = simd
					got, err := p.Transform(Y)
					if err != nil {
						t.Fatal(err)
					}
					if !mat.EqualApprox(got, want, 1e-9) {
						t.Fatalf("d=%d dim=%d n=%d simd=%v: Transform differs from the naive projection", d, dim, n, simd)
					}
				}
				kernels = vecmath.Best
			}
		}
	}
}
