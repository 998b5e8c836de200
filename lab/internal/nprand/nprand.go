// Package nprand is NumPy's legacy random generator, numpy.random.RandomState:
// the 32-bit Mersenne Twister (MT19937) seeded exactly as RandomState(seed)
// seeds it, and its random_sample. scikit-learn draws every random number of
// KMeans and GaussianMixture from such a generator (random_state=seed), so the
// lab's k-means and Gaussian mixture use this one to start from the same
// draws as scikit-learn given the same seed.
package nprand

import "gonum.org/v1/gonum/mathext/prng"

// RandomState is numpy.random.RandomState. It is not safe for concurrent use.
type RandomState struct {
	mt *prng.MT19937
}

// New returns the generator of numpy.random.RandomState(seed) for seed <
// 2³², and of RandomState([seed mod 2³², seed >> 32]) (MT19937's
// init_by_array with the two 32-bit halves) for larger seeds, which NumPy
// accepts only as such an array.
func New(seed uint64) *RandomState {
	mt := prng.NewMT19937()
	if seed>>32 == 0 {
		mt.Seed(seed) // init_genrand, as RandomState(int)
	} else {
		mt.SeedFromKeys([]uint32{uint32(seed), uint32(seed >> 32)})
	}
	return &RandomState{mt: mt}
}

// Uint32 returns the next 32-bit output of the Mersenne Twister.
func (r *RandomState) Uint32() uint32 { return r.mt.Uint32() }

// Float64 returns a uniform value in [0, 1) with 53 random bits, as
// RandomState.random_sample (and uniform(0, 1)): two 32-bit outputs a and b
// give ((a>>5)·2²⁶ + (b>>6)) / 2⁵³.
func (r *RandomState) Float64() float64 {
	a := r.mt.Uint32() >> 5
	b := r.mt.Uint32() >> 6
	return (float64(a)*67108864 + float64(b)) / 9007199254740992
}
