package genscore

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestBalancedAndUnconditional(t *testing.T) {
	b := Balanced(2)
	if !slices.Equal(b, []int{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9}) {
		t.Errorf("Balanced(2) = %v", b)
	}
	if u := Unconditional(3); !slices.Equal(u, []int{-1, -1, -1}) {
		t.Errorf("Unconditional(3) = %v", u)
	}
}

func TestRowAndTopSeen(t *testing.T) {
	r := Report{Name: "x", N: 4, Conditional: false, Diversity: 1.5}
	r.Seen[3], r.Seen[7], r.Seen[1] = 0.5, 0.25, 0.25
	row := r.Row()
	if len(row) != len(Header()) {
		t.Fatalf("row has %d cells, header %d", len(row), len(Header()))
	}
	if row[3] != "n/a (cannot ask)" || row[5] != "1.50" || row[6] != "3: 50%, 1: 25%, 7: 25%" {
		t.Errorf("row = %q", row)
	}
	if math.IsNaN(r.Diversity) {
		t.Error("NaN diversity")
	}
}

func TestEvaluateRejectsMixedRequests(t *testing.T) {
	gen := func(l []int) ([][]float32, error) { return make([][]float32, len(l)), nil }
	if _, err := Evaluate("g", nil, gen, []int{1, -1}); err == nil {
		t.Error("mixed conditional and unconditional requests: no error")
	}
	if _, err := Evaluate("g", nil, gen, []int{1}); err == nil {
		t.Error("one request: no error")
	}
	if _, err := Score("g", nil, [][]float32{{1}}, []int{1, 2}, 0); err == nil {
		t.Error("count mismatch: no error")
	}
}

func TestMeanPairwiseDistance(t *testing.T) {
	// Three points on a line at 0, 3 and 4 (in 2-D with a zero coordinate):
	// distances 3, 4, 1 → mean 8/3.
	got, err := MeanPairwiseDistance([][]float32{{0, 0}, {3, 0}, {4, 0}})
	if err != nil || math.Abs(got-8.0/3) > 1e-12 {
		t.Fatalf("MeanPairwiseDistance = %v, %v; want 8/3", got, err)
	}
	if got, _ := MeanPairwiseDistance([][]float32{{1, 2}, {1, 2}}); got != 0 {
		t.Fatalf("identical samples: %v, want 0", got)
	}
	if _, err := MeanPairwiseDistance([][]float32{{1}}); err == nil {
		t.Fatal("one sample: no error")
	}
	if _, err := MeanPairwiseDistance([][]float32{{1}, {1, 2}}); err == nil || !strings.HasPrefix(err.Error(), "genscore: ") {
		t.Fatalf("ragged: %v, want a genscore: error", err)
	}
}
