package gmm_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/mnistlab/golab/lab/gmm"
	"gonum.org/v1/gonum/mat"
)

func Example() {
	// Two groups of points in 2-D: 6 around (0, 0) and 4 around (10, 10).
	X := mat.NewDense(10, 2, []float64{
		0, 0, 1, 0, 0, 1, -1, 0, 0, -1, 0.5, 0.5,
		10, 10, 11, 10, 10, 11, 9, 9,
	})
	opts := gmm.DefaultOptions() // scikit-learn's defaults: tol 1e-3, max_iter 100, n_init 1, "kmeans"
	opts.Seed = 1
	g := gmm.New(2, opts)
	if err := g.Fit(X); err != nil {
		panic(err)
	}
	fmt.Println("converged:", g.Converged(), "warning:", g.Warning())
	labels, _ := g.Predict(mat.NewDense(2, 2, []float64{0.2, -0.3, 9.5, 10.5}))
	first := labels[0] // the component of the group around (0, 0)
	fmt.Printf("weights %.2f %.2f\n", g.Weights()[first], g.Weights()[1-first])
	fmt.Printf("means %.2f %.2f\n", g.Means().RawRowView(first), g.Means().RawRowView(1-first))
	fmt.Println("the two new points are in different components:", labels[0] != labels[1])

	// One draw from the component of the second group.
	x, _ := g.Sample(1-first, 1, rand.New(rand.NewPCG(1, 2)))
	fmt.Println("sample near (10, 10):", x.At(0, 0) > 7 && x.At(0, 1) > 7)
	// Output:
	// converged: true warning: <nil>
	// weights 0.60 0.40
	// means [0.08 0.08] [10.00 10.00]
	// the two new points are in different components: true
	// sample near (10, 10): true
}

// Tol = 0 asks for exactly MaxIter EM iterations (the homework's GMM); the
// default tolerance stops once the lower bound moves by less than 1e-3.
func ExampleDefaultOptions() {
	// Two groups of 6 points, each with mean μ and variance σ² = 2.5/6: k-means
	// finds them, so the first E-step already sees the fitted mixture, whose
	// mean log-likelihood is log ½ − ½ log(2πσ²) − ½ = −1.6744.
	X := mat.NewDense(12, 1, []float64{0, 1, 2, 1, 0.5, 1.5, 9, 10, 11, 10, 9.5, 10.5})
	opts := gmm.DefaultOptions()
	early := gmm.New(2, opts)
	if err := early.Fit(X); err != nil {
		panic(err)
	}
	opts.Tol, opts.MaxIter = 0, 30
	fixed := gmm.New(2, opts)
	if err := fixed.Fit(X); err != nil {
		panic(err)
	}
	fmt.Printf("tol 1e-3: %d iterations, converged %v, lower bound %.4f\n", early.NIter(), early.Converged(), early.LowerBound())
	fmt.Printf("tol 0:    %d iterations, converged %v, lower bound %.4f\n", fixed.NIter(), fixed.Converged(), fixed.LowerBound())
	// Output:
	// tol 1e-3: 2 iterations, converged true, lower bound -1.6744
	// tol 0:    30 iterations, converged false, lower bound -1.6744
}

// EM that stops at MaxIter before its lower bound settles succeeds, with a
// warning (scikit-learn's ConvergenceWarning). scikit-learn 1.9.1 gives the
// same four lower bounds for GaussianMixture(2, init_params="random",
// max_iter=4, random_state=0) on these points, and warns too.
func ExampleGMM_Warning() {
	X := mat.NewDense(10, 1, []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 20})
	opts := gmm.DefaultOptions()
	opts.Init, opts.MaxIter = gmm.InitRandom, 4
	g := gmm.New(2, opts)
	if err := g.Fit(X); err != nil {
		panic(err)
	}
	fmt.Printf("lower bounds %.4f\n", g.LogLikelihoodHistory())
	fmt.Println("converged:", g.Converged())
	if w := g.Warning(); w != nil {
		fmt.Println("warning:", w)
	}
	// Output:
	// lower bounds [-3.1041 -3.1023 -3.0951 -3.0452]
	// converged: false
	// warning: gmm: EM did not converge: after 4 iterations (MaxIter) the lower bound still changed by 0.05 ≥ Tol = 0.001; raise MaxIter or Tol, or try other starts (NInit, Seed)
}

func ExampleNaiveEStep() {
	// In D = 200 with variances of 100 per coordinate (pixel-like scales),
	// |Σ| = 100^200 overflows and every density underflows to 0: the naive
	// E-step divides 0 by 0. The log-space E-step is unaffected.
	const d = 200
	rng := rand.New(rand.NewPCG(1, 1))
	X := mat.NewDense(3, d, nil)
	for i := range 3 {
		for j := range d {
			X.Set(i, j, 10*rng.NormFloat64())
		}
	}
	cov := mat.NewSymDense(d, nil)
	for j := range d {
		cov.SetSym(j, j, 100)
	}
	means := mat.NewDense(2, d, nil)
	means.Set(1, 0, 5)
	weights := []float64{0.5, 0.5}
	covs := []*mat.SymDense{cov, cov}

	naive, err := gmm.NaiveEStep(X, weights, means, covs)
	fmt.Println(naive.At(0, 0), err)
	g, _ := gmm.FromParams(weights, means, covs)
	resp, err := g.PredictProba(X) // the same E-step in log space
	fmt.Printf("%.3f %v\n", resp.At(0, 0)+resp.At(0, 1), err)
	// Output:
	// NaN gmm: NaiveEStep: 3 of 3 rows are NaN (the densities underflowed to 0 or overflowed in D=200): compute the E-step in log space
	// 1.000 <nil>
}
