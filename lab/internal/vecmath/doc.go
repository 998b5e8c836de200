// Package vecmath holds the vector kernels shared by the lab's numerical
// packages (pca, gmm), and the choice of instruction set they run with.
//
// The kernels are built with GOEXPERIMENT=simd on amd64 (simd_amd64.go). Each
// has an AVX-512 and an AVX2+FMA version; Best is the widest Level this build
// and CPU support, decided at run time, so one binary runs on every x86-64
// CPU. Other builds (no GOEXPERIMENT=simd, arm64, …) get nosimd.go, where Best
// is Scalar and callers use their scalar or gonum path.
//
// GODEBUG=cpu.avx512f=off lowers Best to AVX2 on an AVX-512 machine (the
// test script uses it to run the AVX2 kernels there), and
// GODEBUG=cpu.avx512f=off,cpu.avx2=off lowers it to Scalar. A kernel called with a Level the CPU lacks panics with
// a message before executing any vector instruction.
package vecmath

import "fmt"

// Level is an instruction set the vector kernels may use.
type Level uint8

const (
	// Scalar means no vector kernel: callers take their scalar or gonum path.
	Scalar Level = iota
	// AVX2 means AVX2 with FMA: 4 float64 lanes, 16 vector registers.
	AVX2
	// AVX512 means AVX-512 F+CD+BW+DQ+VL: 8 float64 lanes.
	AVX512
)

// String names the level as the lab's messages and test names do.
func (l Level) String() string {
	switch l {
	case Scalar:
		return "scalar"
	case AVX2:
		return "avx2"
	case AVX512:
		return "avx512"
	}
	return fmt.Sprintf("Level(%d)", uint8(l))
}

// Vector reports whether l selects a vector kernel.
func (l Level) Vector() bool { return l != Scalar }

// Levels returns every level this build and CPU can run, Scalar first and
// Best last: tests run each kernel at every level and compare with Scalar.
func Levels() []Level {
	ls := []Level{Scalar}
	for l := AVX2; l <= Best; l++ {
		ls = append(ls, l)
	}
	return ls
}

// mustSupport panics if this CPU or build cannot run kernels of level l, so
// that a wrong level is a Go panic and never an illegal instruction.
func mustSupport(kernel string, l Level) {
	if l == Scalar || l > Best {
		panic(fmt.Sprintf("vecmath: %s called for %v on a build or CPU that supports only %v", kernel, l, Best))
	}
}
