package main

import (
	"testing"

	"github.com/mnistlab/golab/lab/internal/labtest"
)

func TestTrainThenEvalQuick(t *testing.T) {
	labtest.NeedMNIST(t)
	t.Setenv("LAB_QUICK", "1")
	trained, evaluated := labtest.TrainCommand(t, "ddpm", run,
		[]string{"--hidden", "32", "--blocks", "1", "--train-images", "300", "--batch", "50", "--eval", "ddim:3:0,ddim:3:2", "--per-digit", "2"},
		[]string{"--eval", "ddim:2:1", "--per-digit", "2"}, "ddim:3:2", "moving-average weights only")
	r, e := labtest.LastJSON[Result](t, trained), labtest.LastJSON[Result](t, evaluated)
	if len(r.Scores) != 2 || r.Scores[1].Images != 20 || r.Scores[1].Setting != "ddim:3:2" || len(e.Scores) != 1 || e.Scores[0].Images != 20 {
		t.Errorf("train %+v, eval %+v", r, e)
	}
}

func TestBadArguments(t *testing.T) {
	labtest.Subcommands(t, "ddpm", run, [][]string{
		{"train", "--out", "x", "--eval", "ddim:0:1"},
		{"eval", "--eval", "euler:10:0"},
		{"eval", "--per-digit", "1"},
	}, "-eval", "-per-digit", "-p-uncond")
}
