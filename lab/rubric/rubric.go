// Package rubric lists the graded items of each homework notebook and their
// points: the one place a teacher changes them. A notebook's grading cell
// shows its table (check.Summary(rubric.Lab3Part1)), and the assignment
// generator (lab/assignment) writes the same items and points into the
// notebook's nbgrader metadata, so the notebook's own table and nbgrader's
// grades agree.
//
// Lab 3's points are the handout's (COURSE_NOTES.md): E-step 10, M-step 10,
// PCA 8, sample_from_gmm 7, the GMM-vs-DDPM test 5, written questions 20 (7.1
// and 7.2; the handout does not split them: 10 each here, 2 per criterion of
// 7.1 and 2.5 per criterion of 7.2), feedback 1, and the Davies–Bouldin score
// 30 by the course's formula. HW2's handout, as the course notes record it,
// gives no per-item points: HW2's are the lab's defaults.
package rubric

import (
	"fmt"
	"sort"

	"github.com/mnistlab/golab/lab/check"
)

// Lab3Part1 is notebooks/lab3/01_gmm_pca.ipynb.
var Lab3Part1 = []check.Item{
	{ID: "lab3-pca", Name: "PCA fit", Points: 8, Kind: check.Auto},
	{ID: "lab3-estep", Name: "E-step", Points: 10, Kind: check.Auto},
	{ID: "lab3-mstep", Name: "M-step", Points: 10, Kind: check.Auto},
	{ID: "lab3-db-score", Name: "Davies–Bouldin score", Points: 30, Kind: check.Formula},
}

// Lab3Part2 is notebooks/lab3/02_dimensionality_reduction.ipynb: question 7.1,
// one answer per criterion of the handout's table.
var Lab3Part2 = []check.Item{
	{ID: "lab3-q7.1-speed", Name: "7.1 PCA vs t-SNE vs AutoEncoder: training speed", Points: 2, Kind: check.Written},
	{ID: "lab3-q7.1-efficiency", Name: "7.1 PCA vs t-SNE vs AutoEncoder: reduction efficiency", Points: 2, Kind: check.Written},
	{ID: "lab3-q7.1-flexibility", Name: "7.1 PCA vs t-SNE vs AutoEncoder: flexibility", Points: 2, Kind: check.Written},
	{ID: "lab3-q7.1-distribution", Name: "7.1 PCA vs t-SNE vs AutoEncoder: preservation of the data distribution", Points: 2, Kind: check.Written},
	{ID: "lab3-q7.1-visualisation", Name: "7.1 PCA vs t-SNE vs AutoEncoder: visualisation", Points: 2, Kind: check.Written},
}

// Lab3Part3 is notebooks/lab3/03_generative.ipynb: sample_from_gmm, the test,
// question 7.2 (one answer per criterion) and the feedback.
var Lab3Part3 = []check.Item{
	{ID: "lab3-sample-from-gmm", Name: "sample_from_gmm", Points: 7, Kind: check.Auto},
	{ID: "lab3-test", Name: "6 The test: the GMM's 6 beside the DDPM's 6", Points: 5, Kind: check.Written},
	{ID: "lab3-q7.2-efficiency", Name: "7.2 GMM vs DDPM: generation efficiency", Points: 2.5, Kind: check.Written},
	{ID: "lab3-q7.2-quality", Name: "7.2 GMM vs DDPM: generation quality", Points: 2.5, Kind: check.Written},
	{ID: "lab3-q7.2-flexibility", Name: "7.2 GMM vs DDPM: flexibility", Points: 2.5, Kind: check.Written},
	{ID: "lab3-q7.2-control", Name: "7.2 GMM vs DDPM: controllability", Points: 2.5, Kind: check.Written},
	{ID: "lab3-feedback", Name: "Feedback on the lab", Points: 1, Kind: check.Written},
}

// HW2 is notebooks/hw2/01_vae.ipynb (the lab's default points).
var HW2 = []check.Item{
	{ID: "hw2-reparam", Name: "reparameterization", Points: 5, Kind: check.Auto},
	{ID: "hw2-kl", Name: "KL divergence", Points: 5, Kind: check.Auto},
	{ID: "hw2-bernoulli", Name: "Bernoulli log-likelihood", Points: 5, Kind: check.Auto},
	{ID: "hw2-nelbo", Name: "negative ELBO", Points: 10, Kind: check.Auto},
	{ID: "hw2-iwae", Name: "negative IWAE bound", Points: 10, Kind: check.Auto},
	{ID: "hw2-report", Name: "Task 3: your NELBO, KL and REC, and what they say", Points: 5, Kind: check.Written},
	{ID: "hw2-samples", Name: "Task 4: what the 200 samples show", Points: 5, Kind: check.Written},
	{ID: "hw2-iwae-bounds", Name: "IWAE: the bounds for m = 1, 10, 100, 1000 and why they tighten", Points: 5, Kind: check.Written},
}

// byName maps the name a notebook gives in its metadata ("lab": {"rubric":
// "lab3-part1"}) to its rubric.
var byName = map[string][]check.Item{
	"lab3-part1": Lab3Part1,
	"lab3-part2": Lab3Part2,
	"lab3-part3": Lab3Part3,
	"hw2":        HW2,
}

// ByName returns the rubric a notebook names, or an error listing the known
// ones.
func ByName(name string) ([]check.Item, error) {
	if r, ok := byName[name]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("rubric: no rubric %q (known: %v)", name, Names())
}

// Names lists the known rubrics.
func Names() []string {
	var out []string
	for n := range byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Total returns the points of a rubric: scored automatically (checks and
// formulas) and left to the teacher (written answers).
func Total(items []check.Item) (auto, written float64) {
	for _, it := range items {
		if it.Kind == check.Written {
			written += it.Points
		} else {
			auto += it.Points
		}
	}
	return auto, written
}
