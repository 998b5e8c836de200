// Command vae trains and evaluates the homework's variational autoencoder on
// MNIST (package lab/vae), with the homework's flags:
//
//	vae --z 10 --iter_max 20000 --iter_save 10000 --run 0 --train 1
//
// --train 0 loads the newest checkpoint and evaluates it, 1 trains and then
// evaluates, 2 also computes the IWAE bounds with 1, 10, 100 and 1000 samples.
// Checkpoints go to DIR/model=vae_z=<z>_run=<run>/model-<step>.ckpt (DIR is
// --checkpoints, default "checkpoints"), every --iter_save steps and at the
// end. Training resumes from the newest intact checkpoint there: after an
// interruption (Ctrl-C saves one, a crash loses only the steps since the
// last), run the same command again; --fresh deletes the run's checkpoints
// first. A damaged newest checkpoint is skipped for the one before, with a
// one-line notice. The seed is the run number unless --seed is given.
//
// The evaluation binarizes the 10 000 test images once (seed 0) and averages
// NELBO, KL and REC over --repeats passes (100; 5 in quick mode, LAB_QUICK=1).
// With --out DIR, the checkpoint evaluated is also written alone into DIR
// with a README.md recording the command, the times and the scores (as
// lab/pretrained/vae holds the shipped one). The command prints the results
// as text and, last, as one JSON line. Errors are one line on stderr with
// exit status 1.
//
// Build with GOEXPERIMENT=simd: the pure-Go backend's AVX-512 matrix
// multiplication roughly halves the step time.
package main

import (
	"context"
	"flag"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mnistlab/golab/lab/checkpoints"
	"github.com/mnistlab/golab/lab/internal/ckpt"
	"github.com/mnistlab/golab/lab/internal/modelcmd"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/runmode"
	"github.com/mnistlab/golab/lab/vae"
)

func main() { modelcmd.Main(run) }

const synopsis = "vae [--z 10] [--iter_max 20000] [--iter_save 10000] [--run 0] [--train 0|1|2] [--checkpoints DIR] [--out DIR]"

// Result is the JSON line the command prints.
type Result struct {
	Model     string `json:"model"` // the run's directory name, model=vae_z=10_run=0000
	Z         int    `json:"z"`
	RunNumber int    `json:"run"`
	Seed      int64  `json:"seed"`
	modelcmd.Run
	NELBO       float64          `json:"nelbo"`
	KL          float64          `json:"kl"`
	REC         float64          `json:"rec"`
	Images      int              `json:"images"`
	Repeats     int              `json:"repeats"`
	EvalSeconds float64          `json:"eval_seconds"`
	IWAE        []vae.IWAEResult `json:"iwae,omitempty"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := modelcmd.New("vae", "usage: "+synopsis, stdout, stderr)
	fs := flag.NewFlagSet("vae", flag.ContinueOnError)
	z := fs.Int("z", 10, "latent dimension")
	iterMax := fs.Int("iter_max", vae.DefaultSteps, "number of training steps")
	iterSave := fs.Int("iter_save", 10000, "save a checkpoint every iter_save steps (and at the end)")
	runNum := fs.Int("run", 0, "run number (names the checkpoint directory; seeds the run)")
	trainMode := fs.Int("train", 1, "0: load the checkpoint and evaluate; 1: train, then evaluate; 2: also compute IWAE bounds")
	ckRoot := fs.String("checkpoints", "checkpoints", "checkpoint root directory")
	seed := fs.Int64("seed", -1, "random seed (default: the run number)")
	fresh := fs.Bool("fresh", false, "delete the run's checkpoints and train from scratch")
	repeats := fs.Int("repeats", runmode.Pick(100, 5), "evaluation passes averaged for NELBO/KL/REC")
	iwaeList := fs.String("iwae", "1,10,100,1000", "sample counts of the IWAE bounds (with --train 2)")
	iwaeImages := fs.Int("iwae_images", runmode.Pick(0, 100), "test images used for the IWAE bounds (0: all)")
	out := fs.String("out", "", "also write the evaluated checkpoint and a README.md into this directory (e.g. lab/pretrained/vae)")
	if code, done := c.Parse(fs, args, synopsis); done {
		return code
	}
	switch {
	case *z < 1:
		return c.Failf("--z %d, want ≥ 1", *z)
	case *iterMax < 1 || *iterSave < 0:
		return c.Failf("--iter_max %d --iter_save %d, want iter_max ≥ 1 and iter_save ≥ 0", *iterMax, *iterSave)
	case *trainMode < 0 || *trainMode > 2:
		return c.Failf("--train %d, want 0, 1 or 2", *trainMode)
	case *runNum < 0:
		return c.Failf("--run %d, want ≥ 0", *runNum)
	case *repeats < 1:
		return c.Failf("--repeats %d, want ≥ 1", *repeats)
	}
	var ks []int
	if *trainMode == 2 {
		for _, f := range strings.Split(*iwaeList, ",") {
			k, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || k < 1 {
				return c.Failf("--iwae %q: want comma-separated sample counts ≥ 1", *iwaeList)
			}
			ks = append(ks, k)
		}
	}
	if *seed < 0 {
		*seed = int64(*runNum)
	}
	dir := vae.CheckpointDir(*ckRoot, *z, *runNum)
	if same, _ := modelcmd.SameDir(dir, *out); *out != "" && same {
		return c.Failf("--out %s is the run's checkpoint directory; ship elsewhere", *out)
	}
	res := Result{Model: filepath.Base(dir), Z: *z, RunNumber: *runNum, Seed: *seed}
	test, err := mnist.Load(mnist.Test)
	if err != nil {
		return c.Fail(err)
	}
	var m *vae.Model
	if *trainMode == 0 {
		if m, err = vae.Open(dir); err != nil {
			return c.Failf("%v (train first with --train 1)", err)
		}
		if m.Config().Z != *z {
			return c.Failf("%s has z=%d, not %d", dir, m.Config().Z, *z)
		}
		res.Seed = m.Config().Seed
	} else if m, err = train(ctx, c, dir, *z, *seed, *iterMax, *iterSave, *fresh, &res); err != nil {
		return c.Fail(err)
	}
	c.Record(&res.Run, m, checkpoints.Path(dir, m.Step()))

	ev, err := m.Evaluate(test.Float32(), vae.EvalOptions{Repeats: *repeats, IWAE: ks, IWAEImages: *iwaeImages})
	if err != nil {
		return c.Fail(err)
	}
	res.NELBO, res.KL, res.REC = ev.NELBO, ev.KL, ev.REC
	res.Images, res.Repeats, res.EvalSeconds, res.IWAE = ev.Images, ev.Repeats, ev.Elapsed.Seconds(), ev.IWAE
	c.Printf("step %d, test set (%d images, mean of %d passes): NELBO %.3f  KL %.3f  REC %.3f\n",
		res.Step, ev.Images, ev.Repeats, ev.NELBO, ev.KL, ev.REC)
	for _, r := range ev.IWAE {
		c.Printf("negative IWAE bound, k=%d (%d images, %d passes): %.3f  (KL %.3f  REC %.3f)\n",
			r.K, r.Images, r.Repeats, r.NIWAE, r.KL, r.REC)
	}
	if *out != "" {
		if err := ship(c, *out, args, m, &res); err != nil {
			return c.Fail(err)
		}
	}
	return c.Done(&res, &res.Run)
}

// train creates (or resumes) the run's model and trains it to iterMax steps.
func train(ctx context.Context, c *modelcmd.Cmd, dir string, z int, seed int64, iterMax, iterSave int, fresh bool, res *Result) (*vae.Model, error) {
	if fresh {
		if err := ckpt.KeepOnly(dir, ""); err != nil {
			return nil, err
		}
	}
	cfg := vae.DefaultConfig()
	cfg.Z, cfg.Seed, cfg.Dir = z, seed, dir
	m, err := vae.New(cfg)
	if err != nil {
		return nil, err
	}
	trainSet, err := mnist.Load(mnist.Train)
	if err != nil {
		return nil, err
	}
	x := trainSet.Float32()
	res.TrainImages = trainSet.N
	return m, c.Train(ctx, m, iterMax, iterSave, 0, dir,
		func(ctx context.Context, o vae.FitOptions) error { return m.Fit(ctx, x, o) }, &res.Run)
}

// ship writes the evaluated checkpoint alone into out with a README.md that
// records how it was made and what it scores.
func ship(c *modelcmd.Cmd, out string, args []string, m *vae.Model, res *Result) error {
	if err := c.Ship(out, m, m.SaveTo, &res.Run); err != nil {
		return err
	}
	cfg := m.Config()
	r := modelcmd.NewReadme("Pretrained HW2 VAE", "`vae.LoadPretrained()` (package `lab/vae`) loads the file in this directory,"+
		" a full, resumable checkpoint of the homework's VAE.", "./lab/cmd/vae", args)
	r.Row("Model", "the homework's VAE: encoder 784→%d→%d→2·%d, decoder %d→%d→%d→784 (ELU), Bernoulli likelihood, Adam lr %g, batch %d, dynamic binarization, seed %d",
		cfg.Hidden, cfg.Hidden, cfg.Z, cfg.Z, cfg.Hidden, cfg.Hidden, cfg.LearningRate, cfg.BatchSize, cfg.Seed)
	r.Row("Parameters", "%d", res.Parameters)
	r.Row("Training", "%d steps, final loss (NELBO, mean of the last 100 steps) %.2f", res.Step, res.FinalLoss)
	r.Row("Test scores", "NELBO **%.3f**, KL %.3f, REC %.3f (%d binarized test images, mean of %d passes)", res.NELBO, res.KL, res.REC, res.Images, res.Repeats)
	for _, b := range res.IWAE {
		r.Row("IWAE bound", "k = %d: %.2f (%d images, %d passes)", b.K, b.NIWAE, b.Images, b.Repeats)
	}
	r.Run(c, &res.Run, "full checkpoint (weights, Adam state, loss history)")
	r.Para("Check it with `go run ./lab/cmd/vae --train 0` on a copy in the run's checkpoint directory, or `go test ./lab/vae/`.")
	readme, err := r.Write(out)
	if err == nil {
		c.Printf("wrote %s and %s\n", res.Checkpoint, readme)
	}
	return err
}
