package pca

import (
	"sync/atomic"

	"github.com/mnistlab/golab/lab/internal/parallel"
	"github.com/mnistlab/golab/lab/internal/vecmath"
	"gonum.org/v1/gonum/blas/blas64"
)

// The integer covariance path.
//
// When every value of X is an integer with |x| ≤ intMax (8-bit images such as
// MNIST's raw 0..255 pixels, and anything up to 11 bits), the Gram matrix
// G = XᵀX, the column sums S = Xᵀ1 and N are computed exactly in integer
// arithmetic, and the covariance follows from the exact integer numerator
//
//	cov[i][j] = (N·G[i][j] − S[i]·S[j]) / (N·(N−1)),
//
// rounded once when it is converted to float64 and once by the division: the
// result is the correctly rounded covariance whenever |N·G − S·Sᵀ| < 2⁵³ (for
// MNIST's 60 000 images the numerators stay below 2.3·10¹⁴), and it does not
// depend on the order of the sums, the number of CPUs or the instruction set.
// No centred copy is made and X is read once.
//
// The products run on 16-bit integers with the vector unit's pairwise
// multiply-add (VPMADDWD: 32 products per AVX-512 instruction, 16 per AVX2
// one, where a float64 FMA does 8 or 4): each block of intBlock rows is packed
// as pairs of rows interleaved column by column, so that one 32-bit lane holds
// (x[2q][j], x[2q+1][j]), chunk by chunk of 32 columns (the 128 bytes of
// chunk c of every pair follow each other, so that the kernel streams through
// memory), and accumulated into 32-bit partial sums that are moved to 64-bit
// ones before they can overflow. Sparse data costs less: for each group of a
// few columns i (intTile(l): 4 with AVX-512, 3 with AVX2, whose 16 vector
// registers hold no larger tile) the kernel visits only the pairs of rows
// where one of those columns is non-zero (81 % of MNIST's pixels are 0; 39 %
// of the (pair, group of 4) combinations remain). The column sums come from
// the same kernel through an extra column of ones (index d).
//
// Any other data (fractions, larger magnitudes, NaN or Inf, more than
// intMaxRows rows) takes the dense float64 path; which path ran changes the
// result only by rounding (both are tested against each other).
const (
	intMax   = 2047 // largest |x| of the integer path: intBlock·intMax² < 2³¹
	intBlock = 512  // rows per packed block (even)
	intPairs = intBlock / 2
	// intChunk is the number of int16 values of one pair in one chunk of 32
	// columns; chunk c of pair q starts at (c·intPairs + q)·intChunk.
	intChunk = 64
	// intMaxRows bounds N so that N·intMax < 2³¹: then |N·G| and |S·Sᵀ| are
	// below 2⁶² and the integer numerator cannot overflow int64.
	intMaxRows = (1<<31 - 1) / intMax
)

// A block's sums of products fit in int32 (a compile-time check: the
// constant would overflow uint32 otherwise).
const _ = uint32(1<<31 - 1 - intBlock*intMax*intMax)

// intLayout is the padded geometry of the integer path for d features.
type intLayout struct {
	d, ld int // features; padded row length (≥ d+1 for the ones column, a multiple of 32)
	tile  int // covariance rows per kernel call (the broadcast side): intTile(l)
	tiles int // groups of tile covariance rows covering 0..d (ones column included)
	jstep int // columns per kernel vector tile: 32 (AVX-512) or 16 (AVX2)
}

func newIntLayout(d int, l vecmath.Level) intLayout {
	tile := intTile(l)
	tiles := (d + 1 + tile - 1) / tile
	ld := (tiles*tile + 31) / 32 * 32
	jstep := 16
	if l == vecmath.AVX512 {
		jstep = 32
	}
	return intLayout{d: d, ld: ld, tile: tile, tiles: tiles, jstep: jstep}
}

// words is the number of uint64 of a pair's non-zero column bitmap.
func (lay intLayout) words() int { return lay.ld/64 + 1 }

// intTile is the number of covariance rows of the integer kernel of level l.
func intTile(l vecmath.Level) int {
	if l == vecmath.AVX512 {
		return 4
	}
	return 3
}

// intWorker is the scratch space and the partial sums of one goroutine.
type intWorker struct {
	acc64  []int64 // ld×ld, upper triangle: exact sums
	acc32  []int32 // ld×ld, upper triangle: sums since the last flush
	budget int64   // bound on |acc32| entries: Σ rows·max|x|² since the flush
	buf    []int16 // one packed block: ld/32 chunks × intPairs pairs × intChunk values
	lists  [][]int32
	nz     []uint64 // per pair: bit j set when column j of the pair is not all zero
}

// flush adds acc32 to acc64 and clears it.
func (w *intWorker) flush() {
	for i, v := range w.acc32 {
		if v != 0 {
			w.acc64[i] += int64(v)
			w.acc32[i] = 0
		}
	}
	w.budget = 0
}

// block adds block b (rows b·intBlock …) of raw to w's sums; it returns false
// if a value of the block is not an integer in [−intMax, intMax].
func (w *intWorker) block(l vecmath.Level, raw blas64.General, b int, lay intLayout) bool {
	s, e := b*intBlock, min(raw.Rows, (b+1)*intBlock)
	maxAbs, good := packBlock(l, raw, s, e, lay, w.buf, w.nz)
	if !good {
		return false
	}
	rows, m := int64(e-s), int64(max(maxAbs, 1)) // the ones column is 1
	if bound := rows * m * m; w.budget+bound > 1<<31-1 {
		w.flush()
		w.budget = bound
	} else {
		w.budget += bound
	}
	buildLists(w.nz, lay, (e-s+1)/2, w.lists)
	for t, list := range w.lists {
		if len(list) > 0 {
			i0 := t * lay.tile
			syrkInt16(l, w.buf, lay.ld, list, i0, i0/lay.jstep*lay.jstep, w.acc32)
		}
	}
	return true
}

// covarianceInt computes the column means and the d×d covariance (full
// symmetric storage) of raw on the integer path with the kernels of level l
// (a vector level). ok is false, with nothing computed, when some value is not
// an integer in [−intMax, intMax] (NaN and Inf included) or when raw has more
// than intMaxRows rows: the caller then takes the dense path.
func covarianceInt(raw blas64.General, l vecmath.Level) (mean, cov []float64, ok bool) {
	n, d := raw.Rows, raw.Cols
	if n > intMaxRows || !l.Vector() {
		return nil, nil, false
	}
	lay := newIntLayout(d, l)
	blocks := (n + intBlock - 1) / intBlock
	// One set of accumulators (7.7 MB for D = 784) per part, at most 8 parts
	// of consecutive blocks. The sums are exact: the parts, their number and
	// the order of the additions do not change the result.
	parts := min(parallel.Workers(blocks), 8)
	workers := make([]*intWorker, parts)
	var failed atomic.Bool
	parallel.For(parts, func(p int) {
		w := &intWorker{
			acc64: make([]int64, lay.ld*lay.ld),
			acc32: make([]int32, lay.ld*lay.ld),
			buf:   make([]int16, lay.ld/32*intPairs*intChunk),
			lists: make([][]int32, lay.tiles),
			nz:    make([]uint64, intPairs*lay.words()),
		}
		for t := range w.lists {
			w.lists[t] = make([]int32, 0, intPairs)
		}
		workers[p] = w
		for b := p * blocks / parts; b < (p+1)*blocks/parts && !failed.Load(); b++ {
			if !w.block(l, raw, b, lay) {
				failed.Store(true)
			}
		}
	})
	if failed.Load() {
		return nil, nil, false
	}
	// Exact totals: the upper triangle of the (d+1)×(d+1) Gram matrix of
	// [X 1], summed over the workers in integers (any order gives the same).
	var g []int64
	for _, w := range workers {
		w.flush()
		if g == nil {
			g = w.acc64
			continue
		}
		for i := 0; i <= d; i++ {
			row, src := g[i*lay.ld:i*lay.ld+d+1], w.acc64[i*lay.ld:i*lay.ld+d+1]
			for j := i; j <= d; j++ {
				row[j] += src[j]
			}
		}
	}
	if g[d*lay.ld+d] != int64(n) {
		panic("pca: integer covariance lost rows") // the ones column counts them
	}
	N := int64(n)
	sum := func(j int) int64 { return g[j*lay.ld+d] }
	mean = make([]float64, d)
	for j := range d {
		mean[j] = float64(sum(j)) / float64(n)
	}
	cov = make([]float64, d*d)
	den := float64(n) * float64(n-1)
	for i := range d {
		si := sum(i)
		row := g[i*lay.ld:]
		for j := i; j < d; j++ {
			c := float64(N*row[j]-si*sum(j)) / den
			cov[i*d+j] = c
			cov[j*d+i] = c
		}
	}
	return mean, cov, true
}

// buildLists sets lists[t] to the pairs of the packed block whose values in
// columns t·tile … t·tile+tile−1 are not all zero, from the pairs' non-zero
// column bitmaps nz (the ones column, at index d, is set in every pair).
func buildLists(nz []uint64, lay intLayout, pairs int, lists [][]int32) {
	for t := range lists {
		lists[t] = lists[t][:0]
	}
	words := lay.words()
	mask := uint64(1)<<lay.tile - 1
	for q := range pairs {
		bits := nz[q*words : (q+1)*words]
		for t := range lists {
			pos := t * lay.tile
			v := bits[pos>>6] >> (pos & 63)
			if pos&63 > 64-lay.tile {
				v |= bits[pos>>6+1] << (64 - pos&63)
			}
			if v&mask != 0 {
				lists[t] = append(lists[t], int32(q))
			}
		}
	}
}

// packBlock packs rows s..e−1 of raw into buf as pairs of interleaved int16
// rows in chunks of 32 columns (pair q holds rows s+2q and s+2q+1; an odd
// last row is paired with zeros), with the ones column at index d, and sets
// each pair's non-zero column bitmap in nz. It returns the largest |x| of the
// block and whether every value was an integer in [−intMax, intMax].
func packBlock(l vecmath.Level, raw blas64.General, s, e int, lay intLayout, buf []int16, nz []uint64) (maxAbs int32, ok bool) {
	d, words := lay.d, lay.words()
	ones := packedIndex(0, d)
	for q := 0; s+2*q < e; q++ {
		out := buf[q*intChunk:]
		bits := nz[q*words : (q+1)*words]
		clear(bits)
		r0 := raw.Data[(s+2*q)*raw.Stride : (s+2*q)*raw.Stride+d]
		var r1 []float64
		if s+2*q+1 < e {
			r1 = raw.Data[(s+2*q+1)*raw.Stride : (s+2*q+1)*raw.Stride+d]
		}
		m, good := packPair(l, r0, r1, out, bits)
		if !good {
			return 0, false
		}
		maxAbs = max(maxAbs, m)
		buf[ones+q*intChunk], buf[ones+q*intChunk+1] = 1, 0
		if r1 != nil {
			buf[ones+q*intChunk+1] = 1
		}
		bits[d>>6] |= 1 << (d & 63)
	}
	return maxAbs, true
}

// packedIndex is the index in a packed block of the value of column j of the
// first row of pair q (the second row's follows it).
func packedIndex(q, j int) int { return (j/32*intPairs+q)*intChunk + 2*(j%32) }

// packPairScalar is packPair without vector instructions, also the tail of
// the vector versions: out[packedIndex(0, j)] = r0[j] and the next value
// r1[j] (0 if r1 is nil) for j < len(r0), and bit j of nz set when one of
// them is not 0. It returns max |x| and false if a value is not an integer of
// magnitude ≤ intMax (then out and nz are partly written).
func packPairScalar(r0, r1 []float64, out []int16, nz []uint64) (maxAbs int32, ok bool) {
	return packPairScalarFrom(0, r0, r1, out, nz)
}

// packPairScalarFrom is packPairScalar for columns j0, j0+1, … of the
// packed rows (r0 and r1 start at column j0; out and nz are the whole pair's).
func packPairScalarFrom(j0 int, r0, r1 []float64, out []int16, nz []uint64) (maxAbs int32, ok bool) {
	for i, v := range r0 {
		a, good := toInt(v)
		if !good {
			return 0, false
		}
		var b int32
		if r1 != nil {
			if b, good = toInt(r1[i]); !good {
				return 0, false
			}
		}
		k := packedIndex(0, j0+i)
		out[k], out[k+1] = int16(a), int16(b)
		if a != 0 || b != 0 {
			nz[(j0+i)>>6] |= 1 << ((j0 + i) & 63)
		}
		maxAbs = max(maxAbs, a, -a, b, -b)
	}
	return maxAbs, true
}

// toInt returns v as an integer if it is one of magnitude ≤ intMax.
func toInt(v float64) (int32, bool) {
	if !(v >= -intMax && v <= intMax) { // NaN fails too
		return 0, false
	}
	i := int32(v)
	return i, float64(i) == v
}
