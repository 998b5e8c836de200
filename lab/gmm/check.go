package gmm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/mnistlab/golab/lab/internal/provenance"
	"gonum.org/v1/gonum/mat"
)

// checkCase builds a fixed problem: n samples in d dimensions drawn around k
// means on the scale of raw pixels (values in the hundreds), with random
// positive-definite covariances (entries on the scale covScale²), soft
// responsibilities, and parameters. With a small covScale the samples lie
// hundreds of standard deviations from every mean: every density underflows
// to 0 when computed with exp, as on raw MNIST pixels.
func checkCase(n, d, k int, covScale float64, seed uint64) (X *mat.Dense, weights []float64, means *mat.Dense, covs []*mat.SymDense, resp *mat.Dense) {
	rng := rand.New(rand.NewPCG(seed, 7))
	means = mat.NewDense(k, d, nil)
	for j := range k {
		for a := range d {
			means.Set(j, a, 100*rng.NormFloat64())
		}
	}
	X = mat.NewDense(n, d, nil)
	for i := range n {
		j := i % k
		for a := range d {
			X.Set(i, a, means.At(j, a)+30*rng.NormFloat64())
		}
	}
	weights = make([]float64, k)
	for j := range k {
		weights[j] = 1 + float64(j)
	}
	for j := range weights {
		weights[j] /= float64(k*(k+1)) / 2
	}
	for range k {
		A := mat.NewDense(d, d, nil)
		for a := range d {
			for b := range d {
				A.Set(a, b, covScale*rng.NormFloat64())
			}
		}
		c := mat.NewSymDense(d, nil)
		c.SymOuterK(1, A)
		for a := range d {
			c.SetSym(a, a, c.At(a, a)+4*covScale*covScale)
		}
		covs = append(covs, c)
	}
	resp = mat.NewDense(n, k, nil)
	for i := range n {
		s := 0.0
		for j := range k {
			v := rng.Float64() + 0.05
			resp.Set(i, j, v)
			s += v
		}
		for j := range k {
			resp.Set(i, j, resp.At(i, j)/s)
		}
	}
	return
}

// CheckEStep runs a student's E-step and the reference EStep on fixed inputs
// and returns nil if the responsibilities agree (within 1e-6), or an error a
// student can act on: the shape, a row that does not sum to 1 (normalise over
// the components), NaN (work in log space with log-sum-exp), or the first
// entry that differs. It tests a small 3-dimensional case, then a
// 60-dimensional one on the scale of raw pixels where computing the densities
// with exp underflows.
func CheckEStep(fn EStepFunc) error {
	if fn == nil {
		return errors.New("no E-step given")
	}
	for _, c := range []struct {
		n, d, k  int
		covScale float64
	}{{12, 3, 3, 10}, {40, 60, 4, 1}} {
		X, w, mu, covs, _ := checkCase(c.n, c.d, c.k, c.covScale, 11)
		var got *mat.Dense
		var err error
		if called := provenance.Watch(func() { got, err = fn(X, w, mu, covs) }); len(called) > 0 {
			return forwarded("E-step", called, "Cholesky factors, log-densities, log-sum-exp")
		}
		if err != nil {
			return fmt.Errorf("D=%d: your E-step returned an error: %w", c.d, err)
		}
		want, err := referenceEStep(X, w, mu, covs)
		if err != nil {
			return err
		}
		if got == nil {
			return fmt.Errorf("D=%d: your E-step returned nil", c.d)
		}
		if r, k := got.Dims(); r != c.n || k != c.k {
			return fmt.Errorf("D=%d: responsibilities have shape %d×%d, want N×K = %d×%d", c.d, r, k, c.n, c.k)
		}
		for i := range c.n {
			s := 0.0
			for j := range c.k {
				v := got.At(i, j)
				if math.IsNaN(v) {
					return fmt.Errorf("D=%d: responsibility [%d,%d] is NaN: the densities underflowed (exp of a very negative number is 0, and 0/0 = NaN); compute log πₖ + log N(x|μₖ,Σₖ) and normalise with log-sum-exp", c.d, i, j)
				}
				s += v
			}
			if math.Abs(s-1) > 1e-6 {
				return fmt.Errorf("D=%d: row %d of the responsibilities sums to %.6g, want 1: divide by the sum over the components", c.d, i, s)
			}
		}
		for i := range c.n {
			for j := range c.k {
				if g, wv := got.At(i, j), want.At(i, j); math.Abs(g-wv) > 1e-6 {
					return fmt.Errorf("D=%d: responsibility [%d,%d] = %.6g, want %.6g (check the weights πₖ, the log-determinant and the Mahalanobis term)", c.d, i, j, g, wv)
				}
			}
		}
	}
	return nil
}

// CheckMStep runs a student's M-step and the reference MStep on fixed
// inputs and returns nil if weights, means and covariances agree (within
// 1e-6 relative), or an error naming the first difference and its likely
// cause (weights not divided by N, covariances divided by N instead of Nₖ,
// regCovar·I missing).
func CheckMStep(fn MStepFunc) error {
	if fn == nil {
		return errors.New("no M-step given")
	}
	const reg = 1e-3
	n, d, k := 30, 3, 3
	X, _, _, _, resp := checkCase(n, d, k, 10, 5)
	var w []float64
	var mu *mat.Dense
	var covs []*mat.SymDense
	var err error
	if called := provenance.Watch(func() { w, mu, covs, err = fn(X, resp, reg) }); len(called) > 0 {
		return forwarded("M-step", called, "Nₖ, the weights, the weighted means and scatter matrices")
	}
	if err != nil {
		return fmt.Errorf("your M-step returned an error: %w", err)
	}
	ww, wmu, wcovs, err := referenceMStep(X, resp, reg)
	if err != nil {
		return err
	}
	if len(w) != k {
		return fmt.Errorf("%d weights, want K = %d", len(w), k)
	}
	sum := 0.0
	for _, v := range w {
		sum += v
	}
	if math.Abs(sum-1) > 1e-6 {
		return fmt.Errorf("the weights sum to %.6g, want 1: πₖ = Nₖ / N", sum)
	}
	for j := range k {
		if math.Abs(w[j]-ww[j]) > 1e-6 {
			return fmt.Errorf("weight π[%d] = %.6g, want %.6g (Nₖ / N with Nₖ = Σₙ γₙₖ)", j, w[j], ww[j])
		}
	}
	if mu == nil {
		return errors.New("means is nil")
	}
	if r, c := mu.Dims(); r != k || c != d {
		return fmt.Errorf("means have shape %d×%d, want K×D = %d×%d", r, c, k, d)
	}
	for j := range k {
		for a := range d {
			if g, wv := mu.At(j, a), wmu.At(j, a); math.Abs(g-wv) > 1e-6*math.Max(1, math.Abs(wv)) {
				return fmt.Errorf("mean μ[%d][%d] = %.6g, want %.6g (μₖ = Σₙ γₙₖ xₙ / Nₖ)", j, a, g, wv)
			}
		}
	}
	if len(covs) != k {
		return fmt.Errorf("%d covariances, want K = %d", len(covs), k)
	}
	for j := range k {
		if covs[j] == nil || covs[j].SymmetricDim() != d {
			return fmt.Errorf("covariance %d is not %d×%d", j, d, d)
		}
		for a := range d {
			for b := range d {
				g, wv := covs[j].At(a, b), wcovs[j].At(a, b)
				if math.Abs(g-wv) <= 1e-6*math.Max(1, math.Abs(wv)) {
					continue
				}
				if a == b && math.Abs(g+reg-wv) <= 1e-6*math.Max(1, math.Abs(wv)) {
					return fmt.Errorf("covariance Σ[%d][%d,%d] = %.6g, want %.6g: add regCovar·I to each covariance", j, a, b, g, wv)
				}
				return fmt.Errorf("covariance Σ[%d][%d,%d] = %.6g, want %.6g (Σₖ = Σₙ γₙₖ (xₙ−μₖ)(xₙ−μₖ)ᵀ / Nₖ + regCovar·I, with the new μₖ)", j, a, b, g, wv)
			}
		}
	}
	return nil
}

// forwarded is the check's verdict on a step that calls the lab's own model
// (the comparisons would pass, but the work is the lab's).
func forwarded(step string, called []string, what string) error {
	return fmt.Errorf("your %s calls the lab's %s, which computes it for you: write the %s yourself (%s)",
		step, strings.Join(called, ", "), step, what)
}
