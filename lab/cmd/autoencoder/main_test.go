package main

import (
	"testing"

	"github.com/mnistlab/golab/lab/autoencoder"
	"github.com/mnistlab/golab/lab/internal/labtest"
)

func TestBadFlagsGiveOneLineErrors(t *testing.T) {
	labtest.Subcommands(t, "autoencoder", run, [][]string{
		{"train", "--out", t.TempDir(), "--steps", "5", "--epochs", "1"},
		{"train", "--out", t.TempDir(), "--lr", "-1"},
		{"train", "--out", t.TempDir(), "--knn", "-1"},
		{"eval", "--test-images", "-5"},
	}, "-knn", "-test-images")
}

func TestArchitecture(t *testing.T) {
	if got := architecture(autoencoder.Config{Hidden: []int{512, 128}, Code: 2}); got != "784→512→128→2→128→512→784" {
		t.Errorf("architecture = %s", got)
	}
}

// TestTrainResumeEval trains for a few steps on a few hundred MNIST images,
// resumes to more steps, then evaluates the checkpoint it wrote.
func TestTrainResumeEval(t *testing.T) {
	labtest.NeedMNIST(t)
	trained, evaluated := labtest.TrainCommand(t, "autoencoder", run,
		[]string{"--train-images", "300", "--test-images", "200", "--batch", "50"}, []string{"--test-images", "200"},
		"Test reconstruction error", "Final training loss", "5-NN accuracy", "936466")
	r, e := labtest.LastJSON[Result](t, trained), labtest.LastJSON[Result](t, evaluated)
	if r.TrainImages != 300 || r.TestImages != 200 || r.Parameters != 936466 || !(r.TestMSE > 0 && r.TestMSE < 1) ||
		r.KNN != 5 || !(r.KNNAccuracy > 0 && r.KNNAccuracy <= 1) || !(r.FinalLoss > 0) {
		t.Fatalf("result %+v", r)
	}
	if e.TestMSE != r.TestMSE || e.KNNAccuracy != r.KNNAccuracy || e.FinalLoss != r.FinalLoss {
		t.Fatalf("eval %+v, after training %+v", e, r)
	}
	// The file shipped is a full checkpoint: Open resumes it.
	if m, err := autoencoder.Open(r.Checkpoint); err != nil || m.Step() != 6 || len(m.Losses()) != 6 {
		t.Fatalf("Open(%s): %v", r.Checkpoint, err)
	}
}
