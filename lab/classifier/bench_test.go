package classifier

import (
	"context"
	"testing"

	"github.com/mnistlab/golab/lab/internal/labtest"
)

// BenchmarkFitStep measures one training step of the default network (batch
// 128). Compare backends with GOMLX_BACKEND:
//
//	go test -run NONE -bench FitStep -benchtime 20x ./lab/classifier
func BenchmarkFitStep(b *testing.B) {
	x, y := synthetic(512, 9)
	m := mustNew(b, Config{})
	labtest.BenchmarkSteps(b, func(n int) error { return m.Fit(context.Background(), x, y, FitOptions{Steps: n}) })
}

// BenchmarkPredict1000 measures PredictProba on 1000 images (four batches).
func BenchmarkPredict1000(b *testing.B) {
	x, _ := synthetic(1000, 9)
	m := mustNew(b, Config{})
	if _, err := m.PredictProba(x); err != nil { // compile
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := m.PredictProba(x); err != nil {
			b.Fatal(err)
		}
	}
}
