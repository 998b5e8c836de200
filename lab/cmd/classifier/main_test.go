package main

import (
	"testing"

	"github.com/mnistlab/golab/lab/classifier"
	"github.com/mnistlab/golab/lab/internal/labtest"
)

func TestBadFlagsGiveOneLineErrors(t *testing.T) {
	labtest.Subcommands(t, "classifier", run, [][]string{
		{"train", "--out", t.TempDir(), "--epochs", "0"},
		{"train", "--out", t.TempDir(), "--steps", "-1"},
		{"eval", "--test-images", "-5"},
	}, "-test-images", "-lr")
}

// TestTrainResumeEval trains for a few steps on a few hundred MNIST images,
// resumes to more steps, then evaluates the weights it wrote.
func TestTrainResumeEval(t *testing.T) {
	labtest.NeedMNIST(t)
	trained, evaluated := labtest.TrainCommand(t, "classifier", run,
		[]string{"--train-images", "300", "--test-images", "200", "--batch", "50"}, []string{"--test-images", "200"},
		"Test accuracy", "421642")
	r, e := labtest.LastJSON[Result](t, trained), labtest.LastJSON[Result](t, evaluated)
	if r.TrainImages != 300 || r.TestImages != 200 || r.Parameters != 421642 || !(r.Accuracy > 0 && r.Accuracy <= 1) {
		t.Fatalf("result %+v", r)
	}
	if e.Accuracy != r.Accuracy || e.Confidence != r.Confidence {
		t.Fatalf("eval %+v, after training %+v", e, r)
	}
	// The file shipped holds the weights alone.
	if m, err := classifier.Open(r.Checkpoint); err != nil || !m.WeightsOnly() || m.Step() != 6 {
		t.Fatalf("Open(%s): %v", r.Checkpoint, err)
	}
}
