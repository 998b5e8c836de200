package pca

import (
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestCheckFitAcceptsReferenceAndExplainsMistakes(t *testing.T) {
	if err := CheckFit(referenceFit); err != nil {
		t.Fatalf("reference rejected: %v", err)
	}
	// Covariance divided by N (np.var style) instead of N−1.
	err := CheckFit(func(X *mat.Dense, dim int) ([]float64, *mat.Dense, []float64, error) {
		m, c, e, err := referenceFit(X, dim)
		n, _ := X.Dims()
		for i := range e {
			e[i] *= float64(n-1) / float64(n)
		}
		return m, c, e, err
	})
	if err == nil || !strings.Contains(err.Error(), "divided by N") {
		t.Fatalf("N vs N−1: %v", err)
	}
	// Eigenvectors as columns.
	err = CheckFit(func(X *mat.Dense, dim int) ([]float64, *mat.Dense, []float64, error) {
		m, c, e, err := referenceFit(X, dim)
		return m, mat.DenseCopyOf(c.T()), e, err
	})
	if err == nil || !strings.Contains(err.Error(), "as rows (transpose)") {
		t.Fatalf("columns: %v", err)
	}
	// Ascending order, as eigh returns them.
	err = CheckFit(func(X *mat.Dense, dim int) ([]float64, *mat.Dense, []float64, error) {
		m, c, e, err := referenceFit(X, dim)
		for i, j := 0, len(e)-1; i < j; i, j = i+1, j-1 {
			e[i], e[j] = e[j], e[i]
		}
		return m, c, e, err
	})
	if err == nil || !strings.Contains(err.Error(), "decreasing order") {
		t.Fatalf("order: %v", err)
	}
	// A sign flip is fine.
	if err := CheckFit(func(X *mat.Dense, dim int) ([]float64, *mat.Dense, []float64, error) {
		m, c, e, err := referenceFit(X, dim)
		c.Scale(-1, c)
		return m, c, e, err
	}); err != nil {
		t.Fatalf("sign flip rejected: %v", err)
	}
}

// A fit that forwards to the lab's PCA passes every comparison; the check sees
// the call and says ✗ with that reason.
func TestCheckFitRejectsForwarding(t *testing.T) {
	err := CheckFit(func(X *mat.Dense, dim int) ([]float64, *mat.Dense, []float64, error) {
		p := New(dim)
		if err := p.Fit(X); err != nil {
			return nil, nil, nil, err
		}
		return p.Mean(), p.Components(), p.AllEigenvalues(), nil
	})
	if err == nil || !strings.Contains(err.Error(), "pca.(*PCA).Fit") {
		t.Fatalf("forwarding fit: %v", err)
	}
	err = CheckFit(func(X *mat.Dense, dim int) ([]float64, *mat.Dense, []float64, error) {
		if _, _, err := Covariance(X); err != nil {
			return nil, nil, nil, err
		}
		return referenceFit(X, dim)
	})
	if err == nil || !strings.Contains(err.Error(), "pca.Covariance") {
		t.Fatalf("fit using pca.Covariance: %v", err)
	}
}
