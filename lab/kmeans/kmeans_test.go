package kmeans

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func blobs(n int, centers [][]float64, sd float64, seed uint64) (*mat.Dense, []int) {
	rng := rand.New(rand.NewPCG(seed, 9))
	d := len(centers[0])
	X := mat.NewDense(n, d, nil)
	truth := make([]int, n)
	for i := range n {
		c := i % len(centers)
		truth[i] = c
		for j := range d {
			X.Set(i, j, centers[c][j]+sd*rng.NormFloat64())
		}
	}
	return X, truth
}

func TestHandComputed(t *testing.T) {
	// 1-D points 0, 1, 10, 11 in two clusters: centres 0.5 and 10.5, inertia
	// 4 × 0.25 = 1, whatever the seeding.
	X := mat.NewDense(4, 1, []float64{0, 10, 1, 11})
	for seed := range uint64(10) {
		km := New(2, Options{Seed: seed})
		if err := km.Fit(X); err != nil {
			t.Fatal(err)
		}
		c := km.Centers()
		lo, hi := min(c.At(0, 0), c.At(1, 0)), max(c.At(0, 0), c.At(1, 0))
		if lo != 0.5 || hi != 10.5 || km.Inertia() != 1 {
			t.Fatalf("seed %d: centres %v %v inertia %v", seed, lo, hi, km.Inertia())
		}
		l := km.Labels()
		if l[0] != l[2] || l[1] != l[3] || l[0] == l[1] {
			t.Fatalf("labels %v", l)
		}
	}
}

func TestBlobs(t *testing.T) {
	means := [][]float64{{0, 0, 0}, {10, 0, 5}, {0, 10, -5}, {10, 10, 0}}
	X, truth := blobs(2000, means, 1, 1)
	km := New(4, Options{Seed: 42})
	if err := km.Fit(X); err != nil {
		t.Fatal(err)
	}
	labels := km.Labels()
	// Each true blob maps to one cluster, whose centre is within 0.2 of the
	// blob mean.
	perm := map[int]int{}
	for i, l := range labels {
		if p, ok := perm[truth[i]]; ok && p != l {
			t.Fatalf("blob %d split between clusters %d and %d", truth[i], p, l)
		}
		perm[truth[i]] = l
	}
	c := km.Centers()
	inertia := 0.0
	for b, l := range perm {
		for j := range 3 {
			if math.Abs(c.At(l, j)-means[b][j]) > 0.2 {
				t.Errorf("centre %d = %v, blob mean %v", l, c.RawRowView(l), means[b])
			}
		}
	}
	for i, l := range labels {
		for j := range 3 {
			d := X.At(i, j) - c.At(l, j)
			inertia += d * d
		}
	}
	if math.Abs(inertia-km.Inertia()) > 1e-9*inertia {
		t.Errorf("Inertia %v, direct %v", km.Inertia(), inertia)
	}
	// Predict on the training data gives the training labels.
	pred, err := km.Predict(X)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pred {
		if pred[i] != labels[i] {
			t.Fatalf("Predict[%d] = %d, label %d", i, pred[i], labels[i])
		}
	}
	// Every centre is the mean of its samples (a Lloyd fixed point).
	for l := range 4 {
		sum, cnt := make([]float64, 3), 0
		for i := range labels {
			if labels[i] == l {
				cnt++
				for j := range 3 {
					sum[j] += X.At(i, j)
				}
			}
		}
		for j := range 3 {
			if math.Abs(sum[j]/float64(cnt)-c.At(l, j)) > 1e-9 {
				t.Fatalf("centre %d is not the mean of its samples", l)
			}
		}
	}
}

func TestDeterministicAndNInit(t *testing.T) {
	X, _ := blobs(600, [][]float64{{0, 0}, {3, 0}, {0, 3}, {3, 3}, {1.5, 1.5}}, 1.2, 2)
	a, b := New(5, Options{Seed: 7}), New(5, Options{Seed: 7})
	a.Fit(X)
	b.Fit(X)
	if !mat.Equal(a.Centers(), b.Centers()) || a.Inertia() != b.Inertia() {
		t.Fatal("same seed, different result")
	}
	// NInit=10 keeps the best of 10 runs, so it is never worse than the
	// first of them (which is the NInit=1 run with the same generator).
	one := New(5, Options{Rand: rand.New(rand.NewPCG(3, 3))})
	ten := New(5, Options{NInit: 10, Rand: rand.New(rand.NewPCG(3, 3))})
	one.Fit(X)
	ten.Fit(X)
	if ten.Inertia() > one.Inertia() {
		t.Fatalf("NInit=10 inertia %v > NInit=1 inertia %v", ten.Inertia(), one.Inertia())
	}
}

func TestKEqualsN(t *testing.T) {
	X := mat.NewDense(5, 2, []float64{0, 0, 1, 0, 0, 1, 5, 5, -3, 2})
	km := New(5, Options{})
	if err := km.Fit(X); err != nil {
		t.Fatal(err)
	}
	if km.Inertia() != 0 {
		t.Fatalf("K=N inertia %v", km.Inertia())
	}
}

func TestDuplicatePoints(t *testing.T) {
	// Fewer distinct points than clusters: no panic, finite centres.
	X := mat.NewDense(6, 1, []float64{1, 1, 1, 2, 2, 2})
	km := New(3, Options{Seed: 1})
	if err := km.Fit(X); err != nil {
		t.Fatal(err)
	}
	for _, v := range km.Centers().RawMatrix().Data {
		if math.IsNaN(v) {
			t.Fatal("NaN centre")
		}
	}
	if km.Inertia() != 0 {
		t.Fatalf("inertia %v, want 0", km.Inertia())
	}
}

func TestErrors(t *testing.T) {
	X := mat.NewDense(3, 2, []float64{0, 0, 1, 1, 2, 2})
	nan := mat.DenseCopyOf(X)
	nan.Set(1, 1, math.NaN())
	cases := []struct {
		k    int
		X    *mat.Dense
		want string
	}{
		{4, X, "K=4 > N=3"},
		{0, X, "K=0"},
		{2, nan, "X[1,1] = NaN"},
		{2, nil, "empty"},
	}
	for _, c := range cases {
		err := New(c.k, Options{}).Fit(c.X)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("K=%d: %v, want an error containing %q", c.k, err, c.want)
		}
	}
	km := New(2, Options{})
	if _, err := km.Predict(X); err == nil {
		t.Error("Predict before Fit: no error")
	}
	km.Fit(X)
	if _, err := km.Predict(mat.NewDense(2, 3, nil)); err == nil || !strings.Contains(err.Error(), "3 columns") {
		t.Errorf("Predict with 3 columns: %v", err)
	}
}

// sklearnData is the data set of the scikit-learn reference values below:
// four groups of 75 points in 3-D with deterministic offsets, exactly
// representable the same way in Go and Python.
func sklearnData() *mat.Dense {
	C := [][]float64{{0, 0, 0}, {6, 0, 3}, {0, 6, -3}, {6, 6, 0}}
	n, d := 300, 3
	X := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			X.Set(i, j, C[i%4][j]+float64((i*37+j*101)%97-48)/20.0)
		}
	}
	return X
}

// The reference values were printed by scikit-learn 1.9.1 (bench/.venv) for
// K = 5 on sklearnData:
//
//	_, idx = kmeans_plusplus(X, 5, random_state=np.random.RandomState(s))
//	km = KMeans(5, n_init=1, random_state=s).fit(X)
//	print(s, idx.tolist(), km.labels_[:12].tolist(), repr(km.inertia_), km.n_iter_)
//
// Same seed, same random numbers (NumPy's RandomState), same draws in the
// same order: the same centres, labels and iterations.
func TestMatchesScikitLearn(t *testing.T) {
	X := sklearnData()
	ref := []struct {
		seed    uint64
		centres []int
		labels  []int
		inertia float64
		nIter   int
	}{
		{0, []int{164, 214, 127, 117, 237}, []int{0, 4, 1, 2, 0, 3, 1, 2, 0, 4, 1, 2}, 1509.5238529871976, 5},
		{1, []int{125, 215, 24, 106, 203}, []int{2, 0, 3, 1, 2, 0, 3, 4, 2, 0, 3, 1}, 1498.6434171052633, 13},
		{2, []int{130, 129, 99, 180, 179}, []int{3, 1, 0, 4, 3, 1, 0, 2, 3, 1, 0, 4}, 1505.957778571429, 5},
		{3, []int{165, 210, 268, 61, 195}, []int{2, 3, 1, 4, 2, 0, 1, 4, 2, 3, 1, 4}, 1509.5238529871976, 7},
	}
	for _, r := range ref {
		idx, err := PlusPlus(X, 5, Options{Seed: r.seed})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(idx, r.centres) {
			t.Errorf("seed %d: k-means++ picked rows %v, scikit-learn %v", r.seed, idx, r.centres)
		}
		km := New(5, Options{Seed: r.seed})
		if err := km.Fit(X); err != nil {
			t.Fatal(err)
		}
		if l := km.Labels()[:12]; !slices.Equal(l, r.labels) {
			t.Errorf("seed %d: labels %v…, scikit-learn %v…", r.seed, l, r.labels)
		}
		if math.Abs(km.Inertia()-r.inertia) > 1e-9*r.inertia || km.NIter() != r.nIter {
			t.Errorf("seed %d: inertia %v after %d iterations, scikit-learn %v after %d", r.seed, km.Inertia(), km.NIter(), r.inertia, r.nIter)
		}
	}
}

// choiceUniform is NumPy's choice(n, p=ones/n): with n = 4 the cumulative
// probabilities are 0.25, 0.5, 0.75, 1 and the pick is the first one above u.
func TestChoiceUniform(t *testing.T) {
	for _, c := range []struct {
		u    float64
		want int
	}{{0, 0}, {0.2499, 0}, {0.25, 1}, {0.6, 2}, {0.75, 3}, {0.9999999, 3}} {
		if got := choiceUniform(4, c.u); got != c.want {
			t.Errorf("choiceUniform(4, %v) = %d, want %d", c.u, got, c.want)
		}
	}
}

func TestSameClustering(t *testing.T) {
	if !sameClustering([]int{0, 0, 1, 2, 1}, []int{2, 2, 0, 1, 0}, 3) {
		t.Error("a relabelling is the same clustering")
	}
	if sameClustering([]int{0, 0, 1, 2}, []int{2, 1, 0, 1}, 3) {
		t.Error("cluster 0 split in two: not the same clustering")
	}
}

// NInit keeps the run of lowest inertia among the NInit runs drawn one after
// the other from the stream: the same as the best of NInit single runs
// sharing one generator.
func TestNInitIsBestOfSharedStream(t *testing.T) {
	X := sklearnData()
	shared := rand.New(rand.NewPCG(5, 5))
	best := math.Inf(1)
	for range 6 {
		km := New(5, Options{Rand: shared})
		if err := km.Fit(X); err != nil {
			t.Fatal(err)
		}
		best = min(best, km.Inertia())
	}
	km := New(5, Options{NInit: 6, Rand: rand.New(rand.NewPCG(5, 5))})
	if err := km.Fit(X); err != nil {
		t.Fatal(err)
	}
	if km.Inertia() != best {
		t.Fatalf("NInit 6 inertia %v, best of 6 runs %v", km.Inertia(), best)
	}
}

func TestPlusPlusErrors(t *testing.T) {
	X := mat.NewDense(3, 1, []float64{0, 1, 2})
	if _, err := PlusPlus(X, 4, Options{}); err == nil || !strings.Contains(err.Error(), "kmeans: K=4 > N=3") {
		t.Errorf("K > N: %v", err)
	}
	if _, err := PlusPlus(nil, 1, Options{}); err == nil || !strings.HasPrefix(err.Error(), "kmeans: ") {
		t.Errorf("nil data: %v", err)
	}
	// K = N picks every row once.
	idx, err := PlusPlus(X, 3, Options{Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(slices.Values(idx))
	if !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("K = N picked rows %v", idx)
	}
}
