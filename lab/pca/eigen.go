package pca

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/mnistlab/golab/lab/internal/parallel"
	"github.com/mnistlab/golab/lab/internal/vecmath"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/mat"
)

// The eigensolver of referenceFit: all eigenvalues of the D×D covariance, but
// eigenvectors for the top k only, as LAPACK's dsyevx does it:
//
//  1. Householder reduction to tridiagonal form A = Q·T·Qᵀ (tridiagonalize:
//     D−2 reflections, each a fused pass over the lower triangle of the
//     remaining matrix that applies the previous rank-2 update and computes
//     the next matrix-vector product, with vector kernels, in parallel);
//  2. all eigenvalues of T by gonum's Dsterf (the square-root-free QR
//     algorithm: O(D²), no vectors), on each unreduced block of T;
//  3. eigenvectors of T for the k largest by inverse iteration (a port of
//     LAPACK's dstein: a tridiagonal LU solve per iteration, modified
//     Gram–Schmidt within clusters of close eigenvalues);
//  4. back-transformation x = Q·y, the reflections applied to the k vectors.
//
// Its cost is 4/3·D³ flops for the reduction (shared by every k) plus 2·k·D²
// for the vectors, against about 9·D³ for all the eigenvectors by the QL
// algorithm (mat.EigenSym). Should step 2 or 3 fail (no convergence, or an
// eigenvector of T whose residual is too large), symEigen falls back to
// mat.EigenSym.

// SymEigen returns all eigenvalues of the symmetric D×D matrix a in
// decreasing order, and the unit eigenvectors of the k largest as the rows of
// a k×D matrix, each with its entry of largest magnitude positive (the first
// such entry on ties). It is referenceFit's eigensolver (see eigen.go): its
// results agree with mat.EigenSym's to rounding, the eigenvalues to a few
// ulps of the largest |λ| and the eigenvectors, up to sign, to about
// 1e-16·max|λ|/gap, where gap is the distance to the nearest other
// eigenvalue; for (nearly) repeated eigenvalues, whose eigenvectors are not
// unique, they span the same subspace. (The tests require 1e-9 relative to
// max|λ| for the eigenvalues, 1e-9 for the eigenvectors; on MNIST's
// covariance both differences are below 3e-14.) It needs 1 ≤ k ≤ D and
// finite entries; a is not modified.
func SymEigen(a mat.Symmetric, k int) (values []float64, vectors *mat.Dense, err error) {
	if a == nil || a.SymmetricDim() == 0 {
		return nil, nil, errors.New("pca: empty matrix")
	}
	n := a.SymmetricDim()
	if k < 1 || k > n {
		return nil, nil, fmt.Errorf("pca: k=%d eigenvectors of a %d×%d matrix, want 1 ≤ k ≤ %d", k, n, n, n)
	}
	full := make([]float64, n*n)
	if s, ok := a.(*mat.SymDense); ok && s.RawSymmetric().Uplo == blas.Upper {
		raw := s.RawSymmetric()
		for i := range n {
			copy(full[i*n+i:i*n+n], raw.Data[i*raw.Stride+i:i*raw.Stride+n])
		}
	} else {
		for i := range n {
			for j := i; j < n; j++ {
				full[i*n+j] = a.At(i, j)
			}
		}
	}
	for i := range n {
		for j := i; j < n; j++ {
			v := full[i*n+j]
			if v-v != 0 { // NaN or ±Inf
				return nil, nil, fmt.Errorf("pca: a[%d,%d] = %v (NaN or Inf not allowed)", i, j, v)
			}
			full[j*n+i] = v
		}
	}
	vals, vecs, err := symEigen(full, n, k, kernels)
	if err != nil {
		return nil, nil, err
	}
	vectors = mat.NewDense(k, n, vecs)
	fixSigns(vectors)
	return vals, vectors, nil
}

// symEigen returns all eigenvalues of the symmetric n×n matrix a (row-major,
// both triangles; a is overwritten) in decreasing order, and the unit
// eigenvectors of the k largest as the rows of a k×n matrix, with the kernels
// of level l.
func symEigen(a []float64, n, k int, l vecmath.Level) (vals []float64, vecs []float64, err error) {
	if n == 0 {
		return nil, nil, nil
	}
	norm := 0.0
	for _, v := range a[:n*n] {
		if v := math.Abs(v); v > norm {
			norm = v
		}
	}
	// Far from 1 (beyond about 1e±146) the reduction could under- or
	// overflow; mat.EigenSym scales the matrix first.
	const rmin, rmax = 1e-146, 1e146
	if norm != 0 && (norm < rmin || norm > rmax) {
		return eigenSymFull(a, n, k)
	}
	orig := slices.Clone(a) // for the fallback
	d, e, tau := tridiagonalize(a, n, l)
	blocks := splitTridiag(d, e)
	pairs, err := tridiagEigenvalues(d, e, blocks)
	if err != nil {
		return eigenSymFull(orig, n, k)
	}
	vals = make([]float64, n)
	for i, p := range pairs {
		vals[i] = p.val
	}
	y, err := tridiagVectors(d, e, blocks, pairs[:k])
	if err != nil {
		return eigenSymFull(orig, n, k)
	}
	backTransform(a, n, tau, y, k, l)
	return vals, y, nil
}

// maxInverseIts is the number of inverse iterations after which a vector
// that has not converged makes symEigen fall back to mat.EigenSym (dstein's
// MAXITS; a variable so that a test can force the fallback).
var maxInverseIts = 5

// eigenSymFull is the fallback: gonum's mat.EigenSym with all vectors.
func eigenSymFull(a []float64, n, k int) (vals, vecs []float64, err error) {
	var es mat.EigenSym
	if !es.Factorize(mat.NewSymDense(n, a[:n*n]), true) {
		return nil, nil, errors.New("pca: eigendecomposition did not converge")
	}
	asc := es.Values(nil)
	var v mat.Dense
	es.VectorsTo(&v)
	vals = make([]float64, n)
	for i := range n {
		vals[i] = asc[n-1-i]
	}
	vecs = make([]float64, k*n)
	for r := range k {
		for j := range n {
			vecs[r*n+j] = v.At(j, n-1-r)
		}
	}
	return vals, vecs, nil
}

// tridiagonalize reduces the symmetric n×n matrix a (row-major; its lower
// triangle is read) to the tridiagonal T = Qᵀ·A·Q with diagonal d (n) and
// off-diagonal e (n−1), as LAPACK's dsytd2 with uplo = 'L':
// Q = H_0·H_1·…·H_{n−2}, H_k = I − tau[k]·v_k·v_kᵀ, where v_k is zero before
// index k+1 and 1 at k+1. v_k[k+1:] is left in row k of a's strict upper
// triangle (a[k·n+k+1 : k·n+n]); the lower triangle is overwritten.
//
// Each step is one pass over the remaining lower triangle that applies the
// previous step's rank-2 update A −= v·wᵀ + w·vᵀ and accumulates A·v for
// the next reflection (row-wise dot products and axpys, so the triangle is
// read and written once per step), split over row ranges of equal area.
func tridiagonalize(a []float64, n int, l vecmath.Level) (d, e, tau []float64) {
	d = make([]float64, n)
	e = make([]float64, max(n-1, 0))
	tau = make([]float64, max(n-1, 0))
	if n == 1 {
		d[0] = a[0]
		return d, e, tau
	}
	v := make([]float64, n)  // the current reflection vector (support k+1..n−1)
	vp := make([]float64, n) // the previous reflection's v and w, whose
	wp := make([]float64, n) // update of the trailing matrix is pending
	const maxParts = 4
	ps := make([][]float64, maxParts) // partial sums of A·v per row range
	for i := range ps {
		ps[i] = make([]float64, n)
	}
	var bounds [maxParts + 1]int
	for k := 0; k < n-1; k++ {
		// Bring column k up to date (the pending update from step k−1).
		for r := k; r < n; r++ {
			a[r*n+k] -= vp[r]*wp[k] + wp[r]*vp[k]
		}
		d[k] = a[k*n+k]
		// The reflection that zeroes a[k+2:, k] (dlarfg).
		alpha := a[(k+1)*n+k]
		xnorm := 0.0
		if k+2 < n {
			scale, ssq := 0.0, 1.0
			for r := k + 2; r < n; r++ {
				if x := a[r*n+k]; x != 0 {
					ax := math.Abs(x)
					if scale < ax {
						ssq = 1 + ssq*(scale/ax)*(scale/ax)
						scale = ax
					} else {
						ssq += (ax / scale) * (ax / scale)
					}
				}
			}
			xnorm = scale * math.Sqrt(ssq)
		}
		clear(v)
		v[k+1] = 1
		t, beta := 0.0, alpha
		if xnorm != 0 {
			beta = -math.Copysign(math.Hypot(alpha, xnorm), alpha)
			t = (beta - alpha) / beta
			s := 1 / (alpha - beta)
			for r := k + 2; r < n; r++ {
				v[r] = a[r*n+k] * s
			}
		}
		e[k], tau[k] = beta, t
		copy(a[k*n+k+1:k*n+n], v[k+1:])

		// One pass over rows k+1..n−1: pending update, then p = A·v.
		m := n - k - 1
		parts := 1
		switch {
		case m >= 160:
			parts = 4
		case m >= 64:
			parts = 2
		}
		bounds[0] = k + 1
		for i := 1; i < parts; i++ {
			bounds[i] = k + 1 + int(float64(m)*math.Sqrt(float64(i)/float64(parts)))
		}
		bounds[parts] = n
		pass := func(part int) {
			p := ps[part]
			clear(p[k+1:])
			r := bounds[part]
			for ; r+1 < bounds[part+1]; r += 2 { // two rows at a time: shared loads
				ra, rb := a[r*n:r*n+r+1], a[(r+1)*n:(r+1)*n+r+2]
				da, db := tridiagRow2(l, ra[k+1:r], rb[k+1:r], v[k+1:r], vp[k+1:r], wp[k+1:r], p[k+1:r],
					v[r], vp[r], wp[r], v[r+1], vp[r+1], wp[r+1])
				x := rb[r] - vp[r+1]*wp[r] - wp[r+1]*vp[r] // row r+1, column r
				rb[r] = x
				db += x * v[r]
				p[r] += v[r+1] * x
				diag := ra[r] - 2*vp[r]*wp[r]
				ra[r] = diag
				p[r] += da + diag*v[r]
				diag = rb[r+1] - 2*vp[r+1]*wp[r+1]
				rb[r+1] = diag
				p[r+1] += db + diag*v[r+1]
			}
			if r < bounds[part+1] {
				row := a[r*n : r*n+r+1]
				dot := tridiagRow(l, row[k+1:r], v[k+1:r], vp[k+1:r], wp[k+1:r], p[k+1:r], v[r], vp[r], wp[r])
				diag := row[r] - 2*vp[r]*wp[r]
				row[r] = diag
				p[r] += dot + diag*v[r]
			}
		}
		if parts == 1 {
			pass(0)
		} else {
			parallel.For(parts, pass)
		}
		// w = tau·p − ½·tau²·(pᵀv)·v, the update of this step (pending).
		p := ps[0]
		for i := 1; i < parts; i++ {
			for r, x := range ps[i][k+1:] {
				p[k+1+r] += x
			}
		}
		pv := 0.0
		for r := k + 1; r < n; r++ {
			p[r] *= t
			pv += p[r] * v[r]
		}
		half := -0.5 * t * pv
		clear(wp)
		for r := k + 1; r < n; r++ {
			wp[r] = p[r] + half*v[r]
		}
		copy(vp, v)
	}
	d[n-1] = a[(n-1)*n+n-1]
	return d, e, tau
}

// tridiagRowScalar is tridiagRow without vector instructions.
func tridiagRowScalar(row, u, vp, wp, p []float64, ur, vpr, wpr float64) float64 {
	dot := 0.0
	u, vp, wp, p = u[:len(row)], vp[:len(row)], wp[:len(row)], p[:len(row)]
	for c, x := range row {
		x -= vpr*wp[c] + wpr*vp[c]
		row[c] = x
		dot += x * u[c]
		p[c] += ur * x
	}
	return dot
}

// tridiagRow is the inner loop of tridiagonalize for one row r and the
// columns c of row (all slices of the same length, columns k+1..r−1):
// row[c] −= vpr·wp[c] + wpr·vp[c]; it returns Σ row[c]·u[c] and adds
// ur·row[c] to p[c].
func tridiagRow(l vecmath.Level, row, u, vp, wp, p []float64, ur, vpr, wpr float64) float64 {
	if l.Vector() && len(row) >= 8 {
		return tridiagRowSIMD(l, row, u, vp, wp, p, ur, vpr, wpr)
	}
	return tridiagRowScalar(row, u, vp, wp, p, ur, vpr, wpr)
}

// tridiagRow2Scalar is tridiagRow2 without vector instructions.
func tridiagRow2Scalar(ra, rb, u, vp, wp, p []float64, ua, vpa, wpa, ub, vpb, wpb float64) (float64, float64) {
	n := len(ra)
	rb, u, vp, wp, p = rb[:n], u[:n], vp[:n], wp[:n], p[:n]
	da, db := 0.0, 0.0
	for c := range ra {
		xa := ra[c] - (vpa*wp[c] + wpa*vp[c])
		xb := rb[c] - (vpb*wp[c] + wpb*vp[c])
		ra[c], rb[c] = xa, xb
		da += xa * u[c]
		db += xb * u[c]
		p[c] += ua*xa + ub*xb
	}
	return da, db
}

// tridiagRow2 is tridiagRow for two rows a and b over the same columns
// (len(ra) of them), sharing the loads of u, vp, wp and p: it updates both
// rows, returns their dot products with u and adds ua·ra[c] + ub·rb[c] to
// p[c].
func tridiagRow2(l vecmath.Level, ra, rb, u, vp, wp, p []float64, ua, vpa, wpa, ub, vpb, wpb float64) (float64, float64) {
	if l.Vector() && len(ra) >= 8 {
		return tridiagRow2SIMD(l, ra, rb, u, vp, wp, p, ua, vpa, wpa, ub, vpb, wpb)
	}
	return tridiagRow2Scalar(ra, rb, u, vp, wp, p, ua, vpa, wpa, ub, vpb, wpb)
}

// tblock is an unreduced block lo..hi−1 of a tridiagonal matrix.
type tblock struct{ lo, hi int }

// splitTridiag splits T into unreduced blocks where an off-diagonal entry is
// negligible, with LAPACK's dstebz criterion e[i]² ≤ ulp²·|d[i]·d[i+1]| +
// safmin; those entries are set to zero.
func splitTridiag(d, e []float64) []tblock {
	const ulp = 0x1p-52
	const safmin = 0x1p-1022
	var blocks []tblock
	lo := 0
	for i, x := range e {
		if x*x <= ulp*ulp*math.Abs(d[i]*d[i+1])+safmin {
			e[i] = 0
			blocks = append(blocks, tblock{lo, i + 1})
			lo = i + 1
		}
	}
	return append(blocks, tblock{lo, len(d)})
}

// eigpair is an eigenvalue of T and the block it belongs to.
type eigpair struct {
	val   float64
	block int
}

// tridiagEigenvalues returns every eigenvalue of T with its block, in
// decreasing order (ties: by block).
func tridiagEigenvalues(d, e []float64, blocks []tblock) ([]eigpair, error) {
	var impl gonum.Implementation
	pairs := make([]eigpair, 0, len(d))
	for b, bl := range blocks {
		dd := slices.Clone(d[bl.lo:bl.hi])
		ee := slices.Clone(e[bl.lo : bl.hi-1])
		if !impl.Dsterf(len(dd), dd, ee) {
			return nil, errors.New("pca: tridiagonal eigenvalues did not converge")
		}
		for _, x := range dd {
			pairs = append(pairs, eigpair{x, b})
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool {
		if pairs[i].val != pairs[j].val {
			return pairs[i].val > pairs[j].val
		}
		return pairs[i].block < pairs[j].block
	})
	return pairs, nil
}

// tridiagVectors returns the unit eigenvectors of T for the eigenvalues of
// want as the rows of a len(want)×n matrix (each zero outside its block), by
// inverse iteration as LAPACK's dstein: within each block the eigenvalues are
// taken in increasing order, an eigenvalue closer than 10·eps·|λ| to the
// previous one is moved that far away, each vector starts from a fixed
// pseudo-random vector and is iterated with (T − λI)⁻¹ (LU with partial
// pivoting, small pivots perturbed) until it has grown enough, plus two more
// iterations, and is reorthogonalised (modified Gram–Schmidt) against the
// vectors of its cluster: the previous eigenvalues of the block within
// 1e-3·‖T_block‖₁ of each other. It fails if an iteration does not converge
// in 5 steps or if a vector's residual ‖T·y − λ·y‖∞ exceeds
// 16·n·eps·‖T_block‖₁.
func tridiagVectors(d, e []float64, blocks []tblock, want []eigpair) ([]float64, error) {
	n := len(d)
	k := len(want)
	y := make([]float64, k*n)
	byBlock := make([][]int, len(blocks))
	for i, p := range want {
		byBlock[p.block] = append(byBlock[p.block], i)
	}
	const eps = 0x1p-53 // LAPACK's dlamch('P') is 2⁻⁵², 'E' 2⁻⁵³: dstein uses 'Precision'
	const prec = 0x1p-52
	var f tridiagLU
	for b, idx := range byBlock {
		if len(idx) == 0 {
			continue
		}
		bl := blocks[b]
		bs := bl.hi - bl.lo
		db, eb := d[bl.lo:bl.hi], e[bl.lo:bl.hi-1]
		if bs == 1 {
			y[idx[0]*n+bl.lo] = 1
			continue
		}
		// Increasing eigenvalue order within the block (want is decreasing).
		slices.Reverse(idx)
		onenrm := 0.0
		for i := range bs {
			s := math.Abs(db[i])
			if i > 0 {
				s += math.Abs(eb[i-1])
			}
			if i < bs-1 {
				s += math.Abs(eb[i])
			}
			onenrm = math.Max(onenrm, s)
		}
		ortol := 1e-3 * onenrm
		dtpcrt := math.Sqrt(0.1 / float64(bs))
		rng := rand.New(rand.NewPCG(uint64(bl.lo), uint64(bs)))
		x := make([]float64, bs)
		gpind := 0
		var xjm float64
		for jb, j := range idx {
			xj := want[j].val
			if jb > 0 {
				if pertol := 10 * math.Abs(prec*xj); xj-xjm < pertol {
					xj = xjm + pertol
				}
			}
			for i := range x {
				x[i] = 2*rng.Float64() - 1
			}
			f.factor(db, eb, xj)
			converged := false
			for its, nrmchk := 0, 0; its < maxInverseIts; its++ {
				jmax := argmaxAbs(x)
				scl := float64(bs) * onenrm * math.Max(prec, math.Abs(f.a[bs-1])) / math.Abs(x[jmax])
				for i := range x {
					x[i] *= scl
				}
				f.solve(x)
				if jb > 0 && math.Abs(xj-xjm) > ortol {
					gpind = jb
				}
				for _, g := range idx[gpind:jb] {
					z := y[g*n+bl.lo : g*n+bl.hi]
					ztr := 0.0
					for i, v := range x {
						ztr -= v * z[i]
					}
					for i, v := range z {
						x[i] += ztr * v
					}
				}
				if math.Abs(x[argmaxAbs(x)]) < dtpcrt {
					continue
				}
				if nrmchk++; nrmchk >= 3 {
					converged = true
					break
				}
			}
			if !converged {
				return nil, errors.New("pca: inverse iteration did not converge")
			}
			nrm := 0.0
			for _, v := range x {
				nrm = math.Hypot(nrm, v)
			}
			scl := 1 / nrm
			if x[argmaxAbs(x)] < 0 {
				scl = -scl
			}
			z := y[j*n+bl.lo : j*n+bl.hi]
			for i, v := range x {
				z[i] = v * scl
			}
			// The residual against the unperturbed eigenvalue.
			lam := want[j].val
			res := 0.0
			for i := range bs {
				r := (db[i] - lam) * z[i]
				if i > 0 {
					r += eb[i-1] * z[i-1]
				}
				if i < bs-1 {
					r += eb[i] * z[i+1]
				}
				res = math.Max(res, math.Abs(r))
			}
			if res > 16*float64(n)*eps*onenrm {
				return nil, errors.New("pca: inverse iteration gave an inaccurate eigenvector")
			}
			xjm = xj
		}
	}
	return y, nil
}

func argmaxAbs(x []float64) int {
	best, arg := -1.0, 0
	for i, v := range x {
		if a := math.Abs(v); a > best {
			best, arg = a, i
		}
	}
	return arg
}

// tridiagLU is the factorisation P·L·U of T − λI for a symmetric tridiagonal
// T, LAPACK's dlagtf: a is U's diagonal, b its first and c2 its second
// superdiagonal, c the multipliers, swap the row interchanges.
type tridiagLU struct {
	a, b, c, c2 []float64
	swap        []bool
	tol         float64
}

func (f *tridiagLU) factor(d, e []float64, lambda float64) {
	n := len(d)
	f.a = append(f.a[:0], d...)
	f.b = append(f.b[:0], e...)
	f.c = append(f.c[:0], e...)
	f.c2 = append(f.c2[:0], make([]float64, max(n-2, 0))...)
	f.swap = append(f.swap[:0], make([]bool, n)...)
	a, b, c := f.a, f.b, f.c
	a[0] -= lambda
	scale1 := math.Abs(a[0]) + math.Abs(b[0])
	for k := 0; k < n-1; k++ {
		a[k+1] -= lambda
		scale2 := math.Abs(c[k]) + math.Abs(a[k+1])
		if k < n-2 {
			scale2 += math.Abs(b[k+1])
		}
		piv1 := 0.0
		if a[k] != 0 {
			piv1 = math.Abs(a[k]) / scale1
		}
		if c[k] == 0 {
			scale1 = scale2
			continue
		}
		piv2 := math.Abs(c[k]) / scale2
		if piv2 <= piv1 {
			scale1 = scale2
			c[k] /= a[k]
			a[k+1] -= c[k] * b[k]
		} else {
			f.swap[k] = true
			mult := a[k] / c[k]
			a[k] = c[k]
			temp := a[k+1]
			a[k+1] = b[k] - mult*temp
			if k < n-2 {
				f.c2[k] = b[k+1]
				b[k+1] = -mult * f.c2[k]
			}
			b[k] = temp
			c[k] = mult
		}
	}
	// dlagts's default perturbation: eps times the largest entry of U.
	tol := 0.0
	for i := range n {
		tol = math.Max(tol, math.Abs(a[i]))
		if i < n-1 {
			tol = math.Max(tol, math.Abs(b[i]))
		}
		if i < n-2 {
			tol = math.Max(tol, math.Abs(f.c2[i]))
		}
	}
	f.tol = tol * 0x1p-52
	if f.tol == 0 {
		f.tol = 0x1p-52
	}
}

// solve overwrites x with (T − λI)⁻¹·x (dlagts with job = −1: a diagonal
// entry of U that would make the result overflow is perturbed).
func (f *tridiagLU) solve(x []float64) {
	n := len(x)
	const sfmin = 0x1p-1022
	const bignum = 1 / sfmin
	for k := 1; k < n; k++ {
		if !f.swap[k-1] {
			x[k] -= f.c[k-1] * x[k-1]
		} else {
			t := x[k-1]
			x[k-1] = x[k]
			x[k] = t - f.c[k-1]*x[k]
		}
	}
	for k := n - 1; k >= 0; k-- {
		t := x[k]
		if k <= n-2 {
			t -= f.b[k] * x[k+1]
		}
		if k <= n-3 {
			t -= f.c2[k] * x[k+2]
		}
		ak := f.a[k]
		pert := math.Copysign(f.tol, ak)
		for {
			absak := math.Abs(ak)
			if absak >= 1 {
				break
			}
			if absak < sfmin {
				if absak == 0 || math.Abs(t)*sfmin > absak {
					ak += pert
					pert *= 2
					continue
				}
				t *= bignum
				ak *= bignum
				break
			}
			if math.Abs(t) > absak*bignum {
				ak += pert
				pert *= 2
				continue
			}
			break
		}
		x[k] = t / ak
	}
}

// backTransform replaces each of the k rows of y (eigenvectors of T, n
// values each) by Q·y = H_0·…·H_{n−2}·y, with the reflections that
// tridiagonalize left in a and tau. Rows are independent: they are done in
// parallel, groups of 4 rows sharing each reflection's loads.
func backTransform(a []float64, n int, tau []float64, y []float64, k int, l vecmath.Level) {
	const group = 4
	parallel.For((k+group-1)/group, func(g int) {
		r0, r1 := g*group, min(k, (g+1)*group)
		for j := n - 2; j >= 0; j-- {
			t := tau[j]
			if t == 0 {
				continue
			}
			v := a[j*n+j+1 : j*n+n]
			for r := r0; r < r1; r++ {
				row := y[r*n+j+1 : r*n+n]
				s := dotKernel(l, v, row)
				axpyKernel(l, -t*s, v, row)
			}
		}
	})
}

// dotKernel returns Σ x[i]·y[i] over len(x) values.
func dotKernel(l vecmath.Level, x, y []float64) float64 {
	if l.Vector() {
		return dotSIMD(l, x, y)
	}
	s := 0.0
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// axpyKernel adds alpha·x to y (len(x) values).
func axpyKernel(l vecmath.Level, alpha float64, x, y []float64) {
	if l.Vector() {
		axpySIMD(l, alpha, x, y)
		return
	}
	for i, v := range x {
		y[i] += alpha * v
	}
}
