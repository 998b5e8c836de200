package mnist

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Image geometry of MNIST.
const (
	Side   = 28          // rows and columns of an image
	Pixels = Side * Side // pixels per image (784)
)

// Sizes of the two MNIST splits.
const (
	TrainSize = 60000
	TestSize  = 10000
)

// EnvDir is the environment variable that overrides the data directory.
const EnvDir = "MNIST_DIR"

// Split selects the training or the test part of MNIST.
type Split int

// The two splits.
const (
	Train Split = iota // the 60 000 training images (train-*)
	Test               // the 10 000 test images (t10k-*)
)

// String returns "train" or "test".
func (s Split) String() string {
	switch s {
	case Train:
		return "train"
	case Test:
		return "test"
	}
	return fmt.Sprintf("Split(%d)", int(s))
}

// Size returns the number of images of the split in the real data set
// (60000 or 10000), or 0 for an invalid split.
func (s Split) Size() int {
	switch s {
	case Train:
		return TrainSize
	case Test:
		return TestSize
	}
	return 0
}

// prefix is the file-name prefix of the split.
func (s Split) prefix() string {
	if s == Test {
		return "t10k"
	}
	return "train"
}

func (s Split) imagesName() string { return s.prefix() + "-images-idx3-ubyte" }
func (s Split) labelsName() string { return s.prefix() + "-labels-idx1-ubyte" }

// Set is a collection of MNIST images and their labels. See the package
// documentation for the layout: Images holds N row-major Rows×Cols images of
// raw 0..255 values one after the other, Labels the N digits 0..9.
type Set struct {
	Images []uint8 // N*Rows*Cols pixels, image i at [i*Rows*Cols, (i+1)*Rows*Cols), row-major, 0..255
	Labels []uint8 // N digits 0..9
	N      int     // number of images
	Rows   int     // rows per image (28)
	Cols   int     // columns per image (28)
}

// Dir returns the MNIST data directory: $MNIST_DIR if set, else
// os.UserCacheDir()/golab/mnist (for example ~/.cache/golab/mnist). It does not
// check that the directory exists.
func Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("mnist: no user cache directory (%v); set %s", err, EnvDir)
	}
	return filepath.Join(c, "golab", "mnist"), nil
}

// Load reads a split of MNIST from [Dir] and checks that it is complete
// (60000 training or 10000 test images). Use [LoadDir] for other directories
// or smaller files.
func Load(split Split) (*Set, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	s, err := LoadDir(dir, split)
	if err != nil {
		return nil, err
	}
	if s.N != split.Size() {
		return nil, fmt.Errorf("mnist: %s: has %d %s images but MNIST has %d (incomplete install? run: go run ./lab/cmd/mnist-fetch --verify)",
			filepath.Join(dir, split.imagesName()), s.N, split, split.Size())
	}
	return s, nil
}

// LoadDir reads a split of MNIST from the IDX files in dir (raw or ".gz").
// It checks the magic numbers, the 28×28 image size, that the payloads match
// their headers, that there are as many labels as images and that the labels
// are digits; unlike [Load] it accepts any number of images, so small files
// (tests, excerpts) load too.
func LoadDir(dir string, split Split) (*Set, error) {
	if split != Train && split != Test {
		return nil, fmt.Errorf("mnist: invalid split %d (want mnist.Train or mnist.Test)", int(split))
	}
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	imgPath, err := findFile(dir, split.imagesName())
	if err != nil {
		return nil, err
	}
	lblPath, err := findFile(dir, split.labelsName())
	if err != nil {
		return nil, err
	}
	idims, pix, err := readIDXFile(imgPath, MagicImages, "image")
	if err != nil {
		return nil, err
	}
	if idims[1] != Side || idims[2] != Side {
		return nil, fmt.Errorf("mnist: %s: images are %d×%d, want %d×%d", imgPath, idims[1], idims[2], Side, Side)
	}
	ldims, labels, err := readIDXFile(lblPath, MagicLabels, "label")
	if err != nil {
		return nil, err
	}
	if idims[0] != ldims[0] {
		return nil, fmt.Errorf("mnist: %s: %s has %d images but %s has %d labels",
			dir, filepath.Base(imgPath), idims[0], filepath.Base(lblPath), ldims[0])
	}
	for i, l := range labels {
		if l > 9 {
			return nil, fmt.Errorf("mnist: %s: label %d at index %d is not a digit 0..9", lblPath, l, i)
		}
	}
	return &Set{Images: pix, Labels: labels, N: idims[0], Rows: idims[1], Cols: idims[2]}, nil
}

// checkDir checks that dir is an existing directory.
func checkDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("mnist: %s: data directory not found (set %s or run ./kernel-setup/setup.sh)", dir, EnvDir)
		}
		return fmt.Errorf("mnist: %s: %v", dir, unwrapPathError(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("mnist: %s: not a directory (set %s to the MNIST data directory)", dir, EnvDir)
	}
	return nil
}

// findFile returns dir/name if it exists, else dir/name.gz, else an error
// naming the missing file.
func findFile(dir, name string) (string, error) {
	p := filepath.Join(dir, name)
	for _, c := range []string{p, p + ".gz"} {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("mnist: %s: file not found (nor %s.gz; run ./kernel-setup/setup.sh or go run ./lab/cmd/mnist-fetch)", p, name)
}

// pixels returns the number of pixels per image.
func (s *Set) pixels() int { return s.Rows * s.Cols }

// Image returns the Rows*Cols pixels of image i, row-major, 0..255. The slice
// shares memory with s.Images. It panics if i is out of range, like a slice index.
func (s *Set) Image(i int) []uint8 {
	if i < 0 || i >= s.N {
		panic(fmt.Sprintf("mnist: Image(%d): index out of range [0, %d)", i, s.N))
	}
	p := s.pixels()
	return s.Images[i*p : (i+1)*p : (i+1)*p]
}

// Counts returns how many images of each digit s holds.
func (s *Set) Counts() [10]int {
	var c [10]int
	for _, l := range s.Labels {
		if int(l) < len(c) {
			c[l]++
		}
	}
	return c
}

// IntLabels returns the labels as ints (a new slice): the label type of the
// lab's models and metrics (classifier, ddpm, metrics, genscore).
func (s *Set) IntLabels() []int {
	out := make([]int, len(s.Labels))
	for i, l := range s.Labels {
		out[i] = int(l)
	}
	return out
}

// Dense returns the images as an N×(Rows*Cols) matrix of raw 0..255 values,
// one image per row (a new matrix). For an empty set it returns an empty
// zero-value matrix, since gonum has no 0×784 matrices.
func (s *Set) Dense() *mat.Dense {
	if s.N == 0 {
		return &mat.Dense{}
	}
	p := s.pixels()
	data := make([]float64, s.N*p)
	for i, v := range s.Images[:s.N*p] {
		data[i] = float64(v)
	}
	return mat.NewDense(s.N, p, data)
}

// Float32 returns the N*Rows*Cols pixels scaled to [0, 1] (value/255), in the
// same layout as Images (a new slice).
func (s *Set) Float32() []float32 {
	p := s.pixels()
	out := make([]float32, s.N*p)
	for i, v := range s.Images[:s.N*p] {
		out[i] = float32(v) / 255
	}
	return out
}

// Head returns a copy of the first n images of s (all of them if n >= N).
// It panics if n is negative.
func (s *Set) Head(n int) *Set {
	if n < 0 {
		panic(fmt.Sprintf("mnist: Head(%d): negative count", n))
	}
	n = min(n, s.N)
	p := s.pixels()
	return &Set{
		Images: slices.Clone(s.Images[:n*p]),
		Labels: slices.Clone(s.Labels[:n]),
		N:      n, Rows: s.Rows, Cols: s.Cols,
	}
}

// Subset returns a copy of the images at the given indices, in that order
// (an index may repeat). It panics if an index is out of range.
func (s *Set) Subset(idx []int) *Set {
	p := s.pixels()
	out := &Set{
		Images: make([]uint8, len(idx)*p),
		Labels: make([]uint8, len(idx)),
		N:      len(idx), Rows: s.Rows, Cols: s.Cols,
	}
	for j, i := range idx {
		if i < 0 || i >= s.N {
			panic(fmt.Sprintf("mnist: Subset: index %d (position %d) out of range [0, %d)", i, j, s.N))
		}
		copy(out.Images[j*p:(j+1)*p], s.Images[i*p:(i+1)*p])
		out.Labels[j] = s.Labels[i]
	}
	return out
}

// OfDigits returns a copy of the images showing one of the given digits, in
// their original order. It panics if a digit is not in 0..9.
func (s *Set) OfDigits(d ...int) *Set {
	var want [10]bool
	for _, v := range d {
		if v < 0 || v > 9 {
			panic(fmt.Sprintf("mnist: OfDigits(%v): %d is not a digit 0..9", d, v))
		}
		want[v] = true
	}
	var idx []int
	for i, l := range s.Labels[:s.N] {
		if int(l) < len(want) && want[l] {
			idx = append(idx, i)
		}
	}
	return s.Subset(idx)
}

// Binarize returns a Bernoulli sample of x: each output value is 1 with
// probability x[i] and 0 otherwise (dynamic binarization: call it again for
// each batch to get a new sample). Values of x at or below 0 (and NaN) give 0,
// values at or above 1 give 1, so x should be scaled to [0, 1] first (see
// [Set.Float32]). A nil rng uses a randomly seeded generator; pass
// rand.New(rand.NewPCG(seed, 0)) for a reproducible sample.
func Binarize(x []float32, rng *rand.Rand) []float32 {
	if rng == nil {
		rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	out := make([]float32, len(x))
	for i, v := range x {
		// rng.Float32() is uniform on [0, 1): P(u < v) = v for v in [0, 1].
		if rng.Float32() < v {
			out[i] = 1
		}
	}
	return out
}
