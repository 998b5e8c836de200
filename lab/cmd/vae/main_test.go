package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/checkpoints"
	"github.com/mnistlab/golab/lab/internal/labtest"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/vae"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	return labtest.RunCmd(run, args...)
}

func lastJSON(t *testing.T, stdout string) Result { return labtest.LastJSON[Result](t, stdout) }

func TestBadFlagsGiveOneLineErrors(t *testing.T) {
	labtest.Usage(t, "vae", run, [][]string{
		{"--train", "3"},
		{"--z", "0"},
		{"--iter_max", "0"},
		{"--run", "-1"},
		{"--nosuchflag"},
		{"--train", "2", "--iwae", "1,x"},
		{"extra"},
		{"--checkpoints", "c", "--out", "c/model=vae_z=10_run=0000"},
	}, [][]string{{"-h"}}, "--iter_max", "-iter_save")
}

// TestTrainEvaluateResume runs the command end to end on MNIST with a few
// steps: train, evaluate the checkpoint, continue training, IWAE bounds.
func TestTrainEvaluateResume(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST")
	}
	if _, err := mnist.Load(mnist.Test); err != nil {
		t.Skipf("MNIST not installed: %v", err)
	}
	t.Setenv("LAB_QUICK", "1")
	root := t.TempDir()
	code, stdout, stderr := runCmd(t, "--iter_max", "4", "--iter_save", "2", "--repeats", "1", "--checkpoints", root)
	if code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	r := lastJSON(t, stdout)
	dir := vae.CheckpointDir(root, 10, 0)
	if r.Step != 4 || r.Model != "model=vae_z=10_run=0000" || r.Checkpoint != checkpoints.Path(dir, 4) ||
		r.Images != 10000 || r.Repeats != 1 || !(r.NELBO > 200 && r.NELBO < 600) || math.Abs(r.NELBO-r.KL-r.REC) > 1e-3 {
		t.Fatalf("result %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "model-2.ckpt")); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr = runCmd(t, "--train", "0", "--repeats", "1", "--checkpoints", root)
	if code != 0 {
		t.Fatalf("train 0: %s", stderr)
	}
	if r0 := lastJSON(t, stdout); r0.Step != 4 || r0.NELBO != r.NELBO {
		t.Fatalf("evaluation of the checkpoint: %+v, after training: %+v", r0, r)
	}

	code, stdout, stderr = runCmd(t, "--train", "2", "--iter_max", "6", "--repeats", "2", "--iwae", "1,10",
		"--iwae_images", "20", "--checkpoints", root)
	if code != 0 {
		t.Fatalf("train 2: %s", stderr)
	}
	r2 := lastJSON(t, stdout)
	if !strings.Contains(stdout, "resuming from step 4") || r2.Step != 6 || len(r2.IWAE) != 2 ||
		r2.IWAE[1].K != 10 || r2.IWAE[1].Images != 20 || !(r2.IWAE[1].NIWAE < r2.IWAE[0].NIWAE+5) {
		t.Fatalf("train 2: %+v\n%s", r2, stdout)
	}

	code, stdout, stderr = runCmd(t, "--iter_max", "6", "--repeats", "1", "--checkpoints", root)
	if code != 0 || !strings.Contains(stdout, "already trained to step 6") || lastJSON(t, stdout).TrainSeconds != 0 {
		t.Fatalf("rerun at iter_max: code %d %s\n%s", code, stderr, stdout)
	}

	code, _, stderr = runCmd(t, "--train", "0", "--z", "5", "--checkpoints", root)
	if code != 1 || !strings.Contains(stderr, "no checkpoint") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("missing checkpoint: code %d, %q", code, stderr)
	}

	// A truncated newest checkpoint: --train 0 evaluates the one before and
	// says so in one line; --train 1 resumes from it and rewrites the file.
	newest := checkpoints.Path(dir, 6)
	data, err := os.ReadFile(newest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newest, data[:len(data)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCmd(t, "--train", "0", "--repeats", "1", "--checkpoints", root)
	if r := lastJSON(t, stdout); code != 0 || r.Step != 4 || r.Checkpoint != checkpoints.Path(dir, 4) ||
		strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "vae: skipping damaged model-6.ckpt") || !strings.Contains(stderr, "using model-4.ckpt") {
		t.Fatalf("--train 0 over a damaged newest checkpoint: code %d, stderr %q, %+v", code, stderr, r)
	}
	code, stdout, stderr = runCmd(t, "--iter_max", "6", "--repeats", "1", "--checkpoints", root)
	if r := lastJSON(t, stdout); code != 0 || r.Step != 6 || r.TrainSteps != 2 || !strings.Contains(stdout, "resuming from step 4") {
		t.Fatalf("--train 1 over a damaged newest checkpoint: code %d, stderr %q\n%s", code, stderr, stdout)
	}
	if _, err := vae.Open(newest); err != nil {
		t.Fatalf("the damaged checkpoint was not rewritten: %v", err)
	}

	// --out ships the evaluated checkpoint with its README.
	out := filepath.Join(t.TempDir(), "shipped")
	code, stdout, stderr = runCmd(t, "--train", "0", "--repeats", "1", "--checkpoints", root, "--out", out)
	r3 := lastJSON(t, stdout)
	if code != 0 || r3.Checkpoint != checkpoints.Path(out, 6) || r3.FileBytes == 0 {
		t.Fatalf("--out: code %d, stderr %q, %+v", code, stderr, r3)
	}
	readme, err := os.ReadFile(filepath.Join(out, "README.md"))
	if err != nil || !strings.Contains(string(readme), "go run ./lab/cmd/vae --train 0") || !strings.Contains(string(readme), "NELBO **") {
		t.Fatalf("README.md: %v\n%s", err, readme)
	}
	if m, err := vae.Open(out); err != nil || m.Step() != 6 {
		t.Fatalf("Open(--out): %v", err)
	}
}
