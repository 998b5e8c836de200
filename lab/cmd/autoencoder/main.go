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
	"flag"
	"fmt"
	"io"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mnistlab/golab/lab/autoencoder"
	"github.com/mnistlab/golab/lab/internal/modelcmd"
	"github.com/mnistlab/golab/lab/metrics"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/pretrained"
	"github.com/mnistlab/golab/lab/runmode"
)

func main() { modelcmd.Main(run) }

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
	Command string `json:"command"` // "train" or "eval"
	modelcmd.Run
	Architecture string  `json:"architecture"`
	TestImages   int     `json:"test_images"`
	TestMSE      float64 `json:"test_mse"` // mean squared error per pixel, [0, 1] scale
	// KNN is the k of KNNAccuracy, the leave-one-out k-nearest-neighbour
	// accuracy of the test images' codes (0: not measured).
	KNN         int     `json:"knn,omitempty"`
	KNNAccuracy float64 `json:"knn_accuracy,omitempty"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := modelcmd.New("autoencoder", usage, stdout, stderr)
	return c.Dispatch(args, map[string]func([]string) int{
		"train": func(args []string) int { return trainCmd(ctx, c, args) },
		"eval":  func(args []string) int { return evalCmd(c, args) },
	})
}

func trainCmd(ctx context.Context, c *modelcmd.Cmd, args []string) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	f := modelcmd.TrainFlags{Steps: runmode.Pick(autoencoder.DefaultSteps, 300), SaveEvery: 500, LearningRate: autoencoder.DefaultLearningRate,
		BatchSize: autoencoder.DefaultBatchSize, TrainImages: runmode.Pick(0, 2000), TestImages: runmode.Pick(0, 1000)}
	f.Add(fs, "autoencoder", "the final checkpoint")
	knn := fs.Int("knn", 5, "k of the k-nearest-neighbour accuracy of the test codes (0: skip it)")
	if code, done := c.ParseTrain(fs, &f, args); done {
		return code
	}
	if *knn < 0 {
		return c.Failf("train: --knn %d, want ≥ 0", *knn)
	}
	res := Result{Command: "train"}
	trainSet, testSet, err := f.Load(&res.Run)
	if err != nil {
		return c.Fail(err)
	}
	m, err := autoencoder.New(autoencoder.Config{Seed: f.Seed, LearningRate: f.LearningRate, BatchSize: f.BatchSize, Dir: f.Ckpt})
	if err != nil {
		return c.Failf("%v; or use --fresh", err)
	}
	x := trainSet.Float32()
	err = c.Train(ctx, m, f.Target(trainSet.N), f.SaveEvery, modelcmd.StepsPerEpoch(trainSet.N, f.BatchSize), f.Ckpt,
		func(ctx context.Context, o autoencoder.FitOptions) error { return m.Fit(ctx, x, o) }, &res.Run)
	if err != nil {
		return c.Fail(err)
	}
	if err := c.Ship(f.Out, m, m.SaveTo, &res.Run); err != nil {
		return c.Fail(err)
	}
	if err := score(m, testSet, *knn, &res); err != nil {
		return c.Fail(err)
	}
	report(c, &res)
	return c.Publish(f.Out, readme(c, args, m, &res), &res, &res.Run)
}

func evalCmd(c *modelcmd.Cmd, args []string) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	weights := modelcmd.WeightsFlag(fs, "autoencoder")
	testN := fs.Int("test-images", runmode.Pick(0, 1000), "evaluate on the first N test images (0: all 10 000)")
	knn := fs.Int("knn", 5, "k of the k-nearest-neighbour accuracy of the test codes (0: skip it)")
	if code, done := c.Parse(fs, args, "autoencoder eval [--weights DIR|FILE] [--test-images N] [--knn K]"); done {
		return code
	}
	if *testN < 0 || *knn < 0 {
		return c.Failf("eval: --test-images %d --knn %d, want ≥ 0", *testN, *knn)
	}
	res := Result{Command: "eval"}
	m, err := modelcmd.Open(c, &res.Run, *weights, pretrained.AutoEncoder, autoencoder.Open)
	if err != nil {
		return c.Fail(err)
	}
	testSet, err := modelcmd.LoadSet(mnist.Test, *testN)
	if err != nil {
		return c.Fail(err)
	}
	if err := score(m, testSet, *knn, &res); err != nil {
		return c.Fail(err)
	}
	report(c, &res)
	return c.Done(&res, &res.Run)
}

// score measures the reconstruction error of the test images and, if knn > 0
// and there are more than knn test images, the k-NN accuracy of their codes.
func score(m *autoencoder.AutoEncoder, test *mnist.Set, knn int, res *Result) error {
	res.Architecture = architecture(m.Config())
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
	codes := mat.NewDense(len(z), m.Config().Code, nil)
	for i, row := range z {
		for j, v := range row {
			codes.Set(i, j, float64(v))
		}
	}
	acc, err := metrics.KNNAccuracy(codes, test.IntLabels(), knn)
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

func report(c *modelcmd.Cmd, res *Result) {
	c.Printf("test reconstruction error (MSE per pixel) %.5f on %d images; final training loss %.2f nats/image",
		res.TestMSE, res.TestImages, res.FinalLoss)
	if res.KNN > 0 {
		c.Printf("; %d-NN accuracy of the test codes %.2f%%", res.KNN, 100*res.KNNAccuracy)
	}
	c.Printf("\n")
}

// readme records how the checkpoint in res.Checkpoint was made.
func readme(c *modelcmd.Cmd, args []string, m *autoencoder.AutoEncoder, res *Result) *modelcmd.Readme {
	cfg := m.Config()
	r := modelcmd.NewReadme("Pretrained AutoEncoder (lab 3)", "The 2-D autoencoder of lab 3's dimensionality-reduction comparison:"+
		" `autoencoder.LoadPretrained()` (package `lab/autoencoder`) loads the file in this directory.",
		"./lab/cmd/autoencoder", append([]string{"train"}, args...))
	r.Row("Architecture", "`%s` (ReLU hidden layers, linear %d-D code, sigmoid output)", res.Architecture, cfg.Code)
	r.Row("Parameters", "%d", res.Parameters)
	perEpoch := modelcmd.StepsPerEpoch(res.TrainImages, cfg.BatchSize)
	r.Row("Training", "%d steps of %d images (%.2f epochs of %d training images, %d steps each), binary cross-entropy, Adam lr %g, seed %d",
		res.Step, min(cfg.BatchSize, res.TrainImages), float64(res.Step)/float64(perEpoch), res.TrainImages, perEpoch, cfg.LearningRate, cfg.Seed)
	r.Row("Final training loss", "%.2f nats per image (mean batch loss of the last %d steps)", res.FinalLoss, min(100, res.Step))
	r.Row("Test reconstruction error", "**%.5f** mean squared error per pixel ([0, 1] scale) on %d MNIST test images", res.TestMSE, res.TestImages)
	if res.KNN > 0 {
		r.Row("Test codes", "%d-NN accuracy %.2f %% (leave-one-out, `metrics.KNNAccuracy` on the %d test images' 2-D codes)", res.KNN, 100*res.KNNAccuracy, res.TestImages)
	}
	r.Run(c, &res.Run, "full checkpoint (weights, Adam's moments, loss history)")
	r.Para("Check it with `go run ./lab/cmd/autoencoder eval` (shipped checkpoint) or `go test ./lab/autoencoder/`.\n" +
		"`LoadPretrained` clears the model's checkpoint directory, so training it further never writes here.")
	return r
}
