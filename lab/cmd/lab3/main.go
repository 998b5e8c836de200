// Command lab3 runs Lab 3's pipeline as the homework's scripts do: train a
// PCA and a Gaussian mixture on MNIST, then grade them on the test images.
//
//	lab3 train --embedding_dim 10 --n_components 10 --max_iter 100 --seed 123 --results results
//	lab3 grade --results results [--json results/grade.json]
//
// train fits PCA(embedding_dim) on the 60 000 raw 0..255 training images
// (10 000 with --quick or LAB_QUICK=1), then a GMM with n_components full
// covariances on the projection, and saves results/pca.bin and
// results/gmm.bin atomically. The GMM makes the course's baseline call by
// default: scikit-learn's GaussianMixture(n_components, max_iter,
// random_state=seed) with its defaults tol 1e-3 (EM stops once the mean
// log-likelihood moves by less than tol; max_iter is a cap), n_init 1,
// init_params kmeans, reg_covar 1e-6 — the flags of the same names change
// them (--tol 0 runs exactly max_iter iterations, as the homework's own
// GMM). It prints the timings, the mean log-likelihood every 10 iterations,
// a warning on standard error if EM stopped at max_iter before converging
// and, last, a JSON line with the same facts.
//
// grade loads both files and grades them with package lab/grade on the
// 10 000 test images: the Davies–Bouldin index of the clusters on the raw
// images against the scikit-learn baseline (score out of 30), NMI, ARI and
// cluster accuracy against the digits. It prints a table, where the index
// falls among scikit-learn's own baseline runs with random_state 0–19
// (lab/grade's SklearnSeeds), and the digit × cluster confusion matrix, and
// writes the report as JSON (default results/grade.json).
//
// Errors are one line on standard error, with exit status 1 (2 for a bad
// command line).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mnistlab/golab/lab/gmm"
	"github.com/mnistlab/golab/lab/grade"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/pca"
	"github.com/mnistlab/golab/lab/persist"
	"github.com/mnistlab/golab/lab/runmode"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// File names inside the results directory.
const (
	pcaFile   = "pca.bin"
	gmmFile   = "gmm.bin"
	gradeFile = "grade.json"
)

// quickTrain is the number of training images in quick mode.
const quickTrain = 10000

// TrainResult is the JSON line train prints last.
type TrainResult struct {
	Mode         string  `json:"mode"` // "full" or "quick"
	TrainImages  int     `json:"train_images"`
	EmbeddingDim int     `json:"embedding_dim"`
	NComponents  int     `json:"n_components"`
	MaxIter      int     `json:"max_iter"`
	Tol          float64 `json:"tol"`
	NInit        int     `json:"n_init"`
	InitParams   string  `json:"init_params"`
	RegCovar     float64 `json:"reg_covar"`
	Seed         uint64  `json:"seed"`
	NIter        int     `json:"n_iter"`
	Converged    bool    `json:"converged"`
	Warning      string  `json:"warning,omitempty"`   // the convergence warning, if any
	MeanLogLik   float64 `json:"mean_log_likelihood"` // lower bound: the last EM iteration's E-step
	ExplainedVar float64 `json:"explained_variance_ratio"`
	LoadSeconds  float64 `json:"load_seconds"`
	PCASeconds   float64 `json:"pca_seconds"` // fit + transform
	GMMSeconds   float64 `json:"gmm_seconds"` // k-means initialisation + EM
	PCAPath      string  `json:"pca_path"`
	GMMPath      string  `json:"gmm_path"`
	GOMAXPROCS   int     `json:"gomaxprocs"`
}

// GradeResult is the JSON grade writes: the report of lab/grade plus where
// it comes from.
type GradeResult struct {
	grade.Report
	MaxScore       int     `json:"max_score"`
	EmbeddingDim   int     `json:"embedding_dim"`
	NComponents    int     `json:"n_components"`
	TrainImages    int     `json:"train_images"` // the PCA's training set size
	PCAPath        string  `json:"pca_path"`
	GMMPath        string  `json:"gmm_path"`
	SklearnVersion string  `json:"baseline_sklearn_version"`
	Seconds        float64 `json:"seconds"`
}

const usage = `usage:
  lab3 train [--embedding_dim 10] [--n_components 10] [--max_iter 100] [--seed 123] [--tol 0.001] [--n_init 1]
             [--init_params kmeans] [--reg_covar 1e-06] [--results results] [--quick]
  lab3 grade [--results results] [--json results/grade.json]`

type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func run(args []string, stdout, stderr io.Writer) int {
	err := dispatch(args, stdout, stderr)
	if err == nil {
		return 0
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "lab3: ") {
		msg = "lab3: " + msg
	}
	fmt.Fprintln(stderr, strings.ReplaceAll(msg, "\n", " "))
	return code
}

func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return &exitError{2, "missing command: train or grade (see lab3 -h)"}
	}
	switch args[0] {
	case "train":
		return train(args[1:], stdout, stderr)
	case "grade":
		return gradeCmd(args[1:], stdout)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return &exitError{2, fmt.Sprintf("unknown command %q: want train or grade (see lab3 -h)", args[0])}
}

// parse parses a sub-command's flags; -h prints its usage and returns
// errHelp.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return errHelp
		}
		return &exitError{2, fmt.Sprintf("%s: %v (see lab3 -h)", fs.Name(), err)}
	}
	if fs.NArg() > 0 {
		return &exitError{2, fmt.Sprintf("%s: unexpected argument %q (see lab3 -h)", fs.Name(), fs.Arg(0))}
	}
	return nil
}

var errHelp = errors.New("help")

func seconds(d time.Duration) float64 {
	return float64(d.Round(time.Millisecond)) / float64(time.Second)
}

func train(args []string, stdout, stderr io.Writer) error {
	// The defaults are the course's baseline call (lab/grade's settings).
	base, err := grade.SklearnBaseline()
	if err != nil {
		return err
	}
	opts, err := base.Settings.GMMOptions()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	dim := fs.Int("embedding_dim", base.Settings.EmbeddingDim, "PCA components")
	k := fs.Int("n_components", base.Settings.NComponents, "mixture components")
	maxIter := fs.Int("max_iter", opts.MaxIter, "cap on the EM iterations of each initialisation")
	seed := fs.Uint64("seed", opts.Seed, "random_state: seed of the initialisation (NumPy's RandomState, as scikit-learn)")
	tol := fs.Float64("tol", opts.Tol, "stop EM when the mean log-likelihood moves by less than this (0: exactly max_iter iterations)")
	nInit := fs.Int("n_init", opts.NInit, "initialisations; the best final log-likelihood is kept")
	initParams := fs.String("init_params", opts.Init.String(), "initialisation: kmeans, k-means++ or random")
	regCovar := fs.Float64("reg_covar", opts.RegCovar, "added to the diagonal of every covariance")
	results := fs.String("results", "results", "directory for pca.bin and gmm.bin")
	quick := fs.Bool("quick", runmode.Quick(), "use the first 10 000 training images (default from LAB_QUICK)")
	if err := parse(fs, args, stdout); err != nil {
		if err == errHelp {
			return nil
		}
		return err
	}
	switch {
	case *dim < 1 || *dim > mnist.Pixels:
		return &exitError{2, fmt.Sprintf("train: --embedding_dim %d, want 1..%d", *dim, mnist.Pixels)}
	case *k < 1:
		return &exitError{2, fmt.Sprintf("train: --n_components %d, want ≥ 1", *k)}
	case *maxIter < 1:
		return &exitError{2, fmt.Sprintf("train: --max_iter %d, want ≥ 1", *maxIter)}
	case !(*tol >= 0):
		return &exitError{2, fmt.Sprintf("train: --tol %v, want ≥ 0", *tol)}
	case *nInit < 1:
		return &exitError{2, fmt.Sprintf("train: --n_init %d, want ≥ 1", *nInit)}
	case !(*regCovar >= 0):
		return &exitError{2, fmt.Sprintf("train: --reg_covar %v, want ≥ 0", *regCovar)}
	}
	init, err := gmm.ParseInit(*initParams)
	if err != nil || init == gmm.InitFromMeans {
		return &exitError{2, fmt.Sprintf("train: --init_params %q, want kmeans, k-means++ or random", *initParams)}
	}
	opts.MaxIter, opts.Seed, opts.Tol, opts.NInit, opts.Init, opts.RegCovar = *maxIter, *seed, *tol, *nInit, init, *regCovar
	res := TrainResult{Mode: "full", EmbeddingDim: *dim, NComponents: *k, MaxIter: *maxIter, Seed: *seed,
		Tol: *tol, NInit: *nInit, InitParams: init.String(), RegCovar: *regCovar,
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		PCAPath:    filepath.Join(*results, pcaFile), GMMPath: filepath.Join(*results, gmmFile)}
	if *quick {
		res.Mode = "quick"
	}

	t0 := time.Now()
	set, err := mnist.Load(mnist.Train)
	if err != nil {
		return err
	}
	if *quick {
		set = set.Head(quickTrain)
	}
	X := set.Dense()
	res.TrainImages, _ = X.Dims()
	res.LoadSeconds = seconds(time.Since(t0))
	fmt.Fprintf(stdout, "loaded %d training images (%s mode) in %.2fs\n", res.TrainImages, res.Mode, res.LoadSeconds)

	t0 = time.Now()
	p := pca.New(*dim)
	if err := p.Fit(X); err != nil {
		return err
	}
	Z, err := p.Transform(X)
	if err != nil {
		return err
	}
	// X (60 000×784 float64, 376 MB) is dead from here on: the GC can
	// reclaim it while EM runs on the 60 000×dim projection.
	res.PCASeconds = seconds(time.Since(t0))
	for _, r := range p.ExplainedVarianceRatio() {
		res.ExplainedVar += r
	}
	fmt.Fprintf(stdout, "PCA(%d): fit + transform %.2fs, explained variance %.1f%%\n", *dim, res.PCASeconds, 100*res.ExplainedVar)

	t0 = time.Now()
	start := 0
	opts.Progress = func(it int, ll float64) {
		if it == 1 {
			start++
			if *nInit > 1 {
				fmt.Fprintf(stdout, "  initialisation %d of %d\n", start, *nInit)
			}
		}
		if it%10 == 0 || it == 1 {
			fmt.Fprintf(stdout, "  EM iteration %3d  mean log-likelihood %.6f\n", it, ll)
		}
	}
	g := gmm.New(*k, opts)
	if err := g.Fit(Z); err != nil {
		return err
	}
	res.GMMSeconds = seconds(time.Since(t0))
	res.NIter, res.Converged, res.MeanLogLik = g.NIter(), g.Converged(), g.LowerBound()
	stop := fmt.Sprintf("converged (tol %g)", *tol)
	switch {
	case *tol == 0:
		stop = "tol 0: fixed count"
	case !res.Converged:
		stop = "stopped at max_iter"
	}
	fmt.Fprintf(stdout, "GMM(K=%d): %s init + %d EM iterations (%s) %.2fs, final mean log-likelihood %.6f\n",
		*k, init, res.NIter, stop, res.GMMSeconds, res.MeanLogLik)
	if w := g.Warning(); w != nil {
		res.Warning = w.Error()
		fmt.Fprintf(stderr, "lab3: warning: %v\n", w)
	}

	if err := p.Save(res.PCAPath); err != nil {
		return err
	}
	if err := g.Save(res.GMMPath); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "saved %s and %s\n", res.PCAPath, res.GMMPath)
	line, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(line))
	return nil
}

// loadModel loads path with load, turning a missing file into the one-line
// hint to train first.
func loadModel[T any](path string, load func(string) (T, error)) (T, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		var zero T
		return zero, fmt.Errorf("%s: not found (run lab3 train first)", path)
	}
	return load(path)
}

func gradeCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("grade", flag.ContinueOnError)
	results := fs.String("results", "results", "directory holding pca.bin and gmm.bin")
	jsonPath := fs.String("json", "", "where to write the report as JSON (default <results>/grade.json)")
	if err := parse(fs, args, stdout); err != nil {
		if err == errHelp {
			return nil
		}
		return err
	}
	if *jsonPath == "" {
		*jsonPath = filepath.Join(*results, gradeFile)
	}
	res := GradeResult{MaxScore: grade.MaxScore,
		PCAPath: filepath.Join(*results, pcaFile), GMMPath: filepath.Join(*results, gmmFile)}
	p, err := loadModel(res.PCAPath, pca.Load)
	if err != nil {
		return err
	}
	g, err := loadModel(res.GMMPath, gmm.Load)
	if err != nil {
		return err
	}
	res.EmbeddingDim, res.NComponents, res.TrainImages = p.Dim(), g.K(), p.NSamples()
	base, err := grade.SklearnBaseline()
	if err != nil {
		return err
	}
	res.SklearnVersion = base.SklearnVersion
	test, err := mnist.Load(mnist.Test)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if res.Report, err = grade.Lab3(p, g, test); err != nil {
		return err
	}
	res.Seconds = seconds(time.Since(t0))

	fmt.Fprintf(stdout, "Lab 3 grade: PCA(%d) + GMM(K=%d) trained on %d images, %d test images\n\n",
		res.EmbeddingDim, res.NComponents, res.TrainImages, res.N)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, row := range res.Rows() {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	tw.Flush()
	if spread, err := grade.SklearnSeeds(); err == nil {
		fmt.Fprintf(stdout, "\namong scikit-learn's own runs of the baseline with random_state %d–%d: %s\n",
			spread.Runs[0].Seed, spread.Runs[len(spread.Runs)-1].Seed, spread.Place(res.DB))
	}
	fmt.Fprintf(stdout, "\ndigit × cluster (rows: true digit, columns: GMM cluster)\n")
	tw = tabwriter.NewWriter(stdout, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for c := range res.NComponents {
		fmt.Fprintf(tw, "%d\t", c)
	}
	fmt.Fprintln(tw)
	for d, row := range res.Confusion {
		fmt.Fprintf(tw, "%d\t", d)
		for _, v := range row {
			fmt.Fprintf(tw, "%d\t", v)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()

	err = persist.WriteFileAtomic(*jsonPath, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s\n", *jsonPath)
	return nil
}
