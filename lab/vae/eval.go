package vae

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/mnistlab/golab/lab/internal/batch"
	"github.com/mnistlab/golab/lab/internal/train"
	"github.com/mnistlab/golab/lab/runmode"
)

// EvalOptions control Evaluate. The zero value is the homework's evaluation
// without the IWAE bounds.
type EvalOptions struct {
	// Repeats is the number of passes over the images whose NELBO, KL and REC
	// are averaged (default 100, or 5 in quick mode: runmode.Quick). Each pass
	// draws new z samples.
	Repeats int
	// Seed fixes the binarization of the images and the noise (default 0).
	Seed uint64
	// IWAE lists sample counts k for the IWAE bound, e.g. {1, 10, 100, 1000};
	// bound k is averaged over max(Repeats/k, 1) passes, as in the homework.
	IWAE []int
	// IWAEImages limits the IWAE bounds to the first IWAEImages images (0: all).
	IWAEImages int
	// Rows bounds the rows (images × samples) handled per graph call, which
	// bounds memory (default 5000: about 16 MB per 784-wide tensor).
	Rows int
}

// EvalResult is the outcome of Evaluate. All bounds are in nats per image.
type EvalResult struct {
	NELBO, KL, REC float64
	Images         int
	Repeats        int
	IWAE           []IWAEResult
	Elapsed        time.Duration
}

// IWAEResult is the negative IWAE bound with K samples and the Monte Carlo
// estimates of the ELBO's KL and REC terms over its samples.
type IWAEResult struct {
	K       int     `json:"k"`
	NIWAE   float64 `json:"niwae"`
	KL      float64 `json:"kl"`
	REC     float64 `json:"rec"`
	Images  int     `json:"images"`
	Repeats int     `json:"repeats"`
}

// Evaluate computes the homework's evaluation of the model on x (N×784 values
// in [0, 1], row-major): the images are binarized once with a fixed seed, then
// NELBO, KL and REC are the means over Repeats passes of the single-sample
// bound, and each requested IWAE bound is averaged likewise. Evaluation uses
// its own random numbers and does not change the model's training state.
func (m *Model) Evaluate(x []float32, opts EvalOptions) (EvalResult, error) {
	start := time.Now()
	n, err := batch.Images("vae", x)
	if err != nil {
		return EvalResult{}, err
	}
	if opts.Repeats == 0 {
		opts.Repeats = runmode.Pick(100, 5)
	}
	if opts.Rows == 0 {
		opts.Rows = 5000
	}
	if opts.Repeats < 0 || opts.Rows < 0 || opts.IWAEImages < 0 {
		return EvalResult{}, fmt.Errorf("vae: Repeats=%d Rows=%d IWAEImages=%d, want ≥ 0", opts.Repeats, opts.Rows, opts.IWAEImages)
	}
	for _, k := range opts.IWAE {
		if k < 1 {
			return EvalResult{}, fmt.Errorf("vae: IWAE with k=%d samples, want k ≥ 1", k)
		}
	}
	xb := binarizeFixed(x, opts.Seed)
	rng, err := graph.RNGStateFromSeed(int64(opts.Seed))
	if err != nil {
		return EvalResult{}, fmt.Errorf("vae: %w", err)
	}
	res := EvalResult{Images: n, Repeats: opts.Repeats}

	// NELBO: batches of opts.Rows images; each call returns batch means.
	bs := min(n, opts.Rows)
	var sums [3]float64
	for range opts.Repeats {
		for lo := 0; lo < n; lo += bs {
			hi := min(n, lo+bs)
			outs, err := m.elboExec.Call(tensors.FromFlatDataAndDimensions(xb[lo*XDim:hi*XDim], hi-lo, XDim), rng)
			if err != nil {
				return EvalResult{}, fmt.Errorf("vae: evaluating: %w", err)
			}
			for i, v := range train.Scalars(outs[:3]) {
				sums[i] += v * float64(hi-lo) // batch means
			}
			rng = outs[3]
		}
	}
	total := float64(n * opts.Repeats)
	res.NELBO, res.KL, res.REC = sums[0]/total, sums[1]/total, sums[2]/total

	ni := n
	if opts.IWAEImages > 0 {
		ni = min(n, opts.IWAEImages)
	}
	for _, k := range opts.IWAE {
		exec, err := m.iwaeExec(k)
		if err != nil {
			return EvalResult{}, err
		}
		reps := max(opts.Repeats/k, 1)
		bs := min(ni, max(1, opts.Rows/k))
		var sums [3]float64
		for range reps {
			for lo := 0; lo < ni; lo += bs {
				hi := min(ni, lo+bs)
				outs, err := exec.Call(tensors.FromFlatDataAndDimensions(xb[lo*XDim:hi*XDim], hi-lo, XDim), rng)
				if err != nil {
					return EvalResult{}, fmt.Errorf("vae: IWAE k=%d: %w", k, err)
				}
				for i, v := range train.Scalars(outs[:3]) {
					sums[i] += v // sums over the batch's images
				}
				rng = outs[3]
			}
		}
		total := float64(ni * reps)
		res.IWAE = append(res.IWAE, IWAEResult{K: k, NIWAE: sums[0] / total, KL: sums[1] / total,
			REC: sums[2] / total, Images: ni, Repeats: reps})
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// binarizeFixed returns a Bernoulli sample of x, reproducible from seed.
func binarizeFixed(x []float32, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 0xb1a7))
	out := make([]float32, len(x))
	for i, p := range x {
		if r.Float32() < p {
			out[i] = 1
		}
	}
	return out
}
