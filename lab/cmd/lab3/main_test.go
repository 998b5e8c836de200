package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/gmm"
	"github.com/mnistlab/golab/lab/grade"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/pca"
)

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadCommandLinesGiveOneLineErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"fit"},
		{"train", "--embedding_dim", "0"},
		{"train", "--embedding_dim", "785"},
		{"train", "--n_components", "0"},
		{"train", "--max_iter", "0"},
		{"train", "--tol", "-0.001"},
		{"train", "--n_init", "0"},
		{"train", "--init_params", "kmeans++"},
		{"train", "--init_params", "means"},
		{"train", "--reg_covar", "-1"},
		{"train", "--nosuchflag"},
		{"grade", "extra"},
	} {
		code, _, stderr := runCmd(args...)
		if code != 2 || !strings.HasPrefix(stderr, "lab3: ") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: code %d, stderr %q; want 2 and one line starting with \"lab3: \"", args, code, stderr)
		}
	}
	for _, args := range [][]string{{"-h"}, {"train", "-h"}, {"grade", "-h"}} {
		if code, stdout, _ := runCmd(args...); code != 0 || !strings.Contains(stdout, "lab3 train") {
			t.Errorf("%v: code %d, output %q", args, code, stdout)
		}
	}
}

func TestGradeWithoutResults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "results")
	code, _, stderr := runCmd("grade", "--results", dir)
	want := "lab3: " + filepath.Join(dir, "pca.bin") + ": not found (run lab3 train first)\n"
	if code != 1 || stderr != want {
		t.Errorf("code %d, stderr %q; want 1, %q", code, stderr, want)
	}
	// A corrupt model file is a one-line error too.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pca.bin"), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd("grade", "--results", dir)
	if code != 1 || !strings.HasPrefix(stderr, "lab3: pca: not a saved PCA") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("corrupt pca.bin: code %d, stderr %q", code, stderr)
	}
}

// TestTrainGradeQuick runs train then grade end to end on MNIST in quick
// mode (10 000 training images, all 10 000 test images).
func TestTrainGradeQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST and fits PCA + GMM (a few seconds)")
	}
	if _, err := mnist.Load(mnist.Test); err != nil {
		t.Skipf("MNIST not installed: %v", err)
	}
	t.Setenv("LAB_QUICK", "1")
	dir := filepath.Join(t.TempDir(), "results")

	// The default: the course's baseline call (tol 1e-3, so EM stops well
	// before max_iter 100, without a warning).
	code, stdout, stderr := runCmd("train", "--results", dir)
	if code != 0 || stderr != "" {
		t.Fatalf("train: code %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var tr TrainResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &tr); err != nil {
		t.Fatalf("train's last line is not JSON: %v\n%s", err, stdout)
	}
	if tr.Mode != "quick" || tr.TrainImages != quickTrain || tr.EmbeddingDim != 10 || tr.NComponents != 10 ||
		tr.MaxIter != 100 || tr.Tol != 1e-3 || tr.NInit != 1 || tr.InitParams != "kmeans" || tr.RegCovar != 1e-6 ||
		!tr.Converged || tr.Warning != "" || !(tr.NIter > 2 && tr.NIter < 100) || tr.Seed != 123 ||
		!(tr.MeanLogLik < -50 && tr.MeanLogLik > -100) || !(tr.ExplainedVar > 0.3 && tr.ExplainedVar < 0.7) {
		t.Errorf("train result %+v", tr)
	}
	p, err := pca.Load(filepath.Join(dir, "pca.bin"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := gmm.Load(filepath.Join(dir, "gmm.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Dim() != 10 || p.NSamples() != quickTrain || g.K() != 10 || g.NIter() != tr.NIter || !g.Converged() {
		t.Errorf("saved models: PCA dim %d on %d samples, GMM K=%d after %d iterations", p.Dim(), p.NSamples(), g.K(), g.NIter())
	}
	hist := g.LogLikelihoodHistory()
	if hist[len(hist)-1] != tr.MeanLogLik {
		t.Errorf("printed log-likelihood %v, saved model's %v", tr.MeanLogLik, hist[len(hist)-1])
	}

	jsonPath := filepath.Join(t.TempDir(), "sub", "report.json")
	code, stdout, stderr = runCmd("grade", "--results", dir, "--json", jsonPath)
	if code != 0 {
		t.Fatalf("grade: %s", stderr)
	}
	if !strings.Contains(stdout, "Davies–Bouldin index") || !strings.Contains(stdout, "/ 30") ||
		!strings.Contains(stdout, "of scikit-learn's 20 seeds did better") {
		t.Errorf("grade output lacks the table:\n%s", stdout)
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"db", "score", "baseline_db", "nmi", "ari", "accuracy", "confusion", "n", "max_score",
		"embedding_dim", "n_components", "train_images", "baseline_sklearn_version"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("grade JSON lacks %q", k)
		}
	}
	var gr GradeResult
	if err := json.Unmarshal(data, &gr); err != nil {
		t.Fatal(err)
	}
	base, _ := grade.SklearnBaseline()
	// Quick-mode PCA + GMM cluster about as well as the baseline (DB ≈ 3).
	if gr.N != mnist.TestSize || gr.BaselineDB != base.DB || !(gr.DB > 2 && gr.DB < 5) ||
		math.Abs(gr.Score-min(30, 30*base.DB/gr.DB)) > 1e-9 || !(gr.NMI > 0.4 && gr.NMI < 0.8) ||
		!(gr.ARI > 0.25 && gr.ARI < 0.7) || !(gr.Accuracy > 0.4 && gr.Accuracy < 0.85) ||
		gr.MaxScore != 30 || gr.TrainImages != quickTrain || gr.EmbeddingDim != 10 || gr.NComponents != 10 {
		t.Errorf("grade result %+v", gr)
	}
	total := 0
	for _, row := range gr.Confusion {
		for _, v := range row {
			total += v
		}
	}
	if len(gr.Confusion) != 10 || len(gr.Confusion[0]) != 10 || total != mnist.TestSize {
		t.Errorf("confusion %d×%d with %d images", len(gr.Confusion), len(gr.Confusion[0]), total)
	}
	// The default JSON path is <results>/grade.json.
	if code, _, stderr := runCmd("grade", "--results", dir); code != 0 {
		t.Fatal(stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "grade.json")); err != nil {
		t.Error(err)
	}
}

// TestTrainStopsAtMaxIter checks the two other ways EM ends: at max_iter
// before converging (a warning on standard error, still exit 0) and with
// --tol 0 (exactly max_iter iterations, no warning).
func TestTrainStopsAtMaxIter(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST and fits PCA + GMM")
	}
	if _, err := mnist.Load(mnist.Test); err != nil {
		t.Skipf("MNIST not installed: %v", err)
	}
	t.Setenv("LAB_QUICK", "1")
	for _, c := range []struct {
		args    []string
		nIter   int
		warning bool
	}{
		{[]string{"--max_iter", "3"}, 3, true},
		{[]string{"--max_iter", "5", "--tol", "0"}, 5, false},
	} {
		dir := t.TempDir()
		code, stdout, stderr := runCmd(append([]string{"train", "--results", dir}, c.args...)...)
		if code != 0 {
			t.Fatalf("%v: code %d, stderr %q", c.args, code, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		var tr TrainResult
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &tr); err != nil {
			t.Fatalf("%v: last line is not JSON: %v", c.args, err)
		}
		warned := strings.HasPrefix(stderr, "lab3: warning: gmm: EM did not converge") && strings.Count(stderr, "\n") == 1
		if tr.NIter != c.nIter || tr.Converged || warned != c.warning || (tr.Warning != "") != c.warning {
			t.Errorf("%v: %d iterations, converged %v, warning %q, stderr %q", c.args, tr.NIter, tr.Converged, tr.Warning, stderr)
		}
	}
}
