// Package pcagmm turns Lab 3's clustering model — a Gaussian mixture fitted in
// the PCA space of the raw 0–255 images — into a generator of digit images:
// draw a point from one mixture component, map it back to pixels with the
// inverse PCA, and bring the pixels into the image range. It is the lab's
// `sample_from_gmm(gmm, pca, label)`.
//
// The inverse PCA of a Gaussian draw is not an image: its pixels fall outside
// [0, 255], negative on the background and above 255 on some strokes. The
// homework's solution notes that clipping to [0, 255] looks better than
// rescaling the minimum and maximum to 0 and 255; both are offered (Clip and
// MinMax) so the notebook can show why: min–max rescaling turns the
// background's small negative noise into grey, while clipping keeps it black.
package pcagmm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/mnistlab/golab/lab/gmm"
	"github.com/mnistlab/golab/lab/internal/provenance"
	"github.com/mnistlab/golab/lab/metrics"
	"github.com/mnistlab/golab/lab/pca"
)

// Rescale says how pixel values outside [0, 255] are brought into range.
type Rescale int

const (
	// Clip sets values below 0 to 0 and above 255 to 255 (the default, and
	// the solution's choice).
	Clip Rescale = iota
	// MinMax maps each image's minimum to 0 and maximum to 255 linearly.
	MinMax
)

func (r Rescale) String() string {
	switch r {
	case Clip:
		return "clip to [0,255]"
	case MinMax:
		return "min-max rescale"
	}
	return fmt.Sprintf("Rescale(%d)", int(r))
}

// Generator is a fitted PCA and a GMM fitted on its projections.
type Generator struct {
	PCA *pca.PCA
	GMM *gmm.GMM
}

// New checks that g was fitted in p's space and returns the generator.
func New(p *pca.PCA, g *gmm.GMM) (*Generator, error) {
	if p == nil || g == nil {
		return nil, fmt.Errorf("pcagmm: nil PCA or GMM")
	}
	means := g.Means()
	if means == nil {
		return nil, fmt.Errorf("pcagmm: the GMM is not fitted")
	}
	if _, d := means.Dims(); d != p.Dim() {
		return nil, fmt.Errorf("pcagmm: the GMM has %d dimensions but the PCA %d", d, p.Dim())
	}
	return &Generator{PCA: p, GMM: g}, nil
}

// Sample draws n images from mixture component `component`: points from
// N(μ_k, Σ_k), inverse PCA, then rescaling. Images are returned as 784 values
// in [0, 1] (pixel/255), the lab's common image format. A nil rng uses the
// GMM's seed.
func (g *Generator) Sample(component, n int, rng *rand.Rand, r Rescale) ([][]float32, error) {
	provenance.Mark("pcagmm.(*Generator).Sample")
	z, err := g.GMM.Sample(component, n, rng)
	if err != nil {
		return nil, err
	}
	x, err := g.PCA.InverseTransform(z)
	if err != nil {
		return nil, err
	}
	return ToImages(x, r)
}

// SampleWith draws n images from component `component` with fn, a
// sample_from_gmm (pixels in [0, 255]); a nil fn uses the lab's own (clipped).
// Notebook cells downstream of the TODO pass check.Use("sample_from_gmm",
// SampleFromGMM), so they run before the student's function passes its check.
func (g *Generator) SampleWith(fn SampleFunc, component, n int, rng *rand.Rand) ([][]float64, error) {
	if fn == nil {
		provenance.Mark("pcagmm.(*Generator).SampleWith")
		fn = referenceSample
	}
	out := make([][]float64, n)
	for i := range out {
		img, err := fn(g.GMM, g.PCA, component, rng)
		if err != nil {
			return nil, err
		}
		out[i] = img
	}
	return out, nil
}

// ToImages rescales the rows of x (raw pixel values, any range) into images of
// values in [0, 1] with r.
func ToImages(x *mat.Dense, r Rescale) ([][]float32, error) {
	rows, cols := x.Dims()
	out := make([][]float32, rows)
	for i := range rows {
		row := x.RawRowView(i)
		img := make([]float32, cols)
		switch r {
		case Clip:
			for j, v := range row {
				img[j] = float32(min(255, max(0, v)) / 255)
			}
		case MinMax:
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, v := range row {
				lo, hi = min(lo, v), max(hi, v)
			}
			span := hi - lo
			for j, v := range row {
				if span > 0 {
					img[j] = float32((v - lo) / span)
				}
			}
		default:
			return nil, fmt.Errorf("pcagmm: unknown rescaling %d", int(r))
		}
		out[i] = img
	}
	return out, nil
}

// ComponentsOfDigits matches the GMM's clusters to digits one-to-one so that
// as many training images as possible fall in the cluster of their digit
// (Hungarian algorithm on the cluster × label counts; the homework's "which
// cluster is the 6?" answered by computation, not by eye). clusters are the
// GMM's predictions for images with true labels; component[d] is the cluster
// matched to digit d, or −1 when no cluster is left for it.
func ComponentsOfDigits(clusters []int, labels []uint8) (component [10]int, accuracy float64, err error) {
	if len(clusters) != len(labels) {
		return component, 0, fmt.Errorf("pcagmm: %d cluster assignments for %d labels", len(clusters), len(labels))
	}
	truth := make([]int, len(labels))
	for i, l := range labels {
		if l > 9 {
			return component, 0, fmt.Errorf("pcagmm: label %d at %d, want 0–9", l, i)
		}
		truth[i] = int(l)
	}
	acc, mapping, err := metrics.ClusterAccuracy(truth, clusters)
	if err != nil {
		return component, 0, fmt.Errorf("pcagmm: %w", err)
	}
	for d := range component {
		component[d] = -1
	}
	for cluster, digit := range mapping {
		component[digit] = cluster
	}
	return component, acc, nil
}

// Generate returns a genscore-style generator: one image per requested digit,
// drawn from the component matched to that digit (see ComponentsOfDigits),
// with rng and r. Digits without a component are an error.
func (g *Generator) Generate(component [10]int, rng *rand.Rand, r Rescale) func(labels []int) ([][]float32, error) {
	return func(labels []int) ([][]float32, error) {
		out := make([][]float32, len(labels))
		for i, d := range labels {
			if d < 0 || d > 9 || component[d] < 0 {
				return nil, fmt.Errorf("pcagmm: no component for digit %d", d)
			}
			imgs, err := g.Sample(component[d], 1, rng, r)
			if err != nil {
				return nil, err
			}
			out[i] = imgs[0]
		}
		return out, nil
	}
}
