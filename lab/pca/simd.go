package pca

import "github.com/mnistlab/golab/lab/internal/vecmath"

// kernels is the instruction set of the vector kernels in use: the best this
// build and CPU support (vecmath.Best), Scalar for gonum's BLAS. Tests set it
// to each of vecmath.Levels() in turn and compare the results.
var kernels = vecmath.Best
