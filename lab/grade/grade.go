// Package grade is the course's grading of Lab 3's clustering test.
//
// The student's PCA and Gaussian mixture cluster the 10 000 test images: raw
// 0..255 pixels → PCA projection → the GMM's most probable component. The
// grade is the Davies–Bouldin index of that clustering, computed on the raw
// 784-d test images (lower is better), against the index of the course's
// scikit-learn baseline (PCA + GaussianMixture, the same settings):
//
//	score = clip(30 · DB_baseline / DB_student, 0, 30)
//
// Matching the baseline gives full marks. The report also gives the usual
// external measures against the true digits (NMI, ARI, cluster accuracy with
// Hungarian matching) and the digit × cluster confusion matrix:
//
//	r, err := grade.Lab3(p, g, test)   // p *pca.PCA, g *gmm.GMM, test from mnist.Load(mnist.Test)
//	display.Table(grade.Header(), r.Rows())
//
// The baseline's numbers are embedded (baseline_sklearn.json, produced by
// bench/lab3_baseline.py with scikit-learn); see SklearnBaseline. Its call,
// as gmm.Options, is Settings.GMMOptions: the lab's commands and notebooks
// start from it. SklearnSeeds is the same pipeline with random_state 0..19
// (sklearn_seeds.json, produced by bench/gmm_seeds.py): how much the grade
// moves with nothing but the seed changed.
package grade

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/mnistlab/golab/lab/gmm"
	"github.com/mnistlab/golab/lab/metrics"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/pca"
	"gonum.org/v1/gonum/mat"
)

//go:embed baseline_sklearn.json
var baselineJSON []byte

// MaxScore is the number of points of the clustering test.
const MaxScore = 30

// Settings are the hyper-parameters of the baseline run (the homework's
// training-script defaults) and what scikit-learn did with them.
type Settings struct {
	EmbeddingDim      int     `json:"embedding_dim"`       // PCA(embedding_dim)
	NComponents       int     `json:"n_components"`        // GaussianMixture(n_components)
	MaxIter           int     `json:"max_iter"`            // GaussianMixture(max_iter)
	RandomState       int     `json:"random_state"`        // GaussianMixture(random_state)
	PCASolver         string  `json:"pca_svd_solver"`      // the solver PCA chose ("auto" resolved)
	GMMTol            float64 `json:"gmm_tol"`             // scikit-learn's default tolerance
	GMMRegCovar       float64 `json:"gmm_reg_covar"`       // scikit-learn's default regularisation
	GMMCovarianceType string  `json:"gmm_covariance_type"` // "full"
	GMMInitParams     string  `json:"gmm_init_params"`     // "kmeans"
	GMMNIter          int     `json:"gmm_n_iter"`          // EM iterations run (it stops at convergence)
	GMMConverged      bool    `json:"gmm_converged"`
	Threads           int     `json:"threads"` // BLAS/OpenMP threads of the run
}

// Baseline is the course's reference result: scikit-learn's PCA +
// GaussianMixture on the same data, graded the same way.
type Baseline struct {
	DB             float64  `json:"db"`       // Davies–Bouldin index on the raw test images
	NMI            float64  `json:"nmi"`      // vs the true digits
	ARI            float64  `json:"ari"`      // vs the true digits
	Accuracy       float64  `json:"accuracy"` // cluster accuracy (Hungarian matching)
	NTest          int      `json:"n_test"`   // test images clustered
	NTrain         int      `json:"n_train"`  // training images PCA and GMM were fitted on
	Settings       Settings `json:"settings"`
	SklearnVersion string   `json:"sklearn_version"`
	NumpyVersion   string   `json:"numpy_version"`
	Command        string   `json:"command"` // the command that produced it
	Date           string   `json:"date"`
	Seconds        float64  `json:"seconds"` // fit + predict time of the run
}

// ParseBaseline decodes a baseline file (the JSON that
// bench/lab3_baseline.py writes) and checks that it is usable: a finite,
// positive Davies–Bouldin index and the test-set size.
func ParseBaseline(data []byte) (Baseline, error) {
	var b Baseline
	if err := json.Unmarshal(data, &b); err != nil {
		return Baseline{}, fmt.Errorf("grade: baseline: %v", err)
	}
	if !(b.DB > 0) || math.IsInf(b.DB, 0) {
		return Baseline{}, fmt.Errorf("grade: baseline: Davies–Bouldin index %v, want a finite value > 0", b.DB)
	}
	if b.NTest < 2 {
		return Baseline{}, fmt.Errorf("grade: baseline: n_test = %d", b.NTest)
	}
	return b, nil
}

// SklearnBaseline returns the embedded scikit-learn baseline of the course:
// PCA(10) fit on the 60 000 training images, GaussianMixture(10,
// max_iter=100, random_state=123) fit on the projection, Davies–Bouldin index
// of its predictions on the 10 000 test images.
func SklearnBaseline() (Baseline, error) { return ParseBaseline(baselineJSON) }

// Report is the grade of a clustering of the test images.
type Report struct {
	DB         float64 `json:"db"`          // Davies–Bouldin index on the raw 784-d images (lower is better)
	Score      float64 `json:"score"`       // out of MaxScore: clip(30·BaselineDB/DB, 0, 30)
	BaselineDB float64 `json:"baseline_db"` // the scikit-learn baseline's index
	NMI        float64 `json:"nmi"`         // normalised mutual information with the true digits
	ARI        float64 `json:"ari"`         // adjusted Rand index with the true digits
	Accuracy   float64 `json:"accuracy"`    // fraction of images whose cluster is matched to their digit
	// Confusion[d][c] counts the test images of digit d put in cluster c
	// (10 rows, one column per mixture component).
	Confusion [][]int `json:"confusion"`
	N         int     `json:"n"` // number of test images
}

// Lab3 grades a fitted PCA and GMM on a test set: the raw 0..255 images
// (test.Dense()) are projected with p.Transform, clustered with g.Predict,
// and the clustering is scored (see FromLabels) against the embedded
// scikit-learn baseline.
func Lab3(p *pca.PCA, g *gmm.GMM, test *mnist.Set) (Report, error) {
	if p == nil || !p.Fitted() {
		return Report{}, errors.New("grade: the PCA is not fitted")
	}
	if g == nil || g.Means() == nil {
		return Report{}, errors.New("grade: the GMM is not fitted")
	}
	if err := checkSet(test); err != nil {
		return Report{}, err
	}
	if _, d := g.Means().Dims(); d != p.Dim() {
		return Report{}, fmt.Errorf("grade: the GMM has D=%d but the PCA gives %d components", d, p.Dim())
	}
	X := test.Dense()
	Z, err := p.Transform(X)
	if err != nil {
		return Report{}, fmt.Errorf("grade: %w", err)
	}
	pred, err := g.Predict(Z)
	if err != nil {
		return Report{}, fmt.Errorf("grade: %w", err)
	}
	return score(X, test, pred, g.K())
}

// FromLabels grades a clustering given as one cluster label per test image
// (0..K-1), for students who cluster with their own code: the same numbers
// as Lab3.
func FromLabels(test *mnist.Set, pred []int) (Report, error) {
	if err := checkSet(test); err != nil {
		return Report{}, err
	}
	if len(pred) != test.N {
		return Report{}, fmt.Errorf("grade: %d labels for %d test images", len(pred), test.N)
	}
	k := 0
	for i, l := range pred {
		if l < 0 {
			return Report{}, fmt.Errorf("grade: label %d of image %d is negative", l, i)
		}
		k = max(k, l+1)
	}
	return score(test.Dense(), test, pred, k)
}

func checkSet(test *mnist.Set) error {
	switch {
	case test == nil || test.N == 0:
		return errors.New("grade: empty test set")
	case len(test.Labels) != test.N || len(test.Images) != test.N*test.Rows*test.Cols:
		return fmt.Errorf("grade: inconsistent test set: N=%d, %d labels, %d pixels for %d×%d images",
			test.N, len(test.Labels), len(test.Images), test.Rows, test.Cols)
	}
	return nil
}

// score computes the report of the predicted clusters pred (0..k-1) of the
// raw images X against the embedded baseline.
func score(X *mat.Dense, test *mnist.Set, pred []int, k int) (Report, error) {
	base, err := SklearnBaseline()
	if err != nil {
		return Report{}, err
	}
	r := Report{BaselineDB: base.DB, N: test.N}
	truth := make([]int, test.N)
	for i, l := range test.Labels {
		truth[i] = int(l)
	}
	if r.DB, err = metrics.DaviesBouldin(X, pred); err != nil {
		return Report{}, fmt.Errorf("grade: %w", err)
	}
	r.Score = metrics.CourseScore(base.DB, r.DB)
	if r.NMI, err = metrics.NMI(truth, pred); err != nil {
		return Report{}, fmt.Errorf("grade: %w", err)
	}
	if r.ARI, err = metrics.ARI(truth, pred); err != nil {
		return Report{}, fmt.Errorf("grade: %w", err)
	}
	if r.Accuracy, _, err = metrics.ClusterAccuracy(truth, pred); err != nil {
		return Report{}, fmt.Errorf("grade: %w", err)
	}
	r.Confusion = metrics.Confusion(truth, pred, 10, k)
	return r, nil
}

// Header is the header row of the table that Rows fills.
func Header() []string { return []string{"measure", "value"} }

// Rows returns the report as table rows (measure, value) for display.Table
// with Header.
func (r Report) Rows() [][]string {
	return [][]string{
		{"Davies–Bouldin index (lower is better)", fmt.Sprintf("%.4f", r.DB)},
		{"scikit-learn baseline index", fmt.Sprintf("%.4f", r.BaselineDB)},
		{"score", fmt.Sprintf("%.2f / %d", r.Score, MaxScore)},
		{"NMI with the digits", fmt.Sprintf("%.4f", r.NMI)},
		{"ARI with the digits", fmt.Sprintf("%.4f", r.ARI)},
		{"cluster accuracy", fmt.Sprintf("%.2f%%", 100*r.Accuracy)},
		{"test images", fmt.Sprint(r.N)},
	}
}
