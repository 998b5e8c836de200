package pca

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/mnistlab/golab/lab/internal/provenance"
	"gonum.org/v1/gonum/mat"
)

// checkX is the fixed input of CheckFit: 8 samples in 4 dimensions with
// distinct covariance eigenvalues, so the components are unique up to sign.
var checkX = mat.NewDense(8, 4, []float64{
	2.0, 1.0, 0.5, 3.0,
	4.0, 2.5, 1.0, 2.0,
	1.0, 0.0, 2.0, 1.0,
	5.0, 3.5, 0.0, 4.0,
	3.0, 1.5, 1.5, 0.0,
	0.0, 1.0, 3.0, 2.5,
	6.0, 4.0, 1.0, 3.5,
	2.5, 2.0, 2.5, 1.5,
})

// CheckFit runs a student's FitFunc and the lab's own fit on a fixed
// 8×4 input with dim = 2 and returns nil if they agree, or an error that says
// what differs in terms a student can act on (shape, the mean, the eigenvalue
// order, dividing by N instead of N−1, a component that is not an
// eigenvector). Components are compared up to sign.
func CheckFit(fn FitFunc) (err error) {
	if fn == nil {
		return errors.New("no fit function given")
	}
	const dim, tol = 2, 1e-6
	X := mat.DenseCopyOf(checkX)
	var mean []float64
	var comps *mat.Dense
	var eig []float64
	if called := provenance.Watch(func() { mean, comps, eig, err = fn(X, dim) }); len(called) > 0 {
		return fmt.Errorf("your fit calls the lab's %s, which computes it for you: write the PCA fit yourself (the mean, the covariance, mat.EigenSym, sort, the top dim rows)", strings.Join(called, ", "))
	}
	if err != nil {
		return fmt.Errorf("your fit returned an error: %w", err)
	}
	if !mat.Equal(X, checkX) {
		return errors.New("your fit modified its input X: centre a copy instead")
	}
	wantMean, wantComps, wantEig, err := referenceFit(X, dim)
	if err != nil {
		return err
	}
	n, d := X.Dims()
	if len(mean) != d {
		return fmt.Errorf("mean has %d values, want %d (one per feature/column)", len(mean), d)
	}
	for j := range d {
		if math.Abs(mean[j]-wantMean[j]) > tol {
			return fmt.Errorf("mean[%d] = %.6g, want %.6g (the mean of column %d)", j, mean[j], wantMean[j], j)
		}
	}
	if comps == nil {
		return errors.New("components is nil")
	}
	if r, c := comps.Dims(); r != dim || c != d {
		if r == d && c == dim {
			return fmt.Errorf("components has shape %d×%d, want %d×%d: keep the eigenvectors as rows (transpose)", r, c, dim, d)
		}
		return fmt.Errorf("components has shape %d×%d, want %d×%d (the top %d eigenvectors as rows)", r, c, dim, d, dim)
	}
	if len(eig) < dim {
		return fmt.Errorf("%d eigenvalues returned, want at least %d", len(eig), dim)
	}
	for i := 1; i < len(eig); i++ {
		if eig[i] > eig[i-1]+tol {
			return fmt.Errorf("eigenvalues are not in decreasing order (λ%d = %.4g < λ%d = %.4g): sort them, largest first", i-1, eig[i-1], i, eig[i])
		}
	}
	for i := range dim {
		if math.Abs(eig[i]-wantEig[i]) > tol*math.Max(1, wantEig[i]) {
			ratio := eig[i] / wantEig[i]
			if math.Abs(ratio-float64(n-1)/float64(n)) < 1e-6 {
				return fmt.Errorf("eigenvalue %d = %.6g, want %.6g: the covariance was divided by N; np.cov divides by N−1", i, eig[i], wantEig[i])
			}
			return fmt.Errorf("eigenvalue %d = %.6g, want %.6g", i, eig[i], wantEig[i])
		}
	}
	for i := range dim {
		same, flipped := 0.0, 0.0
		for j := range d {
			same = math.Max(same, math.Abs(comps.At(i, j)-wantComps.At(i, j)))
			flipped = math.Max(flipped, math.Abs(comps.At(i, j)+wantComps.At(i, j)))
		}
		if math.Min(same, flipped) > tol {
			norm := mat.Norm(comps.RowView(i), 2)
			if math.Abs(norm-1) > 1e-6 {
				return fmt.Errorf("component %d has length %.4g, want a unit vector", i, norm)
			}
			return fmt.Errorf("component %d = %v, want ±%v (the eigenvector of the %d-th largest eigenvalue)",
				i, fmtRow(comps, i), fmtRow(wantComps, i), i+1)
		}
	}
	return nil
}

func fmtRow(m *mat.Dense, i int) string {
	_, c := m.Dims()
	s := "["
	for j := range c {
		if j > 0 {
			s += " "
		}
		s += fmt.Sprintf("%.3f", m.At(i, j))
	}
	return s + "]"
}
