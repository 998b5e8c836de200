package gmm

import "github.com/mnistlab/golab/lab/internal/vecmath"

// kernels is the instruction set of the E- and M-step kernels: the best this
// build and CPU support (vecmath.Best: AVX-512, else AVX2+FMA), Scalar for
// the gonum path. Tests set it to each of vecmath.Levels() and compare.
var kernels = vecmath.Best
