package ddpm

import (
	"fmt"
	"math"
)

// Schedule is a discrete noise schedule of T steps. Index i (0 ≤ i < T) holds
// step t = i+1: Beta[i] = β_t, Alpha[i] = α_t = 1 − β_t and AlphaBar[i] =
// ᾱ_t = α_1·…·α_t, so that the forward process noises a clean image x₀ to
//
//	x_t = √ᾱ_t · x₀ + √(1 − ᾱ_t) · ε,   ε ~ N(0, I).
type Schedule struct {
	Name     string
	Beta     []float64
	Alpha    []float64
	AlphaBar []float64
}

// cosineOffset is the s of Nichol & Dhariwal (2021), which keeps β_1 from being
// vanishingly small.
const cosineOffset = 0.008

// maxBeta clips the betas of the cosine schedule, whose last steps would
// otherwise approach 1 (Nichol & Dhariwal clip at 0.999).
const maxBeta = 0.999

// Cosine is the cosine schedule of Nichol & Dhariwal (2021), the course's:
//
//	ᾱ(t) = f(t)/f(0),  f(t) = cos²((t/T + s)/(1 + s) · π/2),  s = 0.008,
//
// with β_t = min(1 − ᾱ(t)/ᾱ(t−1), 0.999). ᾱ falls from ≈1 to 0 along a
// cosine, so fewer steps are wasted on nearly clean or nearly pure-noise
// images than with the linear schedule.
func Cosine(T int) (Schedule, error) {
	if T < 1 {
		return Schedule{}, fmt.Errorf("ddpm: T=%d steps, want ≥ 1", T)
	}
	f := func(t int) float64 {
		c := math.Cos((float64(t)/float64(T) + cosineOffset) / (1 + cosineOffset) * math.Pi / 2)
		return c * c
	}
	betas := make([]float64, T)
	for t := 1; t <= T; t++ {
		betas[t-1] = min(1-f(t)/f(t-1), maxBeta)
	}
	return fromBetas("cosine", betas), nil
}

// Linear is the linear schedule of Ho et al. (2020): β rises linearly from
// 1e-4 to 0.02 over 1000 steps (scaled by 1000/T for other T).
func Linear(T int) (Schedule, error) {
	if T < 1 {
		return Schedule{}, fmt.Errorf("ddpm: T=%d steps, want ≥ 1", T)
	}
	scale := 1000 / float64(T)
	lo, hi := scale*1e-4, min(scale*0.02, maxBeta)
	betas := make([]float64, T)
	for i := range betas {
		if T == 1 {
			betas[i] = hi
			continue
		}
		betas[i] = lo + (hi-lo)*float64(i)/float64(T-1)
	}
	return fromBetas("linear", betas), nil
}

// NewSchedule returns the schedule called name ("cosine" or "linear").
func NewSchedule(name string, T int) (Schedule, error) {
	switch name {
	case "cosine", "":
		return Cosine(T)
	case "linear":
		return Linear(T)
	}
	return Schedule{}, fmt.Errorf("ddpm: unknown schedule %q (want cosine or linear)", name)
}

func fromBetas(name string, betas []float64) Schedule {
	s := Schedule{Name: name, Beta: betas, Alpha: make([]float64, len(betas)), AlphaBar: make([]float64, len(betas))}
	prod := 1.0
	for i, b := range betas {
		s.Alpha[i] = 1 - b
		prod *= 1 - b
		s.AlphaBar[i] = prod
	}
	return s
}

// T is the number of steps.
func (s Schedule) T() int { return len(s.Beta) }

// alphaBarPrev is ᾱ_{t−1} for index i (ᾱ_0 = 1).
func (s Schedule) alphaBarPrev(i int) float64 {
	if i == 0 {
		return 1
	}
	return s.AlphaBar[i-1]
}

// PosteriorVariance is β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t) · β_t, the variance of
// q(x_{t−1} | x_t, x₀), for index i (step t = i+1).
func (s Schedule) PosteriorVariance(i int) float64 {
	return (1 - s.alphaBarPrev(i)) / (1 - s.AlphaBar[i]) * s.Beta[i]
}

// Noise is the closed form of the forward process: it returns
// x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε for index i (step t = i+1), elementwise over
// x0 and eps, which must have the same length.
func (s Schedule) Noise(x0, eps []float32, i int) ([]float32, error) {
	if i < 0 || i >= s.T() {
		return nil, fmt.Errorf("ddpm: step index %d outside [0, %d)", i, s.T())
	}
	if len(x0) != len(eps) {
		return nil, fmt.Errorf("ddpm: x0 has %d values but eps has %d", len(x0), len(eps))
	}
	a, b := math.Sqrt(s.AlphaBar[i]), math.Sqrt(1-s.AlphaBar[i])
	out := make([]float32, len(x0))
	for j := range x0 {
		out[j] = float32(a*float64(x0[j]) + b*float64(eps[j]))
	}
	return out, nil
}

// Step is one step of the forward Markov chain,
// x_t = √α_t·x_{t−1} + √β_t·z, from index i−1 to index i; applying it for
// i = 0, 1, …, k gives x at index k with the distribution of Noise.
func (s Schedule) Step(prev, z []float32, i int) ([]float32, error) {
	if i < 0 || i >= s.T() {
		return nil, fmt.Errorf("ddpm: step index %d outside [0, %d)", i, s.T())
	}
	if len(prev) != len(z) {
		return nil, fmt.Errorf("ddpm: x has %d values but z has %d", len(prev), len(z))
	}
	a, b := math.Sqrt(s.Alpha[i]), math.Sqrt(s.Beta[i])
	out := make([]float32, len(prev))
	for j := range prev {
		out[j] = float32(a*float64(prev[j]) + b*float64(z[j]))
	}
	return out, nil
}
