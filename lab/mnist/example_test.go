package mnist_test

import (
	"bytes"
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/mnistlab/golab/lab/mnist"
)

func ExampleLoad() {
	train, err := mnist.Load(mnist.Train)
	if err != nil {
		log.Fatal(err) // e.g. mnist: ~/.cache/golab/mnist: data directory not found (...)
	}
	fmt.Println(train.N, train.Rows, train.Cols) // 60000 28 28
	fmt.Println(train.Labels[:5])                // [5 0 4 1 9]
	fmt.Println(train.Counts())                  // [5923 6742 5958 6131 5842 5421 5918 6265 5851 5949]

	small := train.OfDigits(0, 1).Head(1000) // the first 1000 zeros and ones
	x := small.Dense()                       // 1000×784, raw 0..255
	fmt.Println(x.Dims())
}

func ExampleReadIDX() {
	// An IDX file: magic 0x00000802 (unsigned bytes, 2 dimensions), the
	// dimensions 2 and 3 as big-endian uint32, then 2×3 bytes.
	file := []byte{
		0, 0, 8, 2,
		0, 0, 0, 2,
		0, 0, 0, 3,
		10, 20, 30,
		40, 50, 60,
	}
	dims, data, err := mnist.ReadIDX(bytes.NewReader(file))
	fmt.Println(dims, data, err)

	_, _, err = mnist.ReadIDX(bytes.NewReader(file[:15]))
	fmt.Println(err)
	// Output:
	// [2 3] [10 20 30 40 50 60] <nil>
	// mnist: idx: truncated: header says 2×3 elements (18 bytes) but input has 15 bytes
}

func ExampleBinarize() {
	x := []float32{0, 1, 0, 0.5, 1}
	rng := rand.New(rand.NewPCG(1, 0))
	b := mnist.Binarize(x, rng) // 0 stays 0, 1 stays 1, 0.5 is a coin flip
	fmt.Println(len(b), b[0], b[1], b[2], b[4])
	// Output: 5 0 1 0 1
}

func ExampleSet_OfDigits() {
	s := &mnist.Set{
		Images: make([]uint8, 4*784),
		Labels: []uint8{3, 1, 4, 1},
		N:      4, Rows: 28, Cols: 28,
	}
	ones := s.OfDigits(1)
	fmt.Println(ones.N, ones.Labels, s.Counts())
	// Output: 2 [1 1] [0 2 0 1 1 0 0 0 0 0]
}

// The models and metrics take labels as ints.
func ExampleSet_IntLabels() {
	s := &mnist.Set{Images: make([]uint8, 3*784), Labels: []uint8{7, 2, 1}, N: 3, Rows: 28, Cols: 28}
	fmt.Printf("%T %v\n", s.IntLabels(), s.IntLabels())
	// Output: []int [7 2 1]
}

func ExampleSplit_String() {
	fmt.Println(mnist.Train, mnist.Test, mnist.Test.Size())
	// Output: train test 10000
}
