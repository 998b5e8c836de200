package rubric

import (
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/check"
)

// The handout's Lab 3 weights (COURSE_NOTES.md): E-step 10, M-step 10, PCA 8,
// sample_from_gmm 7, test 5, questions 20, feedback 1, Davies–Bouldin 30.
func TestLab3MatchesTheHandout(t *testing.T) {
	var all []check.Item
	for _, r := range [][]check.Item{Lab3Part1, Lab3Part2, Lab3Part3} {
		all = append(all, r...)
	}
	sum := map[string]float64{}
	for _, it := range all {
		key := it.ID
		switch {
		case strings.HasPrefix(it.ID, "lab3-q7."):
			key = "questions"
		}
		sum[key] += it.Points
	}
	want := map[string]float64{"lab3-estep": 10, "lab3-mstep": 10, "lab3-pca": 8, "lab3-sample-from-gmm": 7,
		"lab3-test": 5, "questions": 20, "lab3-feedback": 1, "lab3-db-score": 30}
	for k, v := range want {
		if sum[k] != v {
			t.Errorf("%s: %g points, handout %g", k, sum[k], v)
		}
	}
	if len(sum) != len(want) {
		t.Errorf("items %v, want exactly the handout's %v", sum, want)
	}
	auto, written := Total(all)
	if auto != 65 || written != 26 {
		t.Errorf("Lab 3: %g automatic + %g teacher-graded, want 65 + 26 (checks 35 + formula 30; questions 20 + test 5 + feedback 1)", auto, written)
	}
}

func TestIDsAndNamesAreUnique(t *testing.T) {
	ids := map[string]bool{}
	for _, name := range Names() {
		items, err := ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, it := range items {
			if it.ID == "" || it.Name == "" || it.Points <= 0 {
				t.Errorf("%s: incomplete item %+v", name, it)
			}
			if ids[it.ID] || names[it.Name] {
				t.Errorf("%s: duplicate item %q / %q", name, it.ID, it.Name)
			}
			ids[it.ID], names[it.Name] = true, true
		}
	}
	if _, err := ByName("lab4"); err == nil || !strings.Contains(err.Error(), "lab3-part1") {
		t.Errorf("unknown rubric: %v", err)
	}
}
