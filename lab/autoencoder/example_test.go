package autoencoder_test

import (
	"context"
	"fmt"
	"os"

	"github.com/mnistlab/golab/lab/autoencoder"
	"github.com/mnistlab/golab/lab/checkpoints"
)

// Train a small autoencoder for a few steps with checkpoints, reload it from
// its directory and check that it encodes exactly as before.
func Example() {
	dir, _ := os.MkdirTemp("", "autoencoder-example")
	defer os.RemoveAll(dir)

	// 40 "images": the left half of the picture is ink, the right half paper.
	x := make([]float32, 40*autoencoder.XDim)
	for i := range x {
		if i%28 < 14 {
			x[i] = 0.9
		}
	}
	cfg := autoencoder.Config{Hidden: []int{32, 8}, Seed: 1, BatchSize: 10, LearningRate: 0.01, Dir: dir}
	m, err := autoencoder.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := m.Fit(context.Background(), x, autoencoder.FitOptions{Steps: 40, SaveEvery: 20}); err != nil {
		fmt.Println(err)
		return
	}
	l := m.Losses()
	fmt.Println("steps:", m.Step(), "loss fell:", l[39] < l[0]/2)

	ckpts, _ := checkpoints.List(dir)
	fmt.Println("checkpoints:", len(ckpts))

	m2, err := autoencoder.New(cfg) // resumes from model-40.ckpt
	if err != nil {
		fmt.Println(err)
		return
	}
	z1, _ := m.Encode(x[:autoencoder.XDim])
	z2, _ := m2.Encode(x[:autoencoder.XDim])
	fmt.Printf("reloaded at step %d, code of 2 numbers: %v, same code: %v\n", m2.Step(), len(z2[0]), z1[0][0] == z2[0][0] && z1[0][1] == z2[0][1])
	rec, _ := m2.Reconstruct(x[:autoencoder.XDim])
	fmt.Printf("reconstructed pixel (0,0) is ink: %v, pixel (0,27) is paper: %v\n", rec[0][0] > 0.5, rec[0][27] < 0.5)
	// Output:
	// steps: 40 loss fell: true
	// checkpoints: 2
	// reloaded at step 40, code of 2 numbers: 2, same code: true
	// reconstructed pixel (0,0) is ink: true, pixel (0,27) is paper: true
}
