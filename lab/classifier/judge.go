package classifier

import (
	"fmt"
	"math"
	"strings"

	"github.com/mnistlab/golab/lab/internal/batch"
)

// Judgement scores images made by a generative model that was asked for
// particular digits: how often the classifier sees the intended digit, and
// how sure it is.
type Judgement struct {
	// N is the number of images judged.
	N int
	// Accuracy is the fraction of images whose predicted digit is the
	// intended one.
	Accuracy float64
	// MeanConfidence is the classifier's probability of the intended digit,
	// averaged over the images.
	MeanConfidence float64
	// PerDigit[d] is the accuracy over the images meant to be digit d; NaN
	// where no image was meant to be d.
	PerDigit [Classes]float64
	// Count[d] is the number of images meant to be digit d.
	Count [Classes]int
}

// String formats the judgement on one line, e.g.
// "N=100 accuracy=93.0% confidence=0.912 per digit: 0:100% 1:90% …".
func (j Judgement) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "N=%d accuracy=%.1f%% confidence=%.3f per digit:", j.N, 100*j.Accuracy, j.MeanConfidence)
	for d, a := range j.PerDigit {
		if j.Count[d] > 0 {
			fmt.Fprintf(&b, " %d:%.0f%%", d, 100*a)
		}
	}
	return b.String()
}

// Judge scores generated images x (N×784 values in [0, 1], row-major, like
// mnist.Set.Float32) that were meant to show the digits intended: the
// accuracy of the intended digit, the classifier's mean confidence in it and
// the accuracy per digit. Rescale images of another range (a generator's
// [−1, 1], say) to [0, 1] first.
func (m *Classifier) Judge(x []float32, intended []int) (Judgement, error) {
	if _, err := checkData(x, intended); err != nil {
		return Judgement{}, err
	}
	proba, err := m.PredictProba(x)
	if err != nil {
		return Judgement{}, err
	}
	return JudgeProba(proba, intended)
}

// JudgeProba computes the Judgement of images from their class probabilities
// (rows of 10, as PredictProba returns) and intended digits; the predicted
// digit is the most probable one (the first on ties).
func JudgeProba(proba [][]float32, intended []int) (Judgement, error) {
	if len(proba) == 0 {
		return Judgement{}, fmt.Errorf("classifier: no images to judge")
	}
	if err := batch.Labels("classifier", intended, len(proba), Classes); err != nil {
		return Judgement{}, err
	}
	var j Judgement
	var correct [Classes]int
	conf, hits := 0.0, 0
	for i, p := range proba {
		if len(p) != Classes {
			return Judgement{}, fmt.Errorf("classifier: probabilities %d have %d values, want %d", i, len(p), Classes)
		}
		d := intended[i]
		j.Count[d]++
		conf += float64(p[d])
		if argmax(p) == d {
			correct[d]++
			hits++
		}
	}
	j.N = len(proba)
	j.Accuracy = float64(hits) / float64(j.N)
	j.MeanConfidence = conf / float64(j.N)
	for d := range j.PerDigit {
		j.PerDigit[d] = math.NaN()
		if j.Count[d] > 0 {
			j.PerDigit[d] = float64(correct[d]) / float64(j.Count[d])
		}
	}
	return j, nil
}
