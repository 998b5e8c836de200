package gmm

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/mnistlab/golab/lab/internal/parallel"
	"github.com/mnistlab/golab/lab/internal/vecmath"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Internal layout. The E- and M-steps work on the data transposed in blocks of
// blockCols samples: block b holds the coordinates of samples
// b·blockCols … b·blockCols+blockCols−1 as dr rows (one per feature, dr = D
// rounded up to 4, extra rows zero) of blockStride values (extra columns
// zero). A row of a block is contiguous, so the kernels vectorise over
// samples; the small padding of the stride avoids cache-set conflicts.
const (
	blockCols   = 256
	blockStride = blockCols + 8
)

type tdata struct {
	n, d, dr int
	nblk     int
	xb       []float64
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

func newTData(X *mat.Dense) *tdata {
	n, d := X.Dims()
	t := &tdata{n: n, d: d, dr: roundUp(d, 4), nblk: (n + blockCols - 1) / blockCols}
	t.xb = make([]float64, t.nblk*t.dr*blockStride)
	raw := X.RawMatrix()
	parallel.ForWorker(t.nblk, func(_, b int) {
		blk := t.block(b)
		for c := range t.valid(b) {
			i0 := (b*blockCols + c) * raw.Stride
			for i, v := range raw.Data[i0 : i0+d] {
				blk[i*blockStride+c] = v
			}
		}
	})
	return t
}

func (t *tdata) block(b int) []float64 {
	return t.xb[b*t.dr*blockStride : (b+1)*t.dr*blockStride]
}

// valid is the number of real samples in block b.
func (t *tdata) valid(b int) int { return min(blockCols, t.n-b*blockCols) }

// resp holds responsibilities transposed: row k (of kr = K rounded up to 4,
// extra rows zero) has one value per sample slot (nblk·blockCols, padding
// slots zero).
type resp struct {
	k, kr, ld int
	r         []float64
}

func newResp(k int, t *tdata) *resp {
	ld := t.nblk * blockCols
	kr := roundUp(k, 4)
	return &resp{k: k, kr: kr, ld: ld, r: make([]float64, kr*ld)}
}

func (r *resp) row(k int) []float64 { return r.r[k*r.ld : (k+1)*r.ld] }

// toDense returns the responsibilities as an N×K matrix.
func (r *resp) toDense(n int) *mat.Dense {
	out := mat.NewDense(n, r.k, nil)
	for k := range r.k {
		row := r.row(k)
		for i := range n {
			out.Set(i, k, row[i])
		}
	}
	return out
}

// respFromDense copies an N×K matrix into the transposed layout.
func respFromDense(R *mat.Dense, t *tdata) *resp {
	_, k := R.Dims()
	r := newResp(k, t)
	raw := R.RawMatrix()
	for i := range t.n {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+k] {
			r.r[j*r.ld+i] = v
		}
	}
	return r
}

// comp is what the E-step needs of one component.
type comp struct {
	logConst float64   // log w − ½(D·log 2π + log|Σ|)
	mean     []float64 // D
	l        []float64 // D×D lower Cholesky factor of Σ (row-major)
	m        []float64 // D×dp, m = L⁻ᵀ (upper), columns padded with zeros
	b        []float64 // dp, μᵀ·m
	dp       int
}

var log2Pi = math.Log(2 * math.Pi)

// prepare factorises each covariance. A covariance that is not positive
// definite is an error naming the component.
func prepare(weights, means []float64, covs [][]float64, d int) ([]comp, error) {
	k := len(weights)
	comps := make([]comp, k)
	errs := make([]error, k)
	parallel.ForWorker(k, func(_, c int) {
		comps[c], errs[c] = prepareOne(weights[c], means[c*d:(c+1)*d], covs[c], d, c)
	})
	// One line: the first failing component, and how many others failed.
	var first error
	others := 0
	for _, err := range errs {
		switch {
		case err == nil:
		case first == nil:
			first = err
		default:
			others++
		}
	}
	if others > 0 {
		return nil, fmt.Errorf("%w; %d more component(s) too", first, others)
	}
	if first != nil {
		return nil, first
	}
	return comps, nil
}

func prepareOne(w float64, mean, cov []float64, d, index int) (comp, error) {
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(d, append([]float64(nil), cov...))) {
		return comp{}, fmt.Errorf("gmm: covariance of component %d is not positive definite (add RegCovar)", index)
	}
	var l mat.TriDense
	ch.LTo(&l)
	c := comp{mean: mean, dp: roundUp(d, 4)}
	c.logConst = math.Log(w) - 0.5*(float64(d)*log2Pi+ch.LogDet())
	c.l = make([]float64, d*d)
	lr := l.RawTriangular()
	for i := range d {
		copy(c.l[i*d:i*d+i+1], lr.Data[i*lr.Stride:i*lr.Stride+i+1])
	}
	if kernels.Vector() {
		var li mat.TriDense
		if err := li.InverseTri(&l); err != nil {
			return comp{}, fmt.Errorf("gmm: covariance of component %d is singular (add RegCovar)", index)
		}
		c.m = make([]float64, d*c.dp)
		c.b = make([]float64, c.dp)
		lir := li.RawTriangular()
		for i := range d {
			for j := i; j < d; j++ {
				c.m[i*c.dp+j] = lir.Data[j*lir.Stride+i]
			}
		}
		for j := range d {
			s := 0.0
			for i := 0; i <= j; i++ {
				s += mean[i] * c.m[i*c.dp+j]
			}
			c.b[j] = s
		}
		for _, v := range c.m {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return comp{}, fmt.Errorf("gmm: covariance of component %d is singular (add RegCovar)", index)
			}
		}
	}
	return c, nil
}

// eScratch is a worker's scratch space for the E-step.
type eScratch struct {
	maha  []float64 // blockCols
	thr   []float64 // blockCols
	best  []float64 // blockCols
	sum   []float64 // blockCols
	logp  []float64 // K×blockCols
	y     []float64 // D×blockCols (gonum path)
	order []int     // K
	key   []float64 // K
}

// logProb fills s.logp[k*blockCols+c] = log(w_k·N(x_c | μ_k, Σ_k)) for the
// samples of block b, except that values more than 750 below the best
// component of their sample may be replaced by −Inf.
//
// That pruning is exact: the E-step only uses exp(logp − max), which is 0 in
// float64 for arguments below −746 whether or not the value was pruned. The
// Mahalanobis sum is accumulated over groups of coordinates and only grows,
// so once its partial value puts every sample of a chunk below that bound the
// remaining coordinates are skipped. Components are visited in order of
// their responsibility mass in this block at the previous iteration (prev,
// if not nil) so that the winner usually comes first and the others are cut
// after a few coordinates.
func logProb(t *tdata, comps []comp, prev *resp, b int, s *eScratch) {
	blk := t.block(b)
	d := t.d
	k := len(comps)
	for j := range k {
		s.order[j] = j
		s.key[j] = comps[j].logConst
		if prev != nil {
			sum := 0.0
			for _, v := range prev.r[j*prev.ld+b*blockCols : j*prev.ld+(b+1)*blockCols] {
				sum += v
			}
			s.key[j] = sum
		}
	}
	slices.SortStableFunc(s.order, func(a, b int) int { return cmp.Compare(s.key[b], s.key[a]) })
	for q := range s.best {
		s.best[q] = math.Inf(-1)
	}
	for _, j := range s.order {
		c := &comps[j]
		if kernels.Vector() {
			thresholdSIMD(s.thr, s.best, c.logConst)
			mahaSIMD(blk, blockStride, d, c.dp, c.m, c.b, s.thr, s.maha)
		} else {
			// Solve L·Z = (X − μ) for the block, then ‖z_c‖².
			for i := range d {
				src := blk[i*blockStride : i*blockStride+blockCols]
				dst := s.y[i*blockCols : (i+1)*blockCols]
				mu := c.mean[i]
				for q, v := range src {
					dst[q] = v - mu
				}
			}
			blas64.Trsm(blas.Left, blas.NoTrans, 1,
				blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: d, Stride: d, Data: c.l},
				blas64.General{Rows: d, Cols: blockCols, Stride: blockCols, Data: s.y})
			clear(s.maha)
			for i := range d {
				for q, v := range s.y[i*blockCols : (i+1)*blockCols] {
					s.maha[q] += v * v
				}
			}
		}
		lp := s.logp[j*blockCols : (j+1)*blockCols]
		if kernels.Vector() {
			logpAndMaxSIMD(lp, s.maha, s.best, c.logConst)
			continue
		}
		for q, m := range s.maha {
			lp[q] = c.logConst - 0.5*m
			s.best[q] = max(s.best[q], lp[q])
		}
	}
}

// estep computes the responsibilities of every sample into r (if not nil) and
// returns the per-sample log-likelihoods log Σ_k w_k N(x | μ_k, Σ_k) (if
// perSample) and their mean. prev, if not nil, holds the previous
// responsibilities (it may be r itself), used only to order the components.
func estep(t *tdata, comps []comp, r, prev *resp, perSample bool) (ll []float64, mean float64, err error) {
	k := len(comps)
	workers := parallel.Workers(t.nblk)
	scratch := make([]eScratch, workers)
	for w := range scratch {
		scratch[w] = eScratch{maha: make([]float64, blockCols), thr: make([]float64, blockCols),
			best: make([]float64, blockCols), sum: make([]float64, blockCols), logp: make([]float64, k*blockCols),
			order: make([]int, k), key: make([]float64, k)}
		if !kernels.Vector() {
			scratch[w].y = make([]float64, t.d*blockCols)
		}
	}
	if perSample {
		ll = make([]float64, t.n)
	}
	sums := make([]float64, t.nblk)
	parallel.ForWorker(t.nblk, func(w, b int) {
		s := &scratch[w]
		logProb(t, comps, prev, b, s)
		// Log-sum-exp per sample, row by row so that it vectorises: s.best
		// is the per-sample maximum over the components.
		clear(s.sum)
		for j := range k {
			e := s.logp[j*blockCols : (j+1)*blockCols]
			expShifted(e, s.best)
			if kernels.Vector() {
				addSIMD(s.sum, e)
				continue
			}
			for q, v := range e {
				s.sum[q] += v
			}
		}
		valid := t.valid(b)
		total := 0.0
		for q := range blockCols {
			if q >= valid {
				s.sum[q] = 0 // padding: zero responsibilities
				continue
			}
			lse := s.best[q] + math.Log(s.sum[q])
			if ll != nil {
				ll[b*blockCols+q] = lse
			}
			total += lse
			s.sum[q] = 1 / s.sum[q]
		}
		if r != nil {
			for j := range k {
				dst := r.r[j*r.ld+b*blockCols : j*r.ld+(b+1)*blockCols]
				e := s.logp[j*blockCols : (j+1)*blockCols]
				if kernels.Vector() {
					mulSIMD(dst, e, s.sum)
					continue
				}
				for q, v := range e {
					dst[q] = v * s.sum[q]
				}
			}
		}
		sums[b] = total
	})
	total := 0.0
	for _, s := range sums {
		total += s
	}
	mean = total / float64(t.n)
	if math.IsNaN(mean) || math.IsInf(mean, 0) {
		return nil, 0, fmt.Errorf("gmm: the log-likelihood is %v (degenerate parameters)", mean)
	}
	return ll, mean, nil
}

// expShifted sets x[q] = exp(x[q] − shift[q]) for q < blockCols, and exactly
// 0 where the argument is below −746 (where exp underflows to 0 anyway).
func expShifted(x, shift []float64) {
	if kernels.Vector() {
		expShiftedSIMD(x, shift)
		return
	}
	for q, v := range x[:blockCols] {
		if a := v - shift[q]; a > -746 {
			x[q] = math.Exp(a)
		} else {
			x[q] = 0
		}
	}
}

// mstep computes the parameters that maximise the expected log-likelihood
// for the responsibilities r: weights N_k/N, means γᵀX/N_k, covariances the
// γ-weighted scatter around the new means / N_k + reg·I. As scikit-learn,
// N_k gets 10·ε added so that an empty component does not divide by zero.
func mstep(t *tdata, r *resp, reg float64) (weights, means []float64, covs [][]float64) {
	k, d := r.k, t.d
	// Pass 1: N_k and Σ_n γ_nk x_n, per partition of the blocks.
	p1 := min(8, t.nblk)
	nks := make([][]float64, p1)
	s1s := make([][]float64, p1) // kr×dr
	parallel.ForWorker(p1, func(_, p int) {
		nk := make([]float64, k)
		s1 := make([]float64, r.kr*t.dr)
		for b := p * t.nblk / p1; b < (p+1)*t.nblk/p1; b++ {
			off := b * blockCols
			for j := range k {
				for _, v := range r.r[j*r.ld+off : j*r.ld+off+blockCols] {
					nk[j] += v
				}
			}
			blk := t.block(b)
			if kernels.Vector() {
				var acc [8]float64
				for k0 := 0; k0 < r.kr; k0 += 4 {
					for i0 := 0; i0 < t.dr; i0 += 2 {
						acc = [8]float64{}
						vecmath.Dot4x2(kernels, r.r[k0*r.ld+off:], r.ld, blk[i0*blockStride:], blockStride, blockCols, &acc)
						for a := range 4 {
							s1[(k0+a)*t.dr+i0] += acc[2*a]
							s1[(k0+a)*t.dr+i0+1] += acc[2*a+1]
						}
					}
				}
			} else {
				blas64.Gemm(blas.NoTrans, blas.Trans, 1,
					blas64.General{Rows: k, Cols: blockCols, Stride: r.ld, Data: r.r[off:]},
					blas64.General{Rows: d, Cols: blockCols, Stride: blockStride, Data: blk},
					1, blas64.General{Rows: k, Cols: d, Stride: t.dr, Data: s1})
			}
		}
		nks[p], s1s[p] = nk, s1
	})
	nk := make([]float64, k)
	means = make([]float64, k*d)
	for p := range p1 {
		for j := range k {
			nk[j] += nks[p][j]
			for i := range d {
				means[j*d+i] += s1s[p][j*t.dr+i]
			}
		}
	}
	weights = make([]float64, k)
	const eps10 = 10 * 0x1p-52
	for j := range k {
		nk[j] += eps10
		weights[j] = nk[j] / float64(t.n)
		for i := range d {
			means[j*d+i] /= nk[j]
		}
	}

	// Pass 2: the weighted scatter Σ_n γ_nk (x_n − μ_k)(x_n − μ_k)ᵀ. Rows with
	// γ_nk = 0 contribute nothing and are skipped; the others are packed,
	// scaled by √γ_nk and centred, into a buffer that a symmetric rank-k
	// update adds to the accumulator.
	p2 := scatterPartitions(t.nblk, k, d)
	accs := make([][]float64, p2*k)
	mcap := clampInt(roundUp(131072/max(d, 1), blockCols), blockCols, 8*blockCols)
	bstride := mcap + 8
	workers := parallel.Workers(p2 * k)
	bufs := make([][]float64, workers)
	for w := range bufs {
		bufs[w] = make([]float64, t.dr*bstride)
	}
	parallel.ForWorker(p2*k, func(w, task int) {
		p, j := task/k, task%k
		acc := make([]float64, d*d)
		buf := bufs[w]
		mu := means[j*d : (j+1)*d]
		rr := r.row(j)
		m := 0
		flush := func() {
			if m == 0 {
				return
			}
			scatterAdd(buf, bstride, d, m, acc)
			m = 0
		}
		idx := make([]int, 0, blockCols)
		sg := make([]float64, blockCols)
		for b := p * t.nblk / p2; b < (p+1)*t.nblk/p2; b++ {
			blk := t.block(b)
			g := rr[b*blockCols : (b+1)*blockCols] // zero beyond the valid samples
			idx = idx[:0]
			for c, v := range g {
				if v != 0 {
					idx = append(idx, c)
				}
			}
			if len(idx) == 0 {
				continue
			}
			if 2*len(idx) >= blockCols {
				// Mostly non-zero: take the whole block (zero weights give
				// zero columns), with contiguous vectorisable loops.
				if m+blockCols > mcap {
					flush()
				}
				if kernels.Vector() {
					sqrtSIMD(sg, g)
				} else {
					for c, v := range g {
						sg[c] = math.Sqrt(v)
					}
				}
				for i := range d {
					scaleCentre(buf[i*bstride+m:i*bstride+m+blockCols], blk[i*blockStride:i*blockStride+blockCols], sg, mu[i])
				}
				m += blockCols
				continue
			}
			// Mostly zero: gather the non-zero columns.
			for start := 0; start < len(idx); {
				take := min(len(idx)-start, mcap-m)
				ids := idx[start : start+take]
				for q, c := range ids {
					sg[q] = math.Sqrt(g[c])
				}
				for i := range d {
					src := blk[i*blockStride : i*blockStride+blockCols]
					dst := buf[i*bstride+m : i*bstride+m+take]
					mui := mu[i]
					for q, c := range ids {
						dst[q] = sg[q] * (src[c] - mui)
					}
				}
				m += take
				start += take
				if m == mcap {
					flush()
				}
			}
		}
		flush()
		accs[task] = acc
	})
	covs = make([][]float64, k)
	for j := range k {
		cov := make([]float64, d*d)
		for p := range p2 {
			for i, v := range accs[p*k+j] {
				cov[i] += v
			}
		}
		for a := range d {
			for b := a; b < d; b++ {
				v := cov[a*d+b] / nk[j]
				cov[a*d+b], cov[b*d+a] = v, v
			}
			cov[a*d+a] += reg
		}
		covs[j] = cov
	}
	return weights, means, covs
}

// scaleCentre sets dst[q] = sg[q]·(src[q] − mu) for q < blockCols.
func scaleCentre(dst, src, sg []float64, mu float64) {
	if kernels.Vector() {
		scaleCentreSIMD(dst, src, sg, mu)
		return
	}
	for q, v := range src[:len(dst)] {
		dst[q] = sg[q] * (v - mu)
	}
}

// scatterAdd adds the upper triangle of B·Bᵀ to acc (D×D), where B is the
// d×m matrix in buf (row stride bstride).
func scatterAdd(buf []float64, bstride, d, m int, acc []float64) {
	if !kernels.Vector() {
		blas64.Syrk(blas.NoTrans, 1,
			blas64.General{Rows: d, Cols: m, Stride: bstride, Data: buf},
			1, blas64.Symmetric{Uplo: blas.Upper, N: d, Stride: d, Data: acc})
		return
	}
	mp := roundUp(m, 8)
	for i := range d {
		clear(buf[i*bstride+m : i*bstride+mp])
	}
	var r [8]float64
	for i0 := 0; i0 < d; i0 += 4 {
		for j0 := i0; j0 < d; j0 += 2 {
			r = [8]float64{}
			vecmath.Dot4x2(kernels, buf[i0*bstride:], bstride, buf[j0*bstride:], bstride, mp, &r)
			for a := range 4 {
				i := i0 + a
				for s := range 2 {
					if j := j0 + s; i <= j && j < d {
						acc[i*d+j] += r[2*a+s]
					}
				}
			}
		}
	}
}

// scatterPartitions is the number of independent scatter accumulators: up to
// 8, fewer when K·D² is large. It depends only on the problem size, so
// results do not depend on the number of CPUs.
func scatterPartitions(nblk, k, d int) int {
	perPart := k * d * d * 8
	return clampInt(min(nblk, (128<<20)/max(perPart, 1)), 1, 8)
}

func clampInt(x, lo, hi int) int { return max(lo, min(hi, x)) }
