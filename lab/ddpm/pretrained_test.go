package ddpm_test

import (
	"context"
	"errors"
	"io/fs"
	"testing"

	"github.com/mnistlab/golab/lab/classifier"
	"github.com/mnistlab/golab/lab/ddpm"
	"github.com/mnistlab/golab/lab/genscore"
)

// TestShippedWeightsDrawTheIntendedDigits samples 1000 images (100 of each
// digit) from the shipped DDPM — DDIM with 50 steps and guidance weight 3 —
// and requires the shipped classifier to read ≥ 95 % of them as the digit
// asked for.
func TestShippedWeightsDrawTheIntendedDigits(t *testing.T) {
	if testing.Short() {
		t.Skip("samples 1000 images (about a minute on the pure-Go backend); skipped with -short")
	}
	m, err := ddpm.LoadPretrained()
	if err != nil {
		t.Fatal(err)
	}
	judge, err := classifier.LoadPretrained()
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no shipped classifier")
	}
	if err != nil {
		t.Fatal(err)
	}
	gen := func(labels []int) ([][]float32, error) {
		return m.Sample(context.Background(), labels, ddpm.SampleOptions{Method: ddpm.DDIM, Steps: 50, Guidance: 3, Seed: 1})
	}
	r, err := genscore.Evaluate("DDPM", judge, gen, genscore.Balanced(100))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s, diversity %.2f", m, r.Judgement, r.Diversity)
	if r.Judgement.Accuracy < 0.95 {
		t.Errorf("classifier accuracy of the intended digit %.1f %% over %d samples, want ≥ 95 %%", 100*r.Judgement.Accuracy, r.N)
	}
	if r.Diversity < 3 {
		t.Errorf("diversity %.2f: the samples of a digit are nearly identical", r.Diversity)
	}
}
