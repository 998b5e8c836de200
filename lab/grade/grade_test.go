package grade

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/gmm"
	"github.com/mnistlab/golab/lab/metrics"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/pca"
	"gonum.org/v1/gonum/mat"
)

// handMade is a 2×2-pixel "test set" of four images in two obvious groups:
// {(0,0,0,0), (2,0,0,0)} (digit 3, spread 1 around (1,0,0,0)) and
// {(10,0,0,0), (10,4,0,0)} (digit 7, spread 2 around (10,2,0,0)), centroids
// √85 apart, so the Davies–Bouldin index is (1+2)/√85.
func handMade() *mnist.Set {
	return &mnist.Set{
		Images: []uint8{0, 0, 0, 0, 2, 0, 0, 0, 10, 0, 0, 0, 10, 4, 0, 0},
		Labels: []uint8{3, 3, 7, 7},
		N:      4, Rows: 2, Cols: 2,
	}
}

// handModels fits a PCA(2) on the hand-made set and builds a 2-component GMM
// whose means are the projected group centroids.
func handModels(t testing.TB, s *mnist.Set) (*pca.PCA, *gmm.GMM) {
	p := pca.New(2)
	if err := p.Fit(s.Dense()); err != nil {
		t.Fatal(err)
	}
	centroids, err := p.Transform(mat.NewDense(2, 4, []float64{1, 0, 0, 0, 10, 2, 0, 0}))
	if err != nil {
		t.Fatal(err)
	}
	eye := mat.NewSymDense(2, []float64{1, 0, 0, 1})
	g, err := gmm.FromParams([]float64{0.5, 0.5}, centroids, []*mat.SymDense{eye, eye})
	if err != nil {
		t.Fatal(err)
	}
	return p, g
}

func TestLab3HandComputed(t *testing.T) {
	s := handMade()
	p, g := handModels(t, s)
	r, err := Lab3(p, g, s)
	if err != nil {
		t.Fatal(err)
	}
	base, err := SklearnBaseline()
	if err != nil {
		t.Fatal(err)
	}
	if want := 3 / math.Sqrt(85); math.Abs(r.DB-want) > 1e-12 {
		t.Errorf("DB = %v, want 3/√85 = %v", r.DB, want)
	}
	// The index is far below the baseline's: full marks.
	if r.Score != 30 || r.BaselineDB != base.DB || r.N != 4 {
		t.Errorf("score %v, baseline %v, N %d; want 30, %v, 4", r.Score, r.BaselineDB, r.N, base.DB)
	}
	if r.NMI != 1 || r.ARI != 1 || r.Accuracy != 1 {
		t.Errorf("NMI %v ARI %v accuracy %v, want 1 1 1", r.NMI, r.ARI, r.Accuracy)
	}
	want := make([][]int, 10)
	for d := range want {
		want[d] = make([]int, 2)
	}
	want[3][0], want[7][1] = 2, 2
	if !slices.EqualFunc(r.Confusion, want, slices.Equal) {
		t.Errorf("confusion %v, want %v", r.Confusion, want)
	}
}

// randomSet returns n random 3×3-pixel images with random digit labels.
func randomSet(n int, seed uint64) *mnist.Set {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := &mnist.Set{Images: make([]uint8, n*9), Labels: make([]uint8, n), N: n, Rows: 3, Cols: 3}
	for i := range n {
		s.Labels[i] = uint8(rng.IntN(10))
		for j := range 9 {
			// Three groups of shifted brightness, plus noise.
			s.Images[i*9+j] = uint8(min(255, 60*(i%3)+rng.IntN(80)))
		}
	}
	return s
}

// TestLab3EqualsDirectComputation checks the report against the pipeline
// written out with the packages: Transform, Predict, the metrics.
func TestLab3EqualsDirectComputation(t *testing.T) {
	s := randomSet(300, 7)
	X := s.Dense()
	p := pca.New(3)
	if err := p.Fit(X); err != nil {
		t.Fatal(err)
	}
	Z, err := p.Transform(X)
	if err != nil {
		t.Fatal(err)
	}
	opts := gmm.DefaultOptions()
	opts.Seed, opts.MaxIter = 5, 20
	g := gmm.New(4, opts)
	if err := g.Fit(Z); err != nil {
		t.Fatal(err)
	}
	r, err := Lab3(p, g, s)
	if err != nil {
		t.Fatal(err)
	}

	pred, err := g.Predict(Z)
	if err != nil {
		t.Fatal(err)
	}
	truth := make([]int, s.N)
	for i, l := range s.Labels {
		truth[i] = int(l)
	}
	db, _ := metrics.DaviesBouldin(X, pred)
	nmi, _ := metrics.NMI(truth, pred)
	ari, _ := metrics.ARI(truth, pred)
	acc, _, _ := metrics.ClusterAccuracy(truth, pred)
	base, _ := SklearnBaseline()
	if r.DB != db || r.NMI != nmi || r.ARI != ari || r.Accuracy != acc || r.N != 300 {
		t.Errorf("report %+v; direct: DB %v NMI %v ARI %v accuracy %v", r, db, nmi, ari, acc)
	}
	if want := min(30, 30*base.DB/db); math.Abs(r.Score-want) > 1e-12 {
		t.Errorf("score %v, want %v", r.Score, want)
	}
	total := 0
	for d, row := range r.Confusion {
		if len(row) != 4 {
			t.Fatalf("confusion row %d has %d columns, want K=4", d, len(row))
		}
		for c, v := range row {
			total += v
			want := 0
			for i := range truth {
				if truth[i] == d && pred[i] == c {
					want++
				}
			}
			if v != want {
				t.Errorf("confusion[%d][%d] = %d, want %d", d, c, v, want)
			}
		}
	}
	if total != 300 {
		t.Errorf("confusion counts %d images, want 300", total)
	}
}

// TestFromLabelsPoorClustering grades a labelling that ignores the groups:
// the centroids nearly coincide, the index is large and the score is the
// baseline ratio, below 30.
func TestFromLabelsPoorClustering(t *testing.T) {
	s := randomSet(300, 9)
	pred := make([]int, s.N)
	for i := range pred {
		pred[i] = (i / 3) % 2 // mixes the three brightness groups
	}
	r, err := FromLabels(s, pred)
	if err != nil {
		t.Fatal(err)
	}
	db, _ := metrics.DaviesBouldin(s.Dense(), pred)
	base, _ := SklearnBaseline()
	if r.DB != db || !(r.DB > base.DB) {
		t.Fatalf("DB %v (direct %v), want it equal and above the baseline %v", r.DB, db, base.DB)
	}
	if want := 30 * base.DB / db; math.Abs(r.Score-want) > 1e-12 || r.Score >= 30 {
		t.Errorf("score %v, want %v < 30", r.Score, want)
	}
	if len(r.Confusion) != 10 || len(r.Confusion[0]) != 2 {
		t.Errorf("confusion is %d×%d, want 10×2", len(r.Confusion), len(r.Confusion[0]))
	}
}

func TestEmbeddedBaselineIsSane(t *testing.T) {
	b, err := SklearnBaseline()
	if err != nil {
		t.Fatal(err)
	}
	if !(b.DB > 1 && b.DB < 10) {
		t.Errorf("baseline DB %v, want between 1 and 10", b.DB)
	}
	s := b.Settings
	if s.EmbeddingDim != 10 || s.NComponents != 10 || s.MaxIter != 100 || s.RandomState != 123 || s.GMMCovarianceType != "full" {
		t.Errorf("settings %+v, want the course's (10, 10, 100, 123, full)", s)
	}
	if b.NTest != mnist.TestSize || b.NTrain != mnist.TrainSize {
		t.Errorf("n_test %d, n_train %d", b.NTest, b.NTrain)
	}
	for _, v := range []float64{b.NMI, b.ARI, b.Accuracy} {
		if !(v > 0.2 && v < 1) {
			t.Errorf("baseline NMI/ARI/accuracy %v %v %v out of range", b.NMI, b.ARI, b.Accuracy)
		}
	}
	if b.SklearnVersion == "" || !strings.Contains(b.Command, "lab3_baseline.py") || b.Date == "" {
		t.Errorf("provenance missing: version %q, command %q, date %q", b.SklearnVersion, b.Command, b.Date)
	}
}

func TestParseBaselineRejectsBadFiles(t *testing.T) {
	for _, in := range []string{
		`not json`,
		`{"db": 0, "n_test": 10000}`,
		`{"db": -1, "n_test": 10000}`,
		`{"db": 2.5}`,
	} {
		if _, err := ParseBaseline([]byte(in)); err == nil || !strings.HasPrefix(err.Error(), "grade: baseline: ") {
			t.Errorf("%s: err %v, want a grade: baseline: error", in, err)
		}
	}
}

func TestErrors(t *testing.T) {
	s := handMade()
	p, g := handModels(t, s)
	p3 := pca.New(3)
	if err := p3.Fit(s.Dense()); err != nil {
		t.Fatal(err)
	}
	wrongPixels := &mnist.Set{Images: make([]uint8, 3*9), Labels: make([]uint8, 3), N: 3, Rows: 3, Cols: 3}
	cases := []struct {
		name string
		err  func() error
		want string
	}{
		{"nil PCA", func() error { _, err := Lab3(nil, g, s); return err }, "grade: the PCA is not fitted"},
		{"unfitted PCA", func() error { _, err := Lab3(pca.New(2), g, s); return err }, "grade: the PCA is not fitted"},
		{"unfitted GMM", func() error { _, err := Lab3(p, gmm.New(2, gmm.DefaultOptions()), s); return err }, "grade: the GMM is not fitted"},
		{"dims", func() error { _, err := Lab3(p3, g, s); return err }, "grade: the GMM has D=2 but the PCA gives 3 components"},
		{"empty", func() error { _, err := Lab3(p, g, &mnist.Set{}); return err }, "grade: empty test set"},
		{"pixels", func() error { _, err := Lab3(p, g, wrongPixels); return err }, "grade: pca: X has 9 columns"},
		{"labels", func() error { _, err := FromLabels(s, []int{0, 1}); return err }, "grade: 2 labels for 4 test images"},
		{"negative", func() error { _, err := FromLabels(s, []int{0, 1, -1, 0}); return err }, "grade: label -1 of image 2"},
		{"one cluster", func() error { _, err := FromLabels(s, []int{0, 0, 0, 0}); return err }, "grade: metrics: DaviesBouldin"},
	}
	for _, c := range cases {
		err := c.err()
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err %v, want one line starting with %q", c.name, err, c.want)
		}
	}
}

func TestRows(t *testing.T) {
	r := Report{DB: 3.5, Score: 25.5, BaselineDB: 2.975, NMI: 0.5, ARI: 0.4, Accuracy: 0.6, N: 10000}
	rows := r.Rows()
	h := Header()
	for _, row := range rows {
		if len(row) != len(h) {
			t.Fatalf("row %v has %d cells, header %d", row, len(row), len(h))
		}
	}
	got := map[string]string{}
	for _, row := range rows {
		got[row[0]] = row[1]
	}
	for k, v := range map[string]string{
		"Davies–Bouldin index (lower is better)": "3.5000", "score": "25.50 / 30",
		"cluster accuracy": "60.00%", "test images": "10000",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}
