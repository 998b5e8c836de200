package ddpm_test

import (
	"context"
	"fmt"

	"github.com/mnistlab/golab/lab/ddpm"
)

// The cosine schedule keeps almost all of the signal at the first step and
// none at the last.
func ExampleCosine() {
	s, err := ddpm.Cosine(1000)
	if err != nil {
		panic(err)
	}
	fmt.Printf("ᾱ_1 = %.4f, ᾱ_500 = %.4f, ᾱ_1000 = %.1e\n", s.AlphaBar[0], s.AlphaBar[499], s.AlphaBar[999])
	// Output: ᾱ_1 = 1.0000, ᾱ_500 = 0.4938, ᾱ_1000 = 2.4e-09
}

// Train a (tiny) model for a few steps, then draw one image of each of three
// digits with DDIM and classifier-free guidance. Real use: ddpm.LoadPretrained.
func ExampleModel_Sample() {
	m, err := ddpm.New(ddpm.Config{T: 100, Hidden: 32, Blocks: 1, BatchSize: 8, Seed: 1})
	if err != nil {
		panic(err)
	}
	images := make([]float32, 8*ddpm.XDim) // eight blank "images"
	labels := []int{0, 1, 2, 3, 4, 5, 6, 7}
	if err := m.Fit(context.Background(), images, labels, ddpm.FitOptions{Steps: 3}); err != nil {
		panic(err)
	}
	out, err := m.Sample(context.Background(), []int{3, 1, 4}, ddpm.SampleOptions{Method: ddpm.DDIM, Steps: 10, Guidance: 2})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(out), "images of", len(out[0]), "pixels in [0, 1]; step", m.Step())
	// Output: 3 images of 784 pixels in [0, 1]; step 3
}
