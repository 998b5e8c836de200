package ddpm

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/core/tensors"
)

// Sampler names for SampleOptions.Method.
const (
	// Ancestral is the DDPM sampler of Ho et al.: T steps, each drawing
	// x_{t−1} ~ N(μ̃(x_t, x̂₀), β̃_t) from the posterior given the predicted x̂₀.
	Ancestral = "ddpm"
	// DDIM is the sampler of Song et al. (2021) on a subsequence of Steps of
	// the T steps; with Eta = 0 it is deterministic given x_T.
	DDIM = "ddim"
)

// SampleOptions control Sample.
type SampleOptions struct {
	// Method is Ancestral (default) or DDIM.
	Method string
	// Steps is the number of DDIM steps (default 50); the ancestral sampler
	// always takes the model's T steps.
	Steps int
	// Eta scales DDIM's noise: 0 (default) is deterministic, 1 is DDPM-like.
	Eta float64
	// Guidance is the classifier-free guidance weight w: the network's noise
	// estimate is ε̃ = (1+w)·ε(x_t, y) − w·ε(x_t, ∅). 0 (default) is the
	// plain conditional model, conditioning only through the concatenated
	// label; it costs half as much as w > 0.
	Guidance float64
	// Seed seeds x_T and the sampler's noise.
	Seed uint64
	// BatchSize bounds the images denoised at once (default 500).
	BatchSize int
	// Progress, if set, is called after each denoising step of each batch.
	Progress func(done, total int)
}

// Sample generates one image per label (0–9, or NullLabel for an
// unconditional sample) by running the reverse process from pure noise with
// the moving-average weights. Images are 784 values in [0, 1], row-major.
// The predicted clean image is clipped to [−1, 1] at every step, as in Ho et
// al.'s sampler.
func (m *Model) Sample(ctx context.Context, labels []int, opts SampleOptions) ([][]float32, error) {
	if len(labels) == 0 {
		return nil, fmt.Errorf("ddpm: Sample: no labels")
	}
	for i, l := range labels {
		if l < 0 || l > NullLabel {
			return nil, fmt.Errorf("ddpm: Sample: label %d at %d, want 0–9 or %d (unconditional)", l, i, NullLabel)
		}
	}
	if math.IsNaN(opts.Guidance) || math.IsInf(opts.Guidance, 0) || opts.Guidance < 0 {
		return nil, fmt.Errorf("ddpm: Sample: guidance weight %v, want ≥ 0", opts.Guidance)
	}
	if opts.BatchSize == 0 {
		opts.BatchSize = 500
	}
	steps, err := m.timesteps(opts)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	out := make([][]float32, 0, len(labels))
	total := len(steps) * ((len(labels) + opts.BatchSize - 1) / opts.BatchSize)
	done := 0
	for lo := 0; lo < len(labels); lo += opts.BatchSize {
		hi := min(lo+opts.BatchSize, len(labels))
		imgs, err := m.sampleBatch(ctx, labels[lo:hi], steps, opts, rng, func() {
			done++
			if opts.Progress != nil {
				opts.Progress(done, total)
			}
		})
		if err != nil {
			return nil, err
		}
		out = append(out, imgs...)
	}
	return out, nil
}

// timesteps returns the step indices the sampler visits, from T−1 down to 0.
func (m *Model) timesteps(opts SampleOptions) ([]int, error) {
	T := m.cfg.T
	switch opts.Method {
	case Ancestral, "":
		idx := make([]int, T)
		for i := range idx {
			idx[i] = T - 1 - i
		}
		return idx, nil
	case DDIM:
		s := opts.Steps
		if s == 0 {
			s = 50
		}
		if s < 1 || s > T {
			return nil, fmt.Errorf("ddpm: DDIM with %d steps, want 1…%d", s, T)
		}
		if opts.Eta < 0 || opts.Eta > 1 || math.IsNaN(opts.Eta) {
			return nil, fmt.Errorf("ddpm: DDIM eta=%v, want in [0, 1]", opts.Eta)
		}
		idx := make([]int, s)
		for k := range idx { // evenly spaced from T−1 down to 0
			if s == 1 {
				idx[k] = T - 1
				continue
			}
			idx[k] = int(math.Round(float64(T-1) * float64(s-1-k) / float64(s-1)))
		}
		return idx, nil
	}
	return nil, fmt.Errorf("ddpm: unknown sampler %q (want %q or %q)", opts.Method, Ancestral, DDIM)
}

func (m *Model) sampleBatch(ctx context.Context, labels []int, steps []int, opts SampleOptions, rng *rand.Rand, tick func()) ([][]float32, error) {
	n := len(labels)
	x := make([]float64, n*XDim)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	y := make([]int32, n)
	for i, l := range labels {
		y[i] = int32(l)
	}
	xf := make([]float32, n*XDim)
	tf := make([]float32, n)
	ddim := opts.Method == DDIM
	for k, i := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for j, v := range x {
			xf[j] = float32(v)
		}
		for j := range tf {
			tf[j] = float32(i + 1)
		}
		eps, err := m.predict(xf, tf, y, opts.Guidance)
		if err != nil {
			return nil, err
		}
		ab := m.sched.AlphaBar[i]
		// Predicted clean image x̂₀, clipped, and the noise consistent with it.
		sa, s1 := math.Sqrt(ab), math.Sqrt(1-ab)
		x0 := make([]float64, len(x))
		for j := range x {
			x0[j] = min(1, max(-1, (x[j]-s1*float64(eps[j]))/sa))
		}
		if ddim {
			abPrev := 1.0
			if k+1 < len(steps) {
				abPrev = m.sched.AlphaBar[steps[k+1]]
			}
			sigma := opts.Eta * math.Sqrt((1-abPrev)/(1-ab)*(1-ab/abPrev))
			c := math.Sqrt(max(0, 1-abPrev-sigma*sigma))
			for j := range x {
				e := (x[j] - sa*x0[j]) / s1
				x[j] = math.Sqrt(abPrev)*x0[j] + c*e
				if sigma > 0 {
					x[j] += sigma * rng.NormFloat64()
				}
			}
		} else {
			abPrev := m.sched.alphaBarPrev(i)
			c0 := m.sched.Beta[i] * math.Sqrt(abPrev) / (1 - ab)
			ct := (1 - abPrev) * math.Sqrt(m.sched.Alpha[i]) / (1 - ab)
			sd := math.Sqrt(m.sched.PosteriorVariance(i))
			for j := range x {
				x[j] = c0*x0[j] + ct*x[j]
				if i > 0 {
					x[j] += sd * rng.NormFloat64()
				}
			}
		}
		tick()
	}
	out := make([][]float32, n)
	for r := range out {
		img := make([]float32, XDim)
		for j := range img {
			img[j] = float32(min(1, max(0, (x[r*XDim+j]+1)/2)))
		}
		out[r] = img
	}
	return out, nil
}

// PredictNoise is the moving-average network's noise estimate ε̃ for noisy
// images x (N×784, on the [−1, 1] scale), steps t (1…T) and labels y, with
// guidance weight w (0: plain conditional).
func (m *Model) PredictNoise(x []float32, t []int, y []int, w float64) ([]float32, error) {
	n := len(y)
	if len(x) != n*XDim || len(t) != n {
		return nil, fmt.Errorf("ddpm: PredictNoise: %d values, %d steps, %d labels, want N×%d, N, N", len(x), len(t), n, XDim)
	}
	tf := make([]float32, n)
	yi := make([]int32, n)
	for i := range n {
		if t[i] < 1 || t[i] > m.cfg.T || y[i] < 0 || y[i] > NullLabel {
			return nil, fmt.Errorf("ddpm: PredictNoise: step %d or label %d out of range", t[i], y[i])
		}
		tf[i], yi[i] = float32(t[i]), int32(y[i])
	}
	return m.predict(x, tf, yi, w)
}

func (m *Model) predict(x, t []float32, y []int32, w float64) ([]float32, error) {
	n := len(y)
	a, s := make([]float32, n), make([]float32, n)
	for i, ti := range t {
		ab := m.sched.AlphaBar[int(ti)-1]
		a[i], s[i] = float32(math.Sqrt(ab)), float32(math.Sqrt(1-ab))
	}
	xt := tensors.FromFlatDataAndDimensions(x, n, XDim)
	tt := tensors.FromFlatDataAndDimensions(t, n)
	yt := tensors.FromFlatDataAndDimensions(y, n)
	at := tensors.FromFlatDataAndDimensions(a, n, 1)
	st := tensors.FromFlatDataAndDimensions(s, n, 1)
	var res []*tensors.Tensor
	var err error
	if w == 0 {
		res, err = m.condExec.Call(xt, tt, yt, at, st)
	} else {
		res, err = m.guidedExec.Call(xt, tt, yt, at, st, tensors.FromScalar(float32(w)))
	}
	if err != nil {
		return nil, fmt.Errorf("ddpm: %w", err)
	}
	return tensors.CopyFlatData[float32](res[0])
}
