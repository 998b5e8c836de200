package grade

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/mnistlab/golab/lab/gmm"
)

// GMMOptions returns the baseline's GaussianMixture call as gmm.Options:
// gmm.DefaultOptions (scikit-learn's defaults) with the recorded max_iter,
// tol, reg_covar, init_params and random_state as Seed. The lab's commands
// and notebooks start from it, so that by default they make the course's
// baseline call (seed 123).
func (s Settings) GMMOptions() (gmm.Options, error) {
	o := gmm.DefaultOptions()
	if s.GMMCovarianceType != "full" {
		return o, fmt.Errorf("grade: baseline covariance_type %q, the lab's GMM is \"full\"", s.GMMCovarianceType)
	}
	init, err := gmm.ParseInit(s.GMMInitParams)
	if err != nil {
		return o, fmt.Errorf("grade: baseline init_params: %w", err)
	}
	if s.RandomState < 0 {
		return o, fmt.Errorf("grade: baseline random_state %d, want ≥ 0", s.RandomState)
	}
	o.MaxIter, o.Tol, o.RegCovar, o.Init, o.Seed = s.MaxIter, s.GMMTol, s.GMMRegCovar, init, uint64(s.RandomState)
	return o, nil
}

//go:embed sklearn_seeds.json
var seedsJSON []byte

// SeedRun is one seed of the baseline pipeline: the test set's
// Davies–Bouldin index and score of the fit with random_state = Seed.
type SeedRun struct {
	Seed       int     `json:"seed"`
	DB         float64 `json:"db"`
	Score      float64 `json:"score"`       // out of MaxScore, against Spread.BaselineDB
	NIter      int     `json:"n_iter"`      // EM iterations run
	Converged  bool    `json:"converged"`   // within tol before max_iter
	LowerBound float64 `json:"lower_bound"` // final mean log-likelihood on the training projection
}

// Spread is the baseline pipeline run over several seeds: how much the
// grade moves with nothing but random_state changed.
type Spread struct {
	Pipeline       string    `json:"pipeline"`    // what ran, in words
	BaselineDB     float64   `json:"baseline_db"` // the graded baseline's index the scores use
	Settings       Settings  `json:"settings"`    // RandomState is that of the graded baseline
	Runs           []SeedRun `json:"runs"`
	SklearnVersion string    `json:"sklearn_version"`
	NumpyVersion   string    `json:"numpy_version"`
	Command        string    `json:"command"` // the command that produced it
	Date           string    `json:"date"`
}

// ParseSpread decodes a spread file (the JSON bench/gmm_seeds.py writes) and
// checks it: at least two runs, finite positive indices, scores matching the
// course's formula.
func ParseSpread(data []byte) (Spread, error) {
	var s Spread
	if err := json.Unmarshal(data, &s); err != nil {
		return Spread{}, fmt.Errorf("grade: seed spread: %v", err)
	}
	if !(s.BaselineDB > 0) || math.IsInf(s.BaselineDB, 0) {
		return Spread{}, fmt.Errorf("grade: seed spread: baseline index %v, want a finite value > 0", s.BaselineDB)
	}
	if len(s.Runs) < 2 {
		return Spread{}, fmt.Errorf("grade: seed spread: %d runs, want at least 2", len(s.Runs))
	}
	for _, r := range s.Runs {
		if !(r.DB > 0) || math.IsInf(r.DB, 0) {
			return Spread{}, fmt.Errorf("grade: seed spread: seed %d has index %v", r.Seed, r.DB)
		}
		if want := min(MaxScore, MaxScore*s.BaselineDB/r.DB); math.Abs(r.Score-want) > 1e-6 {
			return Spread{}, fmt.Errorf("grade: seed spread: seed %d scores %v, the formula gives %v", r.Seed, r.Score, want)
		}
	}
	return s, nil
}

// SklearnSeeds returns the embedded spread of the course's baseline
// (sklearn_seeds.json, written by bench/gmm_seeds.py): scikit-learn's PCA
// and GaussianMixture with the baseline's settings, random_state 0..19.
func SklearnSeeds() (Spread, error) { return ParseSpread(seedsJSON) }

// DBs returns the runs' Davies–Bouldin indices in run order.
func (s Spread) DBs() []float64 {
	out := make([]float64, len(s.Runs))
	for i, r := range s.Runs {
		out[i] = r.DB
	}
	return out
}

// Median returns the median Davies–Bouldin index of the runs (NaN for
// none).
func (s Spread) Median() float64 { return median(s.DBs()) }

// AtLeast returns how many runs score at least points.
func (s Spread) AtLeast(points float64) int {
	n := 0
	for _, r := range s.Runs {
		if r.Score >= points {
			n++
		}
	}
	return n
}

// Place says in one line where a Davies–Bouldin index db falls in the
// spread: how many seeds did better (lower by more than round-off, a
// relative 1e-9), and the spread's median and range.
func (s Spread) Place(db float64) string {
	dbs := s.DBs()
	if len(dbs) == 0 {
		return fmt.Sprintf("index %.3f: no seed runs to compare with", db)
	}
	better := 0
	for _, v := range dbs {
		if v < db*(1-1e-9) {
			better++
		}
	}
	return fmt.Sprintf("index %.3f: %d of scikit-learn's %d seeds did better, %d worse or equal (their median %.3f, range %.3f–%.3f)",
		db, better, len(dbs), len(dbs)-better, median(dbs), slices.Min(dbs), slices.Max(dbs))
}

// median returns the median of x (the mean of the middle two for an even
// count), NaN for no values.
func median(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := slices.Sorted(slices.Values(x))
	m := len(s) / 2
	if len(s)%2 == 0 {
		return (s[m-1] + s[m]) / 2
	}
	return s[m]
}
