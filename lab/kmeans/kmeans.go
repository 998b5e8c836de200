// Package kmeans is k-means clustering as scikit-learn's KMeans: greedy
// k-means++ seeding followed by Lloyd iterations, with the same defaults
// (one initialisation, 300 iterations, tolerance 1e-4 relative to the data
// variance).
//
// It is the initialisation of the lab's Gaussian mixture (package gmm), as in
// the homework, and useful on its own:
//
//	km := kmeans.New(10, kmeans.Options{Seed: 123})
//	if err := km.Fit(Z); err != nil { ... }
//	labels := km.Labels()
//
// The random numbers come from NumPy's generator, numpy.random.RandomState
// (Mersenne Twister), drawn in the order scikit-learn draws them, so Seed s
// picks the same k-means++ centres as KMeans(random_state=s) on the same data
// (up to floating-point ties). Results are deterministic given the seed (they
// do not depend on the number of CPUs).
package kmeans

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/mnistlab/golab/lab/internal/nprand"
	"github.com/mnistlab/golab/lab/internal/parallel"
	"gonum.org/v1/gonum/mat"
)

// Options configures KMeans. Zero values select the defaults.
type Options struct {
	// NInit is the number of k-means++ initialisations; the run with the
	// lowest inertia is kept. Default 1.
	NInit int
	// MaxIter bounds the Lloyd iterations of each run. Default 300.
	MaxIter int
	// Tol stops a run when the centres move less than Tol × (mean variance of
	// the features) in total squared distance. Default 1e-4; negative means 0
	// (stop only when the labels no longer change).
	Tol float64
	// Seed seeds the random numbers of the k-means++ seeding: NumPy's
	// RandomState(Seed), as scikit-learn's random_state=Seed.
	Seed uint64
	// Rand, if not nil, is used instead of RandomState(Seed) (a
	// *math/rand/v2.Rand is one), e.g. to share one stream between several
	// fits as scikit-learn shares a RandomState instance.
	Rand Source
}

// Source is where the seeding draws its random numbers: uniform values in
// [0, 1).
type Source interface {
	Float64() float64
}

// source returns opts.Rand, or NumPy's RandomState(opts.Seed).
func (o Options) source() Source {
	if o.Rand != nil {
		return o.Rand
	}
	return nprand.New(o.Seed)
}

// KMeans is a k-means clustering model. Create it with New, then Fit.
type KMeans struct {
	k    int
	opts Options

	centers *mat.Dense // k×D
	labels  []int
	inertia float64
	nIter   int
}

// New returns an unfitted k-means model with k clusters.
func New(k int, opts Options) *KMeans {
	if opts.NInit <= 0 {
		opts.NInit = 1
	}
	if opts.MaxIter <= 0 {
		opts.MaxIter = 300
	}
	if opts.Tol == 0 {
		opts.Tol = 1e-4
	} else if opts.Tol < 0 {
		opts.Tol = 0
	}
	return &KMeans{k: k, opts: opts}
}

// K returns the number of clusters.
func (km *KMeans) K() int { return km.k }

// Fit clusters X (N×D, one sample per row). It needs 1 ≤ K ≤ N and finite
// values.
func (km *KMeans) Fit(X *mat.Dense) error {
	if err := checkInput(X, km.k); err != nil {
		return err
	}
	rng := km.opts.source()
	mean, meanVar := meanAndVariance(X)
	tol := km.opts.Tol * meanVar
	rowSq := centredRowNorms(X, mean)
	km.centers = nil
	for range km.opts.NInit {
		centers, _ := plusPlus(X, km.k, rng)
		labels, inertia, iters := lloyd(X, centers, mean, rowSq, km.opts.MaxIter, tol)
		// As scikit-learn: a later run replaces the kept one if its inertia
		// is lower and it is not the same clustering with permuted labels
		// (whose inertia differs only by round-off).
		if km.centers == nil || (inertia < km.inertia && !sameClustering(labels, km.labels, km.k)) {
			km.centers, km.labels, km.inertia, km.nIter = centers, labels, inertia, iters
		}
	}
	return nil
}

// sameClustering reports whether labels a and b (0..k-1) are the same
// partition up to a renaming of the clusters (scikit-learn's
// _is_same_clustering: a's cluster c always maps to the same b cluster).
func sameClustering(a, b []int, k int) bool {
	mapping := make([]int, k)
	for i := range mapping {
		mapping[i] = -1
	}
	for i, l := range a {
		switch mapping[l] {
		case -1:
			mapping[l] = b[i]
		case b[i]:
		default:
			return false
		}
	}
	return true
}

// PlusPlus is scikit-learn's kmeans_plusplus: it picks k rows of X (N×D) as
// initial centres by greedy k-means++ (see Fit) and returns their row
// indices, in the order picked. The draws come from opts.Rand, or from
// NumPy's RandomState(opts.Seed); the other options are not used. It needs
// 1 ≤ K ≤ N and finite values.
func PlusPlus(X *mat.Dense, k int, opts Options) ([]int, error) {
	if err := checkInput(X, k); err != nil {
		return nil, err
	}
	_, idx := plusPlus(X, k, opts.source())
	return idx, nil
}

// Predict returns the index of the nearest centre for each row of X.
func (km *KMeans) Predict(X *mat.Dense) ([]int, error) {
	if km.centers == nil {
		return nil, errors.New("kmeans: not fitted (call Fit first)")
	}
	if X == nil || X.IsEmpty() {
		return nil, errors.New("kmeans: empty data")
	}
	if _, d := X.Dims(); d != km.centers.RawMatrix().Cols {
		return nil, fmt.Errorf("kmeans: X has %d columns, the model was fitted on %d", d, km.centers.RawMatrix().Cols)
	}
	if err := checkFinite(X); err != nil {
		return nil, err
	}
	mean, _ := meanAndVariance(X)
	labels := make([]int, X.RawMatrix().Rows)
	assign(X, km.centers, mean, centredRowNorms(X, mean), labels, nil)
	return labels, nil
}

// Centers returns a copy of the K×D matrix of cluster centres, or nil before
// Fit.
func (km *KMeans) Centers() *mat.Dense {
	if km.centers == nil {
		return nil
	}
	return mat.DenseCopyOf(km.centers)
}

// Labels returns the cluster of each training sample (a copy).
func (km *KMeans) Labels() []int { return slices.Clone(km.labels) }

// Inertia is the sum of squared distances of the training samples to their
// closest centre.
func (km *KMeans) Inertia() float64 { return km.inertia }

// NIter is the number of Lloyd iterations of the kept run.
func (km *KMeans) NIter() int { return km.nIter }

// checkInput checks the data and K of Fit and PlusPlus.
func checkInput(X *mat.Dense, k int) error {
	if X == nil || X.IsEmpty() {
		return errors.New("kmeans: empty data")
	}
	n, _ := X.Dims()
	if k < 1 {
		return fmt.Errorf("kmeans: K=%d, want at least 1", k)
	}
	if k > n {
		return fmt.Errorf("kmeans: K=%d > N=%d samples", k, n)
	}
	return checkFinite(X)
}

// plusPlus is scikit-learn's greedy k-means++: the first centre is a uniformly
// drawn sample; each next centre is the best (lowest potential) of
// 2+⌊ln k⌋ candidates drawn with probability proportional to the squared
// distance to the closest centre so far. It returns the centres and their
// row indices. The draws are scikit-learn's, in its order: one uniform value
// for the first centre (RandomState.choice with equal weights), then the
// candidates' values, one per candidate.
func plusPlus(X *mat.Dense, k int, rng Source) (*mat.Dense, []int) {
	n, d := X.Dims()
	centers := mat.NewDense(k, d, nil)
	indices := make([]int, k)
	trials := 2 + int(math.Log(float64(k)))
	first := choiceUniform(n, rng.Float64())
	indices[0] = first
	centers.SetRow(0, X.RawRowView(first))
	closest := make([]float64, n)
	distancesTo(X, X.RawRowView(first), closest)
	pot := sum(closest)
	cand := make([][]float64, trials)
	for t := range cand {
		cand[t] = make([]float64, n)
	}
	cum := make([]float64, n)
	for c := 1; c < k; c++ {
		acc := 0.0
		for i, v := range closest {
			acc += v
			cum[i] = acc
		}
		bestT, bestPot, bestID := -1, math.Inf(1), 0
		for t := range trials {
			r := rng.Float64() * pot
			id, _ := slices.BinarySearch(cum, r) // first index with cum ≥ r
			id = min(id, n-1)
			distancesTo(X, X.RawRowView(id), cand[t])
			p := 0.0
			for i, v := range cand[t] {
				if closest[i] < v {
					v = closest[i]
				}
				cand[t][i] = v
				p += v
			}
			if p < bestPot {
				bestT, bestPot, bestID = t, p, id
			}
		}
		copy(closest, cand[bestT])
		pot = bestPot
		indices[c] = bestID
		centers.SetRow(c, X.RawRowView(bestID))
	}
	return centers, indices
}

// choiceUniform is the index that NumPy's RandomState.choice(n, p=w/w.sum())
// picks with w all ones for the uniform draw u: the first i whose cumulative
// probability, summed in order and divided by the total, exceeds u.
func choiceUniform(n int, u float64) int {
	p := 1 / float64(n)
	cdf := make([]float64, n)
	acc := 0.0
	for i := range cdf {
		acc += p
		cdf[i] = acc
	}
	for i, v := range cdf {
		if v/acc > u {
			return i
		}
	}
	return n - 1
}

// lloyd runs Lloyd iterations from centers (updated in place) and returns the
// labels, the inertia and the number of iterations, as scikit-learn's
// _kmeans_single_lloyd: stop when the labels do not change or the total
// squared centre shift is at most tol; then relabel with the final centres.
func lloyd(X *mat.Dense, centers *mat.Dense, mean, rowSq []float64, maxIter int, tol float64) ([]int, float64, int) {
	n, d := X.Dims()
	labels := make([]int, n)
	old := make([]int, n)
	for i := range old {
		old[i] = -1
	}
	dist := make([]float64, n)
	strict := false
	iters := 0
	for iters < maxIter {
		iters++
		assign(X, centers, mean, rowSq, labels, dist)
		shift := updateCenters(X, centers, labels, dist)
		if slices.Equal(labels, old) {
			strict = true
			break
		}
		if shift <= tol {
			break
		}
		copy(old, labels)
	}
	if !strict {
		assign(X, centers, mean, rowSq, labels, dist)
	}
	// Inertia with direct distances (exact, no expansion round-off).
	raw := X.RawMatrix()
	inertia := 0.0
	for i, l := range labels {
		inertia += sqDist(raw.Data[i*raw.Stride:i*raw.Stride+d], centers.RawRowView(l))
	}
	return labels, inertia, iters
}

// updateCenters replaces each centre by the mean of its samples and returns
// the total squared shift. An empty cluster is moved to the sample farthest
// from its centre (as scikit-learn does).
func updateCenters(X *mat.Dense, centers *mat.Dense, labels []int, dist []float64) float64 {
	n, d := X.Dims()
	k := centers.RawMatrix().Rows
	raw := X.RawMatrix()
	parts := partitions(n)
	sums := make([][]float64, parts)
	counts := make([][]int, parts)
	parallel.For(parts, func(p int) {
		s := make([]float64, k*d)
		c := make([]int, k)
		for i := p * n / parts; i < (p+1)*n/parts; i++ {
			l := labels[i]
			row := raw.Data[i*raw.Stride : i*raw.Stride+d]
			dst := s[l*d : (l+1)*d]
			for j, v := range row {
				dst[j] += v
			}
			c[l]++
		}
		sums[p], counts[p] = s, c
	})
	total := make([]float64, k*d)
	count := make([]int, k)
	for p := range parts {
		for j, v := range sums[p] {
			total[j] += v
		}
		for j, v := range counts[p] {
			count[j] += v
		}
	}
	var empty []int
	for c := range k {
		if count[c] == 0 {
			empty = append(empty, c)
		}
	}
	if len(empty) > 0 {
		// The samples farthest from their centres, farthest first.
		order := make([]int, n)
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			switch {
			case dist[a] > dist[b]:
				return -1
			case dist[a] < dist[b]:
				return 1
			}
			return 0
		})
		for e, c := range empty {
			i := order[e]
			row := raw.Data[i*raw.Stride : i*raw.Stride+d]
			old := labels[i]
			for j, v := range row {
				total[old*d+j] -= v
				total[c*d+j] = v
			}
			count[old]--
			count[c] = 1
			labels[i] = c
		}
	}
	shift := 0.0
	for c := range k {
		row := centers.RawRowView(c)
		if count[c] == 0 { // only if k > n, which Fit rejects
			continue
		}
		for j := range d {
			v := total[c*d+j] / float64(count[c])
			t := v - row[j]
			shift += t * t
			row[j] = v
		}
	}
	return shift
}

const blockRows = 256

// assign sets labels[i] to the nearest centre of row i (and dist[i], if not
// nil, to the squared distance). Distances use
// ‖x−c‖² = ‖x−m‖² − 2(x−m)·(c−m) + ‖c−m‖² with m the data mean, in blocks
// with a matrix product, which keeps the round-off small.
func assign(X *mat.Dense, centers *mat.Dense, mean, rowSq []float64, labels []int, dist []float64) {
	n, d := X.Dims()
	k := centers.RawMatrix().Rows
	cm := mat.NewDense(k, d, nil) // c − m
	cSq := make([]float64, k)     // ‖c−m‖²
	shift := make([]float64, k)   // m·(c−m)
	for c := range k {
		row := cm.RawRowView(c)
		for j, v := range centers.RawRowView(c) {
			row[j] = v - mean[j]
			cSq[c] += row[j] * row[j]
			shift[c] += mean[j] * row[j]
		}
	}
	blocks := (n + blockRows - 1) / blockRows
	parallel.For(blocks, func(b int) {
		s, e := b*blockRows, min(n, (b+1)*blockRows)
		var g mat.Dense
		g.Mul(X.Slice(s, e, 0, d), cm.T()) // x·(c−m)
		for i := s; i < e; i++ {
			gr := g.RawRowView(i - s)
			best, bestD := 0, math.Inf(1)
			for c := range k {
				v := rowSq[i] - 2*(gr[c]-shift[c]) + cSq[c]
				if v < bestD {
					best, bestD = c, v
				}
			}
			labels[i] = best
			if dist != nil {
				dist[i] = max(bestD, 0)
			}
		}
	})
}

// distancesTo sets out[i] = ‖X_i − c‖².
func distancesTo(X *mat.Dense, c []float64, out []float64) {
	n, d := X.Dims()
	raw := X.RawMatrix()
	blocks := (n + blockRows - 1) / blockRows
	parallel.For(blocks, func(b int) {
		for i := b * blockRows; i < min(n, (b+1)*blockRows); i++ {
			out[i] = sqDist(raw.Data[i*raw.Stride:i*raw.Stride+d], c)
		}
	})
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for j, v := range a {
		t := v - b[j]
		s += t * t
	}
	return s
}

func sum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

// meanAndVariance returns the column means and the mean of the column
// variances (denominator N, as numpy's var).
func meanAndVariance(X *mat.Dense) ([]float64, float64) {
	n, d := X.Dims()
	raw := X.RawMatrix()
	mean := make([]float64, d)
	for i := range n {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+d] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	v := 0.0
	for i := range n {
		for j, x := range raw.Data[i*raw.Stride : i*raw.Stride+d] {
			t := x - mean[j]
			v += t * t
		}
	}
	return mean, v / float64(n) / float64(d)
}

func centredRowNorms(X *mat.Dense, mean []float64) []float64 {
	n, d := X.Dims()
	raw := X.RawMatrix()
	out := make([]float64, n)
	for i := range n {
		out[i] = sqDist(raw.Data[i*raw.Stride:i*raw.Stride+d], mean)
	}
	return out
}

func checkFinite(X *mat.Dense) error {
	n, d := X.Dims()
	raw := X.RawMatrix()
	for i := range n {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+d] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("kmeans: X[%d,%d] = %v (NaN or Inf not allowed)", i, j, v)
			}
		}
	}
	return nil
}

// partitions is the number of independent partial sums for n rows; it depends
// only on n so that results do not depend on the number of CPUs.
func partitions(n int) int {
	return max(1, min(8, (n+4*blockRows-1)/(4*blockRows)))
}
