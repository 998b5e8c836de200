package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/autoencoder"
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
		{"train", "--out", dir, "--steps", "0"},
		{"train", "--out", dir, "--epochs", "-1"},
		{"train", "--out", dir, "--steps", "5", "--epochs", "1"},
		{"train", "--out", dir, "--batch", "0"},
		{"train", "--out", dir, "--lr", "-1"},
		{"train", "--out", dir, "--knn", "-1"},
		{"train", "--out", dir, "--ckpt", dir},
		{"train", "--out", dir, "--nosuchflag"},
		{"train", "--out", dir, "extra"},
		{"eval", "--test-images", "-5"},
		{"eval", "--weights", filepath.Join(dir, "missing")},
		{"eval", "--weights", dir},
	} {
		code, _, stderr := runCmd(t, args...)
		if code != 1 || !strings.HasPrefix(stderr, "autoencoder: ") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: code %d, stderr %q; want 1 and one line starting with \"autoencoder: \"", args, code, stderr)
		}
	}
	for _, args := range [][]string{{"-h"}, {"help"}, {"train", "-h"}, {"eval", "--help"}} {
		code, stdout, _ := runCmd(t, args...)
		if code != 0 || !strings.Contains(stdout, "usage") {
			t.Errorf("%v: code %d, output %q", args, code, stdout)
		}
	}
	if _, stdout, _ := runCmd(t, "train", "-h"); !strings.Contains(stdout, "-save-every") || !strings.Contains(stdout, "-steps") {
		t.Errorf("train -h does not list the flags:\n%s", stdout)
	}
}

func TestArchitecture(t *testing.T) {
	if got := architecture(autoencoder.Config{Hidden: []int{512, 128}, Code: 2}); got != "784→512→128→2→128→512→784" {
		t.Errorf("architecture = %s", got)
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
// resumes to more steps, then evaluates the checkpoint it wrote.
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
	if r.Step != 3 || r.TrainSteps != 3 || r.TrainImages != 300 || r.TestImages != 200 || r.Parameters != 936466 ||
		r.Checkpoint != autoencoder.CheckpointPath(out, 3) || !(r.TestMSE > 0 && r.TestMSE < 1) ||
		r.KNN != 5 || !(r.KNNAccuracy > 0 && r.KNNAccuracy <= 1) || !(r.FinalLoss > 0) || !(r.LastLoss > 0) {
		t.Fatalf("result %+v", r)
	}
	fulls, _ := autoencoder.Checkpoints(ck)
	if len(fulls) != 2 || fulls[1] != autoencoder.CheckpointPath(ck, 3) {
		t.Fatalf("checkpoints in --ckpt: %v", fulls)
	}

	// Resume from step 3 to 6 (an epoch is 6 steps of 50 images); the older
	// file in out is replaced.
	code, stdout, stderr = runCmd(t, append(args, "--epochs", "1")...)
	if code != 0 {
		t.Fatalf("resume: %s", stderr)
	}
	r = lastJSON(t, stdout)
	if !strings.Contains(stdout, "resuming from step 3") || r.Step != 6 || r.TrainSteps != 3 {
		t.Fatalf("resume: %+v\n%s", r, stdout)
	}
	if files, _ := autoencoder.Checkpoints(out); len(files) != 1 || files[0] != autoencoder.CheckpointPath(out, 6) {
		t.Fatalf("checkpoint files in --out: %v", files)
	}
	fi, err := os.Stat(r.Checkpoint)
	if err != nil || fi.Size() != r.FileBytes || fi.Size() > 20<<20 {
		t.Fatalf("checkpoint file: %v, %d bytes, reported %d", err, fi.Size(), r.FileBytes)
	}
	readme, err := os.ReadFile(filepath.Join(out, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go run ./lab/cmd/autoencoder train --out " + out, "--epochs 1", "Test reconstruction error",
		"Final training loss", "5-NN accuracy", "Backend", "Wall time", "model-6.ckpt", "936466", "Date"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md lacks %q:\n%s", want, readme)
		}
	}

	// eval of the directory gives the same scores, and the file written is a
	// full checkpoint that Open resumes.
	code, stdout, stderr = runCmd(t, "eval", "--weights", out, "--test-images", "200")
	if code != 0 {
		t.Fatalf("eval: %s", stderr)
	}
	e := lastJSON(t, stdout)
	if e.Step != 6 || e.TestMSE != r.TestMSE || e.KNNAccuracy != r.KNNAccuracy || e.FinalLoss != r.FinalLoss ||
		e.Checkpoint != r.Checkpoint || e.FileBytes != r.FileBytes {
		t.Fatalf("eval %+v, after training %+v", e, r)
	}
	m, err := autoencoder.Open(r.Checkpoint)
	if err != nil || m.Step() != 6 || len(m.Losses()) != 6 {
		t.Fatalf("Open(%s): %v", r.Checkpoint, err)
	}

	// A different configuration in the same checkpoint directory is refused.
	code, _, stderr = runCmd(t, append(args, "--steps", "8", "--seed", "9")...)
	if code != 1 || !strings.Contains(stderr, "--fresh") {
		t.Fatalf("other seed, same --ckpt: code %d, %q", code, stderr)
	}
	// … unless --fresh starts over.
	code, stdout, stderr = runCmd(t, append(args, "--steps", "2", "--seed", "9", "--fresh", "--knn", "0")...)
	if code != 0 {
		t.Fatalf("--fresh: %s", stderr)
	}
	if r = lastJSON(t, stdout); r.Step != 2 || r.KNN != 0 {
		t.Fatalf("--fresh: %+v", r)
	}
}
