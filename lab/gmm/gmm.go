// Package gmm is a Gaussian mixture model with full covariances fitted by
// expectation–maximisation, the clustering model of Lab 3, with the
// semantics, defaults and names of scikit-learn's GaussianMixture.
//
// Fit initialises the parameters (by default as scikit-learn's
// init_params="kmeans": one k-means run → hard responsibilities → an M-step),
// then alternates E- and M-steps until the mean log-likelihood (scikit-learn's
// lower bound) changes by less than Tol between two iterations, or MaxIter
// iterations have run; with NInit > 1 it does all that from NInit starts and
// keeps the one with the highest lower bound. Options are literal: start
// from DefaultOptions (scikit-learn's defaults) and change what differs:
//
//	opts := gmm.DefaultOptions()              // tol 1e-3, max_iter 100, n_init 1, "kmeans", reg_covar 1e-6
//	opts.Seed = 123                           // random_state
//	g := gmm.New(10, opts)
//	if err := g.Fit(Z); err != nil { ... }    // Z: N×D, e.g. a PCA projection
//	if w := g.Warning(); w != nil { ... }     // EM stopped at MaxIter before converging
//	labels, err := g.Predict(Z)
//	x, err := g.Sample(3, 1, rng)             // one draw from component 3
//
// Tol = 0 runs exactly MaxIter EM iterations, as the homework's own GMM.
// The random numbers are NumPy's (numpy.random.RandomState(Seed)), drawn
// in scikit-learn's order, so the same seed gives the same start as
// scikit-learn on the same data.
//
// The E-step works in log space (Cholesky factors, log-sum-exp), so it does
// not underflow in high dimension; NaiveEStep keeps the homework's
// exp-then-normalise version to show why that matters. The two steps are
// exported with the homework's shapes (EStep, MStep) and can be replaced by a
// student's functions through Options.EStep and Options.MStep.
//
// Fitting is parallel over blocks of samples and deterministic given the
// seed. With GOEXPERIMENT=simd on an AVX-512 machine the Mahalanobis
// distances and the weighted scatter use vectorised kernels; otherwise gonum's
// BLAS (triangular solves and rank-k updates).
package gmm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/mnistlab/golab/lab/internal/nprand"
	"github.com/mnistlab/golab/lab/internal/provenance"
	"github.com/mnistlab/golab/lab/kmeans"
	"gonum.org/v1/gonum/mat"
)

// Init selects how Fit initialises the parameters (scikit-learn's
// init_params). Every initialisation ends with an M-step on initial
// responsibilities, as scikit-learn's.
type Init int

const (
	// InitKMeans ("kmeans", the default) runs k-means (k-means++ seeding,
	// then Lloyd iterations; one run, or the best of Options.KMeansNInit)
	// and turns its labels into hard responsibilities: means = centres,
	// covariances = per-cluster covariances + RegCovar·I, weights = cluster
	// fractions.
	InitKMeans Init = iota
	// InitKMeansPlusPlus ("k-means++") picks K samples by k-means++ seeding
	// alone; each component starts on one sample (covariance RegCovar·I).
	InitKMeansPlusPlus
	// InitRandom ("random") draws the responsibilities uniformly and
	// normalises each row.
	InitRandom
	// InitFromMeans starts from Options.Means (K×D, scikit-learn's
	// means_init): every sample is assigned to its nearest given mean, the
	// weights and covariances are those of that assignment, and the means
	// are the given ones. It draws no random numbers.
	InitFromMeans
)

var initNames = []string{"kmeans", "k-means++", "random", "means"}

// String returns scikit-learn's name of the initialisation ("kmeans",
// "k-means++", "random"), or "means" for InitFromMeans.
func (i Init) String() string {
	if i >= 0 && int(i) < len(initNames) {
		return initNames[i]
	}
	return fmt.Sprintf("Init(%d)", int(i))
}

// ParseInit returns the initialisation named s (a String value).
func ParseInit(s string) (Init, error) {
	for i, n := range initNames {
		if s == n {
			return Init(i), nil
		}
	}
	return 0, fmt.Errorf("gmm: unknown initialisation %q (want kmeans, k-means++, random or means)", s)
}

// Options configures a GMM. The fields are taken literally (0 means 0):
// start from DefaultOptions. Fit reports invalid values as errors.
type Options struct {
	// MaxIter caps the EM iterations of each initialisation (scikit-learn's
	// max_iter, default 100). 0 keeps the initial parameters (no EM).
	MaxIter int
	// Tol stops EM once the lower bound (the mean log-likelihood computed by
	// an iteration's E-step) changes by less than Tol from the previous
	// iteration's (scikit-learn's tol, default 1e-3). 0 never stops early:
	// exactly MaxIter iterations, as the homework. Negative is an error.
	Tol float64
	// RegCovar is added to the diagonal of every covariance (scikit-learn's
	// reg_covar, default 1e-6; 0 for none).
	RegCovar float64
	// NInit is the number of initialisations (scikit-learn's n_init,
	// default 1): the whole fit is repeated from NInit starts, drawn one
	// after the other from the same random stream, and the one with the
	// highest final lower bound is kept.
	NInit int
	// Init selects the initialisation (default InitKMeans).
	Init Init
	// Seed seeds the random numbers of the initialisation (scikit-learn's
	// random_state): NumPy's RandomState(Seed).
	Seed uint64
	// Rand, if not nil, is used instead of RandomState(Seed) (a
	// *math/rand/v2.Rand is one).
	Rand kmeans.Source
	// Means are the initial means (K×D) for InitFromMeans.
	Means *mat.Dense
	// KMeansNInit is the number of k-means++ runs inside one InitKMeans
	// initialisation (default 1, as scikit-learn's GaussianMixture; k-means
	// keeps the run of lowest inertia). It is not NInit.
	KMeansNInit int
	// EStep and MStep, if not nil, replace the reference steps (to plug in
	// a student's implementation). The lower bound is then computed
	// separately with the reference E-step.
	EStep EStepFunc
	MStep MStepFunc
	// Progress, if not nil, is called after every EM iteration with the
	// iteration number (from 1, again from 1 for each initialisation) and
	// the lower bound of that iteration.
	Progress func(iter int, lowerBound float64)
}

// DefaultOptions returns scikit-learn's defaults of GaussianMixture: MaxIter
// 100, Tol 1e-3, RegCovar 1e-6, NInit 1, Init InitKMeans (KMeansNInit 1),
// Seed 0.
func DefaultOptions() Options {
	return Options{MaxIter: 100, Tol: 1e-3, RegCovar: 1e-6, NInit: 1, Init: InitKMeans, KMeansNInit: 1}
}

// validate checks the options for K components on data with D columns.
func (o Options) validate(k, d int) error {
	switch {
	case o.NInit < 1:
		return fmt.Errorf("gmm: Options.NInit = %d, want ≥ 1 (start from gmm.DefaultOptions())", o.NInit)
	case o.MaxIter < 0:
		return fmt.Errorf("gmm: Options.MaxIter = %d, want ≥ 0", o.MaxIter)
	case !(o.Tol >= 0) || math.IsInf(o.Tol, 0):
		return fmt.Errorf("gmm: Options.Tol = %v, want a finite value ≥ 0 (0 runs exactly MaxIter iterations)", o.Tol)
	case !(o.RegCovar >= 0) || math.IsInf(o.RegCovar, 0):
		return fmt.Errorf("gmm: Options.RegCovar = %v, want a finite value ≥ 0", o.RegCovar)
	}
	switch o.Init {
	case InitKMeans:
		if o.KMeansNInit < 1 {
			return fmt.Errorf("gmm: Options.KMeansNInit = %d, want ≥ 1 (start from gmm.DefaultOptions())", o.KMeansNInit)
		}
	case InitKMeansPlusPlus, InitRandom:
	case InitFromMeans:
		if o.Means == nil {
			return errors.New("gmm: InitFromMeans needs Options.Means")
		}
		if r, c := o.Means.Dims(); r != k || c != d {
			return fmt.Errorf("gmm: Options.Means is %d×%d, want K×D = %d×%d", r, c, k, d)
		}
		if err := checkData(o.Means); err != nil {
			return fmt.Errorf("gmm: Options.Means: %w", err)
		}
	default:
		return fmt.Errorf("gmm: unknown Options.Init %d (want InitKMeans, InitKMeansPlusPlus, InitRandom or InitFromMeans)", int(o.Init))
	}
	return nil
}

// GMM is a Gaussian mixture with K full-covariance components. Create it with
// New (then Fit) or FromParams.
type GMM struct {
	k    int
	opts Options

	d         int
	fitted    bool
	weights   []float64
	means     []float64   // K×D
	covs      [][]float64 // K of D×D
	history   []float64
	nIter     int
	converged bool
}

// New returns an unfitted mixture of k components with the given options
// (see DefaultOptions); Fit checks them.
func New(k int, opts Options) *GMM {
	return &GMM{k: k, opts: opts}
}

// FromParams returns a fitted mixture with the given parameters (K weights,
// K×D means, K D×D covariances), e.g. to sample from or score with
// parameters computed elsewhere. The weights are used as given.
func FromParams(weights []float64, means *mat.Dense, covs []*mat.SymDense) (*GMM, error) {
	if means == nil {
		return nil, errors.New("gmm: nil means")
	}
	_, d := means.Dims()
	if err := checkParams(mat.NewDense(1, d, nil), weights, means, covs); err != nil {
		return nil, err
	}
	g := New(len(weights), DefaultOptions())
	g.setParams(weights, mat.DenseCopyOf(means).RawMatrix().Data, flatten(covs), d)
	if _, err := g.components(); err != nil {
		return nil, err
	}
	return g, nil
}

// FromResponsibilities returns the mixture that one M-step makes of the
// data X (N×D) and the responsibilities resp (N×K): weights Nₖ/N, means
// γᵀX/Nₖ, covariances the γ-weighted scatter/Nₖ + regCovar·I (e.g. to start
// two implementations from the same parameters). It is the lab's M-step:
// the notebook's M-step check rejects a submission that calls it.
func FromResponsibilities(X, resp *mat.Dense, regCovar float64) (*GMM, error) {
	provenance.Mark("gmm.FromResponsibilities")
	w, mu, covs, err := referenceMStep(X, resp, regCovar)
	if err != nil {
		return nil, err
	}
	return FromParams(w, mu, covs)
}

func flatten(covs []*mat.SymDense) [][]float64 {
	out := make([][]float64, len(covs))
	for j, c := range covs {
		out[j] = symData(c)
	}
	return out
}

func (g *GMM) setParams(w, means []float64, covs [][]float64, d int) {
	g.weights, g.means, g.covs, g.d, g.fitted = w, means, covs, d, true
}

// K returns the number of components.
func (g *GMM) K() int { return g.k }

// params are the parameters of a mixture in the internal layout.
type params struct {
	w, mu []float64   // K, K×D
	cv    [][]float64 // K of D×D
}

// run is the outcome of EM from one initialisation.
type run struct {
	params
	history   []float64 // the lower bound of each iteration
	converged bool
}

// Fit estimates the parameters from X (N×D, one sample per row), as
// scikit-learn's GaussianMixture.fit: for each of NInit initialisations,
// EM iterations (E-step, M-step) until the lower bound changes by less
// than Tol or MaxIter iterations have run; the initialisation with the
// highest final lower bound is kept (the first one on ties). It needs
// 1 ≤ K ≤ N, finite values and valid Options. Not converging is not an
// error: see Warning.
//
// The lower bound of an iteration is the mean log-likelihood computed by its
// E-step, i.e. under the parameters before its M-step; the kept parameters
// are those after the last M-step, and Predict on X gives the labels of a
// final E-step under them (scikit-learn's fit_predict).
func (g *GMM) Fit(X *mat.Dense) error {
	provenance.Mark("gmm.(*GMM).Fit")
	if err := checkData(X); err != nil {
		return err
	}
	n, d := X.Dims()
	if g.k < 1 {
		return fmt.Errorf("gmm: K=%d, want at least 1", g.k)
	}
	if g.k > n {
		return fmt.Errorf("gmm: K=%d > N=%d samples", g.k, n)
	}
	if err := g.opts.validate(g.k, d); err != nil {
		return err
	}
	t := newTData(X)
	var rng kmeans.Source = g.opts.Rand
	if rng == nil {
		rng = nprand.New(g.opts.Seed)
	}
	var best run
	for i := range g.opts.NInit {
		p, err := g.initialise(X, t, rng)
		if err != nil {
			return err
		}
		var r run
		if g.opts.EStep != nil || g.opts.MStep != nil {
			r, err = g.emPlugged(X, t, p)
		} else {
			r, err = g.em(t, p)
		}
		if err != nil {
			if g.opts.NInit > 1 {
				return fmt.Errorf("%w (initialisation %d)", err, i+1)
			}
			return err
		}
		// As scikit-learn: the first run, then any with a strictly higher
		// final lower bound. With MaxIter = 0 every run has no lower bound
		// and the last one is kept.
		if i == 0 || len(r.history) == 0 || r.history[len(r.history)-1] > best.history[len(best.history)-1] {
			best = r
		}
	}
	g.setParams(best.w, best.mu, best.cv, d)
	g.history, g.nIter, g.converged = best.history, len(best.history), best.converged
	return nil
}

// initialise returns the initial parameters: initial responsibilities, then
// the M-step (the given means replacing the M-step's for InitFromMeans).
func (g *GMM) initialise(X *mat.Dense, t *tdata, rng kmeans.Source) (params, error) {
	n, d := X.Dims()
	r := newResp(g.k, t)
	switch g.opts.Init {
	case InitKMeans:
		km := kmeans.New(g.k, kmeans.Options{Rand: rng, NInit: g.opts.KMeansNInit})
		if err := km.Fit(X); err != nil {
			return params{}, fmt.Errorf("gmm: k-means initialisation: %w", err)
		}
		for i, l := range km.Labels() {
			r.r[l*r.ld+i] = 1
		}
	case InitKMeansPlusPlus:
		idx, err := kmeans.PlusPlus(X, g.k, kmeans.Options{Rand: rng})
		if err != nil {
			return params{}, fmt.Errorf("gmm: k-means++ initialisation: %w", err)
		}
		for j, i := range idx {
			r.r[j*r.ld+i] = 1
		}
	case InitRandom:
		// Row by row, as NumPy fills an N×K array; then each row / its sum.
		row := make([]float64, g.k)
		for i := range n {
			s := 0.0
			for j := range row {
				row[j] = rng.Float64()
				s += row[j]
			}
			for j, v := range row {
				r.r[j*r.ld+i] = v / s
			}
		}
	case InitFromMeans:
		m := g.opts.Means
		for i := range n {
			x := X.RawRowView(i)
			best, label := math.Inf(1), 0
			for j := range g.k {
				s := 0.0
				for a, v := range m.RawRowView(j) {
					s += (x[a] - v) * (x[a] - v)
				}
				if s < best {
					best, label = s, j
				}
			}
			r.r[label*r.ld+i] = 1
		}
	}
	w, mu, cv := mstep(t, r, g.opts.RegCovar)
	if g.opts.Init == InitFromMeans {
		mu = mat.DenseCopyOf(g.opts.Means).RawMatrix().Data
	}
	if _, err := prepare(w, mu, cv, d); err != nil {
		return params{}, fmt.Errorf("%w (initialisation %s)", err, g.opts.Init)
	}
	return params{w, mu, cv}, nil
}

// em runs EM from p with the reference steps.
func (g *GMM) em(t *tdata, p params) (run, error) {
	out := run{params: p}
	r := newResp(g.k, t)
	for it := 1; it <= g.opts.MaxIter; it++ {
		comps, err := prepare(out.w, out.mu, out.cv, t.d)
		if err != nil {
			return run{}, fmt.Errorf("%w (EM iteration %d)", err, it)
		}
		_, ll, err := estep(t, comps, r, r, false)
		if err != nil {
			return run{}, fmt.Errorf("%w (EM iteration %d)", err, it)
		}
		out.w, out.mu, out.cv = mstep(t, r, g.opts.RegCovar)
		if g.record(&out, it, ll) {
			break
		}
	}
	return out, nil
}

// record appends an iteration's lower bound to the run and reports whether
// EM has converged: |change| < Tol, the change of the first iteration
// being +Inf (from a lower bound of −Inf), as scikit-learn.
func (g *GMM) record(out *run, it int, ll float64) bool {
	change := math.Inf(1)
	if len(out.history) > 0 {
		change = ll - out.history[len(out.history)-1]
	}
	out.history = append(out.history, ll)
	if g.opts.Progress != nil {
		g.opts.Progress(it, ll)
	}
	if math.Abs(change) < g.opts.Tol {
		out.converged = true
	}
	return out.converged
}

// emPlugged runs EM with the exported-shape step functions.
func (g *GMM) emPlugged(X *mat.Dense, t *tdata, p params) (run, error) {
	n, d := X.Dims()
	estepFn, mstepFn := g.opts.EStep, g.opts.MStep
	if estepFn == nil {
		estepFn = referenceEStep
	}
	if mstepFn == nil {
		mstepFn = referenceMStep
	}
	out := run{params: p}
	weights, means, covs := p.w, mat.NewDense(g.k, d, p.mu), toSym(p.cv, d)
	for it := 1; it <= g.opts.MaxIter; it++ {
		comps, err := prepare(weights, means.RawMatrix().Data, flatten(covs), d)
		if err != nil {
			return run{}, fmt.Errorf("%w (EM iteration %d)", err, it)
		}
		_, ll, err := estep(t, comps, nil, nil, false)
		if err != nil {
			return run{}, fmt.Errorf("%w (EM iteration %d)", err, it)
		}
		resp, err := estepFn(X, weights, means, covs)
		if err != nil {
			return run{}, fmt.Errorf("gmm: E-step, iteration %d: %w", it, err)
		}
		if resp == nil {
			return run{}, fmt.Errorf("gmm: E-step, iteration %d: nil responsibilities", it)
		}
		if r, c := resp.Dims(); r != n || c != g.k {
			return run{}, fmt.Errorf("gmm: E-step, iteration %d: responsibilities are %d×%d, want %d×%d", it, r, c, n, g.k)
		}
		weights, means, covs, err = mstepFn(X, resp, g.opts.RegCovar)
		if err != nil {
			return run{}, fmt.Errorf("gmm: M-step, iteration %d: %w", it, err)
		}
		if err := checkParams(X, weights, means, covs); err != nil {
			return run{}, fmt.Errorf("M-step, iteration %d: %w", it, err)
		}
		out.w, out.mu, out.cv = slices.Clone(weights), mat.DenseCopyOf(means).RawMatrix().Data, flatten(covs)
		if g.record(&out, it, ll) {
			break
		}
	}
	return out, nil
}

func (g *GMM) components() ([]comp, error) {
	return prepare(g.weights, g.means, g.covs, g.d)
}

// prepareX checks X against the fitted model.
func (g *GMM) prepareX(X *mat.Dense) (*tdata, []comp, error) {
	if !g.fitted {
		return nil, nil, errNotFitted
	}
	if err := checkData(X); err != nil {
		return nil, nil, err
	}
	if _, d := X.Dims(); d != g.d {
		return nil, nil, fmt.Errorf("gmm: X has %d columns, the model has D=%d", d, g.d)
	}
	comps, err := g.components()
	if err != nil {
		return nil, nil, err
	}
	return newTData(X), comps, nil
}

var errNotFitted = errors.New("gmm: not fitted (call Fit first)")

// PredictProba returns the N×K responsibilities P(component | x) of the rows
// of X under the fitted parameters.
func (g *GMM) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	provenance.Mark("gmm.(*GMM).PredictProba")
	t, comps, err := g.prepareX(X)
	if err != nil {
		return nil, err
	}
	r := newResp(g.k, t)
	if _, _, err := estep(t, comps, r, nil, false); err != nil {
		return nil, err
	}
	return r.toDense(t.n), nil
}

// Predict returns the most probable component of each row of X (the argmax
// of the E-step, as the homework's predict).
func (g *GMM) Predict(X *mat.Dense) ([]int, error) {
	provenance.Mark("gmm.(*GMM).Predict")
	t, comps, err := g.prepareX(X)
	if err != nil {
		return nil, err
	}
	r := newResp(g.k, t)
	if _, _, err := estep(t, comps, r, nil, false); err != nil {
		return nil, err
	}
	labels := make([]int, t.n)
	for i := range labels {
		best := -1.0
		for j := range g.k {
			if v := r.r[j*r.ld+i]; v > best {
				best, labels[i] = v, j
			}
		}
	}
	return labels, nil
}

// ScoreSamples returns the log-likelihood log p(x) of each row of X.
func (g *GMM) ScoreSamples(X *mat.Dense) ([]float64, error) {
	provenance.Mark("gmm.(*GMM).ScoreSamples")
	t, comps, err := g.prepareX(X)
	if err != nil {
		return nil, err
	}
	ll, _, err := estep(t, comps, nil, nil, true)
	return ll, err
}

// Score returns the mean log-likelihood of the rows of X (scikit-learn's
// score).
func (g *GMM) Score(X *mat.Dense) (float64, error) {
	provenance.Mark("gmm.(*GMM).Score")
	t, comps, err := g.prepareX(X)
	if err != nil {
		return 0, err
	}
	_, mean, err := estep(t, comps, nil, nil, false)
	return mean, err
}

// Sample draws n samples (n×D) from component `component`:
// μ + L·z with Σ = L·Lᵀ and z standard normal. A nil rng uses a generator
// seeded with Options.Seed (the same draws on every call).
func (g *GMM) Sample(component, n int, rng *rand.Rand) (*mat.Dense, error) {
	if !g.fitted {
		return nil, errNotFitted
	}
	if component < 0 || component >= g.k {
		return nil, fmt.Errorf("gmm: component %d out of range 0..%d", component, g.k-1)
	}
	if n < 1 {
		return nil, fmt.Errorf("gmm: n=%d samples, want at least 1", n)
	}
	if rng == nil {
		rng = rand.New(rand.NewPCG(g.opts.Seed, 0x73616d706c65)) // "sample"
	}
	c, err := prepareOne(1, g.means[component*g.d:(component+1)*g.d], g.covs[component], g.d, component)
	if err != nil {
		return nil, err
	}
	d := g.d
	out := mat.NewDense(n, d, nil)
	z := make([]float64, d)
	for s := range n {
		for i := range z {
			z[i] = rng.NormFloat64()
		}
		row := out.RawRowView(s)
		for i := range d {
			v := c.mean[i]
			for j := 0; j <= i; j++ {
				v += c.l[i*d+j] * z[j]
			}
			row[i] = v
		}
	}
	return out, nil
}

// Means returns a copy of the K×D means, or nil before Fit.
func (g *GMM) Means() *mat.Dense {
	if !g.fitted {
		return nil
	}
	return mat.NewDense(g.k, g.d, slices.Clone(g.means))
}

// Covariances returns copies of the K D×D covariances, or nil before Fit.
func (g *GMM) Covariances() []*mat.SymDense {
	if !g.fitted {
		return nil
	}
	return toSym(g.covs, g.d)
}

// Weights returns a copy of the K mixture weights, or nil before Fit.
func (g *GMM) Weights() []float64 { return slices.Clone(g.weights) }

// LogLikelihoodHistory returns the lower bound of each EM iteration of the
// kept initialisation (scikit-learn's lower_bounds_): the mean
// log-likelihood of the data computed by the iteration's E-step, under the
// parameters before its M-step. EM never decreases it.
func (g *GMM) LogLikelihoodHistory() []float64 { return slices.Clone(g.history) }

// LowerBound is the lower bound of the last EM iteration of the kept
// initialisation (scikit-learn's lower_bound_), in nats per sample; −Inf
// before Fit or with MaxIter = 0.
func (g *GMM) LowerBound() float64 {
	if len(g.history) == 0 {
		return math.Inf(-1)
	}
	return g.history[len(g.history)-1]
}

// NIter is the number of EM iterations of the kept initialisation
// (scikit-learn's n_iter_).
func (g *GMM) NIter() int { return g.nIter }

// Converged reports whether the kept initialisation converged: its lower
// bound changed by less than Options.Tol before MaxIter iterations
// (scikit-learn's converged_). Always false with Tol = 0.
func (g *GMM) Converged() bool { return g.converged }

// ConvergenceWarning is what Warning returns when EM stopped at MaxIter
// without converging (scikit-learn's ConvergenceWarning). Fit has still
// succeeded: the parameters are those of the last iteration.
type ConvergenceWarning struct {
	NIter  int     // EM iterations run (= MaxIter)
	Tol    float64 // the tolerance
	Change float64 // |change| of the lower bound at the last iteration (≥ Tol)
}

func (w *ConvergenceWarning) Error() string {
	return fmt.Sprintf("gmm: EM did not converge: after %d iterations (MaxIter) the lower bound still changed by %.3g ≥ Tol = %g; raise MaxIter or Tol, or try other starts (NInit, Seed)",
		w.NIter, w.Change, w.Tol)
}

// Warning returns a *ConvergenceWarning when the kept initialisation did
// not converge, and nil otherwise. Unlike scikit-learn, there is no warning
// with Tol = 0 (a fixed number of iterations was asked for) or MaxIter = 0.
func (g *GMM) Warning() error {
	if g.converged || g.opts.Tol == 0 || g.nIter == 0 {
		return nil
	}
	change := math.Inf(1)
	if n := len(g.history); n > 1 {
		change = math.Abs(g.history[n-1] - g.history[n-2])
	}
	return &ConvergenceWarning{NIter: g.nIter, Tol: g.opts.Tol, Change: change}
}

// Options returns the options of the model (for a loaded model: the ones
// saved, without the function fields, Rand and Means).
func (g *GMM) Options() Options { return g.opts }

// RegCovar is the regularisation added to the covariance diagonals.
func (g *GMM) RegCovar() float64 { return g.opts.RegCovar }
