// Command gmm_seeds is the Go side of the seed benchmark of Lab 3's GMM
// (bench/gmm_seeds.py runs it next to scikit-learn; bench/run.sh seeds runs
// both). It fits the lab's PCA(10) once on the training images, then for
// every seed the lab's GMM with the course's baseline call (lab/grade's
// settings: gmm.DefaultOptions, K = 10, max_iter 100, random_state = seed),
// predicts the test images and grades the clustering with lab/grade (the
// Davies–Bouldin index on the raw test images and the course's score).
// Each seed is fitted three ways:
//
//	lab       the baseline call (tol 1e-3, NumPy's RandomState(seed))
//	lab-pcg   the same with another random stream (PCG seeded with the seed):
//	          the same semantics without sharing scikit-learn's draws
//	lab-tol0  tol 0: exactly 100 EM iterations (the homework's own GMM)
//
// It writes the projections (Z_train.f64, Z_test.f64: little-endian float64,
// row-major) and the lab's test labels per seed (labels_<seed>.i32) to
// --out, so that scikit-learn can fit on the same projection and recompute
// the index, and prints one JSON object.
//
//	go run ./bench/gmm_seeds --out DIR --seeds 0-19
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/mnistlab/golab/lab/gmm"
	"github.com/mnistlab/golab/lab/grade"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/pca"
	"github.com/mnistlab/golab/lab/persist"
	"gonum.org/v1/gonum/mat"
)

// Fit is one seed's fit of one variant.
type Fit struct {
	Seed       int     `json:"seed"`
	DB         float64 `json:"db"`
	Score      float64 `json:"score"`
	NIter      int     `json:"n_iter"`
	Converged  bool    `json:"converged"`
	LowerBound float64 `json:"lower_bound"`
	Seconds    float64 `json:"seconds"` // GMM fit
}

// Result is the JSON the program prints.
type Result struct {
	NTrain       int              `json:"n_train"`
	NTest        int              `json:"n_test"`
	EmbeddingDim int              `json:"embedding_dim"`
	NComponents  int              `json:"n_components"`
	Settings     grade.Settings   `json:"settings"` // the baseline call (random_state: the graded baseline's; each fit uses its seed)
	BaselineDB   float64          `json:"baseline_db"`
	PCASeconds   float64          `json:"pca_seconds"`
	Variants     map[string][]Fit `json:"variants"`
	GOMAXPROCS   int              `json:"gomaxprocs"`
	GoVersion    string           `json:"go_version"`
	GOEXPERIMENT string           `json:"goexperiment"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gmm_seeds:", strings.ReplaceAll(err.Error(), "\n", " "))
		os.Exit(1)
	}
}

// parseSeeds reads "0-19" or "1,5,7".
func parseSeeds(s string) ([]int, error) {
	if a, b, ok := strings.Cut(s, "-"); ok {
		lo, err1 := strconv.Atoi(a)
		hi, err2 := strconv.Atoi(b)
		if err1 != nil || err2 != nil || lo < 0 || hi < lo {
			return nil, fmt.Errorf("--seeds %q: want LO-HI or a comma-separated list", s)
		}
		var out []int
		for v := lo; v <= hi; v++ {
			out = append(out, v)
		}
		return out, nil
	}
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("--seeds %q: want LO-HI or a comma-separated list", s)
		}
		out = append(out, v)
	}
	return out, nil
}

// writeF64 writes a matrix as little-endian float64, row-major.
func writeF64(path string, m *mat.Dense) error {
	return persist.WriteFileAtomic(path, func(w io.Writer) error {
		return binary.Write(w, binary.LittleEndian, mat.DenseCopyOf(m).RawMatrix().Data)
	})
}

func run() error {
	out := flag.String("out", "", "directory for the projections and labels (required)")
	seedList := flag.String("seeds", "0-19", "seeds: LO-HI or a comma-separated list")
	nTrain := flag.Int("n_train", mnist.TrainSize, "training images (the first N)")
	flag.Parse()
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	seeds, err := parseSeeds(*seedList)
	if err != nil {
		return err
	}
	base, err := grade.SklearnBaseline()
	if err != nil {
		return err
	}
	opts, err := base.Settings.GMMOptions()
	if err != nil {
		return err
	}
	train, err := mnist.Load(mnist.Train)
	if err != nil {
		return err
	}
	test, err := mnist.Load(mnist.Test)
	if err != nil {
		return err
	}
	train = train.Head(*nTrain)
	res := Result{NTrain: train.N, NTest: test.N, EmbeddingDim: base.Settings.EmbeddingDim,
		NComponents: base.Settings.NComponents, Settings: base.Settings, BaselineDB: base.DB,
		Variants: map[string][]Fit{}, GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version(),
		GOEXPERIMENT: os.Getenv("GOEXPERIMENT")}

	t0 := time.Now()
	p := pca.New(res.EmbeddingDim)
	if err := p.Fit(train.Dense()); err != nil {
		return err
	}
	Ztr, err := p.Transform(train.Dense())
	if err != nil {
		return err
	}
	res.PCASeconds = time.Since(t0).Seconds()
	Zte, err := p.Transform(test.Dense())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := writeF64(filepath.Join(*out, "Z_train.f64"), Ztr); err != nil {
		return err
	}
	if err := writeF64(filepath.Join(*out, "Z_test.f64"), Zte); err != nil {
		return err
	}

	variants := []struct {
		name string
		set  func(o *gmm.Options, seed int)
	}{
		{"lab", func(o *gmm.Options, seed int) {}},
		{"lab-pcg", func(o *gmm.Options, seed int) { o.Rand = rand.New(rand.NewPCG(uint64(seed), 0x67736565)) }},
		{"lab-tol0", func(o *gmm.Options, seed int) { o.Tol = 0 }},
	}
	for _, v := range variants {
		for _, seed := range seeds {
			o := opts
			o.Seed = uint64(seed)
			v.set(&o, seed)
			g := gmm.New(res.NComponents, o)
			t0 := time.Now()
			if err := g.Fit(Ztr); err != nil {
				return fmt.Errorf("%s seed %d: %w", v.name, seed, err)
			}
			secs := time.Since(t0).Seconds()
			pred, err := g.Predict(Zte)
			if err != nil {
				return err
			}
			r, err := grade.FromLabels(test, pred)
			if err != nil {
				return err
			}
			res.Variants[v.name] = append(res.Variants[v.name], Fit{Seed: seed, DB: r.DB, Score: r.Score,
				NIter: g.NIter(), Converged: g.Converged(), LowerBound: g.LowerBound(), Seconds: secs})
			if v.name == "lab" {
				lab := make([]int32, len(pred))
				for i, l := range pred {
					lab[i] = int32(l)
				}
				path := filepath.Join(*out, fmt.Sprintf("labels_%d.i32", seed))
				if err := persist.WriteFileAtomic(path, func(w io.Writer) error {
					return binary.Write(w, binary.LittleEndian, lab)
				}); err != nil {
					return err
				}
			}
			fmt.Fprintf(os.Stderr, "%-8s seed %2d: DB %.4f score %5.2f, %3d iterations (converged %v) %.2fs\n",
				v.name, seed, r.DB, r.Score, g.NIter(), g.Converged(), secs)
		}
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}
