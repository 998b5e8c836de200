package check

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunOutcomes(t *testing.T) {
	t.Setenv("LAB_CHECK_FILE", filepath.Join(t.TempDir(), "checks.json"))
	if r := Run("ok", func() error { return nil }); r.Status != Passed {
		t.Fatalf("ok: %+v", r)
	}
	if r := Run("bad", func() error { return errors.New("means[3] = 2, want 1") }); r.Status != Failed || r.Message != "means[3] = 2, want 1" {
		t.Fatalf("bad: %+v", r)
	}
	if r := Run("todo", func() error { Todo(); return nil }); r.Status != NotImplemented {
		t.Fatalf("todo: %+v", r)
	}
	if r := Run("todo-err", func() error { return ErrNotImplemented }); r.Status != NotImplemented {
		t.Fatalf("todo-err: %+v", r)
	}
	r := Run("panics", func() error {
		var x []int
		_ = x[3]
		return nil
	})
	if r.Status != Failed || !strings.Contains(r.Message, "index out of range") || !strings.Contains(r.Message, "check_test.go line") {
		t.Fatalf("panic: %+v", r)
	}
	rec := Recorded()
	if len(rec) != 5 || rec["bad"].Status != Failed || rec["todo"].Status != NotImplemented {
		t.Fatalf("recorded %v", rec)
	}
	earned, total := Summary([]Item{{Name: "ok", Points: 10}, {Name: "bad", Points: 8}, {Name: "missing", Points: 5}}).Earned()
	if earned != 10 || total != 23 {
		t.Fatalf("summary %v/%v, want 10/23", earned, total)
	}
}

func TestScoreAndReport(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("LAB_CHECK_FILE", filepath.Join(dir, "checks.json"))
	Run("E-step", func() error { return nil })
	Run("M-step", func() error { return errors.New("weights sum to 2") })
	r := Score("Davies–Bouldin score", 30, func() (float64, string, error) { return 27.5, "DB 3.25 vs 2.98", nil })
	if r.Status != Passed || r.Earned != 27.5 || r.OutOf != 30 || r.Message != "DB 3.25 vs 2.98" {
		t.Fatalf("score: %+v", r)
	}
	// Points are clipped to [0, outOf]; NaN scores 0.
	if r := Score("rounding", 30, func() (float64, string, error) { return 29.999999999999964, "", nil }); r.Earned != 30 {
		t.Fatalf("score %v, want 30 (rounded to hundredths)", r.Earned)
	}
	if r := Score("hundredths", 30, func() (float64, string, error) { return 28.2749, "", nil }); r.Earned != 28.27 {
		t.Fatalf("score %v, want 28.27", r.Earned)
	}
	if r := Score("over", 30, func() (float64, string, error) { return 31, "", nil }); r.Earned != 30 {
		t.Fatalf("clipped score %v, want 30", r.Earned)
	}
	if r := Score("nan", 30, func() (float64, string, error) { return math.NaN(), "", nil }); r.Earned != 0 {
		t.Fatalf("NaN score %v, want 0", r.Earned)
	}
	if r := Score("todo", 30, func() (float64, string, error) { Todo(); return 0, "", nil }); r.Status != NotImplemented || r.Earned != 0 {
		t.Fatalf("todo score %+v", r)
	}
	items := []Item{
		{ID: "e", Name: "E-step", Points: 10, Kind: Auto},
		{ID: "m", Name: "M-step", Points: 10, Kind: Auto},
		{ID: "db", Name: "Davies–Bouldin score", Points: 30, Kind: Formula},
		{ID: "q", Name: "7.1 Compare the methods", Points: 20, Kind: Written},
		{ID: "p", Name: "PCA fit", Points: 8, Kind: Auto},
	}
	rep := Summary(items)
	if rep.Auto != 37.5 || rep.AutoTotal != 58 || rep.Written != 20 {
		t.Fatalf("report %+v: want 37.5 / 58 automatic, 20 teacher-graded", rep)
	}
	want := []string{"✓ passed", "✗ weights sum to 2", "scored: DB 3.25 vs 2.98", "teacher-graded", "not run"}
	for i, l := range rep.Lines {
		if l.Status != want[i] {
			t.Errorf("line %d (%s): status %q, want %q", i, l.Name, l.Status, want[i])
		}
	}
	path := filepath.Join(dir, "grade.json")
	if err := rep.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Items []struct {
			ID     string  `json:"id"`
			Kind   string  `json:"kind"`
			Earned float64 `json:"earned"`
		} `json:"items"`
		Auto, AutoTotal, Written float64
	}
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Items) != 5 || back.Items[2].ID != "db" || back.Items[2].Kind != "formula" || back.Items[2].Earned != 27.5 || back.Items[3].Kind != "teacher-graded" {
		t.Fatalf("JSON report: %s", data)
	}
}

func TestUseFallsBackUntilTheCheckPasses(t *testing.T) {
	t.Setenv("LAB_CHECK_FILE", filepath.Join(t.TempDir(), "checks.json"))
	mine := func(x float64) float64 { return 2 * x }
	if f := Use("double", mine); f != nil {
		t.Fatal("Use before the check ran: want nil")
	}
	Run("double", func() error { Todo(); return nil })
	if f := Use("double", mine); f != nil {
		t.Fatal("Use after 'not implemented yet': want nil")
	}
	Run("double", func() error { return nil })
	if f := Use("double", mine); f == nil || f(2) != 4 {
		t.Fatal("Use after a pass: want the student's function")
	}
}

// TestAutogradeEndsFailingCells: under nbgrader's autograder a check that does
// not pass exits its cell with status 1 (a passing one does not); in a
// student's session nothing exits.
func TestAutogradeEndsFailingCells(t *testing.T) {
	t.Setenv("LAB_CHECK_FILE", filepath.Join(t.TempDir(), "checks.json"))
	var codes []int
	exit = func(code int) { codes = append(codes, code) }
	defer func() { exit = os.Exit }()
	Run("a", func() error { Todo(); return nil })
	Score("s", 5, func() (float64, string, error) { return 0, "", errors.New("no labels") })
	if len(codes) != 0 {
		t.Fatalf("exits %v outside the autograder", codes)
	}
	t.Setenv(AutogradeEnvVar, "1")
	Run("ok", func() error { return nil })
	Score("s", 5, func() (float64, string, error) { return 2, "partial", nil })
	if len(codes) != 0 {
		t.Fatalf("exits %v for passing checks", codes)
	}
	Run("a", func() error { Todo(); return nil })
	Run("b", func() error { return errors.New("wrong") })
	Score("s", 5, func() (float64, string, error) { return 0, "", errors.New("no labels") })
	if len(codes) != 3 || codes[0] != 1 || codes[2] != 1 {
		t.Fatalf("exit codes %v, want [1 1 1]", codes)
	}
}

func TestClose(t *testing.T) {
	if err := Close("x", []float64{1, 2}, []float64{1, 2 + 1e-9}, 1e-6); err != nil {
		t.Fatal(err)
	}
	err := Close("pi", []float64{0.5, 0.3}, []float64{0.5, 0.2}, 1e-6)
	if err == nil || !strings.Contains(err.Error(), "pi[1] = 0.3, want 0.2") {
		t.Fatalf("err = %v", err)
	}
	if err := Close("x", []float64{1}, []float64{1, 2}, 1); err == nil {
		t.Fatal("want length error")
	}
	if err := Shape("resp", 3, 2, 3, 4); err == nil || !strings.Contains(err.Error(), "3×2, want 3×4") {
		t.Fatalf("shape err = %v", err)
	}
}

func TestSucceeded(t *testing.T) {
	t.Setenv("LAB_CHECK_FILE", filepath.Join(t.TempDir(), "checks.json"))
	if Succeeded("E-step") {
		t.Fatal("nothing run yet")
	}
	Run("E-step", func() error { Todo(); return nil })
	if Succeeded("E-step") {
		t.Fatal("not implemented is not success")
	}
	Run("E-step", func() error { return nil })
	if !Succeeded("E-step") {
		t.Fatal("want success after a passing run")
	}
}

func TestVersionChangesWithEachPassingRun(t *testing.T) {
	t.Setenv("LAB_CHECK_FILE", filepath.Join(t.TempDir(), "checks.json"))
	if Version("PCA fit") != "" {
		t.Fatal("want empty version before any run")
	}
	Run("PCA fit", func() error { return nil })
	v1 := Version("PCA fit")
	Run("PCA fit", func() error { return nil })
	v2 := Version("PCA fit")
	if v1 == "" || v2 == "" || v1 == v2 || strings.ContainsAny(v1, ":.-") {
		t.Fatalf("versions %q %q", v1, v2)
	}
	Run("PCA fit", func() error { Todo(); return nil })
	if Version("PCA fit") != "" {
		t.Fatal("a run that did not pass has no version")
	}
}
