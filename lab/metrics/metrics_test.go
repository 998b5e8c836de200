package metrics

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.15g, want %.15g", name, got, want)
	}
}

func TestDaviesBouldinHandComputed(t *testing.T) {
	// Cluster 7: (0,0), (2,0): centroid (1,0), mean distance 1.
	// Cluster 3: (10,0), (10,4): centroid (10,2), mean distance 2.
	// Centroid distance √85, so DB = ((1+2)/√85 + (2+1)/√85)/2 = 3/√85.
	X := mat.NewDense(4, 2, []float64{0, 0, 10, 0, 2, 0, 10, 4})
	db, err := DaviesBouldin(X, []int{7, 3, 7, 3})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "DB", db, 3/math.Sqrt(85), 1e-15)
}

func TestDaviesBouldinSklearnCases(t *testing.T) {
	// The cases of scikit-learn's test_davies_bouldin_score.
	rep := func(pts [][]float64, times int) []float64 {
		var out []float64
		for range times {
			for _, p := range pts {
				out = append(out, p...)
			}
		}
		return out
	}
	var data []float64
	data = append(data, rep([][]float64{{0, 0}, {1, 1}}, 5)...)
	data = append(data, rep([][]float64{{3, 3}, {4, 4}}, 5)...)
	data = append(data, rep([][]float64{{0, 4}, {1, 3}}, 5)...)
	data = append(data, rep([][]float64{{3, 1}, {4, 0}}, 5)...)
	labels := make([]int, 40)
	for i := range labels {
		labels[i] = i / 10
	}
	db, err := DaviesBouldin(mat.NewDense(40, 2, data), labels)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "four squares", db, 2*math.Sqrt(0.5)/3, 1e-12)

	// Singleton clusters (zero spread): (√2/(2√2) + √2/(2√2) + √2/(4√2))/3 = 5/12.
	db, err = DaviesBouldin(mat.NewDense(4, 2, []float64{0, 0, 2, 2, 3, 3, 5, 5}), []int{0, 0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "singletons", db, 5.0/12, 1e-15)

	// All points equal: every spread is 0 → 0.
	ones := make([]float64, 20)
	for i := range ones {
		ones[i] = 1
	}
	db, err = DaviesBouldin(mat.NewDense(10, 2, ones), []int{0, 0, 0, 0, 0, 1, 1, 1, 1, 1})
	if err != nil || db != 0 {
		t.Errorf("identical points: %v, %v; want 0", db, err)
	}
	// Two clusters with the same centroid → 0.
	db, err = DaviesBouldin(mat.NewDense(4, 2, []float64{-1, -1, 1, 1, -1, -1, 1, 1}), []int{0, 0, 1, 1})
	if err != nil || db != 0 {
		t.Errorf("same centroids: %v, %v; want 0", db, err)
	}
	// Two of three clusters share a centroid: that pair is ignored.
	// Clusters 0 and 1 both centred at (0,0) with spread 1; cluster 2 a
	// singleton at (4,0): each of 0, 1 scores (1+0)/4, cluster 2 scores 1/4.
	X := mat.NewDense(5, 2, []float64{-1, 0, 1, 0, 0, -1, 0, 1, 4, 0})
	db, err = DaviesBouldin(X, []int{0, 0, 1, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "shared centroid", db, 0.25, 1e-15)
}

func TestDaviesBouldinErrors(t *testing.T) {
	X := mat.NewDense(4, 2, []float64{0, 0, 1, 1, 2, 2, 3, 3})
	nan := mat.DenseCopyOf(X)
	nan.Set(2, 1, math.NaN())
	cases := []struct {
		name   string
		X      *mat.Dense
		labels []int
		want   string
	}{
		{"one cluster", X, []int{5, 5, 5, 5}, "1 clusters"},
		{"N clusters", X, []int{0, 1, 2, 3}, "4 clusters"},
		{"length", X, []int{0, 1}, "2 labels for 4 samples"},
		{"NaN", nan, []int{0, 0, 1, 1}, "NaN"},
		{"nil", nil, nil, "empty"},
	}
	for _, c := range cases {
		_, err := DaviesBouldin(c.X, c.labels)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func TestCourseScore(t *testing.T) {
	cases := []struct{ base, student, want float64 }{
		{2, 2, 30}, {2, 4, 15}, {2, 1, 30}, {3, 2, 30}, {2, 6, 10},
		{2, 0, 30}, {math.NaN(), 2, 0}, {2, math.Inf(1), 0},
	}
	for _, c := range cases {
		if got := CourseScore(c.base, c.student); got != c.want {
			t.Errorf("CourseScore(%v, %v) = %v, want %v", c.base, c.student, got, c.want)
		}
	}
}

func TestNMIAndARI(t *testing.T) {
	type tc struct {
		a, b     []int
		nmi, ari float64
	}
	ln2, ln3 := math.Log(2), math.Log(3)
	cases := []tc{
		// Identical up to renaming.
		{[]int{0, 0, 1, 1}, []int{1, 1, 0, 0}, 1, 1},
		{[]int{0, 0, 1, 1, 2}, []int{5, 5, 9, 9, -1}, 1, 1},
		// Both a single class: 1 (scikit-learn's special case).
		{[]int{3, 3, 3}, []int{1, 1, 1}, 1, 1},
		// Fully split: MI = 0.
		{[]int{0, 0, 0, 0}, []int{0, 1, 2, 3}, 0, 0},
		// Discordant: ARI = −0.5 (scikit-learn's docstring); MI = 0.
		{[]int{0, 0, 1, 1}, []int{0, 1, 0, 1}, 0, -0.5},
		// By hand: MI = (2/3)ln2, H = ln2 and ln3, NMI = (4/3)ln2/(ln2+ln3);
		// pair counts Σ C(n_ij,2)=2, Σ C(a_i,2)=6, Σ C(b_j,2)=3, C(6,2)=15:
		// ARI = (2 − 6·3/15)/((6+3)/2 − 6·3/15) = 0.8/3.3.
		{[]int{0, 0, 0, 1, 1, 1}, []int{0, 0, 1, 1, 2, 2}, 4.0 / 3 * ln2 / (ln2 + ln3), 0.8 / 3.3},
		// scikit-learn's docstring: ARI([0,0,1,2],[0,0,1,1]) = 0.5714... = 4/7.
		// b is a function of a, so MI = H(b) = ln2; H(a) = 1.5·ln2; NMI = 0.8.
		{[]int{0, 0, 1, 2}, []int{0, 0, 1, 1}, 0.8, 4.0 / 7},
	}
	for i, c := range cases {
		nmi, err := NMI(c.a, c.b)
		if err != nil {
			t.Fatal(err)
		}
		near(t, "NMI case "+string(rune('0'+i)), nmi, c.nmi, 1e-12)
		ari, err := ARI(c.a, c.b)
		if err != nil {
			t.Fatal(err)
		}
		near(t, "ARI case "+string(rune('0'+i)), ari, c.ari, 1e-12)
		// Both are symmetric.
		nmi2, _ := NMI(c.b, c.a)
		ari2, _ := ARI(c.b, c.a)
		near(t, "NMI symmetric", nmi2, nmi, 1e-12)
		near(t, "ARI symmetric", ari2, ari, 1e-12)
	}
	// scikit-learn's docstring: mutual_info_score([0,1,1,0,1,0],[0,1,0,0,1,1]) = 0.056...
	// By hand: a 2×2 table [[2,1],[1,2]], MI = (4/6)ln(4/3) + (2/6)ln(2/3).
	mi, err := MutualInfo([]int{0, 1, 1, 0, 1, 0}, []int{0, 1, 0, 0, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "MI", mi, 4.0/6*math.Log(4.0/3)+2.0/6*math.Log(2.0/3), 1e-15)

	for _, f := range []func(a, b []int) (float64, error){NMI, ARI, MutualInfo} {
		if _, err := f([]int{1, 2}, []int{1}); err == nil {
			t.Error("length mismatch: no error")
		}
		if _, err := f(nil, nil); err == nil {
			t.Error("empty: no error")
		}
	}
}

func TestARILarge(t *testing.T) {
	// 60 000 samples: the pair counts overflow int64 products; the result must
	// still be exact (1 for a relabelling, ~0 for independent labels).
	n := 60000
	rng := rand.New(rand.NewPCG(1, 1))
	a, b, c := make([]int, n), make([]int, n), make([]int, n)
	for i := range a {
		a[i] = rng.IntN(10)
		b[i] = (a[i] + 3) % 10
		c[i] = rng.IntN(10)
	}
	if ari, _ := ARI(a, b); ari != 1 {
		t.Errorf("relabelled ARI = %v", ari)
	}
	if ari, _ := ARI(a, c); math.Abs(ari) > 0.01 {
		t.Errorf("independent ARI = %v", ari)
	}
}

func TestHungarianKnown(t *testing.T) {
	cost := [][]float64{{4, 1, 3}, {2, 0, 5}, {3, 2, 2}}
	assign, total, err := Hungarian(cost)
	if err != nil {
		t.Fatal(err)
	}
	if total != 5 || assign[0] != 1 || assign[1] != 0 || assign[2] != 2 {
		t.Errorf("got %v total %v, want [1 0 2] total 5", assign, total)
	}
	// Rectangular, both ways.
	assign, total, _ = Hungarian([][]float64{{10, 1, 7, 3}, {2, 8, 9, 1}})
	if total != 2 || assign[0] != 1 || assign[1] != 3 {
		t.Errorf("2×4: got %v total %v", assign, total)
	}
	assign, total, _ = Hungarian([][]float64{{10, 2}, {1, 8}, {7, 9}, {3, 1}})
	if total != 2 || assign[0] != -1 || assign[1] != 0 || assign[2] != -1 || assign[3] != 1 {
		t.Errorf("4×2: got %v total %v", assign, total)
	}
	if _, _, err := Hungarian([][]float64{{1, 2}, {3}}); err == nil {
		t.Error("ragged matrix: no error")
	}
	if _, _, err := Hungarian([][]float64{{1, math.NaN()}}); err == nil {
		t.Error("NaN cost: no error")
	}
}

func TestHungarianVsBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	for trial := range 200 {
		n := 1 + trial%6
		cost := make([][]float64, n)
		for i := range cost {
			cost[i] = make([]float64, n)
			for j := range cost[i] {
				cost[i][j] = float64(rng.IntN(20)) - 5
			}
		}
		_, total, err := Hungarian(cost)
		if err != nil {
			t.Fatal(err)
		}
		best := math.Inf(1)
		perm := make([]int, n)
		for i := range perm {
			perm[i] = i
		}
		var rec func(k int, s float64)
		rec = func(k int, s float64) {
			if k == n {
				best = min(best, s)
				return
			}
			for i := k; i < n; i++ {
				perm[k], perm[i] = perm[i], perm[k]
				rec(k+1, s+cost[k][perm[k]])
				perm[k], perm[i] = perm[i], perm[k]
			}
		}
		rec(0, 0)
		if total != best {
			t.Fatalf("trial %d: Hungarian total %v, brute force %v (%v)", trial, total, best, cost)
		}
	}
}

func TestClusterAccuracy(t *testing.T) {
	truth := []int{0, 0, 0, 1, 1, 1, 2, 2, 2, 2}
	pred := []int{7, 7, 5, 5, 5, 5, 9, 9, 9, 7}
	// Contingency (pred × truth): 7: {0:2, 2:1}, 5: {0:1, 1:3}, 9: {2:3}.
	// Best matching 7→0, 5→1, 9→2: 2+3+3 = 8 of 10.
	acc, mapping, err := ClusterAccuracy(truth, pred)
	if err != nil {
		t.Fatal(err)
	}
	if acc != 0.8 || len(mapping) != 3 || mapping[7] != 0 || mapping[5] != 1 || mapping[9] != 2 {
		t.Errorf("acc %v mapping %v", acc, mapping)
	}
	// More clusters than classes: the extra cluster's samples count as wrong.
	acc, mapping, _ = ClusterAccuracy([]int{0, 0, 1, 1}, []int{0, 1, 2, 2})
	if acc != 0.75 || len(mapping) != 2 || mapping[2] != 1 {
		t.Errorf("acc %v mapping %v", acc, mapping)
	}
	if _, _, err := ClusterAccuracy([]int{1}, []int{1, 2}); err == nil {
		t.Error("length mismatch: no error")
	}
}

func TestConfusion(t *testing.T) {
	m := Confusion([]int{0, 0, 1, 2, 2}, []int{1, 1, 0, 2, 9}, 3, 3)
	want := [][]int{{0, 2, 0}, {1, 0, 0}, {0, 0, 1}}
	for i := range want {
		for j := range want[i] {
			if m[i][j] != want[i][j] {
				t.Fatalf("Confusion = %v, want %v", m, want)
			}
		}
	}
	if Confusion([]int{1}, nil, 2, 2) != nil {
		t.Error("length mismatch: want nil")
	}
}
