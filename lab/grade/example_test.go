package grade_test

import (
	"fmt"

	"github.com/mnistlab/golab/lab/display"
	"github.com/mnistlab/golab/lab/gmm"
	"github.com/mnistlab/golab/lab/grade"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/pca"
	"gonum.org/v1/gonum/mat"
)

func ExampleLab3() {
	// A four-image "test set" of 2×2 pixels in two obvious groups (digits 3
	// and 7). In the lab: test, _ := mnist.Load(mnist.Test).
	test := &mnist.Set{
		Images: []uint8{0, 0, 0, 0, 2, 0, 0, 0, 10, 0, 0, 0, 10, 4, 0, 0},
		Labels: []uint8{3, 3, 7, 7},
		N:      4, Rows: 2, Cols: 2,
	}
	p := pca.New(2)
	if err := p.Fit(test.Dense()); err != nil {
		panic(err)
	}
	// A mixture whose components sit on the two groups.
	means, _ := p.Transform(mat.NewDense(2, 4, []float64{1, 0, 0, 0, 10, 2, 0, 0}))
	eye := mat.NewSymDense(2, []float64{1, 0, 0, 1})
	g, err := gmm.FromParams([]float64{0.5, 0.5}, means, []*mat.SymDense{eye, eye})
	if err != nil {
		panic(err)
	}

	r, err := grade.Lab3(p, g, test)
	if err != nil {
		panic(err)
	}
	fmt.Printf("DB %.4f (baseline %.2f): %.0f / %d\n", r.DB, r.BaselineDB, r.Score, grade.MaxScore)
	fmt.Printf("NMI %.2f, ARI %.2f, accuracy %.2f\n", r.NMI, r.ARI, r.Accuracy)
	fmt.Println("digit 7 by cluster:", r.Confusion[7])
	display.Table(grade.Header(), r.Rows()) // in a notebook: the same numbers as a table
	// Output:
	// DB 0.3254 (baseline 2.98): 30 / 30
	// NMI 1.00, ARI 1.00, accuracy 1.00
	// digit 7 by cluster: [0 2]
}

func ExampleSklearnBaseline() {
	b, err := grade.SklearnBaseline()
	if err != nil {
		panic(err)
	}
	s := b.Settings
	fmt.Printf("PCA(%d) + GaussianMixture(%d, max_iter=%d, random_state=%d)\n",
		s.EmbeddingDim, s.NComponents, s.MaxIter, s.RandomState)
	fmt.Printf("scikit-learn %s: DB %.3f on %d test images\n", b.SklearnVersion, b.DB, b.NTest)
	// Output:
	// PCA(10) + GaussianMixture(10, max_iter=100, random_state=123)
	// scikit-learn 1.9.1: DB 2.976 on 10000 test images
}

func ExampleSklearnSeeds() {
	s, err := grade.SklearnSeeds()
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d seeds: median DB %.3f, %d of them score ≥ 29/30\n", len(s.Runs), s.Median(), s.AtLeast(29))
	fmt.Println(s.Place(3.1))
	// Output:
	// 20 seeds: median DB 3.043, 11 of them score ≥ 29/30
	// index 3.100: 11 of scikit-learn's 20 seeds did better, 9 worse or equal (their median 3.043, range 2.975–3.225)
}

func ExampleSettings_GMMOptions() {
	b, err := grade.SklearnBaseline()
	if err != nil {
		panic(err)
	}
	opts, err := b.Settings.GMMOptions() // the course's call, as gmm.Options
	if err != nil {
		panic(err)
	}
	fmt.Printf("max_iter %d, tol %g, n_init %d, init %s, reg_covar %g, seed %d\n",
		opts.MaxIter, opts.Tol, opts.NInit, opts.Init, opts.RegCovar, opts.Seed)
	// Output:
	// max_iter 100, tol 0.001, n_init 1, init kmeans, reg_covar 1e-06, seed 123
}
