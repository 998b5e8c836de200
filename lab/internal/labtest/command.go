package labtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/checkpoints"
)

// RunFunc is a model command's run function (lab/cmd/*: run).
type RunFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// RunCmd runs a command with args and returns its exit status and outputs.
func RunCmd(run RunFunc, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// LastJSON decodes the last line of a command's standard output into a T.
func LastJSON[T any](t testing.TB, stdout string) T {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var r T
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, stdout)
	}
	return r
}

// Usage checks the command's bad arguments and its help: each of bad exits
// with status 1 and one line on standard error starting with "name: "; each
// of help exits with 0 and prints wants.
func Usage(t *testing.T, name string, run RunFunc, bad, help [][]string, wants ...string) {
	t.Helper()
	for _, args := range bad {
		checkBad(t, name, run, args)
	}
	for _, args := range help {
		code, stdout, _ := RunCmd(run, args...)
		for _, want := range wants {
			if code != 0 || !strings.Contains(stdout, want) {
				t.Errorf("%q: code %d, output lacks %q:\n%s", args, code, want, stdout)
			}
		}
	}
}

// Subcommands checks, for a command with train and eval subcommands
// (modelcmd.TrainFlags), the usage errors they share — no or an unknown
// subcommand, no --out, --ckpt equal to --out, no steps, a bad batch size, an
// unknown flag, an extra argument, missing weights — and bad, the command's
// own; and that -h, help, train -h and eval -h print the usage, train's
// listing trainFlags.
func Subcommands(t *testing.T, name string, run RunFunc, bad [][]string, trainFlags ...string) {
	t.Helper()
	dir := t.TempDir()
	bad = append(bad, []string{}, []string{"fit"}, []string{"train"}, []string{"train", "--out", dir, "--ckpt", dir},
		[]string{"train", "--out", dir, "--steps", "0", "--epochs", "0"}, []string{"train", "--out", dir, "--epochs", "-1"},
		[]string{"train", "--out", dir, "--batch", "0"},
		[]string{"train", "--out", dir, "--nosuchflag"}, []string{"train", "--out", dir, "extra"},
		[]string{"eval", "--weights", filepath.Join(dir, "missing")}, []string{"eval", "--weights", dir})
	Usage(t, name, run, bad, [][]string{{"-h"}, {"help"}, {"eval", "-h"}}, "usage")
	Usage(t, name, run, nil, [][]string{{"train", "-h"}}, append(trainFlags, "usage", "-out", "-ckpt", "-steps", "-epochs", "-save-every", "-fresh")...)
}

// checkBad checks that args give exit status 1 and one line "name: …" on
// standard error.
func checkBad(t *testing.T, name string, run RunFunc, args []string) {
	t.Helper()
	code, _, stderr := RunCmd(run, args...)
	if code != 1 || !strings.HasPrefix(stderr, name+": ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("%q: code %d, stderr %q; want 1 and one line starting with %q", args, code, stderr, name+": ")
	}
}

// Result holds the fields every command's JSON line shares (modelcmd.Run).
type Result struct {
	Step        int    `json:"step"`
	Parameters  int    `json:"parameters"`
	Checkpoint  string `json:"checkpoint"`
	FileBytes   int64  `json:"file_bytes"`
	TrainImages int    `json:"train_images"`
	TrainSteps  int    `json:"train_steps"`
}

// TrainCommand runs a model command's train subcommand end to end on a few
// hundred MNIST images: args (the training images, batch, … but no --out,
// --ckpt, --steps or --epochs) with --steps 3, where every checkpoint is
// kept in --ckpt; then again with --epochs 1, which resumes from step 3 to
// the end of the epoch (6 steps: 300 images in batches of 50, args must say
// so) and replaces the shipped file in --out, whose README.md must contain readme (and the
// command line); then the eval subcommand on --out with evalArgs. A
// different --seed over the same --ckpt must then be refused. It returns the
// JSON lines of the second training and of the evaluation. Last, --fresh
// trains the other seed from scratch.
func TrainCommand(t *testing.T, name string, run RunFunc, args, evalArgs []string, readme ...string) (trained, evaluated string) {
	t.Helper()
	out, ck := t.TempDir(), t.TempDir()
	args = append([]string{"train", "--out", out, "--ckpt", ck, "--save-every", "2"}, args...)
	code, stdout, stderr := RunCmd(run, append(args, "--steps", "3")...)
	if r := LastJSON[Result](t, stdout); code != 0 || r.Step != 3 || r.TrainSteps != 3 || r.Checkpoint != checkpoints.Path(out, 3) {
		t.Fatalf("train --steps 3: code %d %s\n%s", code, stderr, stdout)
	}
	if files, _ := checkpoints.List(ck); !slices.Equal(files, []string{checkpoints.Path(ck, 2), checkpoints.Path(ck, 3)}) {
		t.Fatalf("checkpoints in --ckpt: %v", files)
	}
	code, trained, stderr = RunCmd(run, append(args, "--epochs", "1")...)
	r := LastJSON[Result](t, trained)
	if code != 0 || !strings.Contains(trained, "resuming from step 3") || r.Step != 6 || r.TrainSteps != 3 {
		t.Fatalf("train --epochs 1: code %d %s\n%s", code, stderr, trained)
	}
	if files, _ := checkpoints.List(out); !slices.Equal(files, []string{checkpoints.Path(out, 6)}) || r.Checkpoint != files[0] {
		t.Fatalf("files in --out: %v, result %+v", files, r)
	}
	if fi, err := os.Stat(r.Checkpoint); err != nil || fi.Size() != r.FileBytes || fi.Size() > 20<<20 {
		t.Fatalf("shipped file: %v, reported %d bytes", err, r.FileBytes)
	}
	text, err := os.ReadFile(filepath.Join(out, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range append(readme, "go run ./lab/cmd/"+name+" train --out "+out, "--epochs 1", "Backend", "Wall time", "model-6.ckpt", "Date") {
		if !strings.Contains(string(text), want) {
			t.Errorf("README.md lacks %q:\n%s", want, text)
		}
	}
	code, evaluated, stderr = RunCmd(run, append([]string{"eval", "--weights", out}, evalArgs...)...)
	if e := LastJSON[Result](t, evaluated); code != 0 || e.Step != 6 || e.Checkpoint != r.Checkpoint || e.FileBytes != r.FileBytes {
		t.Fatalf("eval: code %d %s\n%s", code, stderr, evaluated)
	}
	code, _, stderr = RunCmd(run, append(args, "--steps", "8", "--seed", "9")...)
	if code != 1 || !strings.Contains(stderr, "--fresh") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("another seed over the same --ckpt: code %d, %q", code, stderr)
	}
	code, stdout, stderr = RunCmd(run, append(args, "--steps", "2", "--seed", "9", "--fresh", "--out", t.TempDir())...)
	if r := LastJSON[Result](t, stdout); code != 0 || r.Step != 2 || r.TrainSteps != 2 {
		t.Fatalf("--fresh with another seed: code %d %s\n%s", code, stderr, stdout)
	}
	return trained, evaluated
}
