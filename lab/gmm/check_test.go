package gmm

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestCheckEStepAcceptsReferenceAndExplainsMistakes(t *testing.T) {
	if err := CheckEStep(referenceEStep); err != nil {
		t.Fatalf("reference rejected: %v", err)
	}
	// The homework's exp-then-normalise version fails in 60 dimensions with a hint about log space.
	err := CheckEStep(func(X *mat.Dense, w []float64, mu *mat.Dense, c []*mat.SymDense) (*mat.Dense, error) {
		r, _ := NaiveEStep(X, w, mu, c)
		return r, nil
	})
	if err == nil || !strings.Contains(err.Error(), "log-sum-exp") {
		t.Fatalf("naive E-step: %v", err)
	}
	// Forgetting to normalise.
	err = CheckEStep(func(X *mat.Dense, w []float64, mu *mat.Dense, c []*mat.SymDense) (*mat.Dense, error) {
		r, err := referenceEStep(X, w, mu, c)
		if err != nil {
			return nil, err
		}
		r.Scale(2, r)
		return r, nil
	})
	if err == nil || !strings.Contains(err.Error(), "sums to 2") || !strings.Contains(err.Error(), "divide by the sum") {
		t.Fatalf("unnormalised: %v", err)
	}
	// Ignoring the weights (uniform π).
	err = CheckEStep(func(X *mat.Dense, w []float64, mu *mat.Dense, c []*mat.SymDense) (*mat.Dense, error) {
		u := make([]float64, len(w))
		for i := range u {
			u[i] = 1 / float64(len(w))
		}
		return referenceEStep(X, u, mu, c)
	})
	if err == nil || !strings.Contains(err.Error(), "want") {
		t.Fatalf("uniform weights: %v", err)
	}
	// Wrong shape.
	err = CheckEStep(func(X *mat.Dense, w []float64, mu *mat.Dense, c []*mat.SymDense) (*mat.Dense, error) {
		r, _ := referenceEStep(X, w, mu, c)
		return mat.DenseCopyOf(r.T()), nil
	})
	if err == nil || !strings.Contains(err.Error(), "want N×K") {
		t.Fatalf("transposed: %v", err)
	}
}

func TestCheckMStepAcceptsReferenceAndExplainsMistakes(t *testing.T) {
	if err := CheckMStep(referenceMStep); err != nil {
		t.Fatalf("reference rejected: %v", err)
	}
	err := CheckMStep(func(X, resp *mat.Dense, reg float64) ([]float64, *mat.Dense, []*mat.SymDense, error) {
		return referenceMStep(X, resp, 0) // forgot regCovar
	})
	if err == nil || !strings.Contains(err.Error(), "add regCovar·I") {
		t.Fatalf("missing reg: %v", err)
	}
	err = CheckMStep(func(X, resp *mat.Dense, reg float64) ([]float64, *mat.Dense, []*mat.SymDense, error) {
		w, mu, c, err := referenceMStep(X, resp, reg)
		for i := range w {
			w[i] *= 30 // Nk instead of Nk/N
		}
		return w, mu, c, err
	})
	if err == nil || !strings.Contains(err.Error(), "πₖ = Nₖ / N") {
		t.Fatalf("weights: %v", err)
	}
	err = CheckMStep(func(X, resp *mat.Dense, reg float64) ([]float64, *mat.Dense, []*mat.SymDense, error) {
		w, mu, c, err := referenceMStep(X, resp, reg)
		mu.Set(1, 2, mu.At(1, 2)+1)
		return w, mu, c, err
	})
	if err == nil || !strings.Contains(err.Error(), "mean μ[1][2]") || math.IsNaN(0) {
		t.Fatalf("means: %v", err)
	}
}

// A step that only forwards to the lab's own model passes every comparison;
// the checks see the call and say ✗ with that reason.
func TestChecksRejectForwarding(t *testing.T) {
	err := CheckEStep(func(X *mat.Dense, w []float64, mu *mat.Dense, covs []*mat.SymDense) (*mat.Dense, error) {
		g, err := FromParams(w, mu, covs)
		if err != nil {
			return nil, err
		}
		return g.PredictProba(X)
	})
	if err == nil || !strings.Contains(err.Error(), "gmm.(*GMM).PredictProba") || !strings.Contains(err.Error(), "write the E-step yourself") {
		t.Fatalf("forwarding E-step: %v", err)
	}
	err = CheckMStep(func(X, resp *mat.Dense, reg float64) ([]float64, *mat.Dense, []*mat.SymDense, error) {
		g, err := FromResponsibilities(X, resp, reg)
		if err != nil {
			return nil, nil, nil, err
		}
		return g.Weights(), g.Means(), g.Covariances(), nil
	})
	if err == nil || !strings.Contains(err.Error(), "gmm.FromResponsibilities") {
		t.Fatalf("forwarding M-step: %v", err)
	}
}
