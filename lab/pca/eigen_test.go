package pca

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/internal/vecmath"
	"gonum.org/v1/gonum/mat"
)

// eigTol is the agreement required between symEigen and mat.EigenSym:
// eigenvalues within eigTol·‖A‖ (‖A‖ = the largest |λ|), unit eigenvectors
// within eigTol entry by entry up to sign, or, for eigenvalues closer than
// clusterGap·‖A‖ to another (where the vectors are not unique), within eigTol
// of the reference's invariant subspace.
const (
	eigTol     = 1e-9
	clusterGap = 1e-6
)

// refEigen is mat.EigenSym's result: values decreasing, vectors as rows.
type refEigen struct {
	vals []float64
	vecs [][]float64
	norm float64
}

func eigenSymRef(t testing.TB, a []float64, n int) refEigen {
	t.Helper()
	var es mat.EigenSym
	if !es.Factorize(mat.NewSymDense(n, slices.Clone(a)), true) {
		t.Fatal("mat.EigenSym failed")
	}
	asc := es.Values(nil)
	var v mat.Dense
	es.VectorsTo(&v)
	r := refEigen{vals: make([]float64, n), vecs: make([][]float64, n)}
	for i := range n {
		r.vals[i] = asc[n-1-i]
		r.vecs[i] = mat.Col(nil, n-1-i, &v)
		r.norm = math.Max(r.norm, math.Abs(asc[i]))
	}
	return r
}

// compareEigen checks symEigen's vals (all n) and vecs (k rows) against the
// reference and returns the largest eigenvalue and eigenvector differences.
func compareEigen(t *testing.T, name string, a []float64, n, k int, ref refEigen, vals, vecs []float64) (dl, dv float64) {
	t.Helper()
	if len(vals) != n || len(vecs) != k*n {
		t.Fatalf("%s: %d values, %d vector entries; want %d and %d", name, len(vals), len(vecs), n, k*n)
	}
	scale := ref.norm
	if scale == 0 {
		scale = 1
	}
	for i := range n {
		if i > 0 && vals[i] > vals[i-1] {
			t.Fatalf("%s: eigenvalues not decreasing at %d: %g > %g", name, i, vals[i], vals[i-1])
		}
		dl = math.Max(dl, math.Abs(vals[i]-ref.vals[i]))
	}
	if dl > eigTol*scale {
		t.Errorf("%s: eigenvalues differ from mat.EigenSym by %.3g (‖A‖ = %.4g)", name, dl, ref.norm)
	}
	for i := range k {
		x := vecs[i*n : (i+1)*n]
		// The reference cluster of eigenvalue i.
		lo, hi := i, i+1
		for lo > 0 && ref.vals[lo-1]-ref.vals[lo] < clusterGap*scale {
			lo--
		}
		for hi < n && ref.vals[hi-1]-ref.vals[hi] < clusterGap*scale {
			hi++
		}
		var diff float64
		if hi-lo == 1 {
			same, flip := 0.0, 0.0
			for j, v := range ref.vecs[i] {
				same = math.Max(same, math.Abs(x[j]-v))
				flip = math.Max(flip, math.Abs(x[j]+v))
			}
			diff = math.Min(same, flip)
		} else {
			r := slices.Clone(x) // x minus its projection on the cluster
			for c := lo; c < hi; c++ {
				s := mat.Dot(mat.NewVecDense(n, x), mat.NewVecDense(n, ref.vecs[c]))
				for j, v := range ref.vecs[c] {
					r[j] -= s * v
				}
			}
			for _, v := range r {
				diff = math.Max(diff, math.Abs(v))
			}
		}
		if diff > eigTol {
			t.Errorf("%s: eigenvector %d (λ = %.6g, cluster %d..%d) differs from mat.EigenSym's by %.3g", name, i, ref.vals[i], lo, hi-1, diff)
		}
		dv = math.Max(dv, diff)
		// Orthonormal, and an eigenvector of a itself.
		for j := range i + 1 {
			want := 0.0
			if j == i {
				want = 1
			}
			if dot := floats64Dot(x, vecs[j*n:(j+1)*n]); math.Abs(dot-want) > 1e-12 {
				t.Errorf("%s: vectors %d·%d = %.3g, want %g", name, i, j, dot, want)
			}
		}
		res := 0.0
		for r := range n {
			s := -vals[i] * x[r]
			for c := range n {
				s += a[r*n+c] * x[c]
			}
			res = math.Max(res, math.Abs(s))
		}
		if res > 1e-12*scale {
			t.Errorf("%s: ‖A·x − λ·x‖∞ = %.3g for eigenpair %d (‖A‖ = %.4g)", name, res, i, ref.norm)
		}
	}
	return dl, dv
}

func floats64Dot(x, y []float64) float64 {
	s := 0.0
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// withSpectrum returns Q·diag(vals)·Qᵀ for a random orthogonal Q (the Q of
// the QR factorisation of a Gaussian matrix), row-major.
func withSpectrum(vals []float64, seed uint64) []float64 {
	n := len(vals)
	rng := rand.New(rand.NewPCG(seed, 9))
	g := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	a := make([]float64, n*n)
	for i := range n {
		for j := i; j < n; j++ {
			s := 0.0
			for c, v := range vals {
				s += q.At(i, c) * v * q.At(j, c)
			}
			a[i*n+j], a[j*n+i] = s, s
		}
	}
	return a
}

// spectra are the synthetic test cases: distinct, exactly repeated, nearly
// repeated, rank-deficient and graded eigenvalues.
func spectra(n int) map[string][]float64 {
	rng := rand.New(rand.NewPCG(uint64(n), 3))
	out := map[string][]float64{}
	v := make([]float64, n)
	for i := range v {
		v[i] = 100 * rng.Float64()
	}
	out["distinct"] = v
	v = make([]float64, n)
	for i := range v {
		v[i] = float64(5 - i/4) // multiplicities of 4
	}
	out["repeated"] = v
	v = make([]float64, n)
	for i := range v {
		v[i] = float64(10-i/3) + float64(i%3)*1e-11 // triples 1e-11 apart
	}
	out["near-repeated"] = v
	v = make([]float64, n)
	for i := range v {
		if i < n/3 {
			v[i] = 1 + float64(i)
		}
	}
	out["rank-deficient"] = v
	v = make([]float64, n)
	for i := range v {
		v[i] = math.Pow(10, -float64(i)/4)
	}
	out["graded"] = v
	return out
}

func TestSymEigenMatchesEigenSym(t *testing.T) {
	defer func() { kernels = vecmath.Best }()
	for _, n := range []int{1, 2, 3, 7, 40, 150} {
		for name, spec := range spectra(n) {
			a := withSpectrum(spec, uint64(n))
			ref := eigenSymRef(t, a, n)
			for _, k := range []int{1, min(3, n), (n + 1) / 2, n} {
				for _, l := range vecmath.Levels() {
					kernels = l
					vals, vecs, err := symEigen(slices.Clone(a), n, k, l)
					if err != nil {
						t.Fatal(err)
					}
					compareEigen(t, fmt.Sprintf("n=%d %s k=%d %v", n, name, k, l), a, n, k, ref, vals, vecs)
				}
			}
		}
	}
}

// TestSymEigenSpecialMatrices covers matrices whose tridiagonal form splits
// into blocks: diagonal (every block of size 1), block diagonal, zero.
func TestSymEigenSpecialMatrices(t *testing.T) {
	n := 12
	diag := make([]float64, n*n)
	for i := range n {
		diag[i*n+i] = float64([]int{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8}[i])
	}
	block := make([]float64, n*n)
	for b := 0; b < n; b += 4 {
		sub := withSpectrum([]float64{7, 2, 2, 0.5}, uint64(b))
		for i := range 4 {
			copy(block[(b+i)*n+b:(b+i)*n+b+4], sub[i*4:i*4+4])
		}
	}
	for name, a := range map[string][]float64{"diagonal": diag, "block-diagonal": block, "zero": make([]float64, n*n)} {
		ref := eigenSymRef(t, a, n)
		for _, k := range []int{1, 5, n} {
			vals, vecs, err := symEigen(slices.Clone(a), n, k, kernels)
			if err != nil {
				t.Fatal(err)
			}
			compareEigen(t, fmt.Sprintf("%s k=%d", name, k), a, n, k, ref, vals, vecs)
		}
	}
}

// TestSymEigenFallback forces each fallback to mat.EigenSym: inverse
// iteration that does not converge, and a matrix too large to reduce without
// scaling.
func TestSymEigenFallback(t *testing.T) {
	n := 30
	a := withSpectrum(spectra(n)["distinct"], 1)
	ref := eigenSymRef(t, a, n)
	defer func(m int) { maxInverseIts = m }(maxInverseIts)
	maxInverseIts = 0
	d, e, _ := tridiagonalize(slices.Clone(a), n, kernels)
	blocks := splitTridiag(d, e)
	pairs, err := tridiagEigenvalues(d, e, blocks)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tridiagVectors(d, e, blocks, pairs[:4]); err == nil {
		t.Fatal("inverse iteration with no iterations did not fail")
	}
	vals, vecs, err := symEigen(slices.Clone(a), n, 4, kernels)
	if err != nil {
		t.Fatal(err)
	}
	compareEigen(t, "no convergence", a, n, 4, ref, vals, vecs)
	maxInverseIts = 5

	big := slices.Clone(a)
	for i := range big {
		big[i] *= 1e150
	}
	vals, vecs, err = symEigen(slices.Clone(big), n, 4, kernels)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if math.Abs(vals[i]/1e150-ref.vals[i]) > 1e-9*ref.norm {
			t.Fatalf("scaled matrix: λ%d = %g, want %g·1e150", i, vals[i], ref.vals[i])
		}
	}
	for i := range vals {
		vals[i] /= 1e150
	}
	compareEigen(t, "scaled", a, n, 4, ref, vals, vecs) // vectors do not change with the scale
}

// TestSymEigenMNIST is the acceptance test of the solver: on the covariance
// of the 60 000 MNIST training images, k = 10 and 50, every kernel level.
func TestSymEigenMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("MNIST covariance: not in -short mode")
	}
	X := mnistTrain(t)
	_, cov, err := covariance(X)
	if err != nil {
		t.Fatal(err)
	}
	const d = 784
	ref := eigenSymRef(t, cov, d)
	defer func() { kernels = vecmath.Best }()
	for _, k := range []int{10, 50} {
		for _, l := range vecmath.Levels() {
			kernels = l
			vals, vecs, err := symEigen(slices.Clone(cov), d, k, l)
			if err != nil {
				t.Fatal(err)
			}
			dl, dv := compareEigen(t, fmt.Sprintf("MNIST k=%d %v", k, l), cov, d, k, ref, vals, vecs)
			t.Logf("k=%d %v: max |Δλ| = %.2g (λ₁ = %.6g), max |Δv| = %.2g", k, l, dl, ref.vals[0], dv)
		}
	}
}

func TestSymEigenAPI(t *testing.T) {
	n := 20
	a := withSpectrum(spectra(n)["distinct"], 5)
	sym := mat.NewSymDense(n, slices.Clone(a))
	vals, vecs, err := SymEigen(sym, 6)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sym.RawSymmetric().Data, a) {
		t.Fatal("SymEigen modified its input")
	}
	ref := eigenSymRef(t, a, n)
	compareEigen(t, "SymEigen", a, n, 6, ref, vals, vecs.RawMatrix().Data)
	for i := range 6 {
		row := vecs.RawRowView(i)
		best := 0.0
		for _, v := range row {
			if math.Abs(v) > math.Abs(best) {
				best = v
			}
		}
		if best <= 0 {
			t.Errorf("eigenvector %d: largest entry %g, want it positive", i, best)
		}
	}
	// Any mat.Symmetric: a full-width band matrix holds the same values.
	band := mat.NewSymBandDense(n, n-1, nil)
	for i := range n {
		for j := i; j < n; j++ {
			band.SetSymBand(i, j, a[i*n+j])
		}
	}
	bvals, bvecs, err := SymEigen(band, 6)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(bvals, vals) || !mat.Equal(bvecs, vecs) {
		t.Error("SymEigen of a band matrix differs from that of the same *mat.SymDense")
	}
	nan := mat.NewSymDense(n, slices.Clone(a))
	nan.SetSym(3, 7, math.NaN())
	for _, c := range []struct {
		a    mat.Symmetric
		k    int
		want string
	}{
		{sym, 0, "k=0"},
		{sym, n + 1, "k=21"},
		{nan, 2, "a[3,7] = NaN"},
		{nil, 1, "empty"},
	} {
		if _, _, err := SymEigen(c.a, c.k); err == nil || !strings.HasPrefix(err.Error(), "pca: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SymEigen(k=%d): error %v, want one containing %q", c.k, err, c.want)
		}
	}
}
