package lab3

import (
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mnistlab/golab/lab/check"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/persist"
)

func TestHomeworkIsTheCoursesCall(t *testing.T) {
	s := Homework()
	o := s.EM
	if s.EmbeddingDim != 10 || s.NComponents != 10 || o.MaxIter != 100 || o.Tol != 1e-3 || o.Seed != 123 || o.RegCovar != 1e-6 || o.NInit != 1 {
		t.Fatalf("Homework() = %+v", s)
	}
}

// Every setting is part of the cache key: changing any one gives a new key.
func TestKeysDifferForEverySetting(t *testing.T) {
	base := Homework()
	k0 := base.key("gmm", "lab", "lab")
	for name, change := range map[string]func(*Settings){
		"dim":   func(s *Settings) { s.EmbeddingDim = 11 },
		"n":     func(s *Settings) { s.NTrain++ },
		"k":     func(s *Settings) { s.NComponents = 9 },
		"iter":  func(s *Settings) { s.EM.MaxIter = 99 },
		"tol":   func(s *Settings) { s.EM.Tol = 0 },
		"reg":   func(s *Settings) { s.EM.RegCovar = 1e-5 },
		"seed":  func(s *Settings) { s.EM.Seed = 1 },
		"ninit": func(s *Settings) { s.EM.NInit = 2 },
	} {
		s := base
		change(&s)
		if s.key("gmm", "lab", "lab") == k0 {
			t.Errorf("%s: same cache key", name)
		}
	}
	if base.key("gmm", "yours-1", "lab") == k0 || base.key("gmm", "lab", "yours-1") == k0 || base.key("pca", "lab", "lab") == k0 {
		t.Error("the code or the kind of fit is not in the key")
	}
}

func TestYoursUsesOnlyPassedChecks(t *testing.T) {
	t.Setenv("LAB_CHECK_FILE", filepath.Join(t.TempDir(), "checks.json"))
	fit := func(X *mat.Dense, dim int) ([]float64, *mat.Dense, []float64, error) { return nil, nil, nil, nil }
	if st := Yours(fit, nil, nil); st.PCAFit != nil || st.Version != "" {
		t.Fatalf("no check passed: %+v", st)
	}
	check.Run("PCA fit", func() error { return nil })
	st := Yours(fit, nil, nil)
	if st.PCAFit == nil || st.EStep != nil || !strings.HasPrefix(st.Version, "PCAfit") {
		t.Fatalf("after the PCA check: %+v", st)
	}
	if d := st.Describe(); d != "PCA fit: yours, E-step: the lab's, M-step: the lab's" {
		t.Fatalf("Describe = %q", d)
	}
	if _, err := Homework().PCA(Steps{PCAFit: fit}); err == nil || !strings.Contains(err.Error(), "Version") {
		t.Fatalf("Steps without a Version: %v", err)
	}
}

// A small fit is cached: the second call loads the same parameters, and a
// different NTrain is a different fit.
func TestFitsAreCached(t *testing.T) {
	if _, err := mnist.Load(mnist.Train); err != nil {
		t.Skipf("MNIST not installed: %v", err)
	}
	t.Setenv(persist.EnvVar, t.TempDir())
	s := Homework()
	s.NTrain, s.EmbeddingDim, s.NComponents = 600, 5, 3
	g1, err := s.GMM(Lab)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := s.GMM(Lab)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(g1.Means(), g2.Means()) || g1.NIter() != g2.NIter() {
		t.Fatal("the cached GMM differs from the fitted one")
	}
	p, err := s.PCA(Lab)
	if err != nil {
		t.Fatal(err)
	}
	if p.NSamples() != 600 || p.Dim() != 5 {
		t.Fatalf("PCA fitted on %d images to %d dims", p.NSamples(), p.Dim())
	}
	s.NTrain = 700
	p2, err := s.PCA(Lab)
	if err != nil || p2.NSamples() != 700 {
		t.Fatalf("NTrain 700: %v, %d samples", err, p2.NSamples())
	}
	labels, err := s.Clusters()
	if err != nil || len(labels) != 700 {
		t.Fatalf("Clusters: %d labels, %v", len(labels), err)
	}
	if _, _, err := TrainImages(70000); err == nil {
		t.Fatal("more training images than MNIST has: want an error")
	}
}
