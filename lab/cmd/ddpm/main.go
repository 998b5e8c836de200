// Command ddpm trains and evaluates the lab's class-conditional DDPM (package
// lab/ddpm).
//
//	ddpm train --out lab/pretrained/ddpm [--steps 20000] [--save-every 1000] [--seed 1] [--fresh]
//	ddpm eval [--weights DIR|FILE] [--eval ddim:50:0,ddim:50:2] [--per-digit 100]
//
// train fits the network on the 60 000 MNIST training images, keeping full
// checkpoints (weights, moving average, Adam state) in --ckpt (default
// checkpoints/ddpm): run the same command again after an interruption (Ctrl-C
// saves a checkpoint) to resume, or with --fresh to start over. It then writes
// the moving-average weights alone to OUT/model-<step>.ckpt (removing older
// ones there, so that ddpm.Open(OUT) finds it), scores samples with the
// shipped digit classifier and writes OUT/README.md: the command line, the
// backend, the wall time, the scores and the file size.
//
// eval scores a weights file or directory (default: the shipped
// lab/pretrained/ddpm). Each --eval entry is sampler:steps:guidance —
// "ddim:50:2" is DDIM with 50 steps and guidance weight 2, "ddpm:1000:0" the
// ancestral sampler with all T steps and no guidance. For each it generates
// --per-digit images of every digit and prints the time per image, the
// classifier's accuracy of the intended digit, its confidence and the
// diversity (mean pairwise distance within a digit).
//
// Quick mode (LAB_QUICK=1) shrinks the defaults (200 steps, 10 images per
// digit). The backend is GoMLX's pure-Go one unless GOMLX_BACKEND says
// otherwise (GOMLX_BACKEND=xla:cpu with PJRT_PLUGIN_LIBRARY_PATH=.xla trains
// about 1.5× faster here). Both subcommands print, last, a JSON line with
// their results; errors are one line on standard error with exit status 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mnistlab/golab/lab/classifier"
	"github.com/mnistlab/golab/lab/ddpm"
	"github.com/mnistlab/golab/lab/genscore"
	"github.com/mnistlab/golab/lab/internal/modelcmd"
	"github.com/mnistlab/golab/lab/pretrained"
	"github.com/mnistlab/golab/lab/runmode"
)

func main() { modelcmd.Main(run) }

const usage = `usage:
  ddpm train --out DIR [--ckpt checkpoints/ddpm] [--steps 20000] [--save-every 1000] [--seed 1] [--fresh]
             [--eval LIST] [--per-digit 100]
  ddpm eval  [--weights DIR|FILE] [--eval LIST] [--per-digit 100] [--seed 1]
LIST is sampler:steps:guidance,… e.g. ddim:50:0,ddim:50:2,ddpm:1000:0
Run "ddpm train -h" or "ddpm eval -h" for every flag.`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := modelcmd.New("ddpm", usage, stdout, stderr)
	return c.Dispatch(args, map[string]func([]string) int{
		"train": func(args []string) int { return trainCmd(ctx, c, args) },
		"eval":  func(args []string) int { return evalCmd(ctx, c, args) },
	})
}

// Setting is one way of sampling: sampler, steps and guidance weight.
type Setting struct {
	Method   string
	Steps    int
	Guidance float64
}

func (s Setting) String() string {
	return fmt.Sprintf("%s:%d:%g", s.Method, s.Steps, s.Guidance)
}

func parseSettings(list string, T int) ([]Setting, error) {
	var out []Setting
	for _, item := range strings.Split(list, ",") {
		parts := strings.Split(strings.TrimSpace(item), ":")
		if len(parts) != 3 {
			return nil, fmt.Errorf("--eval entry %q: want sampler:steps:guidance, e.g. ddim:50:2", item)
		}
		steps, err1 := strconv.Atoi(parts[1])
		w, err2 := strconv.ParseFloat(parts[2], 64)
		if err1 != nil || err2 != nil || steps < 1 || w < 0 {
			return nil, fmt.Errorf("--eval entry %q: steps must be a positive integer and guidance a number ≥ 0", item)
		}
		switch parts[0] {
		case ddpm.DDIM:
		case ddpm.Ancestral:
			if steps != T {
				return nil, fmt.Errorf("--eval entry %q: the ancestral sampler takes all T=%d steps", item, T)
			}
		default:
			return nil, fmt.Errorf("--eval entry %q: sampler must be %s or %s", item, ddpm.DDIM, ddpm.Ancestral)
		}
		out = append(out, Setting{parts[0], steps, w})
	}
	return out, nil
}

// Score is the measured result of one Setting.
type Score struct {
	Setting    string    `json:"setting"`
	Images     int       `json:"images"`
	MsPerImage float64   `json:"ms_per_image"`
	Accuracy   float64   `json:"accuracy"`
	Confidence float64   `json:"confidence"`
	Diversity  float64   `json:"diversity"`
	PerDigit   []float64 `json:"per_digit"`
}

// Result is the JSON line printed last.
type Result struct {
	modelcmd.Run
	Scores []Score `json:"scores"`
}

func trainCmd(ctx context.Context, c *modelcmd.Cmd, args []string) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	f := modelcmd.TrainFlags{Steps: runmode.Pick(ddpm.DefaultSteps, 200), SaveEvery: runmode.Pick(1000, 100), Seed: 1,
		LearningRate: ddpm.DefaultLearningRate, BatchSize: ddpm.DefaultBatchSize, TrainImages: runmode.Pick(0, 2000), TestImages: -1}
	f.Add(fs, "ddpm", "the weights-only file")
	pUncond := fs.Float64("p-uncond", ddpm.DefaultPUncond, "label dropout probability (negative: none, concatenation only)")
	target := fs.String("target", ddpm.TargetImage, "what the network outputs: x0 (clean image, Min-SNR-5 loss) or eps (noise, plain MSE)")
	hidden := fs.Int("hidden", ddpm.DefaultHidden, "width of the residual MLP")
	blocks := fs.Int("blocks", ddpm.DefaultBlocks, "number of residual blocks")
	evalList := fs.String("eval", runmode.Pick("ddim:50:0,ddim:50:1,ddim:50:3,ddpm:1000:0,ddpm:1000:3", "ddim:20:0,ddim:20:3"), "sampling settings scored after training (sampler:steps:guidance,…)")
	perDigit := fs.Int("per-digit", runmode.Pick(100, 10), "images per digit for each --eval setting")
	if code, done := c.ParseTrain(fs, &f, args); done {
		return code
	}
	settings, err := parseSettings(*evalList, ddpm.DefaultT)
	if err != nil {
		return c.Failf("train: %v", err)
	}
	var res Result
	set, _, err := f.Load(&res.Run)
	if err != nil {
		return c.Fail(err)
	}
	m, err := ddpm.New(ddpm.Config{Seed: f.Seed, Target: *target, PUncond: *pUncond, Hidden: *hidden, Blocks: *blocks,
		LearningRate: f.LearningRate, BatchSize: f.BatchSize, Dir: f.Ckpt})
	if err != nil {
		return c.Failf("%v (or use --fresh, or another --ckpt)", err)
	}
	x, labels := set.Float32(), set.IntLabels()
	err = c.Train(ctx, m, f.Target(set.N), f.SaveEvery, 500, f.Ckpt,
		func(ctx context.Context, o ddpm.FitOptions) error { return m.Fit(ctx, x, labels, o) }, &res.Run)
	if err != nil {
		return c.Fail(err)
	}
	if err := c.Ship(f.Out, m, m.SaveWeights, &res.Run); err != nil {
		return c.Fail(err)
	}
	shipped, err := ddpm.Open(res.Checkpoint)
	if err != nil {
		return c.Fail(err)
	}
	if res.Scores, err = scoreAll(ctx, c, shipped, settings, *perDigit, 1); err != nil {
		return c.Fail(err)
	}
	return c.Publish(f.Out, readme(c, args, m, &res), &res, &res.Run)
}

func evalCmd(ctx context.Context, c *modelcmd.Cmd, args []string) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	weights := modelcmd.WeightsFlag(fs, "ddpm")
	evalList := fs.String("eval", runmode.Pick("ddim:50:0,ddim:50:1,ddim:50:3", "ddim:20:0,ddim:20:3"), "sampling settings (sampler:steps:guidance,…)")
	perDigit := fs.Int("per-digit", runmode.Pick(100, 10), "images per digit for each setting")
	seed := fs.Uint64("seed", 1, "sampling seed")
	if code, done := c.Parse(fs, args, "ddpm eval [--weights DIR|FILE] [--eval LIST] [--per-digit N] [--seed S]"); done {
		return code
	}
	if *perDigit < 2 {
		return c.Failf("eval: --per-digit %d, want ≥ 2", *perDigit)
	}
	var res Result
	m, err := modelcmd.Open(c, &res.Run, *weights, pretrained.DDPM, ddpm.Open)
	if err != nil {
		return c.Fail(err)
	}
	settings, err := parseSettings(*evalList, m.Config().T)
	if err != nil {
		return c.Failf("eval: %v", err)
	}
	if res.Scores, err = scoreAll(ctx, c, m, settings, *perDigit, *seed); err != nil {
		return c.Fail(err)
	}
	return c.Done(&res, &res.Run)
}

func scoreAll(ctx context.Context, c *modelcmd.Cmd, m *ddpm.Model, settings []Setting, perDigit int, seed uint64) ([]Score, error) {
	judge, err := classifier.LoadPretrained()
	if err != nil {
		return nil, err
	}
	labels := genscore.Balanced(perDigit)
	var scores []Score
	for _, s := range settings {
		gen := func(labels []int) ([][]float32, error) {
			return m.Sample(ctx, labels, ddpm.SampleOptions{Method: s.Method, Steps: s.Steps, Guidance: s.Guidance, Seed: seed})
		}
		r, err := genscore.Evaluate("DDPM "+s.String(), judge, gen, labels)
		if err != nil {
			return nil, err
		}
		sc := Score{Setting: s.String(), Images: r.N, MsPerImage: float64(r.PerImage.Microseconds()) / 1000,
			Accuracy: r.Judgement.Accuracy, Confidence: r.Judgement.MeanConfidence, Diversity: r.Diversity, PerDigit: r.Judgement.PerDigit[:]}
		c.Printf("%-16s %5d images %8.2f ms/image  accuracy %5.1f %%  confidence %.3f  diversity %.2f\n",
			sc.Setting, sc.Images, sc.MsPerImage, 100*sc.Accuracy, sc.Confidence, sc.Diversity)
		scores = append(scores, sc)
	}
	return scores, nil
}

// readme records how the weights in res.Checkpoint were made and what they score.
func readme(c *modelcmd.Cmd, args []string, m *ddpm.Model, res *Result) *modelcmd.Readme {
	cfg := m.Config()
	r := modelcmd.NewReadme("Pretrained class-conditional DDPM", "`ddpm.LoadPretrained()` (package `lab/ddpm`) loads the file in"+
		" this directory: the moving average of the network's weights, all that sampling needs.", "./lab/cmd/ddpm", append([]string{"train"}, args...))
	r.Row("Model", "%s", strings.ReplaceAll(cfg.String(), "|", "/"))
	r.Row("Parameters", "%d", res.Parameters)
	r.Row("Training", "%d steps of %d images, final loss (mean of the last 100 steps) %.4f", res.Step, cfg.BatchSize, res.FinalLoss)
	r.Run(c, &res.Run, "moving-average weights only (no optimizer state)")
	r.Para("Scores of the shipped weights, judged by the shipped classifier (`lab/pretrained/classifier`), sampling seed 1.\n" +
		"Setting = sampler:steps:guidance weight (0 = conditioning by the concatenated label only).")
	var b strings.Builder
	b.WriteString("| setting | images | ms/image | accuracy of the intended digit | mean confidence | diversity |\n|---|---|---|---|---|---|")
	for _, s := range res.Scores {
		fmt.Fprintf(&b, "\n| %s | %d | %.2f | %.1f %% | %.3f | %.2f |", s.Setting, s.Images, s.MsPerImage, 100*s.Accuracy, s.Confidence, s.Diversity)
	}
	r.Para("%s", b.String())
	r.Para("Check it with `go run ./lab/cmd/ddpm eval` (shipped weights) or `go test ./lab/ddpm/`.")
	return r
}
