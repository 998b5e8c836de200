// Command lab3 is the Go side of the Lab 3 benchmarks (bench/lab3_bench.py
// runs it next to the numpy and scikit-learn peers, bench/run.sh lab3 runs
// everything). It prints one JSON object with the timings of a case:
//
//	go run ./bench/lab3 --case pca --repeats 5 --dim 50
//	    pca.New(dim).Fit on the 60 000×784 raw training images (mean,
//	    covariance, eigendecomposition, top dim components), after one
//	    untimed warm-up fit (reported apart as cold_seconds), then the two
//	    parts timed alone: pca.Covariance and pca.SymEigen(cov, dim)
//	go run ./bench/lab3 --case gmm --repeats 3 --export DIR
//	    K=10 full-covariance GMM, exactly 100 EM iterations (Tol 0,
//	    RegCovar 1e-6) on the PCA-50 projection of the training images,
//	    starting from the means of a k-means run (seed 123). The projection
//	    and the initial parameters (weights, means, covariances as the GMM
//	    computes them from those means) are written to DIR as .npy files so
//	    that scikit-learn starts from exactly the same point.
//	go run ./bench/lab3 --case gmm --repeats 1 --import DIR
//	    the same from the projection and means exported before (no PCA and
//	    k-means again), so that the driver can alternate Go and Python runs.
//
// Only the fitting is timed (not loading MNIST or converting it to float64).
// The median of the repeats is reported with every run's time.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/mnistlab/golab/lab/gmm"
	"github.com/mnistlab/golab/lab/kmeans"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/pca"
	"github.com/mnistlab/golab/lab/persist"
	"gonum.org/v1/gonum/mat"
)

// Result is the JSON the program prints.
type Result struct {
	Case         string    `json:"case"`
	N            int       `json:"n"`
	D            int       `json:"d"`
	Seconds      []float64 `json:"seconds"`
	Median       float64   `json:"median"`
	GOMAXPROCS   int       `json:"gomaxprocs"`
	GoVersion    string    `json:"go_version"`
	GOEXPERIMENT string    `json:"goexperiment"`
	Gonum        string    `json:"gonum"`

	// pca
	Dim            int       `json:"dim,omitempty"`
	TopEigenvalues []float64 `json:"top_eigenvalues,omitempty"` // first 5, to check against numpy
	// The first fit of the process (page faults of fresh memory included),
	// not among Seconds.
	ColdSeconds float64 `json:"cold_seconds,omitempty"`
	// The two parts of the fit, timed alone once per repeat: the covariance
	// (pca.Covariance) and the eigendecomposition of the D×D covariance
	// (pca.SymEigen: all eigenvalues, dim eigenvectors, as FitEigen does).
	CovSeconds   []float64 `json:"cov_seconds,omitempty"`
	EigenSeconds []float64 `json:"eigen_seconds,omitempty"`

	// gmm
	K            int     `json:"k,omitempty"`
	NIter        int     `json:"n_iter,omitempty"`
	InitLogLik   float64 `json:"init_log_likelihood,omitempty"`  // mean log-likelihood at the initial parameters
	FinalLogLik  float64 `json:"final_log_likelihood,omitempty"` // the last iteration's E-step (scikit-learn's lower_bound_)
	FinalScore   float64 `json:"final_score,omitempty"`          // mean log-likelihood at the final parameters (score)
	KMeansSecond float64 `json:"kmeans_seconds,omitempty"`
	KMeansNIter  int     `json:"kmeans_n_iter,omitempty"`
	Export       string  `json:"export,omitempty"`
	RegCovar     float64 `json:"reg_covar,omitempty"`
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/lab3:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lab3", flag.ContinueOnError)
	which := fs.String("case", "pca", "pca or gmm")
	repeats := fs.Int("repeats", 3, "timed runs (the median is reported)")
	dim := fs.Int("dim", 50, "PCA components")
	k := fs.Int("k", 10, "GMM components")
	iters := fs.Int("iters", 100, "EM iterations")
	seed := fs.Uint64("seed", 123, "k-means seed of the GMM initialisation")
	n := fs.Int("n", 0, "use the first n training images (0: all 60 000; for smoke tests)")
	export := fs.String("export", "", "gmm: directory for the projection and the initial parameters (.npy)")
	imp := fs.String("import", "", "gmm: directory of a previous --export (skips PCA and k-means)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *repeats < 1 {
		return fmt.Errorf("--repeats %d, want ≥ 1", *repeats)
	}
	res := Result{Case: *which, GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version(),
		GOEXPERIMENT: buildSetting("GOEXPERIMENT"), Gonum: moduleVersion("gonum.org/v1/gonum")}
	var X *mat.Dense
	if *which != "gmm" || *imp == "" {
		set, err := mnist.Load(mnist.Train)
		if err != nil {
			return err
		}
		if *n > 0 {
			set = set.Head(*n)
		}
		X = set.Dense()
		res.N, res.D = X.Dims()
	}
	switch *which {
	case "pca":
		res.Dim = *dim
		runtime.GC()
		t0 := time.Now()
		if err := pca.New(*dim).Fit(X); err != nil {
			return err
		}
		res.ColdSeconds = time.Since(t0).Seconds()
		var p *pca.PCA
		for range *repeats {
			runtime.GC()
			p = pca.New(*dim)
			t0 := time.Now()
			if err := p.Fit(X); err != nil {
				return err
			}
			res.Seconds = append(res.Seconds, time.Since(t0).Seconds())
			runtime.GC()
			t0 = time.Now()
			_, cov, err := pca.Covariance(X)
			if err != nil {
				return err
			}
			res.CovSeconds = append(res.CovSeconds, time.Since(t0).Seconds())
			t0 = time.Now()
			if _, _, err := pca.SymEigen(cov, *dim); err != nil {
				return err
			}
			res.EigenSeconds = append(res.EigenSeconds, time.Since(t0).Seconds())
		}
		res.TopEigenvalues = p.ExplainedVariance()[:min(5, *dim)]
	case "gmm":
		if (*export == "") == (*imp == "") {
			return fmt.Errorf("--case gmm needs --export DIR or --import DIR")
		}
		if err := benchGMM(X, *dim, *k, *iters, *seed, *repeats, *export, *imp, &res); err != nil {
			return err
		}
	default:
		return fmt.Errorf("--case %q, want pca or gmm", *which)
	}
	sorted := slices.Clone(res.Seconds)
	slices.Sort(sorted)
	res.Median = sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		res.Median = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	enc := json.NewEncoder(stdout)
	return enc.Encode(res)
}

// benchGMM times the GMM fit from the k-means centres: computed from X (and
// written to dir), or read from imp.
func benchGMM(X *mat.Dense, dim, k, iters int, seed uint64, repeats int, dir, imp string, res *Result) error {
	var Z, centres *mat.Dense
	if imp != "" {
		var err error
		if Z, err = readNpy(filepath.Join(imp, "Z.npy")); err != nil {
			return err
		}
		if centres, err = readNpy(filepath.Join(imp, "init_means.npy")); err != nil {
			return err
		}
		if r, _ := centres.Dims(); r != k {
			return fmt.Errorf("%s has %d means, want K=%d", filepath.Join(imp, "init_means.npy"), r, k)
		}
	} else {
		p := pca.New(dim)
		if err := p.Fit(X); err != nil {
			return err
		}
		var err error
		if Z, err = p.Transform(X); err != nil {
			return err
		}
		// The initialisation: k-means on the projection (as gmm's
		// default), then the parameters InitFromMeans derives from its
		// centres.
		t0 := time.Now()
		km := kmeans.New(k, kmeans.Options{Seed: seed})
		if err := km.Fit(Z); err != nil {
			return err
		}
		res.KMeansSecond = time.Since(t0).Seconds()
		res.KMeansNIter = km.NIter()
		centres = km.Centers()
	}
	n, d := Z.Dims()
	res.N, res.D, res.K, res.RegCovar, res.Export = n, d, k, 1e-6, dir

	weights, covs, err := initParams(Z, centres, res.RegCovar)
	if err != nil {
		return err
	}
	g0, err := gmm.FromParams(weights, centres, covs)
	if err != nil {
		return err
	}
	if res.InitLogLik, err = g0.Score(Z); err != nil {
		return err
	}

	var g *gmm.GMM
	for range repeats {
		runtime.GC()
		opts := gmm.DefaultOptions()
		opts.MaxIter, opts.Tol, opts.RegCovar, opts.Init, opts.Means = iters, 0, res.RegCovar, gmm.InitFromMeans, centres
		g = gmm.New(k, opts)
		t0 := time.Now()
		if err := g.Fit(Z); err != nil {
			return err
		}
		res.Seconds = append(res.Seconds, time.Since(t0).Seconds())
	}
	hist := g.LogLikelihoodHistory()
	if math.Abs(hist[0]-res.InitLogLik) > 1e-9*math.Abs(res.InitLogLik) {
		return fmt.Errorf("the exported initial parameters are not the GMM's: log-likelihood %v, the GMM's first E-step %v",
			res.InitLogLik, hist[0])
	}
	res.NIter = g.NIter()
	res.FinalLogLik = hist[len(hist)-1]
	if res.FinalScore, err = g.Score(Z); err != nil {
		return err
	}
	if dir == "" {
		return nil
	}

	covData := make([]float64, 0, k*d*d)
	for _, c := range covs {
		for i := range d {
			for j := range d {
				covData = append(covData, c.At(i, j))
			}
		}
	}
	for _, f := range []struct {
		name  string
		shape []int
		data  []float64
	}{
		{"Z.npy", []int{n, d}, Z.RawMatrix().Data},
		{"init_weights.npy", []int{k}, weights},
		{"init_means.npy", []int{k, d}, centres.RawMatrix().Data},
		{"init_covariances.npy", []int{k, d, d}, covData},
	} {
		if err := writeNpy(filepath.Join(dir, f.name), f.shape, f.data); err != nil {
			return err
		}
	}
	return nil
}

// initParams returns the weights and covariances that gmm's InitFromMeans
// starts from: every sample is assigned to its nearest mean (ties to the
// first), and the hard assignment goes through the reference M-step. (The
// means themselves are the given ones.)
func initParams(Z, means *mat.Dense, reg float64) ([]float64, []*mat.SymDense, error) {
	n, _ := Z.Dims()
	k, _ := means.Dims()
	resp := mat.NewDense(n, k, nil)
	for i := range n {
		x := Z.RawRowView(i)
		best, label := math.Inf(1), 0
		for j := range k {
			s := 0.0
			for a, v := range means.RawRowView(j) {
				s += (x[a] - v) * (x[a] - v)
			}
			if s < best {
				best, label = s, j
			}
		}
		resp.Set(i, label, 1)
	}
	g, err := gmm.FromResponsibilities(Z, resp, reg)
	if err != nil {
		return nil, nil, err
	}
	return g.Weights(), g.Covariances(), nil
}

// writeNpy writes a float64 array in NumPy's .npy format (version 1.0,
// little-endian, C order), atomically.
func writeNpy(path string, shape []int, data []float64) error {
	dims := make([]string, len(shape))
	for i, s := range shape {
		dims[i] = fmt.Sprint(s)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	header := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%s), }", sh)
	total := 10 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	return persist.WriteFileAtomic(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString("\x93NUMPY\x01\x00")
		binary.Write(bw, binary.LittleEndian, uint16(len(header)))
		bw.WriteString(header)
		buf := make([]byte, 8)
		for _, v := range data {
			binary.LittleEndian.PutUint64(buf, math.Float64bits(v))
			bw.Write(buf)
		}
		return bw.Flush()
	})
}

// readNpy reads a 1-d or 2-d little-endian float64 C-order .npy file (as
// writeNpy writes them) into a matrix (a 1-d array gives one row).
func readNpy(path string) (*mat.Dense, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) < 10 || string(data[:6]) != "\x93NUMPY" || data[6] != 1 {
		return nil, fmt.Errorf("%s: not a version-1 .npy file", path)
	}
	hl := int(binary.LittleEndian.Uint16(data[8:10]))
	if len(data) < 10+hl {
		return nil, fmt.Errorf("%s: truncated header", path)
	}
	header := string(data[10 : 10+hl])
	if !strings.Contains(header, "'descr': '<f8'") || !strings.Contains(header, "'fortran_order': False") {
		return nil, fmt.Errorf("%s: want little-endian float64 in C order, header %q", path, header)
	}
	i, j := strings.Index(header, "'shape': ("), strings.Index(header, ")")
	if i < 0 || j < i {
		return nil, fmt.Errorf("%s: no shape in header %q", path, header)
	}
	var shape []int
	for _, f := range strings.Split(header[i+len("'shape': ("):j], ",") {
		if f = strings.TrimSpace(f); f != "" {
			var v int
			if _, err := fmt.Sscan(f, &v); err != nil {
				return nil, fmt.Errorf("%s: bad shape in header %q", path, header)
			}
			shape = append(shape, v)
		}
	}
	if len(shape) == 1 {
		shape = []int{1, shape[0]}
	}
	if len(shape) != 2 || shape[0]*shape[1]*8 != len(data)-10-hl {
		return nil, fmt.Errorf("%s: shape %v does not match %d bytes of data", path, shape, len(data)-10-hl)
	}
	vals := make([]float64, shape[0]*shape[1])
	for q := range vals {
		vals[q] = math.Float64frombits(binary.LittleEndian.Uint64(data[10+hl+8*q:]))
	}
	return mat.NewDense(shape[0], shape[1], vals), nil
}

func buildSetting(key string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == key {
				return s.Value
			}
		}
	}
	return ""
}

func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == path {
				return m.Version
			}
		}
	}
	return ""
}
