package vae_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gomlx/gomlx/core/graph"

	"github.com/mnistlab/golab/lab/checkpoints"
	"github.com/mnistlab/golab/lab/vae"
)

// A check cell's verdict on a KL term with a classic slip: the variance
// ratio qv/pv left out. The error names the first wrong value.
func ExampleCheckKLNormal() {
	slip := func(qm, qv, pm, pv *graph.Node) *graph.Node {
		d := graph.Sub(qm, pm)
		t := graph.Add(graph.Sub(graph.Log(pv), graph.Log(qv)), graph.Div(graph.Mul(d, d), pv))
		return graph.MulScalar(graph.ReduceSum(graph.AddScalar(t, -1), -1), 0.5)
	}
	fmt.Println(vae.CheckKLNormal(slip) != nil)
	// Output: true
}

// Train a small VAE for a few steps with checkpoints, then reload it.
func ExampleModel() {
	dir, _ := os.MkdirTemp("", "vae-example")
	defer os.RemoveAll(dir)

	// 40 "images": the left half of the picture is ink, the right half paper.
	x := make([]float32, 40*vae.XDim)
	for i := range x {
		if i%28 < 14 {
			x[i] = 0.9
		}
	}
	m, err := vae.New(vae.Config{Z: 2, Hidden: 32, Seed: 1, BatchSize: 10, LearningRate: 0.01, Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = m.Fit(context.Background(), x, vae.FitOptions{Steps: 30, SaveEvery: 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := m.History()
	fmt.Println("steps:", m.Step(), "loss fell:", h.NELBO[29] < h.NELBO[0]/2)

	ckpts, _ := checkpoints.List(dir)
	fmt.Println("checkpoints:", len(ckpts))
	m2, err := vae.Open(dir) // the latest checkpoint, model-30.ckpt
	if err != nil {
		fmt.Println(err)
		return
	}
	imgs, _ := m2.InverseTransform([][]float32{{0, 0}})
	fmt.Printf("reloaded at step %d; decoded pixel (0,0) ink probability > 0.5: %v\n", m2.Step(), imgs[0][0] > 0.5)
	// Output:
	// steps: 30 loss fell: true
	// checkpoints: 3
	// reloaded at step 30; decoded pixel (0,0) ink probability > 0.5: true
}

// Load the shipped VAE of HW2 and decode the origin of its latent space.
func ExampleLoadPretrained() {
	m, err := vae.LoadPretrained()
	if err != nil {
		fmt.Println(err)
		return
	}
	imgs, err := m.InverseTransform([][]float32{make([]float32, m.Config().Z)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("step", m.Step(), "z", m.Config().Z, "losses", len(m.Losses()), "image", len(imgs[0]), "pixels")
	// Output: step 20000 z 10 losses 20000 image 784 pixels
}
