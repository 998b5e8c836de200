package modelcmd

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrainFlags(t *testing.T) {
	parse := func(f TrainFlags, args ...string) (TrainFlags, error) {
		fs := flag.NewFlagSet("train", flag.ContinueOnError)
		f.Add(fs, "toy", "the weights")
		if err := fs.Parse(args); err != nil {
			return f, err
		}
		return f, f.Check(fs)
	}
	out := t.TempDir()
	f, err := parse(TrainFlags{Epochs: 5, LearningRate: 1e-3, BatchSize: 50}, "--out", out)
	if err != nil || f.Target(300) != 30 || f.Ckpt != filepath.Join("checkpoints", "toy") {
		t.Fatalf("defaults: %+v, %v, target %d", f, err, f.Target(300))
	}
	if f, err := parse(TrainFlags{Epochs: 5, LearningRate: 1e-3, BatchSize: 50}, "--out", out, "--steps", "7"); err != nil || f.Target(300) != 7 {
		t.Fatalf("--steps 7: target %d, %v", f.Target(300), err)
	}
	if f, err := parse(TrainFlags{Steps: 100, LearningRate: 1e-3, BatchSize: 50}, "--out", out, "--epochs", "2"); err != nil || f.Target(25) != 2 {
		t.Fatalf("--epochs 2 over a default --steps, 25 images in one batch: target %d, %v", f.Target(25), err)
	}
	for _, args := range [][]string{
		{},
		{"--out", out, "--steps", "0"},
		{"--out", out, "--steps", "-1"},
		{"--out", out, "--steps", "3", "--epochs", "1"},
		{"--out", out, "--ckpt", out},
		{"--out", out, "--steps", "3", "--batch", "0"},
		{"--out", out, "--steps", "3", "--lr", "-1"},
	} {
		if _, err := parse(TrainFlags{LearningRate: 1e-3, BatchSize: 50}, args...); err == nil || !strings.HasPrefix(err.Error(), "train: ") {
			t.Errorf("%v: err %v", args, err)
		}
	}
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	(&TrainFlags{TestImages: -1}).Add(fs, "toy", "the weights")
	if fs.Lookup("test-images") != nil || fs.Lookup("train-images") == nil {
		t.Error("TestImages −1 still defines --test-images")
	}
	// --fresh empties --ckpt.
	ck := t.TempDir()
	if err := os.WriteFile(filepath.Join(ck, "model-3.ckpt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err = parse(TrainFlags{Steps: 1, LearningRate: 1e-3, BatchSize: 50, TrainImages: 5, TestImages: -1}, "--out", out, "--ckpt", ck, "--fresh")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ck, "model-3.ckpt")); err != nil {
		t.Fatal("Check deleted a checkpoint")
	}
	var r Run
	if set, test, err := f.Load(&r); err == nil && (set.N != 5 || test != nil || r.TrainImages != 5) {
		t.Fatalf("Load: %d training images, test %v, recorded %d", set.N, test, r.TrainImages)
	}
	if _, err := os.Stat(filepath.Join(ck, "model-3.ckpt")); !os.IsNotExist(err) {
		t.Fatalf("--fresh left model-3.ckpt: %v", err)
	}
	if StepsPerEpoch(300, 50) != 6 || StepsPerEpoch(301, 50) != 7 || StepsPerEpoch(20, 50) != 1 {
		t.Error("StepsPerEpoch")
	}
}

func TestDispatchParseAndFail(t *testing.T) {
	var out, errb bytes.Buffer
	c := New("toy", "usage: toy train|eval", &out, &errb)
	called := ""
	subs := map[string]func([]string) int{
		"train": func(args []string) int { called = strings.Join(args, " "); return 0 },
		"eval":  func([]string) int { return 0 },
	}
	if code := c.Dispatch([]string{"train", "--x", "1"}, subs); code != 0 || called != "--x 1" {
		t.Fatalf("Dispatch train: %d, %q", code, called)
	}
	for _, args := range [][]string{nil, {"fly"}} {
		errb.Reset()
		if code := c.Dispatch(args, subs); code != 1 || !strings.HasPrefix(errb.String(), "toy: ") ||
			!strings.Contains(errb.String(), "eval or train") || strings.Count(errb.String(), "\n") != 1 {
			t.Errorf("%v: %d, %q", args, code, errb.String())
		}
	}
	if code := c.Dispatch([]string{"-h"}, subs); code != 0 || !strings.Contains(out.String(), "usage: toy") {
		t.Errorf("-h: %d, %q", code, out.String())
	}
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.Int("n", 1, "a number")
	errb.Reset()
	if code, done := c.Parse(fs, []string{"--n", "x"}, "toy eval"); !done || code != 1 || !strings.Contains(errb.String(), "(see toy eval -h)") {
		t.Errorf("bad flag: %d %v %q", code, done, errb.String())
	}
	if code, done := c.Parse(flag.NewFlagSet("eval", flag.ContinueOnError), []string{"extra"}, "toy eval"); !done || code != 1 {
		t.Errorf("extra argument: %d %v", code, done)
	}
	out.Reset()
	fs = flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.Int("n", 1, "a number")
	if code, done := c.Parse(fs, []string{"-h"}, "toy eval [--n N]"); !done || code != 0 || !strings.Contains(out.String(), "usage: toy eval [--n N]") || !strings.Contains(out.String(), "a number") {
		t.Errorf("-h: %d %v %q", code, done, out.String())
	}
	errb.Reset()
	if code := c.Failf("toy: line one\nline two"); code != 1 || errb.String() != "toy: line one line two\n" {
		t.Errorf("Failf: %q", errb.String())
	}
}

func TestReadme(t *testing.T) {
	var out bytes.Buffer
	c := New("toy", "", &out, &out)
	t.Setenv("GOMLX_BACKEND", "")
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", "")
	t.Setenv("LAB_QUICK", "")
	r := NewReadme("Toy", "A toy.", "./lab/cmd/toy", []string{"train", "--out", "x y"})
	r.Row("Score", "**%.1f**", 0.5)
	run := Run{Backend: "go", Step: 40, Checkpoint: "/a/model-40.ckpt", FileBytes: 1234567, TrainSteps: 40, TrainSeconds: 61, MsPerStep: 1525, TotalTrainSeconds: 121}
	r.Run(c, &run, "weights only")
	r.Para("Check it.")
	dir := t.TempDir()
	path, err := r.Write(dir)
	if err != nil || path != filepath.Join(dir, "README.md") {
		t.Fatal(path, err)
	}
	data, _ := os.ReadFile(path)
	for _, want := range []string{"# Toy\n\nA toy. This file was written by the command that trained it.",
		"    go run ./lab/cmd/toy train --out 'x y'\n", "| Score | **0.5** |", "| Backend | go |",
		"training 40 steps in 1m1s, 1525 ms/step", "| Total training time | 2m1s (over resumed runs) |",
		"| File | `model-40.ckpt`, 1234567 bytes (1.23 MB), weights only |", "| Mode | full |", "\nCheck it.\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("README lacks %q:\n%s", want, data)
		}
	}
}
