package classifier

import (
	"math"
	"strings"
	"testing"
)

func TestJudgeProbaHandComputed(t *testing.T) {
	row := func(hot int, p float32) []float32 {
		r := make([]float32, Classes)
		for j := range r {
			r[j] = (1 - p) / 9
		}
		r[hot] = p
		return r
	}
	proba := [][]float32{
		row(3, 0.9), // meant 3, predicted 3 (0.9)
		row(3, 0.6), // meant 3, predicted 3 (0.6)
		row(5, 0.8), // meant 3, predicted 5: P(3) = 0.2/9
		row(7, 0.5), // meant 7, predicted 7 (0.5)
	}
	j, err := JudgeProba(proba, []int{3, 3, 3, 7})
	if err != nil {
		t.Fatal(err)
	}
	wantConf := (0.9 + 0.6 + 0.2/9 + 0.5) / 4
	if j.N != 4 || j.Accuracy != 0.75 || math.Abs(j.MeanConfidence-wantConf) > 1e-6 {
		t.Fatalf("N %d accuracy %v confidence %v, want 4, 0.75, %v", j.N, j.Accuracy, j.MeanConfidence, wantConf)
	}
	if math.Abs(j.PerDigit[3]-2.0/3) > 1e-12 || j.PerDigit[7] != 1 || j.Count[3] != 3 || j.Count[7] != 1 {
		t.Fatalf("per digit %v counts %v", j.PerDigit, j.Count)
	}
	for _, d := range []int{0, 1, 2, 4, 5, 6, 8, 9} {
		if !math.IsNaN(j.PerDigit[d]) || j.Count[d] != 0 {
			t.Fatalf("digit %d (no sample): accuracy %v count %d, want NaN and 0", d, j.PerDigit[d], j.Count[d])
		}
	}
	if s := j.String(); s != "N=4 accuracy=75.0% confidence=0.506 per digit: 3:67% 7:100%" {
		t.Fatalf("String() = %q", s)
	}
	// Ties go to the lowest digit, as Predict does.
	tie := make([]float32, Classes)
	tie[2], tie[6] = 0.5, 0.5
	if j, _ := JudgeProba([][]float32{tie}, []int{2}); j.Accuracy != 1 {
		t.Fatalf("tie between 2 and 6 judged %v for intended 2", j.Accuracy)
	}
}

func TestJudgeProbaBadInput(t *testing.T) {
	ok := [][]float32{make([]float32, Classes)}
	for name, f := range map[string]func() error{
		"no images":     func() error { _, err := JudgeProba(nil, nil); return err },
		"length":        func() error { _, err := JudgeProba(ok, []int{1, 2}); return err },
		"digit 10":      func() error { _, err := JudgeProba(ok, []int{10}); return err },
		"short row":     func() error { _, err := JudgeProba([][]float32{{1, 0}}, []int{0}); return err },
		"negative":      func() error { _, err := JudgeProba(ok, []int{-3}); return err },
		"Judge 0 pixel": func() error { _, err := (&Classifier{}).Judge(nil, nil); return err },
	} {
		err := f()
		if err == nil || !strings.HasPrefix(err.Error(), "classifier: ") {
			t.Errorf("%s: err %v, want a classifier: error", name, err)
		}
	}
}

func TestJudgeMatchesPredict(t *testing.T) {
	m := mustNew(t, smallConfig(""))
	x, y := synthetic(12, 10)
	j, err := m.Judge(x, y)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := m.Score(x, y)
	if err != nil {
		t.Fatal(err)
	}
	proba := mustProba(t, m, x)
	conf := 0.0
	for i, p := range proba {
		conf += float64(p[y[i]])
	}
	if j.N != 12 || j.Accuracy != acc || math.Abs(j.MeanConfidence-conf/12) > 1e-6 || j.Count[0] != 4 {
		t.Fatalf("Judge %+v; Score %v, mean confidence %v", j, acc, conf/12)
	}
}
