package gmm

import (
	"bytes"
	"encoding/gob"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/internal/vecmath"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"
)

// fixed returns DefaultOptions with the given seed and Tol = 0: exactly
// maxIter EM iterations from the k-means start (the homework's GMM).
func fixed(seed uint64, maxIter int) Options {
	o := DefaultOptions()
	o.Seed, o.MaxIter, o.Tol = seed, maxIter, 0
	return o
}

// simdModes is every kernel level this build and CPU can run, scalar first.
func simdModes() []vecmath.Level { return vecmath.Levels() }

// forEachMode runs f with the gonum path and, when available, the SIMD path.
func forEachMode(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	defer func() { kernels = vecmath.Best }()
	for _, l := range simdModes() {
		kernels = l
		name := "gonum"
		if l.Vector() {
			name = l.String()
		}
		t.Run(name, f)
	}
}

type blob struct {
	w    float64
	mean []float64
	cov  []float64 // D×D
}

// sample draws n points from a mixture of blobs; it returns the data and
// the true component of each point.
func sample(n int, blobs []blob, seed uint64) (*mat.Dense, []int) {
	rng := rand.New(rand.NewPCG(seed, 5))
	d := len(blobs[0].mean)
	X := mat.NewDense(n, d, nil)
	labels := make([]int, n)
	chols := make([]*mat.TriDense, len(blobs))
	for j, b := range blobs {
		var ch mat.Cholesky
		if !ch.Factorize(mat.NewSymDense(d, b.cov)) {
			panic("bad test covariance")
		}
		chols[j] = new(mat.TriDense)
		ch.LTo(chols[j])
	}
	z := make([]float64, d)
	for i := range n {
		u, j := rng.Float64(), 0
		for acc := blobs[0].w; u > acc && j < len(blobs)-1; {
			j++
			acc += blobs[j].w
		}
		labels[i] = j
		for a := range z {
			z[a] = rng.NormFloat64()
		}
		for a := range d {
			v := blobs[j].mean[a]
			for b := 0; b <= a; b++ {
				v += chols[j].At(a, b) * z[b]
			}
			X.Set(i, a, v)
		}
	}
	return X, labels
}

var threeBlobs = []blob{
	{0.5, []float64{0, 0}, []float64{1, 0.3, 0.3, 0.5}},
	{0.3, []float64{8, 1}, []float64{0.5, 0, 0, 2}},
	{0.2, []float64{2, 9}, []float64{1.5, -0.6, -0.6, 1}},
}

// matchComponents maps each true blob to the fitted component with the
// nearest mean.
func matchComponents(g *GMM, blobs []blob) []int {
	m := g.Means()
	out := make([]int, len(blobs))
	for j, b := range blobs {
		best := math.Inf(1)
		for c := range g.K() {
			d := 0.0
			for a, v := range b.mean {
				d += (m.At(c, a) - v) * (m.At(c, a) - v)
			}
			if d < best {
				best, out[j] = d, c
			}
		}
	}
	return out
}

func TestRecoversBlobs(t *testing.T) {
	X, _ := sample(3000, threeBlobs, 1)
	forEachMode(t, func(t *testing.T) {
		g := New(3, fixed(1, 100))
		if err := g.Fit(X); err != nil {
			t.Fatal(err)
		}
		match := matchComponents(g, threeBlobs)
		seen := map[int]bool{}
		m, w, covs := g.Means(), g.Weights(), g.Covariances()
		for j, b := range threeBlobs {
			c := match[j]
			if seen[c] {
				t.Fatalf("two blobs matched to component %d", c)
			}
			seen[c] = true
			for a := range 2 {
				if math.Abs(m.At(c, a)-b.mean[a]) > 0.15 {
					t.Errorf("blob %d: mean %v, want %v", j, m.RawRowView(c), b.mean)
				}
				for e := range 2 {
					if math.Abs(covs[c].At(a, e)-b.cov[a*2+e]) > 0.2 {
						t.Errorf("blob %d: covariance[%d,%d] %v, want %v", j, a, e, covs[c].At(a, e), b.cov[a*2+e])
					}
				}
			}
			if math.Abs(w[c]-b.w) > 0.03 {
				t.Errorf("blob %d: weight %v, want %v", j, w[c], b.w)
			}
		}
		if len(g.LogLikelihoodHistory()) != 100 || g.NIter() != 100 {
			t.Errorf("ran %d iterations, history %d; want exactly MaxIter=100", g.NIter(), len(g.LogLikelihoodHistory()))
		}
	})
}

func TestLogLikelihoodNeverDecreases(t *testing.T) {
	// Overlapping components so that EM takes many iterations to settle.
	blobs := []blob{
		{0.4, []float64{0, 0, 0}, []float64{2, 0.5, 0, 0.5, 1, 0.2, 0, 0.2, 1}},
		{0.35, []float64{2, 1, 0}, []float64{1, 0, 0, 0, 2, 0.4, 0, 0.4, 1}},
		{0.25, []float64{0, 2, 2}, []float64{1, 0, 0, 0, 1, 0, 0, 0, 3}},
	}
	X, _ := sample(2000, blobs, 2)
	forEachMode(t, func(t *testing.T) {
		o := fixed(3, 150)
		o.RegCovar = 1e-12
		g := New(4, o)
		if err := g.Fit(X); err != nil {
			t.Fatal(err)
		}
		h := g.LogLikelihoodHistory()
		for i := 1; i < len(h); i++ {
			if h[i] < h[i-1]-1e-9*math.Abs(h[i-1]) {
				t.Fatalf("log-likelihood decreased at iteration %d: %.15g → %.15g", i+1, h[i-1], h[i])
			}
		}
		if h[len(h)-1] <= h[0] {
			t.Fatalf("no improvement: %v → %v", h[0], h[len(h)-1])
		}
		// The final score is at least the last E-step's value (one more M-step).
		s, err := g.Score(X)
		if err != nil {
			t.Fatal(err)
		}
		if s < h[len(h)-1]-1e-9*math.Abs(s) {
			t.Fatalf("final score %v < last history value %v", s, h[len(h)-1])
		}
	})
}

func randomParams(k, d int, seed uint64) ([]float64, *mat.Dense, []*mat.SymDense) {
	rng := rand.New(rand.NewPCG(seed, 7))
	w := make([]float64, k)
	sum := 0.0
	for j := range w {
		w[j] = 0.2 + rng.Float64()
		sum += w[j]
	}
	for j := range w {
		w[j] /= sum
	}
	means := mat.NewDense(k, d, nil)
	covs := make([]*mat.SymDense, k)
	for j := range k {
		for a := range d {
			means.Set(j, a, 3*rng.NormFloat64())
		}
		A := mat.NewDense(d, d, nil)
		for a := range d {
			for b := range d {
				A.Set(a, b, rng.NormFloat64()/math.Sqrt(float64(d)))
			}
		}
		c := mat.NewSymDense(d, nil)
		c.SymOuterK(1, A)
		for a := range d {
			c.SetSym(a, a, c.At(a, a)+0.5)
		}
		covs[j] = c
	}
	return w, means, covs
}

func TestEStepAgainstDistmv(t *testing.T) {
	// Responsibilities and log-densities against gonum's distmv.Normal,
	// for dimensions that exercise the kernels' edge cases.
	for _, d := range []int{1, 2, 5, 8, 13} {
		k := 3
		w, means, covs := randomParams(k, d, uint64(d))
		X, _ := sample(300, []blob{{1, make([]float64, d), symData(covs[0])}}, uint64(d))
		logp := mat.NewDense(300, k, nil)
		for j := range k {
			nd, ok := distmv.NewNormal(means.RawRowView(j), covs[j], nil)
			if !ok {
				t.Fatal("distmv")
			}
			for i := range 300 {
				logp.Set(i, j, math.Log(w[j])+nd.LogProb(X.RawRowView(i)))
			}
		}
		forEachMode(t, func(t *testing.T) {
			resp, err := referenceEStep(X, w, means, covs)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 300 {
				row := logp.RawRowView(i)
				mx := math.Max(row[0], math.Max(row[1], row[2]))
				s := 0.0
				for _, v := range row {
					s += math.Exp(v - mx)
				}
				total := 0.0
				for j := range k {
					want := math.Exp(row[j] - mx - math.Log(s))
					if math.Abs(resp.At(i, j)-want) > 1e-10 {
						t.Fatalf("d=%d resp[%d,%d] = %v, want %v", d, i, j, resp.At(i, j), want)
					}
					total += resp.At(i, j)
				}
				if math.Abs(total-1) > 1e-12 {
					t.Fatalf("d=%d row %d sums to %v", d, i, total)
				}
			}
			ld, err := LogGaussianDensity(X, means.RawRowView(1), covs[1])
			if err != nil {
				t.Fatal(err)
			}
			for i := range 300 {
				want := logp.At(i, 1) - math.Log(w[1])
				if math.Abs(ld[i]-want) > 1e-9*(1+math.Abs(want)) {
					t.Fatalf("d=%d LogGaussianDensity[%d] = %v, want %v", d, i, ld[i], want)
				}
			}
		})
	}
}

func TestEStepRowsSumToOne(t *testing.T) {
	w, means, covs := randomParams(7, 20, 11)
	X, _ := sample(1000, []blob{{1, make([]float64, 20), symData(covs[2])}}, 4)
	forEachMode(t, func(t *testing.T) {
		resp, err := referenceEStep(X, w, means, covs)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 1000 {
			s := 0.0
			for _, v := range resp.RawRowView(i) {
				if v < 0 || v > 1 {
					t.Fatalf("resp row %d has %v", i, v)
				}
				s += v
			}
			if math.Abs(s-1) > 1e-12 {
				t.Fatalf("row %d sums to %v", i, s)
			}
		}
	})
}

func TestNaiveEStepUnderflowsInHighDimension(t *testing.T) {
	// Low dimension: the naive E-step agrees with the log-space one.
	w, means, covs := randomParams(3, 2, 1)
	X, _ := sample(200, []blob{{1, []float64{0, 0}, symData(covs[0])}}, 1)
	naive, err := NaiveEStep(X, w, means, covs)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := referenceEStep(X, w, means, covs)
	if !mat.EqualApprox(naive, ref, 1e-10) {
		t.Fatal("NaiveEStep and EStep differ in 2-D")
	}

	// D = 200 with pixel-like variances (100 per coordinate): |Σ| = 100^200
	// overflows, every density is 0, the rows are 0/0.
	const d = 200
	cov := make([]float64, d*d)
	for a := range d {
		cov[a*d+a] = 100
	}
	m2 := make([]float64, d)
	m2[0] = 30
	blobs := []blob{{0.5, make([]float64, d), cov}, {0.5, m2, cov}}
	X, _ = sample(50, blobs, 2)
	means = mat.NewDense(2, d, append(make([]float64, d), m2...))
	covs = []*mat.SymDense{mat.NewSymDense(d, cov), mat.NewSymDense(d, cov)}
	naive, err = NaiveEStep(X, []float64{0.5, 0.5}, means, covs)
	if err == nil || !strings.Contains(err.Error(), "50 of 50 rows are NaN") {
		t.Fatalf("NaiveEStep in D=200: error %v, want all rows NaN", err)
	}
	if !math.IsNaN(naive.At(0, 0)) {
		t.Fatalf("NaiveEStep in D=200: resp[0,0] = %v, want NaN", naive.At(0, 0))
	}
	forEachMode(t, func(t *testing.T) {
		resp, err := referenceEStep(X, []float64{0.5, 0.5}, means, covs)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 50 {
			s := resp.At(i, 0) + resp.At(i, 1)
			if math.IsNaN(s) || math.Abs(s-1) > 1e-12 {
				t.Fatalf("EStep row %d sums to %v", i, s)
			}
		}
	})
}

// naiveMStep is the M-step written directly from the formulas.
func naiveMStep(X, R *mat.Dense, reg float64) ([]float64, *mat.Dense, []*mat.SymDense) {
	n, d := X.Dims()
	_, k := R.Dims()
	w := make([]float64, k)
	means := mat.NewDense(k, d, nil)
	covs := make([]*mat.SymDense, k)
	for j := range k {
		nk := 10 * 0x1p-52
		for i := range n {
			nk += R.At(i, j)
		}
		w[j] = nk / float64(n)
		for a := range d {
			s := 0.0
			for i := range n {
				s += R.At(i, j) * X.At(i, a)
			}
			means.Set(j, a, s/nk)
		}
		c := mat.NewSymDense(d, nil)
		for a := range d {
			for b := a; b < d; b++ {
				s := 0.0
				for i := range n {
					s += R.At(i, j) * (X.At(i, a) - means.At(j, a)) * (X.At(i, b) - means.At(j, b))
				}
				v := s / nk
				if a == b {
					v += reg
				}
				c.SetSym(a, b, v)
			}
		}
		covs[j] = c
	}
	return w, means, covs
}

func TestMStepAgainstFormulas(t *testing.T) {
	for _, d := range []int{1, 3, 6, 17} {
		for _, k := range []int{1, 3, 5} {
			rng := rand.New(rand.NewPCG(uint64(d), uint64(k)))
			n := 700
			X := mat.NewDense(n, d, nil)
			R := mat.NewDense(n, k, nil)
			for i := range n {
				for a := range d {
					X.Set(i, a, 10+rng.NormFloat64()*float64(a+1))
				}
				s := 0.0
				for j := range k {
					v := rng.Float64()
					if rng.IntN(3) == 0 {
						v = 0 // exact zeros are skipped by the scatter
					}
					R.Set(i, j, v)
					s += v
				}
				for j := range k {
					if s > 0 {
						R.Set(i, j, R.At(i, j)/s)
					}
				}
			}
			ww, wm, wc := naiveMStep(X, R, 1e-3)
			forEachMode(t, func(t *testing.T) {
				w, m, c, err := referenceMStep(X, R, 1e-3)
				if err != nil {
					t.Fatal(err)
				}
				for j := range k {
					if math.Abs(w[j]-ww[j]) > 1e-12 {
						t.Fatalf("d=%d k=%d weight %d: %v, want %v", d, k, j, w[j], ww[j])
					}
				}
				if !mat.EqualApprox(m, wm, 1e-9) {
					t.Fatalf("d=%d k=%d means differ", d, k)
				}
				for j := range k {
					if !mat.EqualApprox(c[j], wc[j], 1e-9) {
						t.Fatalf("d=%d k=%d covariance %d differs:\n%v\nwant\n%v", d, k, j, mat.Formatted(c[j]), mat.Formatted(wc[j]))
					}
				}
			})
		}
	}
}

// TestKernelLevelsAgree fits the same mixture with every kernel level this
// CPU can run: the vector kernels must reproduce the gonum path's means to
// 1e-8 and its log-likelihood history to a relative 1e-10 (the AVX-512 and
// AVX2 M-step dot products add their lanes in different orders, so those two
// agree within the same bounds, not bit for bit).
func TestKernelLevelsAgree(t *testing.T) {
	if len(simdModes()) == 1 {
		t.Skipf("no vector kernels in this build or on this CPU (%v)", vecmath.Best)
	}
	X, _ := sample(1500, threeBlobs, 8)
	defer func() { kernels = vecmath.Best }()
	fits := map[vecmath.Level]*GMM{}
	for _, l := range simdModes() {
		kernels = l
		g := New(3, fixed(2, 30))
		if err := g.Fit(X); err != nil {
			t.Fatal(err)
		}
		fits[l] = g
	}
	ref := fits[vecmath.Scalar]
	for _, l := range simdModes()[1:] {
		g := fits[l]
		if !mat.EqualApprox(ref.Means(), g.Means(), 1e-8) {
			t.Fatalf("means differ between the gonum and %v paths", l)
		}
		ha, hb := ref.LogLikelihoodHistory(), g.LogLikelihoodHistory()
		for i := range ha {
			if math.Abs(ha[i]-hb[i]) > 1e-10*math.Abs(ha[i]) {
				t.Fatalf("%v: history[%d]: %v vs %v", l, i, hb[i], ha[i])
			}
		}
	}
}

// TestMahaKernel compares the Mahalanobis kernel with a direct evaluation of
// Σ_j (Σ_{i≤j} m_ij x_i − b_j)² (relative 1e-12) at every level, and the AVX2
// and AVX-512 kernels, which compute each lane with the same FMAs, bit for bit.
func TestMahaKernel(t *testing.T) {
	if len(simdModes()) == 1 {
		t.Skipf("no vector kernels in this build or on this CPU (%v)", vecmath.Best)
	}
	defer func() { kernels = vecmath.Best }()
	rng := rand.New(rand.NewPCG(5, 6))
	for _, d := range []int{1, 3, 10, 17} {
		dp := roundUp(d, 4)
		xb := make([]float64, d*blockStride)
		for i := range xb {
			xb[i] = rng.NormFloat64()
		}
		m := make([]float64, d*dp)
		for i := range d {
			for j := i; j < d; j++ {
				m[i*dp+j] = rng.NormFloat64()
			}
		}
		b := make([]float64, dp)
		for j := range d {
			b[j] = rng.NormFloat64()
		}
		thr := make([]float64, blockCols)
		for q := range thr {
			thr[q] = math.Inf(1) // never prune
		}
		got := map[vecmath.Level][]float64{}
		for _, l := range simdModes()[1:] {
			kernels = l
			out := make([]float64, blockCols)
			mahaSIMD(xb, blockStride, d, dp, m, b, thr, out)
			for c := range blockCols {
				want := 0.0
				for j := range d {
					s := -b[j]
					for i := 0; i <= j; i++ {
						s += m[i*dp+j] * xb[i*blockStride+c]
					}
					want += s * s
				}
				if math.Abs(out[c]-want) > 1e-12*want {
					t.Fatalf("%v d=%d column %d: %v, want %v", l, d, c, out[c], want)
				}
			}
			got[l] = out
		}
		if a, b := got[vecmath.AVX2], got[vecmath.AVX512]; a != nil && b != nil && !slices.Equal(a, b) {
			t.Fatalf("d=%d: the AVX2 and AVX-512 kernels differ", d)
		}
	}
}

// TestExpKernel compares the vector exponential with math.Exp over the whole
// range the E-step uses (arguments from −800 to 0, subnormal results
// included) and a few positive ones: within 1 ulp, 0 below −746, and the
// levels bit-identical to each other.
func TestExpKernel(t *testing.T) {
	if len(simdModes()) == 1 {
		t.Skipf("no vector kernels in this build or on this CPU (%v)", vecmath.Best)
	}
	defer func() { kernels = vecmath.Best }()
	args := make([]float64, 0, 4*blockCols)
	for i := range cap(args) - 8 {
		args = append(args, -800*float64(i)/float64(cap(args)-8)-1e-3*float64(i%7))
	}
	args = append(args, 0, -0.5, 1e-300, 3, 10, 700, -745.9, -708.5)
	shift := make([]float64, len(args))
	results := map[vecmath.Level][]float64{}
	for _, l := range simdModes()[1:] {
		kernels = l
		x := slices.Clone(args)
		for b := 0; b < len(x); b += blockCols {
			expShifted(x[b:b+blockCols], shift[b:b+blockCols])
		}
		for i, a := range args {
			want := 0.0
			if a > -746 {
				want = math.Exp(a)
			}
			if got := x[i]; got != want && math.Abs(got-want) > math.Abs(want-math.Nextafter(want, 0)) {
				t.Fatalf("%v: exp(%v) = %v, math.Exp %v (more than 1 ulp)", l, a, got, want)
			}
		}
		results[l] = x
	}
	if a, b := results[vecmath.AVX2], results[vecmath.AVX512]; a != nil && b != nil && !slices.Equal(a, b) {
		t.Fatal("AVX2 and AVX-512 exponentials differ")
	}
}

func TestDeterministic(t *testing.T) {
	X, _ := sample(1000, threeBlobs, 3)
	a, b := New(3, fixed(9, 20)), New(3, fixed(9, 20))
	if err := a.Fit(X); err != nil {
		t.Fatal(err)
	}
	if err := b.Fit(X); err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(a.Means(), b.Means()) {
		t.Fatal("same seed, different means")
	}
	for j, c := range a.Covariances() {
		if !mat.Equal(c, b.Covariances()[j]) {
			t.Fatal("same seed, different covariances")
		}
	}
}

func TestPredictAndScore(t *testing.T) {
	X, truth := sample(1200, threeBlobs, 4)
	g := New(3, fixed(4, 100))
	if err := g.Fit(X); err != nil {
		t.Fatal(err)
	}
	labels, err := g.Predict(X)
	if err != nil {
		t.Fatal(err)
	}
	proba, _ := g.PredictProba(X)
	match := matchComponents(g, threeBlobs)
	wrong := 0
	for i, l := range labels {
		row := proba.RawRowView(i)
		for j := range row {
			if row[j] > row[l] {
				t.Fatalf("Predict[%d] = %d is not the argmax of %v", i, l, row)
			}
		}
		if l != match[truth[i]] {
			wrong++
		}
	}
	if wrong > 12 {
		t.Errorf("%d of 1200 samples in the wrong component", wrong)
	}
	ss, _ := g.ScoreSamples(X)
	mean := 0.0
	for _, v := range ss {
		mean += v / float64(len(ss))
	}
	s, _ := g.Score(X)
	if math.Abs(s-mean) > 1e-10 {
		t.Errorf("Score %v, mean of ScoreSamples %v", s, mean)
	}
}

func TestSampleMoments(t *testing.T) {
	cov := []float64{2, 0.8, -0.3, 0.8, 1, 0.1, -0.3, 0.1, 0.5}
	g, err := FromParams([]float64{0.3, 0.7},
		mat.NewDense(2, 3, []float64{0, 0, 0, 5, -2, 1}),
		[]*mat.SymDense{mat.NewSymDense(3, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}), mat.NewSymDense(3, cov)})
	if err != nil {
		t.Fatal(err)
	}
	const n = 40000
	S, err := g.Sample(1, n, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{5, -2, 1}
	mean := make([]float64, 3)
	for i := range n {
		for a := range 3 {
			mean[a] += S.At(i, a) / n
		}
	}
	for a := range 3 {
		// Standard error √(Σ_aa/n) ≤ 0.0071; allow 5 of them.
		if math.Abs(mean[a]-want[a]) > 0.036 {
			t.Errorf("sample mean[%d] = %v, want %v", a, mean[a], want[a])
		}
	}
	for a := range 3 {
		for b := range 3 {
			s := 0.0
			for i := range n {
				s += (S.At(i, a) - mean[a]) * (S.At(i, b) - mean[b])
			}
			s /= n - 1
			if math.Abs(s-cov[a*3+b]) > 0.05 {
				t.Errorf("sample cov[%d,%d] = %v, want %v", a, b, s, cov[a*3+b])
			}
		}
	}
	if _, err := g.Sample(2, 1, nil); err == nil {
		t.Error("component out of range: no error")
	}
	if _, err := g.Sample(0, 0, nil); err == nil {
		t.Error("n=0: no error")
	}
	a, _ := g.Sample(0, 3, nil)
	b, _ := g.Sample(0, 3, nil)
	if !mat.Equal(a, b) {
		t.Error("nil rng is not deterministic")
	}
}

func TestPluggedSteps(t *testing.T) {
	X, _ := sample(800, threeBlobs, 6)
	ref := New(3, fixed(5, 15))
	if err := ref.Fit(X); err != nil {
		t.Fatal(err)
	}
	var ne, nm int
	o := fixed(5, 15)
	o.EStep = func(X *mat.Dense, w []float64, m *mat.Dense, c []*mat.SymDense) (*mat.Dense, error) {
		ne++
		return referenceEStep(X, w, m, c)
	}
	o.MStep = func(X *mat.Dense, r *mat.Dense, reg float64) ([]float64, *mat.Dense, []*mat.SymDense, error) {
		nm++
		return referenceMStep(X, r, reg)
	}
	g := New(3, o)
	if err := g.Fit(X); err != nil {
		t.Fatal(err)
	}
	if ne != 15 || nm != 15 {
		t.Fatalf("plugged steps called %d and %d times, want 15", ne, nm)
	}
	if !mat.EqualApprox(g.Means(), ref.Means(), 1e-10) {
		t.Fatal("plugged reference steps give different means")
	}
	hr, hg := ref.LogLikelihoodHistory(), g.LogLikelihoodHistory()
	for i := range hr {
		if math.Abs(hr[i]-hg[i]) > 1e-10*math.Abs(hr[i]) {
			t.Fatalf("history[%d] %v vs %v", i, hg[i], hr[i])
		}
	}
	// The naive E-step works in 2-D too.
	o2 := fixed(5, 15)
	o2.EStep = NaiveEStep
	g2 := New(3, o2)
	if err := g2.Fit(X); err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(g2.Means(), ref.Means(), 1e-8) {
		t.Fatal("NaiveEStep in 2-D gives different means")
	}
	// A step returning the wrong shape is an error, not a panic.
	bad := New(3, Options{MaxIter: 3, NInit: 1, KMeansNInit: 1, EStep: func(X *mat.Dense, w []float64, m *mat.Dense, c []*mat.SymDense) (*mat.Dense, error) {
		return mat.NewDense(2, 3, nil), nil
	}})
	if err := bad.Fit(X); err == nil || !strings.Contains(err.Error(), "responsibilities are 2×3") {
		t.Fatalf("bad E-step: %v", err)
	}
	bad = New(3, Options{MaxIter: 3, NInit: 1, KMeansNInit: 1, MStep: func(X *mat.Dense, r *mat.Dense, reg float64) ([]float64, *mat.Dense, []*mat.SymDense, error) {
		return []float64{1}, nil, nil, nil
	}})
	if err := bad.Fit(X); err == nil {
		t.Fatal("bad M-step: no error")
	}
}

func TestInitFromMeansAndTol(t *testing.T) {
	X, _ := sample(1500, threeBlobs, 7)
	o := DefaultOptions()
	o.Init, o.Means, o.Tol, o.MaxIter = InitFromMeans, mat.NewDense(3, 2, []float64{1, 1, 7, 0, 3, 8}), 1e-6, 500
	g := New(3, o)
	if err := g.Fit(X); err != nil {
		t.Fatal(err)
	}
	if !g.Converged() || g.NIter() >= 500 {
		t.Fatalf("Tol=1e-6: converged=%v after %d iterations", g.Converged(), g.NIter())
	}
	// Started from means near the truth: component j is blob j.
	for j, b := range threeBlobs {
		for a := range 2 {
			if math.Abs(g.Means().At(j, a)-b.mean[a]) > 0.2 {
				t.Fatalf("component %d mean %v, want %v", j, g.Means().RawRowView(j), b.mean)
			}
		}
	}
	if err := New(3, Options{Init: InitFromMeans, NInit: 1}).Fit(X); err == nil {
		t.Fatal("InitFromMeans without Means: no error")
	}
	if err := New(3, Options{Init: InitFromMeans, NInit: 1, Means: mat.NewDense(2, 2, nil)}).Fit(X); err == nil {
		t.Fatal("InitFromMeans with 2 means for K=3: no error")
	}
}

func TestErrors(t *testing.T) {
	X, _ := sample(100, threeBlobs, 1)
	nan := mat.DenseCopyOf(X)
	nan.Set(7, 1, math.NaN())
	check := func(name string, err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error containing %q", name, err, want)
		}
	}
	check("K > N", New(200, DefaultOptions()).Fit(X), "K=200 > N=100")
	check("K = 0", New(0, DefaultOptions()).Fit(X), "K=0")
	check("NaN", New(2, DefaultOptions()).Fit(nan), "X[7,1] = NaN")
	check("nil", New(2, DefaultOptions()).Fit(nil), "empty")

	// Points on a line: every covariance is singular without regularisation.
	line := mat.NewDense(60, 2, nil)
	for i := range 60 {
		line.Set(i, 0, float64(i%20))
		line.Set(i, 1, 2*float64(i%20)+float64(i/20)*100)
	}
	noReg := fixed(1, 100)
	noReg.RegCovar = 0
	check("singular", New(3, noReg).Fit(line), "is not positive definite (add RegCovar)")
	if err := New(3, fixed(1, 100)).Fit(line); err != nil {
		t.Errorf("line with the default RegCovar: %v", err)
	}

	g := New(3, fixed(1, 5))
	_, err := g.Predict(X)
	check("Predict before Fit", err, "not fitted")
	if err := g.Fit(X); err != nil {
		t.Fatal(err)
	}
	_, err = g.Predict(mat.NewDense(3, 5, nil))
	check("Predict D mismatch", err, "X has 5 columns")
	_, err = g.Score(nan)
	check("Score NaN", err, "NaN")

	w, m, c := g.Weights(), g.Means(), g.Covariances()
	_, err = referenceEStep(X, w, mat.NewDense(3, 5, nil), c)
	check("EStep means shape", err, "means are 3×5")
	_, err = referenceEStep(X, w[:2], m, c)
	check("EStep weights", err, "means are 3×2, want K×D = 2×2")
	_, err = referenceEStep(X, w, m, c[:2])
	check("EStep covs", err, "2 covariances for K=3")
	sing := mat.NewSymDense(2, []float64{1, 1, 1, 1})
	_, err = referenceEStep(X, w, m, []*mat.SymDense{c[0], c[1], sing})
	check("EStep singular", err, "covariance of component 2 is not positive definite (add RegCovar)")
	_, _, _, err = referenceMStep(X, mat.NewDense(99, 3, nil), 1e-6)
	check("MStep rows", err, "99 responsibility rows for 100 samples")
	_, _, _, err = referenceMStep(nan, mat.NewDense(100, 3, nil), 1e-6)
	check("MStep NaN", err, "NaN")
	_, err = FromParams([]float64{1}, mat.NewDense(1, 2, nil), []*mat.SymDense{sing})
	check("FromParams singular", err, "not positive definite")
}

func TestSaveLoad(t *testing.T) {
	X, _ := sample(500, threeBlobs, 2)
	o := fixed(3, 20)
	o.RegCovar = 1e-4
	g := New(3, o)
	if err := g.Fit(X); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "models", "gmm.bin")
	if err := g.Save(path); err != nil {
		t.Fatal(err)
	}
	h, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sa, _ := g.ScoreSamples(X)
	sb, err := h.ScoreSamples(X)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sa {
		if sa[i] != sb[i] {
			t.Fatal("loaded model scores differently")
		}
	}
	if h.RegCovar() != 1e-4 || h.NIter() != 20 || len(h.LogLikelihoodHistory()) != 20 || h.K() != 3 {
		t.Fatal("loaded model lost its settings")
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(g); err != nil {
		t.Fatal(err)
	}
	var r *GMM
	if err := gob.NewDecoder(&buf).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(r.Means(), g.Means()) {
		t.Fatal("gob round trip changed the means")
	}
	data, _ := os.ReadFile(path)
	flipped := append([]byte{}, data...)
	flipped[len(flipped)/2] ^= 1
	for name, b := range map[string][]byte{
		"flipped": flipped, "truncated": data[:len(data)-3], "foreign": []byte("GOLABPCA....junk....."),
	} {
		f := filepath.Join(t.TempDir(), name)
		os.WriteFile(f, b, 0o644)
		if _, err := Load(f); err == nil || !strings.HasPrefix(err.Error(), "gmm: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := New(2, DefaultOptions()).Save(filepath.Join(t.TempDir(), "x")); err == nil {
		t.Error("Save before Fit: no error")
	}
}

func TestExpShifted(t *testing.T) {
	x := make([]float64, blockCols)
	shift := make([]float64, blockCols)
	rng := rand.New(rand.NewPCG(1, 1))
	for q := range x {
		switch q % 8 {
		case 0:
			x[q] = -750 + 10*rng.Float64() // around the underflow
		case 1:
			x[q] = math.Inf(-1)
		case 2:
			x[q] = -708 - 30*rng.Float64() // subnormal results
		default:
			x[q] = -40 * rng.Float64()
		}
		shift[q] = rng.NormFloat64()
		x[q] += shift[q]
	}
	want := make([]float64, blockCols)
	for q := range x {
		if a := x[q] - shift[q]; a > -746 {
			want[q] = math.Exp(a)
		}
	}
	forEachMode(t, func(t *testing.T) {
		got := append([]float64(nil), x...)
		expShifted(got, shift)
		for q := range got {
			tol := 5e-16 * want[q] // within 2 ulps of math.Exp
			if want[q] < 0x1p-1022 {
				tol = 0x1p-1074 // subnormals: one unit in the last place
			}
			if math.Abs(got[q]-want[q]) > tol {
				t.Fatalf("exp(%v) = %v, want %v", x[q]-shift[q], got[q], want[q])
			}
		}
	})
}

func TestIndependentOfCPUCount(t *testing.T) {
	X, _ := sample(3000, threeBlobs, 12)
	fit := func() *GMM {
		g := New(3, fixed(4, 10))
		if err := g.Fit(X); err != nil {
			t.Fatal(err)
		}
		return g
	}
	a := fit()
	old := runtime.GOMAXPROCS(1)
	b := fit()
	runtime.GOMAXPROCS(old)
	if !mat.Equal(a.Means(), b.Means()) {
		t.Fatal("the fit depends on GOMAXPROCS")
	}
	for j, c := range a.Covariances() {
		if !mat.Equal(c, b.Covariances()[j]) {
			t.Fatal("the covariances depend on GOMAXPROCS")
		}
	}
}
