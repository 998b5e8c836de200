package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/classifier"
	"github.com/mnistlab/golab/lab/mnist"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadFlagsGiveOneLineErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{},
		{"fit"},
		{"train"},
		{"train", "--out", dir, "--epochs", "0"},
		{"train", "--out", dir, "--steps", "-1"},
		{"train", "--out", dir, "--batch", "0"},
		{"train", "--out", dir, "--ckpt", dir},
		{"train", "--out", dir, "--nosuchflag"},
		{"train", "--out", dir, "extra"},
		{"eval", "--test-images", "-5"},
		{"eval", "--weights", filepath.Join(dir, "missing")},
		{"eval", "--weights", dir},
	} {
		code, _, stderr := runCmd(t, args...)
		if code != 1 || !strings.HasPrefix(stderr, "classifier: ") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: code %d, stderr %q; want 1 and one line starting with \"classifier: \"", args, code, stderr)
		}
	}
	for _, args := range [][]string{{"-h"}, {"help"}, {"train", "-h"}, {"eval", "--help"}} {
		code, stdout, _ := runCmd(t, args...)
		if code != 0 || !strings.Contains(stdout, "usage") {
			t.Errorf("%v: code %d, output %q", args, code, stdout)
		}
	}
	if _, stdout, _ := runCmd(t, "train", "-h"); !strings.Contains(stdout, "-save-every") || !strings.Contains(stdout, "-epochs") {
		t.Errorf("train -h does not list the flags:\n%s", stdout)
	}
}

func lastJSON(t *testing.T, stdout string) Result {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var r Result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, stdout)
	}
	return r
}

// TestTrainResumeEval trains for a few steps on a few hundred MNIST images,
// resumes to more steps, then evaluates the weights it wrote.
func TestTrainResumeEval(t *testing.T) {
	if _, err := mnist.Load(mnist.Train); err != nil {
		t.Skipf("MNIST not installed: %v", err)
	}
	out, ck := t.TempDir(), t.TempDir()
	args := []string{"train", "--out", out, "--ckpt", ck, "--train-images", "300", "--test-images", "200", "--batch", "50", "--save-every", "2"}
	code, stdout, stderr := runCmd(t, append(args, "--steps", "3")...)
	if code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	r := lastJSON(t, stdout)
	if r.Step != 3 || r.TrainSteps != 3 || r.TrainImages != 300 || r.TestImages != 200 || r.Parameters != 421642 ||
		r.Weights != classifier.CheckpointPath(out, 3) || !(r.Accuracy > 0 && r.Accuracy <= 1) {
		t.Fatalf("result %+v", r)
	}
	fulls, _ := classifier.Checkpoints(ck)
	if len(fulls) != 2 || fulls[1] != classifier.CheckpointPath(ck, 3) {
		t.Fatalf("full checkpoints %v", fulls)
	}

	// Resume from step 3 to 6 (an epoch is 6 steps of 50 images); the older
	// weights file in out is replaced.
	code, stdout, stderr = runCmd(t, append(args, "--epochs", "1")...)
	if code != 0 {
		t.Fatalf("resume: %s", stderr)
	}
	r = lastJSON(t, stdout)
	if !strings.Contains(stdout, "resuming from step 3") || r.Step != 6 || r.TrainSteps != 3 {
		t.Fatalf("resume: %+v\n%s", r, stdout)
	}
	if ws, _ := classifier.Checkpoints(out); len(ws) != 1 || ws[0] != classifier.CheckpointPath(out, 6) {
		t.Fatalf("weights files in --out: %v", ws)
	}
	fi, err := os.Stat(r.Weights)
	if err != nil || fi.Size() != r.FileBytes || fi.Size() > 20<<20 {
		t.Fatalf("weights file: %v, %d bytes, reported %d", err, fi.Size(), r.FileBytes)
	}
	readme, err := os.ReadFile(filepath.Join(out, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go run ./lab/cmd/classifier train --out " + out, "--epochs 1", "Test accuracy", "Backend", "Wall time",
		"model-6.ckpt", "421642", "Date"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md lacks %q:\n%s", want, readme)
		}
	}

	code, stdout, stderr = runCmd(t, "eval", "--weights", out, "--test-images", "200")
	if code != 0 {
		t.Fatalf("eval: %s", stderr)
	}
	e := lastJSON(t, stdout)
	if e.Step != 6 || e.Accuracy != r.Accuracy || e.Confidence != r.Confidence || e.Weights != r.Weights {
		t.Fatalf("eval %+v, after training %+v", e, r)
	}

	// A different configuration in the same checkpoint directory is refused.
	code, _, stderr = runCmd(t, append(args, "--steps", "8", "--seed", "9")...)
	if code != 1 || !strings.Contains(stderr, "--fresh") {
		t.Fatalf("other seed, same --ckpt: code %d, %q", code, stderr)
	}
}
