package genscore_test

import (
	"fmt"

	"github.com/mnistlab/golab/lab/genscore"
)

// Three samples at 0, 3 and 4 on a line are 3, 4 and 1 apart: a diversity of
// 8/3.
func ExampleMeanPairwiseDistance() {
	d, err := genscore.MeanPairwiseDistance([][]float32{{0, 0}, {3, 0}, {4, 0}})
	fmt.Printf("%.4f %v\n", d, err)
	// Output: 2.6667 <nil>
}
