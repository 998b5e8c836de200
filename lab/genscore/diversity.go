package genscore

import (
	"fmt"
	"math"
)

// MeanPairwiseDistance is the mean Euclidean distance between all pairs of
// the given images (or any vectors of equal length): a simple measure of a
// generator's diversity. Identical samples give 0; two independent uniform
// random 784-pixel images in [0, 1] are about √(784/6) ≈ 11.4 apart.
func MeanPairwiseDistance(x [][]float32) (float64, error) {
	if len(x) < 2 {
		return 0, fmt.Errorf("genscore: MeanPairwiseDistance needs ≥ 2 samples, got %d", len(x))
	}
	d := len(x[0])
	for i, row := range x {
		if len(row) != d {
			return 0, fmt.Errorf("genscore: sample %d has %d values, sample 0 has %d", i, len(row), d)
		}
	}
	sum := 0.0
	for i := range x {
		for j := i + 1; j < len(x); j++ {
			s := 0.0
			a, b := x[i], x[j][:len(x[i])]
			for k := range a {
				t := float64(a[k]) - float64(b[k])
				s += t * t
			}
			sum += math.Sqrt(s)
		}
	}
	n := float64(len(x))
	return sum / (n * (n - 1) / 2), nil
}
