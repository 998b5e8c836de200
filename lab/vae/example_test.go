package vae_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"

	"github.com/mnistlab/golab/lab/backend"
	"github.com/mnistlab/golab/lab/checkpoints"
	"github.com/mnistlab/golab/lab/vae"
)

// KL(N(0,1) ‖ N(0,1)) = 0 and KL(N(1,2) ‖ N(0,1)) = ½(2 − log 2) per dimension.
func ExampleKLNormal() {
	b, err := backend.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	kl := graph.MustExecOnce(b, func(qm, qv *graph.Node) *graph.Node {
		g := qm.Graph()
		prior := func(v float64) *graph.Node { return graph.Scalar(g, dtypes.Float64, v) }
		return vae.KLNormal(qm, qv, prior(0), prior(1))
	}, [][]float64{{0, 0}, {1, 0}}, [][]float64{{1, 1}, {2, 1}})
	fmt.Printf("%.4f\n", kl.Value())
	// Output: [0.0000 0.6534]
}

// Two pixels with logit 0 (probability ½) have log-likelihood 2·log ½; a
// confident wrong logit of 1000 costs exactly 1000 nats, without overflow.
func ExampleLogBernoulliWithLogits() {
	b, err := backend.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	ll := graph.MustExecOnce(b, vae.LogBernoulliWithLogits,
		[][]float32{{1, 0}, {0, 1}}, [][]float32{{0, 0}, {1000, 1000}})
	fmt.Printf("%.4f\n", ll.Value())
	// Output: [-1.3863 -1000.0000]
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
