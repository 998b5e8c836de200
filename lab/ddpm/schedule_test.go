package ddpm

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestScheduleProperties(t *testing.T) {
	for _, name := range []string{"cosine", "linear"} {
		s, err := NewSchedule(name, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if s.T() != 1000 {
			t.Fatalf("%s: T=%d", name, s.T())
		}
		for i, b := range s.Beta {
			if !(b > 0 && b <= maxBeta) {
				t.Fatalf("%s: beta[%d]=%v outside (0, %v]", name, i, b, maxBeta)
			}
			if i > 0 && !(s.AlphaBar[i] < s.AlphaBar[i-1]) {
				t.Fatalf("%s: alphaBar not strictly decreasing at %d: %v ≥ %v", name, i, s.AlphaBar[i], s.AlphaBar[i-1])
			}
			if v := s.PosteriorVariance(i); !(v >= 0 && v <= b) {
				t.Fatalf("%s: posterior variance %v at %d outside [0, beta=%v]", name, v, i, b)
			}
		}
		if s.AlphaBar[0] < 0.999 {
			t.Errorf("%s: ᾱ_1 = %v, want ≈ 1", name, s.AlphaBar[0])
		}
		if last := s.AlphaBar[999]; last > 1e-4 {
			t.Errorf("%s: ᾱ_T = %v, want ≈ 0", name, last)
		}
	}
	// The cosine schedule follows f(t)/f(0) wherever β is not clipped.
	s, _ := Cosine(1000)
	f := func(t float64) float64 { c := math.Cos((t/1000 + 0.008) / 1.008 * math.Pi / 2); return c * c }
	for _, step := range []int{1, 100, 500, 900} {
		if got, want := s.AlphaBar[step-1], f(float64(step))/f(0); math.Abs(got-want) > 1e-9 {
			t.Errorf("cosine ᾱ_%d = %v, want f(t)/f(0) = %v", step, got, want)
		}
	}
	// Half-way the cosine schedule keeps more signal than the linear one.
	l, _ := Linear(1000)
	if !(s.AlphaBar[499] > l.AlphaBar[499]) {
		t.Errorf("ᾱ_500: cosine %v ≤ linear %v", s.AlphaBar[499], l.AlphaBar[499])
	}
	if _, err := Cosine(0); err == nil {
		t.Error("Cosine(0): no error")
	}
	if _, err := NewSchedule("sigmoid", 10); err == nil {
		t.Error("unknown schedule: no error")
	}
}

// TestForwardNoisingClosedForm checks that running the Markov chain
// x_t = √α_t x_{t−1} + √β_t z step by step gives the distribution of the
// closed form x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε: exactly for its mean and variance
// (propagated analytically), and by Monte Carlo over 20 000 chains.
func TestForwardNoisingClosedForm(t *testing.T) {
	s, _ := Cosine(1000)
	mean, variance := 1.0, 0.0 // of x_t / x₀ coefficient and of the noise
	for i := range 1000 {
		mean *= math.Sqrt(s.Alpha[i])
		variance = s.Alpha[i]*variance + s.Beta[i]
		if math.Abs(mean-math.Sqrt(s.AlphaBar[i])) > 1e-12 || math.Abs(variance-(1-s.AlphaBar[i])) > 1e-12 {
			t.Fatalf("step %d: chain mean coefficient %v variance %v, closed form %v %v",
				i+1, mean, variance, math.Sqrt(s.AlphaBar[i]), 1-s.AlphaBar[i])
		}
	}

	// Monte Carlo: chains from x₀ = 0.8 to index 299 (t = 300).
	const chains, k = 20000, 299
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, chains)
	for i := range x {
		x[i] = 0.8
	}
	for i := 0; i <= k; i++ {
		z := make([]float32, chains)
		for j := range z {
			z[j] = float32(rng.NormFloat64())
		}
		var err error
		if x, err = s.Step(x, z, i); err != nil {
			t.Fatal(err)
		}
	}
	m, v := meanVar(x)
	wantM, wantV := 0.8*math.Sqrt(s.AlphaBar[k]), 1-s.AlphaBar[k]
	// Standard errors: √(v/n) ≈ 0.007 for the mean, v·√(2/n) ≈ 0.01 for the variance.
	if math.Abs(m-wantM) > 0.03 || math.Abs(v-wantV) > 0.04 {
		t.Errorf("chain at t=300: mean %.4f variance %.4f, closed form %.4f %.4f", m, v, wantM, wantV)
	}

	// Noise itself is the closed form, checked on hand values.
	got, err := s.Noise([]float32{1, -1, 0}, []float32{0, 2, -1}, k)
	if err != nil {
		t.Fatal(err)
	}
	a, b := math.Sqrt(s.AlphaBar[k]), math.Sqrt(1-s.AlphaBar[k])
	for j, want := range []float64{a, -a + 2*b, -b} {
		if math.Abs(float64(got[j])-want) > 1e-6 {
			t.Errorf("Noise[%d] = %v, want %v", j, got[j], want)
		}
	}
	if _, err := s.Noise([]float32{1}, []float32{1, 2}, 0); err == nil {
		t.Error("Noise with mismatched lengths: no error")
	}
	if _, err := s.Noise([]float32{1}, []float32{1}, 1000); err == nil {
		t.Error("Noise with index T: no error")
	}
}

func meanVar(x []float32) (float64, float64) {
	m := 0.0
	for _, v := range x {
		m += float64(v)
	}
	m /= float64(len(x))
	v := 0.0
	for _, u := range x {
		v += (float64(u) - m) * (float64(u) - m)
	}
	return m, v / float64(len(x)-1)
}
