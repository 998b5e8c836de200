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
// digit) from the shipped DDPM with DDIM (50 steps, sampling seed 1) at
// guidance weights 0 and 3, judges them with the shipped classifier, and
// compares with the DDPM's README: 87.4 % and 100 %. The backend's float32
// rounding changes individual samples, so the bounds are the README's numbers
// with a margin of three binomial standard deviations over 1000 samples (about
// 3 points at 87 %; at 100 % the bound is 99 %).
func TestShippedWeightsDrawTheIntendedDigits(t *testing.T) {
	if testing.Short() {
		t.Skip("samples 2000 images (about 30 s on the pure-Go backend); skipped with -short")
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
	for _, c := range []struct {
		guidance, readme, min, max float64
	}{
		{0, 0.874, 0.874 - 0.032, 0.874 + 0.032},
		{3, 1.000, 0.99, 1},
	} {
		gen := func(labels []int) ([][]float32, error) {
			return m.Sample(context.Background(), labels, ddpm.SampleOptions{Method: ddpm.DDIM, Steps: 50, Guidance: c.guidance, Seed: 1})
		}
		r, err := genscore.Evaluate("DDPM", judge, gen, genscore.Balanced(100))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s, w=%g: %s, diversity %.2f (README: %.1f %%)", m, c.guidance, r.Judgement, r.Diversity, 100*c.readme)
		if a := r.Judgement.Accuracy; a < c.min || a > c.max {
			t.Errorf("w=%g: classifier accuracy of the intended digit %.1f %% over %d samples, README %.1f %%, want within [%.1f, %.1f] %%",
				c.guidance, 100*a, r.N, 100*c.readme, 100*c.min, 100*c.max)
		}
		if r.Diversity < 3 {
			t.Errorf("w=%g: diversity %.2f: the samples of a digit are nearly identical", c.guidance, r.Diversity)
		}
	}
}
