package grade

import (
	"math"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/gmm"
)

// The embedded baseline is the course's call: scikit-learn's defaults with
// the training script's max_iter 100 and seed 123.
func TestBaselineCallIsDefaultOptions(t *testing.T) {
	b, err := SklearnBaseline()
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Settings.GMMOptions()
	if err != nil {
		t.Fatal(err)
	}
	want := gmm.DefaultOptions()
	want.Seed = 123
	if got.MaxIter != want.MaxIter || got.Tol != want.Tol || got.RegCovar != want.RegCovar || got.NInit != want.NInit ||
		got.Init != want.Init || got.KMeansNInit != want.KMeansNInit || got.Seed != want.Seed {
		t.Errorf("baseline call %+v, want %+v", got, want)
	}
	for _, c := range []struct {
		change func(s *Settings)
		want   string
	}{
		{func(s *Settings) { s.GMMCovarianceType = "diag" }, `grade: baseline covariance_type "diag"`},
		{func(s *Settings) { s.GMMInitParams = "random_from_data" }, "grade: baseline init_params: gmm: unknown initialisation"},
		{func(s *Settings) { s.RandomState = -1 }, "grade: baseline random_state -1"},
	} {
		s := b.Settings
		c.change(&s)
		if _, err := s.GMMOptions(); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%v, want an error starting with %q", err, c.want)
		}
	}
}

func TestSklearnSeeds(t *testing.T) {
	s, err := SklearnSeeds()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SklearnBaseline()
	if s.BaselineDB != b.DB || len(s.Runs) != 20 {
		t.Fatalf("spread: baseline %v (embedded %v), %d runs", s.BaselineDB, b.DB, len(s.Runs))
	}
	for i, r := range s.Runs {
		if r.Seed != i || !r.Converged || r.NIter >= s.Settings.MaxIter || !(r.DB > 2 && r.DB < 5) {
			t.Errorf("run %d: %+v", i, r)
		}
	}
	// The spread is what the course grades against: its median is within a
	// few per cent of the graded baseline, and some seeds reach it.
	if m := s.Median(); math.Abs(m/b.DB-1) > 0.1 || s.AtLeast(29.99) == 0 {
		t.Errorf("median %v vs baseline %v, %d full marks", m, b.DB, s.AtLeast(29.99))
	}
}

// A hand-made spread of four indices 3, 2, 4, 5 (median 3.5).
func TestSpreadPlaceHandComputed(t *testing.T) {
	s := Spread{BaselineDB: 3, Runs: []SeedRun{{DB: 3, Score: 30}, {DB: 2, Score: 30}, {DB: 4, Score: 22.5}, {DB: 5, Score: 18}}}
	if s.Median() != 3.5 || s.AtLeast(29) != 2 || s.AtLeast(18) != 4 {
		t.Errorf("median %v, ≥29: %d, ≥18: %d; want 3.5, 2, 4", s.Median(), s.AtLeast(29), s.AtLeast(18))
	}
	want := "index 3.500: 2 of scikit-learn's 4 seeds did better, 2 worse or equal (their median 3.500, range 2.000–5.000)"
	if got := s.Place(3.5); got != want {
		t.Errorf("Place(3.5) = %q\nwant %q", got, want)
	}
	// 2 itself and 2 plus round-off count as equal, not worse.
	for _, db := range []float64{2, 2 * (1 + 1e-12)} {
		if got := s.Place(db); !strings.HasPrefix(got, "index 2.000: 0 of scikit-learn's 4 seeds did better, 4 worse or equal") {
			t.Errorf("Place(%v) = %q", db, got)
		}
	}
	var empty Spread
	if !math.IsNaN(empty.Median()) || !strings.Contains(empty.Place(3), "no seed runs") {
		t.Errorf("empty spread: median %v, %q", empty.Median(), empty.Place(3))
	}
}

func TestParseSpreadErrors(t *testing.T) {
	for _, c := range []struct {
		json, want string
	}{
		{`{`, "grade: seed spread: unexpected end"},
		{`{"baseline_db": 0, "runs": [{"db": 3, "score": 1}, {"db": 3, "score": 1}]}`, "grade: seed spread: baseline index 0"},
		{`{"baseline_db": 3, "runs": [{"db": 3, "score": 30}]}`, "grade: seed spread: 1 runs, want at least 2"},
		{`{"baseline_db": 3, "runs": [{"seed": 4, "db": -1, "score": 30}, {"db": 3, "score": 30}]}`, "grade: seed spread: seed 4 has index -1"},
		{`{"baseline_db": 3, "runs": [{"seed": 2, "db": 6, "score": 30}, {"db": 3, "score": 30}]}`, "grade: seed spread: seed 2 scores 30, the formula gives 15"},
	} {
		if _, err := ParseSpread([]byte(c.json)); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error starting with %q", c.json, err, c.want)
		}
	}
}
