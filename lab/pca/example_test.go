package pca_test

import (
	"fmt"

	"github.com/mnistlab/golab/lab/pca"
	"gonum.org/v1/gonum/mat"
)

func Example() {
	// Four points on the line y = 2x, plus two points off it. By hand: the
	// covariance is [[1.1, 2], [2, 4]], its eigenvalues (5.1 ± √24.41)/2.
	X := mat.NewDense(6, 2, []float64{
		1, 2,
		2, 4,
		3, 6,
		4, 8,
		2, 5,
		3, 5,
	})
	p := pca.New(1)
	if err := p.Fit(X); err != nil {
		panic(err)
	}
	fmt.Printf("mean %.3f\n", p.Mean())
	fmt.Printf("component %.3f\n", p.Components().RawRowView(0))
	fmt.Printf("explained variance ratio %.3f\n", p.ExplainedVarianceRatio())
	z, _ := p.Transform(X)
	xr, _ := p.InverseTransform(z)
	fmt.Printf("x4 = %.3f → z = %.3f → %.3f\n", X.RawRowView(4), z.At(4, 0), xr.RawRowView(4))
	// Output:
	// mean [2.500 5.000]
	// component [0.454 0.891]
	// explained variance ratio [0.984]
	// x4 = [2.000 5.000] → z = -0.227 → [2.397 4.798]
}

func ExampleSymEigen() {
	// By hand: [[2, 1, 0], [1, 2, 0], [0, 0, 5]] has the eigenvalues 5, 3 and
	// 1, with the eigenvectors (0, 0, 1), (1, 1, 0)/√2 and (1, −1, 0)/√2.
	a := mat.NewSymDense(3, []float64{
		2, 1, 0,
		1, 2, 0,
		0, 0, 5,
	})
	vals, vecs, err := pca.SymEigen(a, 2) // all eigenvalues, 2 eigenvectors
	if err != nil {
		panic(err)
	}
	fmt.Printf("eigenvalues %.3f\n", vals)
	fmt.Printf("top eigenvector %.3f\n", vecs.RawRowView(0))
	fmt.Printf("second %.3f\n", vecs.RawRowView(1))
	// Output:
	// eigenvalues [5.000 3.000 1.000]
	// top eigenvector [0.000 0.000 1.000]
	// second [0.707 0.707 0.000]
}
