package vecmath

import (
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
)

// dotTolerance is the relative tolerance of a kernel's dot products against
// the sequential scalar sum: both are exact sums of the same products rounded
// in a different order (FMA, lanes), so they agree to a few ulps times √n.
const dotTolerance = 1e-12

func TestDot4x2EveryLevel(t *testing.T) {
	if len(Levels()) == 1 {
		t.Skipf("no vector kernels in this build or on this CPU (Best = %v)", Best)
	}
	for _, l := range Levels()[1:] {
		for _, n := range []int{0, 8, 16, 40, 784} {
			as, bs := n+3, n+5
			a := make([]float64, 3*as+n)
			b := make([]float64, bs+n)
			for i := range a {
				a[i] = math.Sin(float64(i) + 0.5)
			}
			for i := range b {
				b[i] = math.Cos(float64(i) * 0.7)
			}
			var r [8]float64
			for i := range r {
				r[i] = float64(i) // Dot4x2 adds to r
			}
			Dot4x2(l, a, as, b, bs, n, &r)
			for i := range 4 {
				for s := range 2 {
					want := float64(2*i + s)
					for k := range n {
						want += a[i*as+k] * b[s*bs+k]
					}
					if got := r[2*i+s]; math.Abs(got-want) > dotTolerance*(1+math.Abs(want)) {
						t.Errorf("%v n=%d: r[%d] = %v, want %v", l, n, 2*i+s, got, want)
					}
				}
			}
		}
	}
}

func TestDot4x2BoundsChecked(t *testing.T) {
	for _, l := range Levels()[1:] {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%v: Dot4x2 on too short a slice did not panic", l)
				}
			}()
			var r [8]float64
			Dot4x2(l, make([]float64, 31), 8, make([]float64, 16), 8, 8, &r)
		}()
	}
}

// TestUnsupportedLevelPanics calls the kernel with levels this CPU or build
// lacks: each must be a Go panic raised before any vector instruction runs.
func TestUnsupportedLevelPanics(t *testing.T) {
	for l := Best + 1; l <= AVX512; l++ {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Dot4x2(%v) with Best = %v did not panic", l, Best)
				}
			}()
			var r [8]float64
			Dot4x2(l, make([]float64, 32), 8, make([]float64, 16), 8, 8, &r)
		}()
	}
	defer func() {
		if recover() == nil {
			t.Error("Dot4x2(Scalar) did not panic")
		}
	}()
	var r [8]float64
	Dot4x2(Scalar, make([]float64, 32), 8, make([]float64, 16), 8, 8, &r)
}

// TestBestMatchesCPU checks the detected level against what the kernel (Linux
// /proc/cpuinfo) and GODEBUG say, so a machine without AVX-512 can never pick
// the AVX-512 kernels.
func TestBestMatchesCPU(t *testing.T) {
	godebug := os.Getenv("GODEBUG")
	if strings.Contains(godebug, "cpu.avx512f=off") && Best == AVX512 {
		t.Errorf("GODEBUG=%s but Best = %v", godebug, Best)
	}
	if strings.Contains(godebug, "cpu.avx512f=off") && strings.Contains(godebug, "cpu.avx2=off") && Best != Scalar {
		t.Errorf("GODEBUG=%s but Best = %v", godebug, Best)
	}
	info, err := os.ReadFile("/proc/cpuinfo")
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" || err != nil {
		t.Logf("Best = %v (no /proc/cpuinfo to compare with)", Best)
		return
	}
	flags := map[string]bool{}
	for _, line := range strings.Split(string(info), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "flags" {
			for _, f := range strings.Fields(v) {
				flags[f] = true
			}
			break
		}
	}
	if Best == AVX512 && !(flags["avx512f"] && flags["avx512dq"] && flags["avx512bw"] && flags["avx512vl"]) {
		t.Errorf("Best = AVX512 but the CPU flags lack AVX-512")
	}
	if Best >= AVX2 && !(flags["avx2"] && flags["fma"]) {
		t.Errorf("Best = %v but the CPU flags lack AVX2/FMA", Best)
	}
	t.Logf("Best = %v (GODEBUG=%q)", Best, godebug)
}
