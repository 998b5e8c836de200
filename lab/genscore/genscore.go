// Package genscore measures generative models of MNIST digits the same way,
// whatever they are (a GMM in PCA space, a DDPM, a VAE): ask each for images,
// time it, let the lab's digit classifier judge whether each image shows the
// digit that was asked for, and measure how varied the images are.
//
// The measures answer the homework's question "which generator is better?"
// with numbers instead of opinions:
//
//   - time per generated image;
//   - accuracy: the fraction of images the classifier reads as the intended
//     digit (controllability: can you get the digit you asked for?), and its
//     mean confidence in that digit;
//   - diversity: the mean Euclidean distance between two images of the same
//     intended digit, averaged over the digits (0 for a generator that always
//     draws the same picture);
//   - for a generator that cannot be told which digit to draw (an
//     unconditional VAE), the histogram of the digits the classifier sees.
package genscore

import (
	"fmt"
	"math"
	"time"

	"github.com/mnistlab/golab/lab/classifier"
)

// Generator makes one image per requested digit: labels[i] in 0–9 is the
// digit wanted for image i, or −1 when the generator cannot be told (the
// images are then only judged for diversity and which digits they show).
// Images are 784 values in [0, 1], row-major.
type Generator func(labels []int) ([][]float32, error)

// Report is the measured scorecard of one generator.
type Report struct {
	Name string
	// N is the number of images generated; PerImage the wall time per image.
	N        int
	PerImage time.Duration
	// Conditional reports whether the generator was asked for given digits.
	Conditional bool
	// Judgement is the classifier's verdict on the intended digits (only when
	// Conditional).
	Judgement classifier.Judgement
	// Diversity is the mean pairwise distance between images of the same
	// intended digit, averaged over digits (over all images if unconditional).
	Diversity float64
	// Seen[d] is the fraction of images the classifier reads as digit d.
	Seen [classifier.Classes]float64
	// Images are the generated images, in the order of the labels.
	Images [][]float32
	// Labels are the requested digits (−1 for unconditional).
	Labels []int
}

// Balanced returns perDigit requests of each digit 0–9, digit-major
// (0,0,…,1,1,…).
func Balanced(perDigit int) []int {
	labels := make([]int, 0, 10*perDigit)
	for d := range 10 {
		for range perDigit {
			labels = append(labels, d)
		}
	}
	return labels
}

// Unconditional returns n requests of "any digit" (−1).
func Unconditional(n int) []int {
	labels := make([]int, n)
	for i := range labels {
		labels[i] = -1
	}
	return labels
}

// Evaluate runs gen on labels, timing it, and scores its images with the
// classifier c.
func Evaluate(name string, c *classifier.Classifier, gen Generator, labels []int) (Report, error) {
	if len(labels) < 2 {
		return Report{}, fmt.Errorf("genscore: %s: need ≥ 2 images, got %d requests", name, len(labels))
	}
	conditional := labels[0] >= 0
	for i, l := range labels {
		if l < -1 || l > 9 || (l >= 0) != conditional {
			return Report{}, fmt.Errorf("genscore: %s: label %d at %d: want all in 0–9 or all −1", name, l, i)
		}
	}
	start := time.Now()
	imgs, err := gen(labels)
	elapsed := time.Since(start)
	if err != nil {
		return Report{}, fmt.Errorf("genscore: %s: %w", name, err)
	}
	return Score(name, c, imgs, labels, elapsed)
}

// Score scores images already generated (in elapsed wall time) for labels.
func Score(name string, c *classifier.Classifier, imgs [][]float32, labels []int, elapsed time.Duration) (Report, error) {
	if len(imgs) != len(labels) {
		return Report{}, fmt.Errorf("genscore: %s: %d images for %d requests", name, len(imgs), len(labels))
	}
	if len(imgs) == 0 {
		return Report{}, fmt.Errorf("genscore: %s: no images", name)
	}
	flat := make([]float32, 0, len(imgs)*784)
	for i, im := range imgs {
		if len(im) != 784 {
			return Report{}, fmt.Errorf("genscore: %s: image %d has %d values, want 784", name, i, len(im))
		}
		flat = append(flat, im...)
	}
	r := Report{Name: name, N: len(imgs), PerImage: elapsed / time.Duration(len(imgs)), Conditional: labels[0] >= 0,
		Images: imgs, Labels: labels}
	pred, err := c.Predict(flat)
	if err != nil {
		return Report{}, fmt.Errorf("genscore: %s: %w", name, err)
	}
	for _, p := range pred {
		r.Seen[p] += 1 / float64(len(pred))
	}
	if r.Conditional {
		if r.Judgement, err = c.Judge(flat, labels); err != nil {
			return Report{}, fmt.Errorf("genscore: %s: %w", name, err)
		}
		groups := map[int][][]float32{}
		for i, l := range labels {
			groups[l] = append(groups[l], imgs[i])
		}
		sum, k := 0.0, 0
		for _, g := range groups {
			if len(g) < 2 {
				continue
			}
			d, err := MeanPairwiseDistance(g)
			if err != nil {
				return Report{}, err
			}
			sum += d
			k++
		}
		r.Diversity = math.NaN()
		if k > 0 {
			r.Diversity = sum / float64(k)
		}
	} else {
		r.Judgement = classifier.Judgement{N: len(imgs), Accuracy: math.NaN(), MeanConfidence: math.NaN()}
		if r.Diversity, err = MeanPairwiseDistance(imgs); err != nil {
			return Report{}, err
		}
	}
	return r, nil
}

// Header is the column header of Row.
func Header() []string {
	return []string{"generator", "images", "ms/image", "intended digit accuracy", "mean confidence", "diversity", "digits seen (most frequent)"}
}

// Row formats the report as a table row matching Header.
func (r Report) Row() []string {
	acc, conf := "n/a (cannot ask)", "n/a"
	if r.Conditional {
		acc = fmt.Sprintf("%.1f %%", 100*r.Judgement.Accuracy)
		conf = fmt.Sprintf("%.3f", r.Judgement.MeanConfidence)
	}
	return []string{r.Name, fmt.Sprint(r.N), fmt.Sprintf("%.2f", float64(r.PerImage.Microseconds())/1000), acc, conf,
		fmt.Sprintf("%.2f", r.Diversity), r.topSeen(3)}
}

func (r Report) topSeen(k int) string {
	s := ""
	used := [10]bool{}
	for range k {
		best := -1
		for d := range 10 {
			if !used[d] && (best < 0 || r.Seen[d] > r.Seen[best]) {
				best = d
			}
		}
		used[best] = true
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("%d: %.0f%%", best, 100*r.Seen[best])
	}
	return s
}
