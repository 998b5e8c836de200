package gmm

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// EStepFunc is the shape of the E-step: given the data X (N×D) and the
// parameters (K weights, K×D means, K D×D covariances) it returns the N×K
// responsibilities γ_nk = P(component k | x_n).
type EStepFunc func(X *mat.Dense, weights []float64, means *mat.Dense, covs []*mat.SymDense) (resp *mat.Dense, err error)

// MStepFunc is the shape of the M-step: given X (N×D), the N×K
// responsibilities and the covariance regularisation, it returns new weights,
// means and covariances.
type MStepFunc func(X *mat.Dense, resp *mat.Dense, regCovar float64) (weights []float64, means *mat.Dense, covs []*mat.SymDense, err error)

// referenceEStep is the E-step the checks compare with (the homework's TODO
// answer, unexported so that a notebook cannot call it), computed in log space so that it never
// underflows: for each component the Cholesky factor L of Σ_k gives
// log|Σ_k| = 2 Σ log L_ii and the Mahalanobis distance ‖L⁻¹(x − μ_k)‖² (a
// triangular solve), so log(w_k N(x | μ_k, Σ_k)) is exact even where the
// density itself is far below the smallest float64; each row is then
// normalised with log-sum-exp. Every row of the result sums to 1.
//
// A covariance that is not positive definite is an error naming the
// component.
func referenceEStep(X *mat.Dense, weights []float64, means *mat.Dense, covs []*mat.SymDense) (*mat.Dense, error) {
	t, comps, err := setup(X, weights, means, covs)
	if err != nil {
		return nil, err
	}
	r := newResp(len(weights), t)
	if _, _, err := estep(t, comps, r, nil, false); err != nil {
		return nil, err
	}
	return r.toDense(t.n), nil
}

// referenceMStep is the M-step the checks compare with (the homework's
// formulas, as scikit-learn; unexported like referenceEStep):
//
//	N_k = Σ_n γ_nk (+10ε, so an empty component does not divide by zero)
//	w_k = N_k / N
//	μ_k = Σ_n γ_nk x_n / N_k                       (γᵀX / N_k)
//	Σ_k = Σ_n γ_nk (x_n − μ_k)(x_n − μ_k)ᵀ / N_k + regCovar·I
//
// The weighted scatter is a symmetric rank-k update of the rows
// √γ_nk (x_n − μ_k), skipping rows with γ_nk = 0.
func referenceMStep(X *mat.Dense, resp *mat.Dense, regCovar float64) (weights []float64, means *mat.Dense, covs []*mat.SymDense, err error) {
	if err := checkData(X); err != nil {
		return nil, nil, nil, err
	}
	if resp == nil || resp.IsEmpty() {
		return nil, nil, nil, errors.New("gmm: M-step: empty responsibilities")
	}
	n, d := X.Dims()
	rn, k := resp.Dims()
	if rn != n {
		return nil, nil, nil, fmt.Errorf("gmm: M-step: %d responsibility rows for %d samples", rn, n)
	}
	if math.IsNaN(regCovar) || regCovar < 0 {
		return nil, nil, nil, fmt.Errorf("gmm: M-step: regCovar = %v, want ≥ 0", regCovar)
	}
	rr := resp.RawMatrix()
	for i := range n {
		for j, v := range rr.Data[i*rr.Stride : i*rr.Stride+k] {
			if !(v >= 0) || math.IsInf(v, 0) {
				return nil, nil, nil, fmt.Errorf("gmm: M-step: resp[%d,%d] = %v, want a finite value ≥ 0", i, j, v)
			}
		}
	}
	t := newTData(X)
	w, mu, cv := mstep(t, respFromDense(resp, t), regCovar)
	return w, mat.NewDense(k, d, mu), toSym(cv, d), nil
}

// NaiveEStep is the homework's E-step as first written: each density
// N(x | μ_k, Σ_k) = exp(−½ Mahalanobis) / √((2π)^D |Σ_k|) is computed with
// exp, multiplied by w_k and each row is divided by its sum. It is kept to
// show why the E-step must work in log space: in high dimension every density of
// a sample can underflow to 0 (or the determinant overflow), and the row
// becomes 0/0 = NaN. NaiveEStep then returns the matrix with its NaN rows
// together with an error saying how many rows underflowed; compare with
// E-step (PredictProba) on the same input.
func NaiveEStep(X *mat.Dense, weights []float64, means *mat.Dense, covs []*mat.SymDense) (*mat.Dense, error) {
	if err := checkParams(X, weights, means, covs); err != nil {
		return nil, err
	}
	n, d := X.Dims()
	k := len(weights)
	resp := mat.NewDense(n, k, nil)
	for j := range k {
		var ch mat.Cholesky
		if !ch.Factorize(covs[j]) {
			return nil, fmt.Errorf("gmm: covariance of component %d is not positive definite (add RegCovar)", j)
		}
		det := ch.Det() // may overflow to +Inf or underflow to 0 in high dimension
		norm := 1 / math.Sqrt(math.Pow(2*math.Pi, float64(d))*det)
		diff := mat.NewVecDense(d, nil)
		var z mat.VecDense
		for i := range n {
			for a := range d {
				diff.SetVec(a, X.At(i, a)-means.At(j, a))
			}
			if err := ch.SolveVecTo(&z, diff); err != nil {
				return nil, fmt.Errorf("gmm: NaiveEStep: component %d: %v", j, err)
			}
			maha := mat.Dot(diff, &z)
			resp.Set(i, j, weights[j]*norm*math.Exp(-0.5*maha))
		}
	}
	bad := 0
	for i := range n {
		row := resp.RawRowView(i)
		s := 0.0
		for _, v := range row {
			s += v
		}
		for j := range row {
			row[j] /= s
		}
		if math.IsNaN(row[0]) || math.IsInf(s, 0) {
			bad++
		}
	}
	if bad > 0 {
		return resp, fmt.Errorf("gmm: NaiveEStep: %d of %d rows are NaN (the densities underflowed to 0 or overflowed in D=%d): compute the E-step in log space", bad, n, d)
	}
	return resp, nil
}

// LogGaussianDensity returns log N(x_n | mean, cov) for each row x_n of X,
// computed from the Cholesky factor of cov (no exp, so no underflow).
func LogGaussianDensity(X *mat.Dense, mean []float64, cov *mat.SymDense) ([]float64, error) {
	if err := checkData(X); err != nil {
		return nil, err
	}
	_, d := X.Dims()
	if len(mean) != d {
		return nil, fmt.Errorf("gmm: LogGaussianDensity: mean has %d values, X has %d columns", len(mean), d)
	}
	if cov == nil || cov.SymmetricDim() != d {
		return nil, fmt.Errorf("gmm: LogGaussianDensity: covariance is not %d×%d", d, d)
	}
	t := newTData(X)
	c, err := prepareOne(1, mean, symData(cov), d, 0)
	if err != nil {
		return nil, err
	}
	ll, _, err := estep(t, []comp{c}, nil, nil, true)
	return ll, err
}

// setup validates the parameters and prepares the data and the components.
func setup(X *mat.Dense, weights []float64, means *mat.Dense, covs []*mat.SymDense) (*tdata, []comp, error) {
	if err := checkParams(X, weights, means, covs); err != nil {
		return nil, nil, err
	}
	_, d := X.Dims()
	flatCovs := make([][]float64, len(covs))
	for j, c := range covs {
		flatCovs[j] = symData(c)
	}
	comps, err := prepare(weights, mat.DenseCopyOf(means).RawMatrix().Data, flatCovs, d)
	if err != nil {
		return nil, nil, err
	}
	return newTData(X), comps, nil
}

func checkData(X *mat.Dense) error {
	if X == nil || X.IsEmpty() {
		return errors.New("gmm: empty data")
	}
	raw := X.RawMatrix()
	for i := range raw.Rows {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("gmm: X[%d,%d] = %v (NaN or Inf not allowed)", i, j, v)
			}
		}
	}
	return nil
}

func checkParams(X *mat.Dense, weights []float64, means *mat.Dense, covs []*mat.SymDense) error {
	if err := checkData(X); err != nil {
		return err
	}
	_, d := X.Dims()
	k := len(weights)
	if k == 0 {
		return errors.New("gmm: no components")
	}
	if means == nil {
		return errors.New("gmm: nil means")
	}
	if r, c := means.Dims(); r != k || c != d {
		return fmt.Errorf("gmm: means are %d×%d, want K×D = %d×%d", r, c, k, d)
	}
	if len(covs) != k {
		return fmt.Errorf("gmm: %d covariances for K=%d components", len(covs), k)
	}
	for j, c := range covs {
		if c == nil || c.SymmetricDim() != d {
			return fmt.Errorf("gmm: covariance %d is not %d×%d", j, d, d)
		}
	}
	for j, w := range weights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return fmt.Errorf("gmm: weight %d = %v, want a finite value ≥ 0", j, w)
		}
	}
	return nil
}

// symData returns the full row-major D×D content of a symmetric matrix.
func symData(s *mat.SymDense) []float64 {
	d := s.SymmetricDim()
	out := make([]float64, d*d)
	for i := range d {
		for j := i; j < d; j++ {
			v := s.At(i, j)
			out[i*d+j], out[j*d+i] = v, v
		}
	}
	return out
}

func toSym(covs [][]float64, d int) []*mat.SymDense {
	out := make([]*mat.SymDense, len(covs))
	for j, c := range covs {
		out[j] = mat.NewSymDense(d, append([]float64(nil), c...))
	}
	return out
}
