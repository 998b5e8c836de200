package vae

import (
	"context"
	"testing"

	"github.com/mnistlab/golab/lab/internal/labtest"
)

// BenchmarkFitStep measures one training step of the homework's network
// (784-300-300-2·10 / 10-300-300-784, batch 100). Run with GOEXPERIMENT=simd:
//
//	go test -run NONE -bench FitStep -benchtime 100x ./lab/vae
func BenchmarkFitStep(b *testing.B) {
	x, m := labtest.Images(1000, 9), mustNew(b, Config{})
	labtest.BenchmarkSteps(b, func(n int) error { return m.Fit(context.Background(), x, FitOptions{Steps: n}) })
}
