// Command classifier trains and evaluates the lab's digit classifier (package
// lab/classifier), the convolutional network that judges the digits drawn by
// the generative models.
//
//	classifier train --out lab/pretrained/classifier [--epochs 5] [--seed 1] [--steps N] [--save-every 200]
//	classifier eval [--weights DIR|FILE]
//
// train fits the classifier on the 60 000 MNIST training images, keeping full
// checkpoints (weights and Adam state) in --ckpt (default
// checkpoints/classifier): run the same command again after an interruption
// (Ctrl-C saves a checkpoint) to resume, or with --fresh to start over. It
// then measures the accuracy on the 10 000 test images, writes the weights
// alone to OUT/model-<step>.ckpt (removing older model-*.ckpt files there, so
// that classifier.Open(OUT) finds it) and writes OUT/README.md with the
// command line, the backend, the wall time, the number of steps, the test
// accuracy, the file size and the date.
//
// eval loads a weights file or directory (default: the shipped
// lab/pretrained/classifier) and prints its accuracy, mean confidence and
// per-digit accuracy on the test images.
//
// In quick mode (LAB_QUICK=1) the defaults shrink to 1 epoch of 2 000
// training images and 1 000 test images. The backend is GoMLX's pure-Go one
// unless GOMLX_BACKEND says otherwise; training is several times faster with
// GOMLX_BACKEND=xla:cpu and PJRT_PLUGIN_LIBRARY_PATH set to the directory of
// the XLA CPU plugin. Both subcommands print, last, a JSON line with their
// results. Errors are one line on standard error with exit status 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/mnistlab/golab/lab/backend"
	"github.com/mnistlab/golab/lab/classifier"
	"github.com/mnistlab/golab/lab/display"
	"github.com/mnistlab/golab/lab/internal/ckpt"
	"github.com/mnistlab/golab/lab/internal/runrecord"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/persist"
	"github.com/mnistlab/golab/lab/pretrained"
	"github.com/mnistlab/golab/lab/runmode"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage:
  classifier train --out DIR [--epochs N] [--steps N] [--seed S] [--save-every N] [--ckpt DIR] [--fresh]
  classifier eval [--weights DIR|FILE] [--test-images N]

train: fit the CNN on the MNIST training images (resuming from --ckpt), then
write the weights-only file DIR/model-<step>.ckpt and DIR/README.md.
eval: print the test accuracy of a weights file or directory.
Set GOMLX_BACKEND=xla:cpu (and PJRT_PLUGIN_LIBRARY_PATH) for faster training;
LAB_QUICK=1 shrinks the default sizes. "classifier train -h" lists the flags.`

// Result is the JSON line both subcommands print last.
type Result struct {
	Command       string      `json:"command"` // "train" or "eval"
	Weights       string      `json:"weights"` // the weights-only file written or evaluated
	Architecture  string      `json:"architecture"`
	Parameters    int         `json:"parameters"`
	Step          int         `json:"step"`
	TrainImages   int         `json:"train_images,omitempty"`
	TrainSteps    int         `json:"train_steps,omitempty"`   // steps taken by this invocation
	TrainSeconds  float64     `json:"train_seconds,omitempty"` // their wall time
	TotalTraining float64     `json:"total_training_seconds,omitempty"`
	WallSeconds   float64     `json:"wall_seconds"`
	FileBytes     int64       `json:"file_bytes"`
	TestImages    int         `json:"test_images"`
	Accuracy      float64     `json:"accuracy"`
	Confidence    float64     `json:"mean_confidence"`
	PerDigit      [10]float64 `json:"per_digit"`
	Backend       string      `json:"backend"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		msg := fmt.Sprintf(format, a...)
		if !strings.HasPrefix(msg, "classifier: ") {
			msg = "classifier: " + msg
		}
		fmt.Fprintln(stderr, strings.ReplaceAll(msg, "\n", " "))
		return 1
	}
	if len(args) == 0 {
		return fail("missing subcommand: train or eval (see classifier -h)")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return 0
	case "train":
		return train(ctx, args, stdout, fail)
	case "eval":
		return eval(args, stdout, fail)
	}
	return fail("unknown subcommand %q: want train or eval (see classifier -h)", args[0])
}

// parse parses the flags of a subcommand; done is true when the command
// should return code (after -h or an error).
func parse(fs *flag.FlagSet, args []string, stdout io.Writer, synopsis string, fail func(string, ...any) int) (code int, done bool) {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: "+synopsis)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return 0, true
		}
		return fail("%s: %v (see classifier %s -h)", fs.Name(), err, fs.Name()), true
	}
	if fs.NArg() > 0 {
		return fail("%s: unexpected argument %q (see classifier %s -h)", fs.Name(), fs.Arg(0), fs.Name()), true
	}
	return 0, false
}

func train(ctx context.Context, args []string, stdout io.Writer, fail func(string, ...any) int) int {
	start := time.Now()
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	out := fs.String("out", "", "directory for the weights-only file model-<step>.ckpt and README.md (required), e.g. lab/pretrained/classifier")
	ckDir := fs.String("ckpt", filepath.Join("checkpoints", "classifier"), "directory of the full training checkpoints (resumed from; must differ from --out)")
	epochs := fs.Int("epochs", runmode.Pick(5, 1), "passes over the training images (when --steps is 0)")
	steps := fs.Int("steps", 0, "train up to this step instead of --epochs")
	seed := fs.Int64("seed", 1, "seed of the initialisation, dropout and batch order")
	saveEvery := fs.Int("save-every", 200, "write a full checkpoint every N steps (and at the end)")
	lr := fs.Float64("lr", classifier.DefaultLearningRate, "Adam learning rate")
	batch := fs.Int("batch", classifier.DefaultBatchSize, "images per training step")
	trainN := fs.Int("train-images", runmode.Pick(0, 2000), "use the first N training images (0: all 60 000)")
	testN := fs.Int("test-images", runmode.Pick(0, 1000), "evaluate on the first N test images (0: all 10 000)")
	fresh := fs.Bool("fresh", false, "delete the checkpoints in --ckpt and train from scratch")
	if code, done := parse(fs, args[1:], stdout, "classifier train --out DIR [flags]", fail); done {
		return code
	}
	switch {
	case *out == "":
		return fail("train: --out DIR is required (e.g. --out lab/pretrained/classifier)")
	case *epochs < 1 || *steps < 0 || *saveEvery < 0:
		return fail("train: --epochs %d --steps %d --save-every %d, want epochs ≥ 1, steps ≥ 0, save-every ≥ 0", *epochs, *steps, *saveEvery)
	case *trainN < 0 || *testN < 0:
		return fail("train: --train-images %d --test-images %d, want ≥ 0", *trainN, *testN)
	case *batch < 1 || !(*lr > 0):
		return fail("train: --batch %d --lr %g, want batch ≥ 1 and lr > 0", *batch, *lr)
	}
	if same, err := runrecord.SameDir(*out, *ckDir); err != nil {
		return fail("train: %v", err)
	} else if same {
		return fail("train: --out and --ckpt are the same directory %s; keep the full checkpoints apart from the shipped weights", *out)
	}
	b, err := backend.New()
	if err != nil {
		return fail("%v", err)
	}
	res := Result{Command: "train", Backend: backend.Describe(b)}

	trainSet, err := mnist.Load(mnist.Train)
	if err != nil {
		return fail("%v", err)
	}
	if *trainN > 0 && *trainN < trainSet.N {
		trainSet = trainSet.Head(*trainN)
	}
	testSet, err := loadTest(*testN)
	if err != nil {
		return fail("%v", err)
	}
	if *fresh {
		if err := runrecord.KeepOnly(*ckDir, ""); err != nil {
			return fail("train: %v", err)
		}
	}
	m, err := classifier.New(classifier.Config{Seed: *seed, LearningRate: *lr, BatchSize: *batch, Dir: *ckDir})
	if err != nil {
		return fail("%v (or use --fresh, or another --ckpt)", err)
	}
	target := *steps
	if target == 0 {
		target = *epochs * ((trainSet.N + *batch - 1) / *batch)
	}
	fmt.Fprintf(stdout, "%s\n%s; %d training images, %d steps (%s mode)\n", m, res.Backend, trainSet.N, target, runmode.Name())
	startStep := m.Step()
	switch {
	case startStep >= target:
		fmt.Fprintf(stdout, "already trained to step %d (%s)\n", startStep, *ckDir)
	case startStep > 0:
		fmt.Fprintf(stdout, "resuming from step %d (%s)\n", startStep, *ckDir)
	}
	trainStart := time.Now()
	bar := display.NewProgress("classifier training", target)
	perEpoch := (trainSet.N + *batch - 1) / *batch
	err = m.Fit(ctx, trainSet.Float32(), trainSet.Labels, classifier.FitOptions{
		Steps:     target,
		SaveEvery: *saveEvery,
		Progress: func(p classifier.Progress) {
			bar.Update(p.Step, p.String())
			if p.Step%perEpoch == 0 || p.Step == p.Steps {
				fmt.Fprintf(stdout, "step %d (epoch %.2f): %s, %s\n", p.Step, float64(p.Step)/float64(perEpoch), p, p.Elapsed.Round(time.Second))
			}
		},
	})
	bar.Done()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fail("interrupted at step %d; checkpoint saved in %s, run the same command to resume", m.Step(), *ckDir)
		}
		return fail("%v", err)
	}
	if n := m.Step() - startStep; n > 0 {
		res.TrainSteps = n
		res.TrainSeconds = time.Since(trainStart).Seconds()
		fmt.Fprintf(stdout, "trained %d steps in %s (%.0f ms/step)\n", n, time.Since(trainStart).Round(time.Second), 1000*res.TrainSeconds/float64(n))
	}
	res.TrainImages = trainSet.N
	res.TotalTraining = m.TrainingTime().Seconds()

	if err := judge(m, testSet, &res); err != nil {
		return fail("%v", err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fail("train: %v", err)
	}
	res.Weights = classifier.CheckpointPath(*out, m.Step())
	if err := m.SaveWeights(res.Weights); err != nil {
		return fail("%v", err)
	}
	if err := runrecord.KeepOnly(*out, res.Weights); err != nil {
		return fail("train: %v", err)
	}
	fi, err := os.Stat(res.Weights)
	if err != nil {
		return fail("train: %v", err)
	}
	res.FileBytes = fi.Size()
	res.WallSeconds = time.Since(start).Seconds()
	report(stdout, &res)
	readme := filepath.Join(*out, "README.md")
	if err := writeReadme(readme, args, m, &res, time.Now()); err != nil {
		return fail("train: %v", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%.2f MB) and %s\n", res.Weights, float64(res.FileBytes)/1e6, readme)
	if err := runrecord.PrintJSON(stdout, &res); err != nil {
		return fail("%v", err)
	}
	return 0
}

func eval(args []string, stdout io.Writer, fail func(string, ...any) int) int {
	start := time.Now()
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	weights := fs.String("weights", "", "weights file, or directory whose latest model-<step>.ckpt is used (default: the shipped lab/pretrained/classifier)")
	testN := fs.Int("test-images", runmode.Pick(0, 1000), "evaluate on the first N test images (0: all 10 000)")
	if code, done := parse(fs, args[1:], stdout, "classifier eval [--weights DIR|FILE] [--test-images N]", fail); done {
		return code
	}
	if *testN < 0 {
		return fail("eval: --test-images %d, want ≥ 0", *testN)
	}
	path := *weights
	if path == "" {
		dir, err := pretrained.Dir(pretrained.Classifier)
		if err != nil {
			return fail("%v", err)
		}
		path = dir
	}
	m, err := classifier.Open(path)
	if err != nil {
		return fail("%v", err)
	}
	b, err := backend.New()
	if err != nil {
		return fail("%v", err)
	}
	res := Result{Command: "eval", Backend: backend.Describe(b)}
	if res.Weights, _, err = ckpt.Resolve(path); err != nil {
		return fail("%v", err)
	}
	if fi, err := os.Stat(res.Weights); err == nil {
		res.FileBytes = fi.Size()
	}
	res.TotalTraining = m.TrainingTime().Seconds()
	testSet, err := loadTest(*testN)
	if err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stdout, "%s\nfrom %s; %s\n", m, res.Weights, res.Backend)
	if err := judge(m, testSet, &res); err != nil {
		return fail("%v", err)
	}
	res.WallSeconds = time.Since(start).Seconds()
	report(stdout, &res)
	if err := runrecord.PrintJSON(stdout, &res); err != nil {
		return fail("%v", err)
	}
	return 0
}

func loadTest(n int) (*mnist.Set, error) {
	s, err := mnist.Load(mnist.Test)
	if err != nil {
		return nil, err
	}
	if n > 0 && n < s.N {
		s = s.Head(n)
	}
	return s, nil
}

// judge scores m on the test set: accuracy, mean confidence in the true
// digit, accuracy per digit.
func judge(m *classifier.Classifier, test *mnist.Set, res *Result) error {
	labels := make([]int, test.N)
	for i, l := range test.Labels {
		labels[i] = int(l)
	}
	j, err := m.Judge(test.Float32(), labels)
	if err != nil {
		return err
	}
	res.Architecture, res.Parameters, res.Step = m.Architecture(), m.NumParameters(), m.Step()
	res.TestImages, res.Accuracy, res.Confidence, res.PerDigit = j.N, j.Accuracy, j.MeanConfidence, j.PerDigit
	return nil
}

func report(w io.Writer, res *Result) {
	fmt.Fprintf(w, "test accuracy %.2f%% on %d images (mean confidence %.4f)\nper digit:", 100*res.Accuracy, res.TestImages, res.Confidence)
	for d, a := range res.PerDigit {
		fmt.Fprintf(w, " %d:%.1f%%", d, 100*a)
	}
	fmt.Fprintln(w)
}

// writeReadme records how the weights in res.Weights were made.
func writeReadme(path string, args []string, m *classifier.Classifier, res *Result, now time.Time) error {
	cfg := m.Config()
	var b strings.Builder
	fmt.Fprintf(&b, "# Pretrained digit classifier\n\n")
	fmt.Fprintf(&b, "The judge of the generative models: `classifier.LoadPretrained()` (package `lab/classifier`) loads\n")
	fmt.Fprintf(&b, "`%s` from this directory. This file was written by the command that trained it.\n\n", filepath.Base(res.Weights))
	fmt.Fprintf(&b, "Command (from the repository root, after `source kernel-setup/env.sh`: go1.27.3, `GOEXPERIMENT=simd`):\n\n")
	fmt.Fprintf(&b, "    %s\n\n", runrecord.CommandLine("./lab/cmd/classifier", args))
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	row := func(k, format string, a ...any) { fmt.Fprintf(&b, "| %s | %s |\n", k, fmt.Sprintf(format, a...)) }
	row("Architecture", "`%s` (3×3 convolutions with same padding, ReLU, 2×2 max-pool)", res.Architecture)
	row("Parameters", "%d", res.Parameters)
	row("Training", "%d steps of %d images (%.2f epochs of %d training images), Adam lr %g, seed %d",
		res.Step, cfg.BatchSize, float64(res.Step*cfg.BatchSize)/float64(res.TrainImages), res.TrainImages, cfg.LearningRate, cfg.Seed)
	row("Test accuracy", "**%.2f %%** on %d MNIST test images (mean confidence in the true digit %.4f)", 100*res.Accuracy, res.TestImages, res.Confidence)
	per := make([]string, len(res.PerDigit))
	for d, a := range res.PerDigit {
		per[d] = fmt.Sprintf("%d: %.1f", d, 100*a)
	}
	row("Per-digit accuracy (%)", "%s", strings.Join(per, ", "))
	row("Backend", "%s", res.Backend)
	row("Machine", "%s/%s, GOMAXPROCS %d, %s", runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.Version())
	if res.TrainSeconds > 0 {
		row("Wall time", "%s for the whole command (loading, training, evaluating, saving); training %d steps %s, %.0f ms/step",
			runrecord.Duration(res.WallSeconds), res.TrainSteps, runrecord.Duration(res.TrainSeconds), 1000*res.TrainSeconds/float64(res.TrainSteps))
	} else {
		row("Wall time", "%s for the whole command (no training: already at step %d)", runrecord.Duration(res.WallSeconds), res.Step)
	}
	if res.TotalTraining > res.TrainSeconds+1 {
		row("Total training time", "%s (over resumed runs)", runrecord.Duration(res.TotalTraining))
	}
	row("Weights file", "`%s`, %d bytes (%.2f MB), weights only (no optimizer state)", filepath.Base(res.Weights), res.FileBytes, float64(res.FileBytes)/1e6)
	row("Mode", "%s", runmode.Name())
	row("Date", "%s", now.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "\nCheck it with `go run ./lab/cmd/classifier eval` (shipped weights) or `go test ./lab/classifier/`.\n")
	return persist.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
}
