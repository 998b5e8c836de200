// Package pca is principal component analysis, the dimensionality reduction of
// Lab 3: the mean image, the covariance matrix, its symmetric eigendecomposition
// and a projection on the top eigenvectors.
//
// It follows the homework's method (covariance as np.cov, eigh, sort by
// decreasing eigenvalue, keep the top dim eigenvectors as rows) with
// scikit-learn's vocabulary:
//
//	p := pca.New(50)
//	if err := p.Fit(X); err != nil { ... }   // X: N×784, raw 0..255 pixels
//	Z, err := p.Transform(X)                 // N×50: (X − mean)·Cᵀ
//	Xr, err := p.InverseTransform(Z)         // N×784: Z·C + mean
//
// The fitting step is a plain function (FitFunc) so a student can write their
// own and plug it in with FitWith; without one, Fit uses the lab's own
// (the homework's TODO answer, unexported so that a notebook cannot call it).
//
// How the lab's fit computes (see Covariance and SymEigen for the details and the
// accuracy):
//
//   - the covariance: on integer data (raw pixels) exactly, as
//     (N·XᵀX − S·Sᵀ)/(N(N−1)) with XᵀX and the column sums S in integer
//     arithmetic, by 16-bit vector multiply-adds that skip all-zero groups of
//     pixels; on other data by a float64 symmetric rank-k update on blocks of
//     centred rows. Both read X without copying it and run on every core;
//   - the eigendecomposition: all D eigenvalues but only the dim eigenvectors
//     it returns (Householder tridiagonalisation, the eigenvalues of the
//     tridiagonal matrix, inverse iteration, back-transformation), instead
//     of all D eigenvectors as mat.EigenSym and np.linalg.eigh compute.
//
// The vector kernels are built with GOEXPERIMENT=simd on amd64 and pick
// AVX-512 or AVX2+FMA at run time (lab/internal/vecmath); elsewhere every
// covariance takes the float64 path with gonum's blas64.Syrk and the
// eigensolver runs in plain Go. Results are deterministic: they do not depend
// on the number of CPUs (the instruction set changes them by rounding only;
// the integer covariance not at all).
package pca

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/mnistlab/golab/lab/internal/parallel"
	"github.com/mnistlab/golab/lab/internal/provenance"
	"github.com/mnistlab/golab/lab/internal/vecmath"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// FitFunc is the homework-shaped fitting step. Given the data X (N×D, one
// sample per row) and the number of components dim it returns
//
//   - mean: the D column means,
//   - components: a dim×D matrix whose rows are the principal directions
//     (unit eigenvectors of the covariance), by decreasing eigenvalue,
//   - eigenvalues: the covariance eigenvalues in decreasing order: the full
//     spectrum (D values) or at least the top dim.
//
// Fit uses the lab's own unless another one is plugged in with
// (*PCA).FitWith.
type FitFunc func(X *mat.Dense, dim int) (mean []float64, components *mat.Dense, eigenvalues []float64, err error)

// PCA is a principal component analysis with a fixed number of components.
// The zero value is not usable; create one with New. A PCA is safe for
// concurrent use once fitted (Transform and friends only read it).
type PCA struct {
	dim  int
	fitf FitFunc

	fitted      bool
	nSamples    int
	mean        []float64
	components  *mat.Dense // dim×D
	eigenvalues []float64  // decreasing, full spectrum when the fit function gives it
	totalVar    float64    // trace of the covariance (sum of the column variances)
}

// New returns an unfitted PCA that keeps dim components. dim is checked by Fit
// (1 ≤ dim ≤ number of features).
func New(dim int) *PCA {
	return &PCA{dim: dim}
}

// FitWith makes Fit use fn instead of the lab's own fit (nil restores it) and
// returns p, so it chains: pca.New(50).FitWith(myFit).Fit(X).
// Fit still validates X and checks the shapes fn returns.
func (p *PCA) FitWith(fn FitFunc) *PCA {
	p.fitf = fn
	return p
}

// Dim returns the number of components kept.
func (p *PCA) Dim() int { return p.dim }

// Fitted reports whether Fit (or Load) has given p its parameters.
func (p *PCA) Fitted() bool { return p.fitted }

// NSamples is the number of rows of the data p was fitted on.
func (p *PCA) NSamples() int { return p.nSamples }

// Fit computes the mean, the components and the eigenvalues of X (N×D, one
// sample per row). It needs N ≥ 2, 1 ≤ dim ≤ D and finite values.
func (p *PCA) Fit(X *mat.Dense) error {
	if p.fitf == nil {
		provenance.Mark("pca.(*PCA).Fit")
	}
	if X == nil || X.IsEmpty() {
		return errors.New("pca: empty data")
	}
	n, d := X.Dims()
	if err := checkShape(n, d, p.dim); err != nil {
		return err
	}
	fn := p.fitf
	var trace float64
	var mean []float64
	var comps *mat.Dense
	var eig []float64
	var err error
	if fn == nil {
		// The reference fit checks X itself and gives the trace of the
		// covariance it computed.
		mean, comps, eig, trace, err = fitEigen(X, p.dim)
		if err != nil {
			return err
		}
	} else {
		if err := checkFinite(X); err != nil {
			return err
		}
		if mean, comps, eig, err = fn(X, p.dim); err != nil {
			return err
		}
	}
	if len(mean) != d {
		return fmt.Errorf("pca: fit function returned a mean of length %d, want %d", len(mean), d)
	}
	if comps == nil {
		return errors.New("pca: fit function returned nil components")
	}
	if r, c := comps.Dims(); r != p.dim || c != d {
		return fmt.Errorf("pca: fit function returned %d×%d components, want %d×%d", r, c, p.dim, d)
	}
	if len(eig) < p.dim {
		return fmt.Errorf("pca: fit function returned %d eigenvalues, want at least %d", len(eig), p.dim)
	}
	p.mean = slices.Clone(mean)
	p.components = mat.DenseCopyOf(comps)
	p.eigenvalues = slices.Clone(eig)
	if fn == nil {
		p.totalVar = trace
	} else {
		p.totalVar = totalVariance(X, mean)
	}
	p.nSamples = n
	p.fitted = true
	return nil
}

// referenceFit is the lab's FitFunc, the homework's method (and the answer
// the notebook's check compares with): mean, covariance
// (Covariance, like np.cov(X.T)), symmetric eigendecomposition (like
// np.linalg.eigh), eigenpairs sorted by decreasing eigenvalue, the top dim
// eigenvectors as rows. Each component's sign is fixed so that its entry of
// largest magnitude is positive (the first such entry on ties), which makes
// the result deterministic. Round-off negative eigenvalues are set to 0. It
// returns all D eigenvalues.
//
// The eigendecomposition computes every eigenvalue but only the dim
// eigenvectors it returns (Householder tridiagonalisation, the eigenvalues of
// the tridiagonal matrix, inverse iteration, back-transformation: see
// eigen.go); it agrees with mat.EigenSym (all eigenvectors by the QL
// algorithm) to rounding, as SymEigen says.
func referenceFit(X *mat.Dense, dim int) (mean []float64, components *mat.Dense, eigenvalues []float64, err error) {
	mean, components, eigenvalues, _, err = fitEigen(X, dim)
	return mean, components, eigenvalues, err
}

// fitEigen is referenceFit that also returns the trace of the covariance.
func fitEigen(X *mat.Dense, dim int) (mean []float64, components *mat.Dense, eigenvalues []float64, trace float64, err error) {
	if X == nil || X.IsEmpty() {
		return nil, nil, nil, 0, errors.New("pca: empty data")
	}
	n, d := X.Dims()
	if err := checkShape(n, d, dim); err != nil {
		return nil, nil, nil, 0, err
	}
	mean, cov, err := covariance(X)
	if err != nil {
		return nil, nil, nil, 0, err
	}
	for i := range d {
		trace += cov[i*d+i]
	}
	vals, vecs, err := symEigen(cov, d, dim, kernels)
	if err != nil {
		return nil, nil, nil, 0, err
	}
	eigenvalues = make([]float64, d)
	for i, v := range vals {
		eigenvalues[i] = max(v, 0)
	}
	components = mat.NewDense(dim, d, vecs)
	fixSigns(components)
	return mean, components, eigenvalues, trace, nil
}

// fixSigns flips each row of m whose entry of largest magnitude (the first
// such entry on ties) is negative.
func fixSigns(m *mat.Dense) {
	r, _ := m.Dims()
	for i := range r {
		row := m.RawRowView(i)
		best := 0.0
		for _, v := range row {
			if math.Abs(v) > math.Abs(best) {
				best = v
			}
		}
		if best < 0 {
			for j := range row {
				row[j] = -row[j]
			}
		}
	}
}

// Transform projects X (N×D) on the components: (X − mean)·Cᵀ, N×dim.
func (p *PCA) Transform(X *mat.Dense) (*mat.Dense, error) {
	if !p.fitted {
		return nil, errNotFitted
	}
	if X == nil || X.IsEmpty() {
		return nil, errors.New("pca: empty data")
	}
	n, d := X.Dims()
	if d != len(p.mean) {
		return nil, fmt.Errorf("pca: X has %d columns, the PCA was fitted on %d", d, len(p.mean))
	}
	raw := X.RawMatrix()
	z := mat.NewDense(n, p.dim, nil)
	blocks := (n + blockRows - 1) / blockRows
	if kernels.Vector() {
		p.transformSIMD(raw, z)
		return z, nil
	}
	bufs := make([]*mat.Dense, parallel.Workers(blocks)) // one per goroutine, reused
	parallel.ForWorker(blocks, func(w, b int) {
		s, e := b*blockRows, min(n, (b+1)*blockRows)
		if bufs[w] == nil {
			bufs[w] = mat.NewDense(blockRows, d, nil)
		}
		buf := bufs[w].Slice(0, e-s, 0, d).(*mat.Dense)
		for i := s; i < e; i++ {
			src := raw.Data[i*raw.Stride : i*raw.Stride+d]
			dst := buf.RawRowView(i - s)
			for j, v := range src {
				dst[j] = v - p.mean[j]
			}
		}
		z.Slice(s, e, 0, p.dim).(*mat.Dense).Mul(buf, p.components.T())
	})
	return z, nil
}

// transformSIMD is Transform with the vector kernel: blocks of centred rows
// (stride padded to a multiple of 8, zero padding) dotted with the padded
// components, 4 rows × 2 components at a time.
func (p *PCA) transformSIMD(raw blas64.General, z *mat.Dense) {
	n, d := raw.Rows, raw.Cols
	ld := (d + 7) / 8 * 8
	kr := (p.dim + 1) / 2 * 2
	comps := make([]float64, kr*ld) // padded copy, extra row zero
	for k := range p.dim {
		copy(comps[k*ld:k*ld+d], p.components.RawRowView(k))
	}
	blocks := (n + blockRows - 1) / blockRows
	bufs := make([][]float64, parallel.Workers(blocks)) // one per goroutine, reused
	parallel.ForWorker(blocks, func(w, b int) {
		s, e := b*blockRows, min(n, (b+1)*blockRows)
		rows := (e - s + 3) / 4 * 4
		if bufs[w] == nil {
			bufs[w] = make([]float64, (blockRows+3)/4*4*ld)
		}
		buf := bufs[w] // rows beyond e-s hold zeros or stale values, whose products are dropped
		for i := s; i < e; i++ {
			src := raw.Data[i*raw.Stride : i*raw.Stride+d]
			dst := buf[(i-s)*ld : (i-s)*ld+d]
			for j, v := range src {
				dst[j] = v - p.mean[j]
			}
		}
		var r [8]float64
		for i0 := 0; i0 < rows; i0 += 4 {
			for k0 := 0; k0 < kr; k0 += 2 {
				r = [8]float64{}
				vecmath.Dot4x2(kernels, buf[i0*ld:], ld, comps[k0*ld:], ld, ld, &r)
				for a := range 4 {
					if i := s + i0 + a; i < e {
						row := z.RawRowView(i)
						row[k0] = r[2*a]
						if k0+1 < p.dim {
							row[k0+1] = r[2*a+1]
						}
					}
				}
			}
		}
	})
}

// InverseTransform maps projections back to the data space: Z·C + mean, N×D.
// With all D components it undoes Transform (up to round-off); with fewer it
// gives the best rank-dim reconstruction.
func (p *PCA) InverseTransform(Z *mat.Dense) (*mat.Dense, error) {
	if !p.fitted {
		return nil, errNotFitted
	}
	if Z == nil || Z.IsEmpty() {
		return nil, errors.New("pca: empty data")
	}
	n, k := Z.Dims()
	if k != p.dim {
		return nil, fmt.Errorf("pca: Z has %d columns, the PCA has %d components", k, p.dim)
	}
	x := mat.NewDense(n, len(p.mean), nil)
	x.Mul(Z, p.components)
	for i := range n {
		row := x.RawRowView(i)
		for j, m := range p.mean {
			row[j] += m
		}
	}
	return x, nil
}

// Components returns a copy of the dim×D matrix of principal directions (one
// unit vector per row, by decreasing eigenvalue), or nil before Fit.
func (p *PCA) Components() *mat.Dense {
	if !p.fitted {
		return nil
	}
	return mat.DenseCopyOf(p.components)
}

// Mean returns a copy of the D column means, or nil before Fit.
func (p *PCA) Mean() []float64 { return slices.Clone(p.mean) }

// ExplainedVariance returns the top dim eigenvalues of the covariance: the
// variance of the data along each component.
func (p *PCA) ExplainedVariance() []float64 {
	if !p.fitted {
		return nil
	}
	return slices.Clone(p.eigenvalues[:p.dim])
}

// ExplainedVarianceRatio returns each component's share of the total variance
// (the trace of the covariance), as scikit-learn's explained_variance_ratio_.
func (p *PCA) ExplainedVarianceRatio() []float64 {
	if !p.fitted {
		return nil
	}
	r := make([]float64, p.dim)
	if p.totalVar <= 0 {
		return r
	}
	for i := range r {
		r[i] = p.eigenvalues[i] / p.totalVar
	}
	return r
}

// AllEigenvalues returns every eigenvalue the fit produced, in decreasing
// order: the full spectrum of the covariance with the lab's fit (for a spectrum or
// cumulative explained variance plot).
func (p *PCA) AllEigenvalues() []float64 { return slices.Clone(p.eigenvalues) }

// TotalVariance returns the trace of the covariance matrix of the fitted data.
func (p *PCA) TotalVariance() float64 { return p.totalVar }

var errNotFitted = errors.New("pca: not fitted (call Fit first)")

func checkShape(n, d, dim int) error {
	if dim < 1 {
		return fmt.Errorf("pca: dim=%d, want at least 1", dim)
	}
	if dim > d {
		return fmt.Errorf("pca: dim=%d > D=%d features", dim, d)
	}
	if n < 2 {
		return fmt.Errorf("pca: need at least 2 samples, got N=%d", n)
	}
	return nil
}

// checkFinite returns an error naming the first NaN or Inf entry of X.
func checkFinite(X *mat.Dense) error {
	raw := X.RawMatrix()
	n, d := X.Dims()
	bad := make([]int32, (n+blockRows-1)/blockRows)
	parallel.For(len(bad), func(b int) {
		for i := b * blockRows; i < min(n, (b+1)*blockRows); i++ {
			s := 0.0
			for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+d] {
				s += v * 0
			}
			if s != 0 { // NaN*0 and Inf*0 are NaN
				bad[b] = 1
				return
			}
		}
	})
	for b, f := range bad {
		if f == 0 {
			continue
		}
		for i := b * blockRows; i < n; i++ {
			for j := range d {
				if v := X.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("pca: X[%d,%d] = %v (NaN or Inf not allowed)", i, j, v)
				}
			}
		}
	}
	return nil
}

// blockRows is the number of rows centred and processed at a time.
const blockRows = 256

// partitions is the number of independent accumulators for n rows. It depends
// only on n (not on the number of CPUs), so results are reproducible.
func partitions(n int) int {
	return max(1, min(8, (n+4*blockRows-1)/(4*blockRows)))
}

func columnMeans(raw blas64.General) []float64 {
	n, d := raw.Rows, raw.Cols
	parts := partitions(n)
	sums := make([][]float64, parts)
	parallel.For(parts, func(p int) {
		s := make([]float64, d)
		for i := p * n / parts; i < (p+1)*n/parts; i++ {
			for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+d] {
				s[j] += v
			}
		}
		sums[p] = s
	})
	mean := make([]float64, d)
	for _, s := range sums {
		for j, v := range s {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	return mean
}

// totalVariance is the trace of the covariance: Σ_j var(X[:, j]) with N−1.
func totalVariance(X *mat.Dense, mean []float64) float64 {
	raw := X.RawMatrix()
	n, d := X.Dims()
	parts := partitions(n)
	sums := make([]float64, parts)
	parallel.For(parts, func(p int) {
		s := 0.0
		for i := p * n / parts; i < (p+1)*n/parts; i++ {
			for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+d] {
				c := v - mean[j]
				s += c * c
			}
		}
		sums[p] = s
	})
	t := 0.0
	for _, s := range sums {
		t += s
	}
	return t / float64(n-1)
}
