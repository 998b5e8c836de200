package autoencoder

import (
	"context"
	"testing"

	"github.com/mnistlab/golab/lab/internal/labtest"
)

// BenchmarkFitStep measures one training step of the default network
// (784-512-128-2 / 2-128-512-784, batch 128). Run with GOEXPERIMENT=simd:
//
//	go test -run NONE -bench FitStep -benchtime 100x ./lab/autoencoder
func BenchmarkFitStep(b *testing.B) {
	x, m := labtest.Images(1000, 9), mustNew(b, Config{})
	labtest.BenchmarkSteps(b, func(n int) error { return m.Fit(context.Background(), x, FitOptions{Steps: n}) })
}
