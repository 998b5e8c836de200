package classifier

import (
	"context"
	"testing"
)

// BenchmarkFitStep measures one training step of the default network (batch
// 128). Compare backends with GOMLX_BACKEND:
//
//	go test -run NONE -bench FitStep -benchtime 20x ./lab/classifier
func BenchmarkFitStep(b *testing.B) {
	x, y := synthetic(512, 9)
	m, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Fit(context.Background(), x, y, FitOptions{Steps: 2}); err != nil { // compile
		b.Fatal(err)
	}
	b.ResetTimer()
	if err := m.Fit(context.Background(), x, y, FitOptions{Steps: 2 + b.N}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPredict1000 measures PredictProba on 1000 images (one batch).
func BenchmarkPredict1000(b *testing.B) {
	x, _ := synthetic(1000, 9)
	m, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
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
