package pcagmm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mnistlab/golab/lab/gmm"
	"github.com/mnistlab/golab/lab/internal/provenance"
	"github.com/mnistlab/golab/lab/pca"
)

// SampleFunc is the homework's sample_from_gmm: one image drawn from component
// `component` of g, mapped back to pixels by p, as raw pixel values in
// [0, 255].
type SampleFunc func(g *gmm.GMM, p *pca.PCA, component int, rng *rand.Rand) ([]float64, error)

// CheckSample tests a student's SampleFunc on a small case — a 2-D PCA and a
// 2-component GMM of 6-pixel "images" whose inverse PCA falls outside
// [0, 255] — comparing 3000 of its samples with the reference (mean and
// spread of every pixel) and explaining the usual mistakes: a PCA-space vector
// instead of pixels, no clipping, min–max rescaling, the wrong component.
func CheckSample(fn SampleFunc) error {
	g, p, err := checkCase()
	if err != nil {
		return fmt.Errorf("internal error building the test case: %w", err)
	}
	gen := &Generator{PCA: p, GMM: g}
	const n = 3000
	for _, component := range []int{0, 1} {
		rng := rand.New(rand.NewPCG(11, uint64(component)))
		got := make([][]float64, n)
		minMaxLike := 0
		for i := range n {
			var img []float64
			var err error
			if called := provenance.Watch(func() { img, err = fn(g, p, component, rng) }); len(called) > 0 {
				return fmt.Errorf("your sample_from_gmm calls the lab's %s, which draws the image for you: write it yourself (g.Sample, p.InverseTransform, clip)", strings.Join(called, ", "))
			}
			if err != nil {
				return fmt.Errorf("component %d: %v", component, err)
			}
			if len(img) == p.Dim() {
				return fmt.Errorf("got %d values, the PCA dimension: map the sample back to pixels with the PCA's InverseTransform", len(img))
			}
			if len(img) != 6 {
				return fmt.Errorf("got %d values, want one per pixel (6 in this test)", len(img))
			}
			lo, hi := math.Inf(1), math.Inf(-1)
			for j, v := range img {
				if math.IsNaN(v) || v < 0 || v > 255 {
					return fmt.Errorf("pixel %d is %v, outside [0, 255]: clip the inverse PCA to [0, 255]", j, v)
				}
				lo, hi = min(lo, v), max(hi, v)
			}
			if lo == 0 && hi == 255 {
				minMaxLike++
			}
			got[i] = img
		}
		ref, err := gen.Sample(component, n, rand.New(rand.NewPCG(99, uint64(component))), Clip)
		if err != nil {
			return fmt.Errorf("internal error: %w", err)
		}
		if minMaxLike > n/2 {
			refMinMax := 0
			for _, img := range ref {
				if img[slicesMinIndex(img)] == 0 && img[slicesMaxIndex(img)] == 1 {
					refMinMax++
				}
			}
			if refMinMax < n/4 {
				return errors.New("almost every image spans exactly 0…255: that is min–max rescaling; clip to [0, 255] instead")
			}
		}
		for j := range 6 {
			gm, gs := pixelStats(got, j, 1)
			rm, rs := pixelStats32(ref, j)
			if math.Abs(gm-rm) > 4 || math.Abs(gs-rs) > 4 {
				other, _ := gen.Sample(1-component, n, rand.New(rand.NewPCG(7, 7)), Clip)
				om, _ := pixelStats32(other, j)
				if math.Abs(gm-om) < 4 {
					return fmt.Errorf("component %d: the samples look like component %d's: sample from the component asked for", component, 1-component)
				}
				return fmt.Errorf("component %d, pixel %d: mean %.1f and spread %.1f over %d samples, want %.1f and %.1f: draw z ~ N(μ_k, Σ_k) (g.Sample), then p.InverseTransform, then clip",
					component, j, gm, gs, n, rm, rs)
			}
		}
	}
	// Bad input must be an error, not a panic.
	if _, err := fn(g, p, 5, rand.New(rand.NewPCG(1, 1))); err == nil {
		return errors.New("component 5 of a 2-component GMM returned no error")
	}
	return nil
}

func slicesMinIndex(x []float32) int {
	b := 0
	for i, v := range x {
		if v < x[b] {
			b = i
		}
	}
	return b
}

func slicesMaxIndex(x []float32) int {
	b := 0
	for i, v := range x {
		if v > x[b] {
			b = i
		}
	}
	return b
}

func pixelStats(x [][]float64, j int, scale float64) (mean, sd float64) {
	for _, r := range x {
		mean += r[j] * scale
	}
	mean /= float64(len(x))
	for _, r := range x {
		d := r[j]*scale - mean
		sd += d * d
	}
	return mean, math.Sqrt(sd / float64(len(x)-1))
}

func pixelStats32(x [][]float32, j int) (mean, sd float64) {
	y := make([][]float64, len(x))
	for i, r := range x {
		y[i] = []float64{float64(r[j]) * 255}
	}
	return pixelStats(y, 0, 1)
}

// checkCase fits a 2-D PCA and a 2-component GMM to two blobs of 6-pixel
// images near 0 and 255, so that samples spill outside [0, 255].
func checkCase() (*gmm.GMM, *pca.PCA, error) {
	rng := rand.New(rand.NewPCG(5, 6))
	centres := [][]float64{{10, 10, 240, 240, 128, 30}, {240, 240, 10, 10, 60, 200}}
	x := mat.NewDense(600, 6, nil)
	for i := range 600 {
		c := centres[i%2]
		for j := range 6 {
			x.Set(i, j, c[j]+25*rng.NormFloat64())
		}
	}
	p := pca.New(2)
	if err := p.Fit(x); err != nil {
		return nil, nil, err
	}
	z, err := p.Transform(x)
	if err != nil {
		return nil, nil, err
	}
	opts := gmm.DefaultOptions()
	opts.Seed = 1
	g := gmm.New(2, opts)
	return g, p, g.Fit(z)
}

// referenceSample is the SampleFunc the check compares with (the homework's
// TODO answer, unexported so that a notebook cannot call it): g.Sample,
// InverseTransform, clip to [0, 255].
func referenceSample(g *gmm.GMM, p *pca.PCA, component int, rng *rand.Rand) ([]float64, error) {
	z, err := g.Sample(component, 1, rng)
	if err != nil {
		return nil, err
	}
	x, err := p.InverseTransform(z)
	if err != nil {
		return nil, err
	}
	row := x.RawRowView(0)
	out := make([]float64, len(row))
	for j, v := range row {
		out[j] = min(255, max(0, v))
	}
	return out, nil
}
