package pca

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/internal/vecmath"
	"gonum.org/v1/gonum/mat"
)

// intData returns n×d integer data in [lo, hi], a fraction zero of it 0.
func intData(n, d int, lo, hi int, zero float64, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 5))
	X := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			if rng.Float64() >= zero {
				X.Set(i, j, float64(lo+rng.IntN(hi-lo+1)))
			}
		}
	}
	return X
}

// exactCov returns the mean and the covariance of integer data rounded to
// float64 from exact rational arithmetic (math/big).
func exactCov(X *mat.Dense) (mean, cov []float64) {
	n, d := X.Dims()
	s := make([]*big.Int, d)
	for j := range d {
		s[j] = new(big.Int)
		for i := range n {
			s[j].Add(s[j], big.NewInt(int64(X.At(i, j))))
		}
	}
	mean = make([]float64, d)
	for j := range d {
		mean[j], _ = new(big.Rat).SetFrac(s[j], big.NewInt(int64(n))).Float64()
	}
	cov = make([]float64, d*d)
	den := big.NewInt(int64(n) * int64(n-1))
	for a := range d {
		for b := range d {
			g := new(big.Int)
			for i := range n {
				g.Add(g, big.NewInt(int64(X.At(i, a))*int64(X.At(i, b))))
			}
			num := new(big.Int).Mul(g, big.NewInt(int64(n)))
			num.Sub(num, new(big.Int).Mul(s[a], s[b]))
			cov[a*d+b], _ = new(big.Rat).SetFrac(num, den).Float64()
		}
	}
	return mean, cov
}

// TestCovarianceIntegerPathIsExact: on integer data the vector levels give
// the correctly rounded covariance (every numerator here is below 2⁵³), bit
// for bit, and the scalar level agrees to rounding.
func TestCovarianceIntegerPathIsExact(t *testing.T) {
	defer func() { kernels = vecmath.Best }()
	cases := []struct {
		n, d   int
		lo, hi int
		zero   float64
	}{
		{2, 1, 0, 255, 0},
		{3, 5, 0, 255, 0.5},
		{7, 31, -3, 3, 0.3},
		{513, 32, 0, 255, 0.8}, // an odd row count beyond one block
		{600, 33, -2047, 2047, 0},
		{1100, 17, 0, 1, 0.9},
		{300, 100, 0, 255, 0.81}, // MNIST-like sparsity
		{2000, 9, -2047, 2047, 0.1},
		{1500, 6, 2047, 2047, 0}, // the largest sums of products a block can hold
		{1500, 6, -2047, -2047, 0.01},
	}
	for _, c := range cases {
		X := intData(c.n, c.d, c.lo, c.hi, c.zero, uint64(c.n*c.d))
		wantMean, wantCov := exactCov(X)
		for _, l := range vecmath.Levels() {
			kernels = l
			mean, cov, err := covariance(X)
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("n=%d d=%d [%d,%d] %v", c.n, c.d, c.lo, c.hi, l)
			tol := 0.0 // the integer path is exact
			if !l.Vector() {
				tol = 1e-13 // the float path: rounding
			}
			for j := range c.d {
				if math.Abs(mean[j]-wantMean[j]) > tol*math.Abs(wantMean[j]) {
					t.Fatalf("%s: mean[%d] = %v, want %v", name, j, mean[j], wantMean[j])
				}
			}
			scale := 0.0
			for j := range c.d {
				scale = math.Max(scale, wantCov[j*c.d+j])
			}
			for i, v := range cov {
				if math.Abs(v-wantCov[i]) > tol*scale {
					t.Fatalf("%s: cov[%d,%d] = %v, want %v", name, i/c.d, i%c.d, v, wantCov[i])
				}
			}
		}
	}
}

// TestCovariancePathChoice: the integer path runs exactly when every value is
// an integer with |x| ≤ 2047 and N·2047 < 2³¹; otherwise the dense path
// gives the result (or the error for NaN and Inf).
func TestCovariancePathChoice(t *testing.T) {
	if !vecmath.Best.Vector() {
		t.Skip("no vector kernels: the integer path is not built")
	}
	base := intData(40, 20, 0, 255, 0.5, 1)
	cases := []struct {
		v      float64
		useInt bool
		err    string
	}{
		{255, true, ""},
		{-2047, true, ""},
		{2047, true, ""},
		{0.5, false, ""},
		{2048, false, ""},
		{-2048, false, ""},
		{1e300, false, ""},
		{-(1 << 31), false, ""},
		{math.NaN(), false, "X[33,7] = NaN"},
		{math.Inf(1), false, "X[33,7] = +Inf"},
	}
	for _, l := range vecmath.Levels()[1:] {
		for _, c := range cases {
			X := mat.DenseCopyOf(base)
			X.Set(33, 7, c.v)
			_, _, ok := covarianceInt(X.RawMatrix(), l)
			if ok != c.useInt {
				t.Errorf("%v, x = %v: integer path %v, want %v", l, c.v, ok, c.useInt)
			}
			kernels = l
			mean, cov, err := covariance(X)
			kernels = vecmath.Best
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Errorf("%v, x = %v: error %v, want %q", l, c.v, err, c.err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			wantMean, wantCov := covarianceDenseOf(X)
			for j, m := range mean {
				if math.Abs(m-wantMean[j]) > 1e-13*math.Max(1, math.Abs(m)) {
					t.Fatalf("%v, x = %v: mean[%d] = %v, want %v", l, c.v, j, m, wantMean[j])
				}
			}
			for i, v := range cov {
				if math.Abs(v-wantCov[i]) > 1e-12*math.Max(1, math.Abs(wantCov[i])) {
					t.Fatalf("%v, x = %v: cov[%d] = %v, want %v", l, c.v, i, v, wantCov[i])
				}
			}
		}
	}
	// Too many rows for the exact int64 numerator: the dense path.
	X := intData(intMaxRows+1, 1, 0, 1, 0.5, 2)
	if _, _, ok := covarianceInt(X.RawMatrix(), vecmath.Best); ok {
		t.Errorf("N = %d: integer path taken, want the dense path", intMaxRows+1)
	}
}

func covarianceDenseOf(X *mat.Dense) (mean, cov []float64) {
	mean = columnMeans(X.RawMatrix())
	return mean, covarianceDense(X.RawMatrix(), mean)
}

// TestCovarianceDeterministic: bit-identical results with 1, 2 and 5
// goroutines, on both paths.
func TestCovarianceDeterministic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for name, X := range map[string]*mat.Dense{
		"integer": intData(3000, 70, 0, 255, 0.8, 4),
		"float":   randomData(3000, 70, 4),
	} {
		var first []float64
		for _, procs := range []int{1, 2, 5} {
			runtime.GOMAXPROCS(procs)
			_, cov, err := covariance(X)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = cov
				continue
			}
			for i := range cov {
				if cov[i] != first[i] {
					t.Fatalf("%s: GOMAXPROCS=%d changes cov[%d]: %v vs %v", name, procs, i, cov[i], first[i])
				}
			}
		}
	}
}

// TestCovarianceMNIST: on the real training images the integer path runs and
// agrees with the dense float path to rounding.
func TestCovarianceMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("MNIST: not in -short mode")
	}
	if !vecmath.Best.Vector() {
		t.Skip("no vector kernels: the integer path is not built")
	}
	X := mnistTrain(t)
	if _, _, ok := covarianceInt(X.RawMatrix(), vecmath.Best); !ok {
		t.Fatal("MNIST did not take the integer path")
	}
	mean, cov, err := covariance(X)
	if err != nil {
		t.Fatal(err)
	}
	wantMean, wantCov := covarianceDenseOf(X)
	maxVar := 0.0
	for j := range 784 {
		maxVar = math.Max(maxVar, cov[j*784+j])
	}
	dm, dc := 0.0, 0.0
	for j := range mean {
		dm = math.Max(dm, math.Abs(mean[j]-wantMean[j]))
	}
	for i := range cov {
		dc = math.Max(dc, math.Abs(cov[i]-wantCov[i]))
	}
	t.Logf("integer vs float path: mean %.2g, covariance %.2g (largest variance %.6g)", dm, dc, maxVar)
	if dm > 1e-12 || dc > 1e-12*maxVar {
		t.Fatalf("paths differ: mean by %g, covariance by %g", dm, dc)
	}
}

// TestIntKernelsEveryLevel compares the vector kernels of the integer path
// with scalar loops.
func TestIntKernelsEveryLevel(t *testing.T) {
	if len(vecmath.Levels()) == 1 {
		t.Skipf("no vector kernels in this build or on this CPU (Best = %v)", vecmath.Best)
	}
	rng := rand.New(rand.NewPCG(8, 8))
	for _, l := range vecmath.Levels()[1:] {
		// packPair: values, padding and rejection.
		for _, d := range []int{1, 3, 4, 8, 13, 64, 101} {
			r0, r1 := make([]float64, d), make([]float64, d)
			for j := range d {
				r0[j] = float64(rng.IntN(4095) - 2047)
				r1[j] = float64(rng.IntN(4095) - 2047)
			}
			size, words := packedIndex(0, d-1)+2, d/64+1
			for j := range d { // some zeros, in both rows or one
				if j%3 == 0 {
					r0[j] = 0
				}
				if j%5 < 2 {
					r1[j] = 0
				}
			}
			for _, second := range [][]float64{r1, nil} {
				got, want := make([]int16, size), make([]int16, size)
				gotNZ, wantNZ := make([]uint64, words), make([]uint64, words)
				m, ok := packPair(l, r0, second, got, gotNZ)
				wm, wok := packPairScalar(r0, second, want, wantNZ)
				if m != wm || ok != wok || !ok || fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(gotNZ) != fmt.Sprint(wantNZ) {
					t.Fatalf("%v d=%d: packPair = %v, %v; scalar %v, %v", l, d, m, ok, wm, wok)
				}
				for j := range d {
					k := packedIndex(0, j)
					b := 0.0
					if second != nil {
						b = second[j]
					}
					if float64(got[k]) != r0[j] || float64(got[k+1]) != b {
						t.Fatalf("%v d=%d: column %d packed as %d, %d; want %v, %v", l, d, j, got[k], got[k+1], r0[j], b)
					}
					if bit := gotNZ[j/64]>>(j%64)&1 == 1; bit != (r0[j] != 0 || b != 0) {
						t.Fatalf("%v d=%d: non-zero bit of column %d is %v for %v, %v", l, d, j, bit, r0[j], b)
					}
				}
			}
			for _, bad := range []float64{0.25, 2048, -2048, math.NaN(), math.Inf(-1), 1e10, -(1 << 31)} {
				for _, at := range []int{0, d - 1} {
					b := append([]float64(nil), r1...)
					b[at] = bad
					if _, ok := packPair(l, r0, b, make([]int16, size), make([]uint64, words)); ok {
						t.Errorf("%v d=%d: packPair accepted %v at %d", l, d, bad, at)
					}
				}
			}
		}
		// syrkInt16 on a block of random pairs, a subset of them listed.
		for _, ld := range []int{32, 64, 96} {
			buf := make([]int16, packedIndex(intPairs-1, ld-1)+2)
			for i := range buf {
				buf[i] = int16(rng.IntN(4095) - 2047)
			}
			list := []int32{0, 2, 3, 7, 8, intPairs - 1}
			tile := intTile(l)
			for i0 := 0; i0+tile <= ld; i0 += 2 * tile {
				step := 16
				if l == vecmath.AVX512 {
					step = 32
				}
				j0 := i0 / step * step
				c := make([]int32, ld*ld)
				for i := range c {
					c[i] = int32(i) // syrkInt16 adds to c
				}
				syrkInt16(l, buf, ld, list, i0, j0, c)
				for r := range tile {
					for j := range ld {
						want := int32((i0+r)*ld + j)
						if j >= j0 {
							for _, q := range list {
								a, b := packedIndex(int(q), i0+r), packedIndex(int(q), j)
								want += int32(buf[a])*int32(buf[b]) + int32(buf[a+1])*int32(buf[b+1])
							}
						}
						if got := c[(i0+r)*ld+j]; got != want {
							t.Fatalf("%v ld=%d i0=%d: c[%d][%d] = %d, want %d", l, ld, i0, i0+r, j, got, want)
						}
					}
				}
			}
		}
	}
}

// TestEigenKernelsEveryLevel compares the vector kernels of the eigensolver
// with their scalar versions.
func TestEigenKernelsEveryLevel(t *testing.T) {
	if len(vecmath.Levels()) == 1 {
		t.Skipf("no vector kernels in this build or on this CPU (Best = %v)", vecmath.Best)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	vec := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	for _, l := range vecmath.Levels()[1:] {
		for _, n := range []int{0, 1, 5, 8, 16, 17, 31, 100} {
			row, u, vp, wp, p := vec(n), vec(n), vec(n), vec(n), vec(n)
			row2, p2 := append([]float64(nil), row...), append([]float64(nil), p...)
			got := tridiagRowSIMD(l, row, u, vp, wp, p, 0.3, -1.5, 0.7)
			want := tridiagRowScalar(row2, u, vp, wp, p2, 0.3, -1.5, 0.7)
			if math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
				t.Fatalf("%v n=%d: tridiagRow dot %v, want %v", l, n, got, want)
			}
			for i := range row {
				if math.Abs(row[i]-row2[i]) > 1e-14*(1+math.Abs(row2[i])) || math.Abs(p[i]-p2[i]) > 1e-14*(1+math.Abs(p2[i])) {
					t.Fatalf("%v n=%d: tridiagRow entry %d: row %v p %v, want %v %v", l, n, i, row[i], p[i], row2[i], p2[i])
				}
			}
			x, y := vec(n), vec(n)
			if got, want := dotSIMD(l, x, y), dotKernel(vecmath.Scalar, x, y); math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
				t.Fatalf("%v n=%d: dot %v, want %v", l, n, got, want)
			}
			y2 := append([]float64(nil), y...)
			axpySIMD(l, -0.75, x, y)
			axpyKernel(vecmath.Scalar, -0.75, x, y2)
			for i := range y {
				if math.Abs(y[i]-y2[i]) > 1e-14*(1+math.Abs(y2[i])) {
					t.Fatalf("%v n=%d: axpy entry %d = %v, want %v", l, n, i, y[i], y2[i])
				}
			}
		}
	}
}

// TestUnsupportedLevelPanics: each kernel called with a level the CPU or
// build lacks panics before running a vector instruction.
func TestUnsupportedLevelPanics(t *testing.T) {
	levels := []vecmath.Level{vecmath.Scalar}
	for l := vecmath.Best + 1; l <= vecmath.AVX512; l++ {
		levels = append(levels, l)
	}
	for _, l := range levels {
		for name, call := range map[string]func(){
			"syrkInt16": func() { syrkInt16(l, make([]int16, 64), 32, []int32{0}, 0, 0, make([]int32, 32*32)) },
			"tridiagRow": func() {
				tridiagRowSIMD(l, make([]float64, 16), make([]float64, 16), make([]float64, 16), make([]float64, 16), make([]float64, 16), 1, 1, 1)
			},
			"packPair":   func() { packPair(l, make([]float64, 16), nil, make([]int16, intChunk), make([]uint64, 1)) },
			"dot":        func() { dotSIMD(l, make([]float64, 16), make([]float64, 16)) },
			"axpy":       func() { axpySIMD(l, 1, make([]float64, 16), make([]float64, 16)) },
			"syrkPacked": func() { syrkPacked(l, make([]float64, 32*denseBlock), 1, 0, 0, 32, make([]float64, 32*32)) },
			"tridiagRow2": func() {
				tridiagRow2SIMD(l, make([]float64, 16), make([]float64, 16), make([]float64, 16), make([]float64, 16), make([]float64, 16), make([]float64, 16), 1, 1, 1, 1, 1, 1)
			},
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s(%v) with Best = %v did not panic", name, l, vecmath.Best)
					}
				}()
				call()
			}()
		}
	}
}

// TestDenseKernelEveryLevel compares the packed float64 rank-k kernel with a
// scalar loop.
func TestDenseKernelEveryLevel(t *testing.T) {
	if len(vecmath.Levels()) == 1 {
		t.Skipf("no vector kernels in this build or on this CPU (Best = %v)", vecmath.Best)
	}
	rng := rand.New(rand.NewPCG(10, 10))
	const ld = 64
	pk := make([]float64, ld*denseBlock)
	for i := range pk {
		pk[i] = rng.NormFloat64()
	}
	for _, l := range vecmath.Levels()[1:] {
		for _, rows := range []int{1, 7, denseBlock} {
			for _, at := range [][2]int{{0, 0}, {4, 0}, {30, 1}, {31, 0}, {40, 1}, {61, 1}} {
				i0, jc := at[0], at[1]
				c := make([]float64, ld*ld)
				for i := range c {
					c[i] = float64(i) // syrkPacked adds to c
				}
				syrkPacked(l, pk, rows, i0, jc, ld, c)
				for r := range denseTile(l) {
					for j := range ld {
						want := float64((i0+r)*ld + j)
						if j/32 == jc {
							for n := range rows {
								want += pk[packedF64Index(n, i0+r)] * pk[packedF64Index(n, j)]
							}
						}
						if got := c[(i0+r)*ld+j]; math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
							t.Fatalf("%v rows=%d i0=%d jc=%d: c[%d][%d] = %v, want %v", l, rows, i0, jc, i0+r, j, got, want)
						}
					}
				}
			}
		}
	}
}
