package backend

import "github.com/mnistlab/golab/lab/internal/vecmath"

// VectorKernels names the instruction set that the lab's own vector kernels
// (PCA covariance, GMM E- and M-steps, t-SNE distances) use on this CPU and
// build: "avx512", "avx2" (with FMA) or "scalar" (no GOEXPERIMENT=simd, or a
// CPU without AVX2, Apple Silicon included). It is chosen at run time;
// GODEBUG=cpu.avx512f=off lowers it to avx2. GoMLX's pure-Go backend makes
// the same choice for its matrix multiplication.
func VectorKernels() string { return vecmath.Best.String() }
