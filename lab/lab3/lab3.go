// Package lab3 is what Lab 3's three notebooks share: the homework's
// settings, the training images, and part 1's PCA and GMM, fitted once and
// cached (lab/persist) under keys made from everything that changes them —
// every setting and the identity of the code that fitted them — so that two
// different fits can never share a cache entry by accident, and a notebook
// edit that changes a setting refits.
//
//	s := lab3.Homework()                        // PCA 10, K = 10, scikit-learn's GaussianMixture call, seed 123
//	p, err := s.PCA(lab3.Lab)                   // the lab's PCA of the training images
//	g, err := s.GMM(lab3.Lab)                   // the lab's GMM on its projection
//	p, err = s.PCA(lab3.Yours(PCAFit, EStep, MStep)) // part 1: a student's steps once their checks passed
package lab3

import (
	"errors"
	"fmt"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mnistlab/golab/lab/check"
	"github.com/mnistlab/golab/lab/display"
	"github.com/mnistlab/golab/lab/gmm"
	"github.com/mnistlab/golab/lab/grade"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/pca"
	"github.com/mnistlab/golab/lab/persist"
	"github.com/mnistlab/golab/lab/runmode"
)

// keyVersion changes when the way a fit is computed changes in a way its
// settings do not show (it is part of every cache key).
const keyVersion = 1

// Settings are the homework's settings of part 1: the PCA dimension, the
// mixture and its EM call, and how many training images the models are
// fitted on (the first NTrain).
type Settings struct {
	EmbeddingDim int
	EM           gmm.Options // the GaussianMixture call; its step functions are ignored (see Steps)
	NComponents  int
	NTrain       int
}

// Homework returns the course's settings: PCA to 10 dimensions, a 10-component
// GMM fitted as the grading baseline calls scikit-learn's GaussianMixture
// (tol 1e-3, at most 100 iterations, k-means start, seed 123), on all 60 000
// training images — 10 000 in quick mode (runmode).
func Homework() Settings {
	b, err := grade.SklearnBaseline()
	if err != nil {
		panic(fmt.Sprintf("lab3: the embedded baseline does not parse: %v", err)) // a build defect, caught by the tests
	}
	opts, err := b.Settings.GMMOptions()
	if err != nil {
		panic(fmt.Sprintf("lab3: the embedded baseline's call: %v", err))
	}
	return Settings{EmbeddingDim: b.Settings.EmbeddingDim, EM: opts, NComponents: b.Settings.NComponents,
		NTrain: runmode.Pick(60000, 10000)}
}

// Steps are the fitting steps to use: nil for the lab's own. Version names
// the code of the non-nil ones (cache keys use it); Yours fills it from the
// check results.
type Steps struct {
	PCAFit  pca.FitFunc
	EStep   gmm.EStepFunc
	MStep   gmm.MStepFunc
	Version string
}

// Lab is the lab's own steps.
var Lab = Steps{}

// Yours returns the student's steps whose checks ("PCA fit", "E-step",
// "M-step") have passed in this kernel session, nil for the others (the lab's
// own are used there), and a Version made of the checks' stamps, so that a
// fit made with an earlier version of a student's function is not reused.
func Yours(pcaFit pca.FitFunc, eStep gmm.EStepFunc, mStep gmm.MStepFunc) Steps {
	s := Steps{PCAFit: check.Use("PCA fit", pcaFit), EStep: check.Use("E-step", eStep), MStep: check.Use("M-step", mStep)}
	var v []string
	for _, c := range []struct {
		name string
		used bool
	}{{"PCA fit", s.PCAFit != nil}, {"E-step", s.EStep != nil}, {"M-step", s.MStep != nil}} {
		if c.used {
			v = append(v, strings.ReplaceAll(c.name, " ", "")+check.Version(c.name))
		}
	}
	s.Version = strings.Join(v, "+")
	return s
}

// Describe says which code each step is, for a notebook's output.
func (st Steps) Describe() string {
	who := func(yours bool) string {
		if yours {
			return "yours"
		}
		return "the lab's"
	}
	return fmt.Sprintf("PCA fit: %s, E-step: %s, M-step: %s", who(st.PCAFit != nil), who(st.EStep != nil), who(st.MStep != nil))
}

func (st Steps) validate() error {
	if (st.PCAFit != nil || st.EStep != nil || st.MStep != nil) && st.Version == "" {
		return errors.New("lab3: Steps with your functions need a Version (lab3.Yours sets it), so cached fits of different code never mix")
	}
	return nil
}

// key is the cache key of a fit: every setting that changes it and the code.
func (s Settings) key(what string, pcaVersion, gmmVersion string) string {
	o := s.EM
	return persist.Key("lab3-"+what, "v", keyVersion, "dim", s.EmbeddingDim, "n", s.NTrain, "pca", pcaVersion,
		"k", s.NComponents, "iter", o.MaxIter, "tol", o.Tol, "reg", o.RegCovar, "seed", o.Seed, "init", o.Init,
		"ninit", o.NInit, "kmninit", o.KMeansNInit, "steps", gmmVersion)
}

// TrainImages returns the first n training images as an n×784 matrix of raw
// 0–255 values, and their labels.
func TrainImages(n int) (*mat.Dense, []int, error) {
	train, err := mnist.Load(mnist.Train)
	if err != nil {
		return nil, nil, err
	}
	if n > train.N {
		return nil, nil, fmt.Errorf("lab3: %d training images asked for, MNIST has %d", n, train.N)
	}
	train = train.Head(n)
	return train.Dense(), train.IntLabels(), nil
}

// PCA returns the PCA of the first NTrain training images, fitted with the
// given PCA step (cached).
func (s Settings) PCA(st Steps) (*pca.PCA, error) {
	if err := st.validate(); err != nil {
		return nil, err
	}
	version := "lab"
	if st.PCAFit != nil {
		version = st.Version
	}
	return persist.Cached(s.key("pca", version, ""), func() (*pca.PCA, error) {
		X, _, err := TrainImages(s.NTrain)
		if err != nil {
			return nil, err
		}
		p := pca.New(s.EmbeddingDim).FitWith(st.PCAFit)
		return p, p.Fit(X)
	})
}

// GMM returns the mixture fitted on the PCA projection (s.PCA(st)) of the
// training images with the settings' call and the given E- and M-steps
// (cached). A progress bar shows EM while it fits.
func (s Settings) GMM(st Steps) (*gmm.GMM, error) {
	p, err := s.PCA(st)
	if err != nil {
		return nil, err
	}
	pcaVersion, gmmVersion := "lab", "lab"
	if st.PCAFit != nil || st.EStep != nil || st.MStep != nil {
		pcaVersion, gmmVersion = st.Version, st.Version
	}
	return persist.Cached(s.key("gmm", pcaVersion, gmmVersion), func() (*gmm.GMM, error) {
		Z, err := s.projectTrain(p)
		if err != nil {
			return nil, err
		}
		opts := s.EM
		opts.EStep, opts.MStep = st.EStep, st.MStep
		bar := display.NewProgress("EM", opts.MaxIter)
		opts.Progress = func(iter int, ll float64) { bar.Update(iter, fmt.Sprintf("mean log-likelihood %.4f", ll)) }
		g := gmm.New(s.NComponents, opts)
		err = g.Fit(Z)
		bar.Done()
		return g, err
	})
}

// Clusters returns the GMM's cluster of each of the first NTrain training
// images (with the lab's steps, cached).
func (s Settings) Clusters() ([]int, error) {
	return persist.Cached(s.key("clusters", "lab", "lab"), func() ([]int, error) {
		p, err := s.PCA(Lab)
		if err != nil {
			return nil, err
		}
		g, err := s.GMM(Lab)
		if err != nil {
			return nil, err
		}
		Z, err := s.projectTrain(p)
		if err != nil {
			return nil, err
		}
		return g.Predict(Z)
	})
}

// projectTrain returns the PCA projection of the first NTrain training images.
func (s Settings) projectTrain(p *pca.PCA) (*mat.Dense, error) {
	X, _, err := TrainImages(s.NTrain)
	if err != nil {
		return nil, err
	}
	return p.Transform(X)
}
