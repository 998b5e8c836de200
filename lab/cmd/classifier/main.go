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
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mnistlab/golab/lab/classifier"
	"github.com/mnistlab/golab/lab/internal/modelcmd"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/pretrained"
	"github.com/mnistlab/golab/lab/runmode"
)

func main() { modelcmd.Main(run) }

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
	Command string `json:"command"` // "train" or "eval"
	modelcmd.Run
	Architecture string      `json:"architecture"`
	TestImages   int         `json:"test_images"`
	Accuracy     float64     `json:"accuracy"`
	Confidence   float64     `json:"mean_confidence"`
	PerDigit     [10]float64 `json:"per_digit"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := modelcmd.New("classifier", usage, stdout, stderr)
	return c.Dispatch(args, map[string]func([]string) int{
		"train": func(args []string) int { return trainCmd(ctx, c, args) },
		"eval":  func(args []string) int { return evalCmd(c, args) },
	})
}

func trainCmd(ctx context.Context, c *modelcmd.Cmd, args []string) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	f := modelcmd.TrainFlags{Epochs: runmode.Pick(5, 1), SaveEvery: 200, Seed: 1, LearningRate: classifier.DefaultLearningRate,
		BatchSize: classifier.DefaultBatchSize, TrainImages: runmode.Pick(0, 2000), TestImages: runmode.Pick(0, 1000)}
	f.Add(fs, "classifier", "the weights-only file")
	if code, done := c.ParseTrain(fs, &f, args); done {
		return code
	}
	res := Result{Command: "train"}
	trainSet, testSet, err := f.Load(&res.Run)
	if err != nil {
		return c.Fail(err)
	}
	m, err := classifier.New(classifier.Config{Seed: f.Seed, LearningRate: f.LearningRate, BatchSize: f.BatchSize, Dir: f.Ckpt})
	if err != nil {
		return c.Failf("%v (or use --fresh, or another --ckpt)", err)
	}
	x, labels := trainSet.Float32(), trainSet.IntLabels()
	err = c.Train(ctx, m, f.Target(trainSet.N), f.SaveEvery, modelcmd.StepsPerEpoch(trainSet.N, f.BatchSize), f.Ckpt,
		func(ctx context.Context, o classifier.FitOptions) error { return m.Fit(ctx, x, labels, o) }, &res.Run)
	if err != nil {
		return c.Fail(err)
	}
	if err := judge(m, testSet, &res); err != nil {
		return c.Fail(err)
	}
	if err := c.Ship(f.Out, m, m.SaveWeights, &res.Run); err != nil {
		return c.Fail(err)
	}
	report(c, &res)
	return c.Publish(f.Out, readme(c, args, m, &res), &res, &res.Run)
}

func evalCmd(c *modelcmd.Cmd, args []string) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	weights := modelcmd.WeightsFlag(fs, "classifier")
	testN := fs.Int("test-images", runmode.Pick(0, 1000), "evaluate on the first N test images (0: all 10 000)")
	if code, done := c.Parse(fs, args, "classifier eval [--weights DIR|FILE] [--test-images N]"); done {
		return code
	}
	if *testN < 0 {
		return c.Failf("eval: --test-images %d, want ≥ 0", *testN)
	}
	res := Result{Command: "eval"}
	m, err := modelcmd.Open(c, &res.Run, *weights, pretrained.Classifier, classifier.Open)
	if err != nil {
		return c.Fail(err)
	}
	testSet, err := modelcmd.LoadSet(mnist.Test, *testN)
	if err != nil {
		return c.Fail(err)
	}
	if err := judge(m, testSet, &res); err != nil {
		return c.Fail(err)
	}
	report(c, &res)
	return c.Done(&res, &res.Run)
}

// judge scores m on the test set: accuracy, mean confidence in the true
// digit, accuracy per digit.
func judge(m *classifier.Classifier, test *mnist.Set, res *Result) error {
	j, err := m.Judge(test.Float32(), test.IntLabels())
	if err != nil {
		return err
	}
	res.Architecture = m.Architecture()
	res.TestImages, res.Accuracy, res.Confidence, res.PerDigit = j.N, j.Accuracy, j.MeanConfidence, j.PerDigit
	return nil
}

func report(c *modelcmd.Cmd, res *Result) {
	c.Printf("test accuracy %.2f%% on %d images (mean confidence %.4f)\nper digit:", 100*res.Accuracy, res.TestImages, res.Confidence)
	for d, a := range res.PerDigit {
		c.Printf(" %d:%.1f%%", d, 100*a)
	}
	c.Printf("\n")
}

// readme records how the weights in res.Checkpoint were made.
func readme(c *modelcmd.Cmd, args []string, m *classifier.Classifier, res *Result) *modelcmd.Readme {
	cfg := m.Config()
	r := modelcmd.NewReadme("Pretrained digit classifier", "The judge of the generative models: `classifier.LoadPretrained()`"+
		" (package `lab/classifier`) loads the file in this directory.", "./lab/cmd/classifier", append([]string{"train"}, args...))
	r.Row("Architecture", "`%s` (3×3 convolutions with same padding, ReLU, 2×2 max-pool)", res.Architecture)
	r.Row("Parameters", "%d", res.Parameters)
	r.Row("Training", "%d steps of %d images (%.2f epochs of %d training images), Adam lr %g, seed %d; final loss %.4f (mean of the last 100 steps)",
		res.Step, cfg.BatchSize, float64(res.Step*cfg.BatchSize)/float64(res.TrainImages), res.TrainImages, cfg.LearningRate, cfg.Seed, res.FinalLoss)
	r.Row("Test accuracy", "**%.2f %%** on %d MNIST test images (mean confidence in the true digit %.4f)", 100*res.Accuracy, res.TestImages, res.Confidence)
	per := make([]string, len(res.PerDigit))
	for d, a := range res.PerDigit {
		per[d] = fmt.Sprintf("%d: %.1f", d, 100*a)
	}
	r.Row("Per-digit accuracy (%)", "%s", strings.Join(per, ", "))
	r.Run(c, &res.Run, "weights only (no optimizer state)")
	r.Para("Check it with `go run ./lab/cmd/classifier eval` (shipped weights) or `go test ./lab/classifier/`.")
	return r
}
