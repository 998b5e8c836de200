// Command autoencoder trains and evaluates the AutoEncoder of lab 3 (package
// lab/autoencoder), the MLP that maps each MNIST image to a 2-number code and
// rebuilds the image from it.
//
//	autoencoder train --out lab/pretrained/autoencoder [--steps 4690] [--seed 0] [--save-every 500]
//	autoencoder eval [--weights DIR|FILE]
//
// train fits the autoencoder on the 60 000 MNIST training images, keeping
// checkpoints in --ckpt (default checkpoints/autoencoder): run the same command
// again after an interruption (Ctrl-C saves a checkpoint) to resume, or with
// --fresh to start over. It then measures the reconstruction error (mean
// squared error per pixel, on the [0, 1] scale) of the 10 000 test images and
// the leave-one-out 5-nearest-neighbour accuracy of their 2-D codes, writes the
// final checkpoint to OUT/model-<step>.ckpt (removing older model-*.ckpt files
// there, so that autoencoder.Open(OUT) finds it) and writes OUT/README.md with
// the command line, the backend, the wall time, the number of steps, the
// scores, the file size and the date. The autoencoder has no weights-only
// format: the file in OUT is a full checkpoint (weights, Adam's moments and the
// loss history), about 11 MB for the default network.
//
// eval loads a checkpoint file or directory (default: the shipped
// lab/pretrained/autoencoder) and prints the same scores.
//
// In quick mode (LAB_QUICK=1) the defaults shrink to 300 steps on 2 000
// training images and 1 000 test images. The backend is GoMLX's pure-Go one
// unless GOMLX_BACKEND says otherwise (GOMLX_BACKEND=xla:cpu with
// PJRT_PLUGIN_LIBRARY_PATH set to the directory of the XLA CPU plugin). Both
// subcommands print, last, a JSON line with their results. Errors are one line
// on standard error with exit status 1.
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

	"gonum.org/v1/gonum/mat"

	"github.com/mnistlab/golab/lab/autoencoder"
	"github.com/mnistlab/golab/lab/backend"
	"github.com/mnistlab/golab/lab/display"
	"github.com/mnistlab/golab/lab/internal/runrecord"
	"github.com/mnistlab/golab/lab/metrics"
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
  autoencoder train --out DIR [--steps N | --epochs N] [--seed S] [--save-every N] [--ckpt DIR] [--fresh]
  autoencoder eval [--weights DIR|FILE] [--test-images N] [--knn K]

train: fit the autoencoder on the MNIST training images (resuming from --ckpt),
then write its final checkpoint DIR/model-<step>.ckpt and DIR/README.md.
eval: print the test reconstruction error and the k-NN accuracy of the codes
of a checkpoint file or directory.
Set GOMLX_BACKEND=xla:cpu (and PJRT_PLUGIN_LIBRARY_PATH) to use XLA;
LAB_QUICK=1 shrinks the default sizes. "autoencoder train -h" lists the flags.`

// Result is the JSON line both subcommands print last.
type Result struct {
	Command       string  `json:"command"`    // "train" or "eval"
	Checkpoint    string  `json:"checkpoint"` // the checkpoint file written or evaluated
	Architecture  string  `json:"architecture"`
	Parameters    int     `json:"parameters"`
	Step          int     `json:"step"`
	TrainImages   int     `json:"train_images,omitempty"`
	TrainSteps    int     `json:"train_steps,omitempty"`   // steps taken by this invocation
	TrainSeconds  float64 `json:"train_seconds,omitempty"` // their wall time
	TotalTraining float64 `json:"total_training_seconds,omitempty"`
	WallSeconds   float64 `json:"wall_seconds"`
	FileBytes     int64   `json:"file_bytes"`
	// FinalLoss is the mean training loss (binary cross-entropy summed over
	// pixels, nats per image) of the last (up to) 100 steps; LastLoss that of
	// the last step alone.
	FinalLoss  float64 `json:"final_loss"`
	LastLoss   float64 `json:"last_loss"`
	TestImages int     `json:"test_images"`
	TestMSE    float64 `json:"test_mse"` // mean squared error per pixel, [0, 1] scale
	// KNN is the k of KNNAccuracy, the leave-one-out k-nearest-neighbour
	// accuracy of the test images' codes (0: not measured).
	KNN         int     `json:"knn,omitempty"`
	KNNAccuracy float64 `json:"knn_accuracy,omitempty"`
	Backend     string  `json:"backend"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		msg := fmt.Sprintf(format, a...)
		if !strings.HasPrefix(msg, "autoencoder: ") {
			msg = "autoencoder: " + msg
		}
		fmt.Fprintln(stderr, strings.ReplaceAll(msg, "\n", " "))
		return 1
	}
	if len(args) == 0 {
		return fail("missing subcommand: train or eval (see autoencoder -h)")
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
	return fail("unknown subcommand %q: want train or eval (see autoencoder -h)", args[0])
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
		return fail("%s: %v (see autoencoder %s -h)", fs.Name(), err, fs.Name()), true
	}
	if fs.NArg() > 0 {
		return fail("%s: unexpected argument %q (see autoencoder %s -h)", fs.Name(), fs.Arg(0), fs.Name()), true
	}
	return 0, false
}

func train(ctx context.Context, args []string, stdout io.Writer, fail func(string, ...any) int) int {
	start := time.Now()
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	out := fs.String("out", "", "directory for the final checkpoint model-<step>.ckpt and README.md (required), e.g. lab/pretrained/autoencoder")
	ckDir := fs.String("ckpt", filepath.Join("checkpoints", "autoencoder"), "directory of the training checkpoints (resumed from; must differ from --out)")
	steps := fs.Int("steps", runmode.Pick(autoencoder.DefaultSteps, 300), "train up to this step (the default is 10 epochs of 60 000 images)")
	epochs := fs.Int("epochs", 0, "train up to this many passes over the training images instead of --steps")
	seed := fs.Int64("seed", 0, "seed of the initialisation and the batch order (0, as in the lab 3 notebook)")
	saveEvery := fs.Int("save-every", 500, "write a checkpoint every N steps (and at the end)")
	lr := fs.Float64("lr", autoencoder.DefaultLearningRate, "Adam learning rate")
	batch := fs.Int("batch", autoencoder.DefaultBatchSize, "images per training step")
	trainN := fs.Int("train-images", runmode.Pick(0, 2000), "use the first N training images (0: all 60 000)")
	testN := fs.Int("test-images", runmode.Pick(0, 1000), "evaluate on the first N test images (0: all 10 000)")
	knn := fs.Int("knn", 5, "k of the k-nearest-neighbour accuracy of the test codes (0: skip it)")
	fresh := fs.Bool("fresh", false, "delete the checkpoints in --ckpt and train from scratch")
	if code, done := parse(fs, args[1:], stdout, "autoencoder train --out DIR [flags]", fail); done {
		return code
	}
	stepsSet := false
	fs.Visit(func(f *flag.Flag) { stepsSet = stepsSet || f.Name == "steps" })
	switch {
	case *out == "":
		return fail("train: --out DIR is required (e.g. --out lab/pretrained/autoencoder)")
	case *steps < 1 || *epochs < 0 || *saveEvery < 0:
		return fail("train: --steps %d --epochs %d --save-every %d, want steps ≥ 1, epochs ≥ 0, save-every ≥ 0", *steps, *epochs, *saveEvery)
	case *epochs > 0 && stepsSet:
		return fail("train: --steps and --epochs both given; use one")
	case *trainN < 0 || *testN < 0 || *knn < 0:
		return fail("train: --train-images %d --test-images %d --knn %d, want ≥ 0", *trainN, *testN, *knn)
	case *batch < 1 || !(*lr > 0):
		return fail("train: --batch %d --lr %g, want batch ≥ 1 and lr > 0", *batch, *lr)
	}
	if same, err := runrecord.SameDir(*out, *ckDir); err != nil {
		return fail("train: %v", err)
	} else if same {
		return fail("train: --out and --ckpt are the same directory %s; keep the training checkpoints apart from the shipped one", *out)
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
	m, err := autoencoder.New(autoencoder.Config{Seed: *seed, LearningRate: *lr, BatchSize: *batch, Dir: *ckDir})
	if err != nil {
		return fail("%v; or use --fresh", err)
	}
	bs := min(*batch, trainSet.N)
	perEpoch := (trainSet.N + bs - 1) / bs
	target := *steps
	if *epochs > 0 {
		target = *epochs * perEpoch
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
	bar := display.NewProgress("autoencoder training", target)
	err = m.Fit(ctx, trainSet.Float32(), autoencoder.FitOptions{
		Steps:     target,
		SaveEvery: *saveEvery,
		Progress: func(p autoencoder.Progress) {
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

	if err := score(m, testSet, *knn, &res); err != nil {
		return fail("%v", err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fail("train: %v", err)
	}
	res.Checkpoint = autoencoder.CheckpointPath(*out, m.Step())
	if err := m.SaveTo(res.Checkpoint); err != nil {
		return fail("%v", err)
	}
	if err := runrecord.KeepOnly(*out, res.Checkpoint); err != nil {
		return fail("train: %v", err)
	}
	fi, err := os.Stat(res.Checkpoint)
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
	fmt.Fprintf(stdout, "wrote %s (%.2f MB) and %s\n", res.Checkpoint, float64(res.FileBytes)/1e6, readme)
	if err := runrecord.PrintJSON(stdout, &res); err != nil {
		return fail("%v", err)
	}
	return 0
}

func eval(args []string, stdout io.Writer, fail func(string, ...any) int) int {
	start := time.Now()
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	weights := fs.String("weights", "", "checkpoint file, or directory whose latest model-<step>.ckpt is used (default: the shipped lab/pretrained/autoencoder)")
	testN := fs.Int("test-images", runmode.Pick(0, 1000), "evaluate on the first N test images (0: all 10 000)")
	knn := fs.Int("knn", 5, "k of the k-nearest-neighbour accuracy of the test codes (0: skip it)")
	if code, done := parse(fs, args[1:], stdout, "autoencoder eval [--weights DIR|FILE] [--test-images N] [--knn K]", fail); done {
		return code
	}
	if *testN < 0 || *knn < 0 {
		return fail("eval: --test-images %d --knn %d, want ≥ 0", *testN, *knn)
	}
	path := *weights
	if path == "" {
		dir, err := pretrained.Dir(pretrained.AutoEncoder)
		if err != nil {
			return fail("%v", err)
		}
		path = dir
	}
	file, err := resolve(path)
	if err != nil {
		return fail("%v", err)
	}
	m, err := autoencoder.Open(file)
	if err != nil {
		return fail("%v", err)
	}
	b, err := backend.New()
	if err != nil {
		return fail("%v", err)
	}
	res := Result{Command: "eval", Checkpoint: file, Backend: backend.Describe(b)}
	if fi, err := os.Stat(file); err == nil {
		res.FileBytes = fi.Size()
	}
	res.TotalTraining = m.TrainingTime().Seconds()
	testSet, err := loadTest(*testN)
	if err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stdout, "%s\nfrom %s; %s\n", m, file, res.Backend)
	if err := score(m, testSet, *knn, &res); err != nil {
		return fail("%v", err)
	}
	res.WallSeconds = time.Since(start).Seconds()
	report(stdout, &res)
	if err := runrecord.PrintJSON(stdout, &res); err != nil {
		return fail("%v", err)
	}
	return 0
}

// resolve returns path if it is a file, or the latest checkpoint of the
// directory path.
func resolve(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("no checkpoint at %s", path)
	}
	if !fi.IsDir() {
		return path, nil
	}
	file, err := autoencoder.LatestCheckpoint(path)
	if err != nil {
		return "", err
	}
	if file == "" {
		return "", fmt.Errorf("no checkpoint (model-<step>.ckpt) in %s", path)
	}
	return file, nil
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

// score measures m: the final training loss, the reconstruction error of the
// test images and, if knn > 0 and there are more than knn test images, the
// k-NN accuracy of their codes.
func score(m *autoencoder.AutoEncoder, test *mnist.Set, knn int, res *Result) error {
	cfg := m.Config()
	res.Architecture, res.Parameters, res.Step = architecture(cfg), m.NumParameters(), m.Step()
	if l := m.Losses(); len(l) > 0 {
		res.LastLoss = float64(l[len(l)-1])
		l = l[max(0, len(l)-100):]
		s := 0.0
		for _, v := range l {
			s += float64(v)
		}
		res.FinalLoss = s / float64(len(l))
	}
	x := test.Float32()
	mse, err := m.ReconstructionError(x)
	if err != nil {
		return err
	}
	res.TestImages, res.TestMSE = test.N, mse
	if knn == 0 || test.N <= knn {
		return nil
	}
	z, err := m.Encode(x)
	if err != nil {
		return err
	}
	codes := mat.NewDense(len(z), cfg.Code, nil)
	for i, row := range z {
		for j, v := range row {
			codes.Set(i, j, float64(v))
		}
	}
	labels := make([]int, test.N)
	for i, l := range test.Labels {
		labels[i] = int(l)
	}
	acc, err := metrics.KNNAccuracy(codes, labels, knn)
	if err != nil {
		return err
	}
	res.KNN, res.KNNAccuracy = knn, acc
	return nil
}

// architecture writes the layer widths, e.g. "784→512→128→2→128→512→784".
func architecture(cfg autoencoder.Config) string {
	w := []int{autoencoder.XDim}
	w = append(w, cfg.Hidden...)
	w = append(w, cfg.Code)
	for i := len(cfg.Hidden) - 1; i >= 0; i-- {
		w = append(w, cfg.Hidden[i])
	}
	w = append(w, autoencoder.XDim)
	s := make([]string, len(w))
	for i, v := range w {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, "→")
}

func report(w io.Writer, res *Result) {
	fmt.Fprintf(w, "test reconstruction error (MSE per pixel) %.5f on %d images; final training loss %.2f nats/image",
		res.TestMSE, res.TestImages, res.FinalLoss)
	if res.KNN > 0 {
		fmt.Fprintf(w, "; %d-NN accuracy of the test codes %.2f%%", res.KNN, 100*res.KNNAccuracy)
	}
	fmt.Fprintln(w)
}

// writeReadme records how the checkpoint in res.Checkpoint was made.
func writeReadme(path string, args []string, m *autoencoder.AutoEncoder, res *Result, now time.Time) error {
	cfg := m.Config()
	var b strings.Builder
	fmt.Fprintf(&b, "# Pretrained AutoEncoder (lab 3)\n\n")
	fmt.Fprintf(&b, "The 2-D autoencoder of lab 3's dimensionality-reduction comparison: `autoencoder.LoadPretrained()`\n")
	fmt.Fprintf(&b, "(package `lab/autoencoder`) loads `%s` from this directory. This file was written by the command\n", filepath.Base(res.Checkpoint))
	fmt.Fprintf(&b, "that trained it.\n\n")
	fmt.Fprintf(&b, "Command (from the repository root, after `source kernel-setup/env.sh`: go1.27.3, `GOEXPERIMENT=simd`):\n\n")
	fmt.Fprintf(&b, "    %s\n\n", runrecord.CommandLine("./lab/cmd/autoencoder", args))
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	row := func(k, format string, a ...any) { fmt.Fprintf(&b, "| %s | %s |\n", k, fmt.Sprintf(format, a...)) }
	row("Architecture", "`%s` (ReLU hidden layers, linear %d-D code, sigmoid output)", res.Architecture, cfg.Code)
	row("Parameters", "%d", res.Parameters)
	bs := min(cfg.BatchSize, res.TrainImages)
	row("Training", "%d steps of %d images (%.2f epochs of %d training images, %d steps each), binary cross-entropy, Adam lr %g, seed %d",
		res.Step, bs, float64(res.Step)/float64((res.TrainImages+bs-1)/bs), res.TrainImages, (res.TrainImages+bs-1)/bs, cfg.LearningRate, cfg.Seed)
	row("Final training loss", "%.2f nats per image (mean batch loss of the last %d steps; last step %.2f)", res.FinalLoss, min(100, res.Step), res.LastLoss)
	row("Test reconstruction error", "**%.5f** mean squared error per pixel ([0, 1] scale) on %d MNIST test images", res.TestMSE, res.TestImages)
	if res.KNN > 0 {
		row("Test codes", "%d-NN accuracy %.2f %% (leave-one-out, `metrics.KNNAccuracy` on the %d test images' 2-D codes)", res.KNN, 100*res.KNNAccuracy, res.TestImages)
	}
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
	row("Checkpoint file", "`%s`, %d bytes (%.2f MB), full checkpoint (weights, Adam's moments, loss history)",
		filepath.Base(res.Checkpoint), res.FileBytes, float64(res.FileBytes)/1e6)
	row("Mode", "%s", runmode.Name())
	row("Date", "%s", now.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "\nCheck it with `go run ./lab/cmd/autoencoder eval` (shipped checkpoint) or `go test ./lab/autoencoder/`.\n")
	fmt.Fprintf(&b, "`LoadPretrained` clears the model's checkpoint directory, so training it further never writes here.\n")
	return persist.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
}
