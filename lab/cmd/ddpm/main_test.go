package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/mnist"
)

func TestTrainThenEvalQuick(t *testing.T) {
	if _, err := mnist.Load(mnist.Train); err != nil {
		t.Skipf("MNIST not installed (%v); run ./kernel-setup/setup.sh", err)
	}
	t.Setenv("LAB_QUICK", "1")
	dir := t.TempDir()
	out, ck := filepath.Join(dir, "out"), filepath.Join(dir, "ck")
	var stdout, stderr bytes.Buffer
	args := []string{"train", "--out", out, "--ckpt", ck, "--steps", "4", "--save-every", "2", "--hidden", "32", "--blocks", "1",
		"--train-images", "64", "--eval", "ddim:3:0,ddim:3:2", "--per-digit", "2"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var res Result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line is not the JSON result: %v", err)
	}
	if res.Step != 4 || len(res.Scores) != 2 || res.Scores[1].Images != 20 {
		t.Errorf("result %+v", res)
	}
	readme, err := os.ReadFile(filepath.Join(out, "README.md"))
	if err != nil || !strings.Contains(string(readme), "go run ./lab/cmd/ddpm train") || !strings.Contains(string(readme), "ddim:3:2") {
		t.Errorf("README.md: %v\n%s", err, readme)
	}
	if ckpts, _ := filepath.Glob(filepath.Join(ck, "model-*.ckpt")); len(ckpts) != 2 {
		t.Errorf("full checkpoints %v, want steps 2 and 4", ckpts)
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"eval", "--weights", out, "--eval", "ddim:2:1", "--per-digit", "2"}, &stdout, &stderr); code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr.String())
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"fly"},
		{"train"},
		{"train", "--out", "a", "--ckpt", "a"},
		{"train", "--out", "x", "--eval", "ddim:0:1"},
		{"eval", "--eval", "euler:10:0"},
		{"eval", "--weights", "/nonexistent"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code == 0 {
			t.Errorf("%q: exit 0", args)
		} else if lines := strings.Count(strings.TrimSpace(stderr.String()), "\n"); lines != 0 || !strings.HasPrefix(stderr.String(), "ddpm: ") {
			t.Errorf("%q: stderr %q, want one line starting with ddpm:", args, stderr.String())
		}
	}
}
