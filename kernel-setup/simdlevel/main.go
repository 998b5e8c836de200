// Command simdlevel prints the vector kernels the lab uses on this CPU and
// build ("avx512", "avx2" or "scalar": backend.VectorKernels), for the test
// script's log.
package main

import (
	"fmt"

	"github.com/mnistlab/golab/lab/backend"
)

func main() { fmt.Println(backend.VectorKernels()) }
