package lab3_test

import (
	"fmt"

	"github.com/mnistlab/golab/lab/lab3"
)

// The course's settings, as the three Lab 3 notebooks use them.
func ExampleHomework() {
	s := lab3.Homework()
	fmt.Printf("PCA %d, GMM K=%d, max_iter %d, tol %g, seed %d\n", s.EmbeddingDim, s.NComponents, s.EM.MaxIter, s.EM.Tol, s.EM.Seed)
	fmt.Println(lab3.Lab.Describe())
	// Output:
	// PCA 10, GMM K=10, max_iter 100, tol 0.001, seed 123
	// PCA fit: the lab's, E-step: the lab's, M-step: the lab's
}
