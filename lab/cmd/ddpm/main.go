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
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mnistlab/golab/lab/backend"
	"github.com/mnistlab/golab/lab/classifier"
	"github.com/mnistlab/golab/lab/ddpm"
	"github.com/mnistlab/golab/lab/display"
	"github.com/mnistlab/golab/lab/genscore"
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
  ddpm train --out DIR [--ckpt checkpoints/ddpm] [--steps 20000] [--save-every 1000] [--seed 1] [--fresh]
             [--eval LIST] [--per-digit 100]
  ddpm eval  [--weights DIR|FILE] [--eval LIST] [--per-digit 100] [--seed 1]
LIST is sampler:steps:guidance,… e.g. ddim:50:0,ddim:50:2,ddpm:1000:0
Run "ddpm train -h" or "ddpm eval -h" for every flag.`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		msg := fmt.Sprintf(format, a...)
		if !strings.HasPrefix(msg, "ddpm: ") {
			msg = "ddpm: " + msg
		}
		fmt.Fprintln(stderr, strings.ReplaceAll(msg, "\n", " "))
		return 1
	}
	if len(args) == 0 {
		return fail("missing subcommand: train or eval (see ddpm -h)")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return 0
	case "train":
		return train(ctx, args, stdout, fail)
	case "eval":
		return eval(ctx, args, stdout, fail)
	}
	return fail("unknown subcommand %q: want train or eval (see ddpm -h)", args[0])
}

func parse(fs *flag.FlagSet, args []string, stdout io.Writer, fail func(string, ...any) int) (int, bool) {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return 0, true
		}
		return fail("%s: %v (see ddpm %s -h)", fs.Name(), err, fs.Name()), true
	}
	if fs.NArg() > 0 {
		return fail("%s: unexpected argument %q (see ddpm %s -h)", fs.Name(), fs.Arg(0), fs.Name()), true
	}
	return 0, false
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
	Setting    string  `json:"setting"`
	Images     int     `json:"images"`
	MsPerImage float64 `json:"ms_per_image"`
	Accuracy   float64 `json:"accuracy"`
	Confidence float64 `json:"confidence"`
	Diversity  float64 `json:"diversity"`
	PerDigit   []float64
}

// Result is the JSON line printed last.
type Result struct {
	Weights      string  `json:"weights"`
	Step         int     `json:"step"`
	Parameters   int     `json:"parameters"`
	Backend      string  `json:"backend"`
	TrainSteps   int     `json:"train_steps,omitempty"`
	TrainSeconds float64 `json:"train_seconds,omitempty"`
	TotalTrain   float64 `json:"total_train_seconds,omitempty"`
	WallSeconds  float64 `json:"wall_seconds"`
	FileBytes    int64   `json:"file_bytes,omitempty"`
	FinalLoss    float64 `json:"final_loss,omitempty"`
	Scores       []Score `json:"scores"`
}

func train(ctx context.Context, args []string, stdout io.Writer, fail func(string, ...any) int) int {
	start := time.Now()
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	out := fs.String("out", "", "directory for the weights-only file and README.md (e.g. lab/pretrained/ddpm)")
	ckptDir := fs.String("ckpt", filepath.Join("checkpoints", "ddpm"), "directory of the full, resumable checkpoints")
	steps := fs.Int("steps", runmode.Pick(ddpm.DefaultSteps, 200), "train until this step")
	saveEvery := fs.Int("save-every", runmode.Pick(1000, 100), "write a full checkpoint every N steps")
	seed := fs.Int64("seed", 1, "seed of the initialisation, batches, noise and label dropout")
	fresh := fs.Bool("fresh", false, "delete the checkpoints in --ckpt and start over")
	pUncond := fs.Float64("p-uncond", ddpm.DefaultPUncond, "label dropout probability (negative: none, concatenation only)")
	target := fs.String("target", ddpm.TargetImage, "what the network outputs: x0 (clean image, Min-SNR-5 loss) or eps (noise, plain MSE)")
	hidden := fs.Int("hidden", ddpm.DefaultHidden, "width of the residual MLP")
	blocks := fs.Int("blocks", ddpm.DefaultBlocks, "number of residual blocks")
	trainImages := fs.Int("train-images", runmode.Pick(60000, 2000), "use the first N training images")
	evalList := fs.String("eval", runmode.Pick("ddim:50:0,ddim:50:1,ddim:50:3,ddpm:1000:0,ddpm:1000:3", "ddim:20:0,ddim:20:3"), "sampling settings scored after training (sampler:steps:guidance,…)")
	perDigit := fs.Int("per-digit", runmode.Pick(100, 10), "images per digit for each --eval setting")
	if code, done := parse(fs, args[1:], stdout, fail); done {
		return code
	}
	if *out == "" {
		return fail("train: --out is required (e.g. --out lab/pretrained/ddpm)")
	}
	if same, _ := runrecord.SameDir(*out, *ckptDir); same {
		return fail("train: --out and --ckpt must differ (the shipped directory keeps only the final weights)")
	}
	settings, err := parseSettings(*evalList, ddpm.DefaultT)
	if err != nil {
		return fail("train: %v", err)
	}
	if *fresh {
		if err := runrecord.KeepOnly(*ckptDir, ""); err != nil {
			return fail("train: %v", err)
		}
	}
	set, err := mnist.Load(mnist.Train)
	if err != nil {
		return fail("%v", err)
	}
	if *trainImages < set.N {
		set = set.Head(*trainImages)
	}
	m, err := ddpm.New(ddpm.Config{Seed: *seed, Target: *target, PUncond: *pUncond, Hidden: *hidden, Blocks: *blocks, Dir: *ckptDir})
	if err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stdout, "%s, %d parameters, on %d images\n", m, m.NumParameters(), set.N)
	res := Result{Parameters: m.NumParameters(), Backend: describeBackend()}
	stepBefore := m.Step()
	t0 := time.Now()
	bar := display.NewProgress("ddpm training", *steps)
	err = m.Fit(ctx, set.Float32(), set.Labels, ddpm.FitOptions{Steps: *steps, SaveEvery: *saveEvery, Progress: func(p ddpm.Progress) {
		bar.Update(p.Step, p.String())
		if p.Step%500 == 0 || p.Checkpoint != "" {
			fmt.Fprintf(stdout, "step %d/%d %s elapsed %s %s\n", p.Step, p.Steps, p, p.Elapsed.Round(time.Second), p.Checkpoint)
		}
	}})
	bar.Done()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fail("train: interrupted at step %d; checkpoint saved in %s — run the same command to resume", m.Step(), *ckptDir)
		}
		return fail("%v", err)
	}
	res.TrainSteps = m.Step() - stepBefore
	res.TrainSeconds = time.Since(t0).Seconds()
	res.TotalTrain = m.TrainingTime().Seconds()
	res.Step = m.Step()
	if l := m.Losses(); len(l) > 0 {
		res.FinalLoss = mean(l[max(0, len(l)-200):])
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fail("train: %v", err)
	}
	res.Weights = ddpm.CheckpointPath(*out, m.Step())
	if err := m.SaveWeights(res.Weights); err != nil {
		return fail("%v", err)
	}
	if err := runrecord.KeepOnly(*out, res.Weights); err != nil {
		return fail("train: %v", err)
	}
	if fi, err := os.Stat(res.Weights); err == nil {
		res.FileBytes = fi.Size()
	}
	shipped, err := ddpm.Open(res.Weights)
	if err != nil {
		return fail("%v", err)
	}
	if res.Scores, err = scoreAll(ctx, shipped, settings, *perDigit, 1, stdout); err != nil {
		return fail("%v", err)
	}
	res.WallSeconds = time.Since(start).Seconds()
	if err := writeReadme(filepath.Join(*out, "README.md"), args, m, &res); err != nil {
		return fail("train: %v", err)
	}
	if err := runrecord.PrintJSON(stdout, &res); err != nil {
		return fail("%v", err)
	}
	return 0
}

func eval(ctx context.Context, args []string, stdout io.Writer, fail func(string, ...any) int) int {
	start := time.Now()
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	weights := fs.String("weights", "", "weights or checkpoint file, or directory (default: the shipped lab/pretrained/ddpm)")
	evalList := fs.String("eval", runmode.Pick("ddim:50:0,ddim:50:1,ddim:50:3", "ddim:20:0,ddim:20:3"), "sampling settings (sampler:steps:guidance,…)")
	perDigit := fs.Int("per-digit", runmode.Pick(100, 10), "images per digit for each setting")
	seed := fs.Uint64("seed", 1, "sampling seed")
	if code, done := parse(fs, args[1:], stdout, fail); done {
		return code
	}
	path := *weights
	if path == "" {
		dir, err := pretrained.Dir(pretrained.DDPM)
		if err != nil {
			return fail("%v", err)
		}
		path = dir
	}
	m, err := ddpm.Open(path)
	if err != nil {
		return fail("%v", err)
	}
	settings, err := parseSettings(*evalList, m.Config().T)
	if err != nil {
		return fail("eval: %v", err)
	}
	if *perDigit < 2 {
		return fail("eval: --per-digit %d, want ≥ 2", *perDigit)
	}
	res := Result{Weights: path, Step: m.Step(), Parameters: m.NumParameters(), Backend: describeBackend()}
	if res.Scores, err = scoreAll(ctx, m, settings, *perDigit, *seed, stdout); err != nil {
		return fail("%v", err)
	}
	res.WallSeconds = time.Since(start).Seconds()
	if err := runrecord.PrintJSON(stdout, &res); err != nil {
		return fail("%v", err)
	}
	return 0
}

func scoreAll(ctx context.Context, m *ddpm.Model, settings []Setting, perDigit int, seed uint64, stdout io.Writer) ([]Score, error) {
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
		fmt.Fprintf(stdout, "%-16s %5d images %8.2f ms/image  accuracy %5.1f %%  confidence %.3f  diversity %.2f\n",
			sc.Setting, sc.Images, sc.MsPerImage, 100*sc.Accuracy, sc.Confidence, sc.Diversity)
		scores = append(scores, sc)
	}
	return scores, nil
}

func describeBackend() string {
	b, err := backend.New()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return backend.Describe(b)
}

func mean(x []float32) float64 {
	s := 0.0
	for _, v := range x {
		s += float64(v)
	}
	return s / float64(max(1, len(x)))
}

func writeReadme(path string, args []string, m *ddpm.Model, res *Result) error {
	cfg := m.Config()
	var b strings.Builder
	fmt.Fprintf(&b, "# Pretrained class-conditional DDPM\n\n")
	fmt.Fprintf(&b, "`ddpm.LoadPretrained()` (package `lab/ddpm`) loads `%s` from this directory: the moving average\n", filepath.Base(res.Weights))
	fmt.Fprintf(&b, "of the network's weights, all that sampling needs. This file was written by the command that trained it.\n\n")
	fmt.Fprintf(&b, "Command (from the repository root, after `source kernel-setup/env.sh`: go1.27.3, `GOEXPERIMENT=simd`):\n\n")
	fmt.Fprintf(&b, "    %s\n\n", runrecord.CommandLine("./lab/cmd/ddpm", args))
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	row := func(k, format string, a ...any) { fmt.Fprintf(&b, "| %s | %s |\n", k, fmt.Sprintf(format, a...)) }
	row("Model", "%s", strings.ReplaceAll(cfg.String(), "|", "/"))
	row("Parameters", "%d", res.Parameters)
	row("Training", "%d steps of %d images, final loss (mean of the last 200 steps) %.4f", res.Step, cfg.BatchSize, res.FinalLoss)
	row("Backend", "%s", res.Backend)
	row("Machine", "%s/%s, GOMAXPROCS %d, %s", runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.Version())
	row("Wall time", "%s for the whole command (training %d steps in %s, %.0f ms/step; then scoring)",
		runrecord.Duration(res.WallSeconds), res.TrainSteps, runrecord.Duration(res.TrainSeconds), 1000*res.TrainSeconds/float64(max(1, res.TrainSteps)))
	if res.TotalTrain > res.TrainSeconds+1 {
		row("Total training time", "%s (over resumed runs)", runrecord.Duration(res.TotalTrain))
	}
	row("Weights file", "`%s`, %d bytes (%.2f MB), moving-average weights only (no optimizer state)",
		filepath.Base(res.Weights), res.FileBytes, float64(res.FileBytes)/1e6)
	row("Mode", "%s", runmode.Name())
	row("Date", "%s", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "\nScores of the shipped weights, judged by the shipped classifier (`lab/pretrained/classifier`), sampling seed 1.\n")
	fmt.Fprintf(&b, "Setting = sampler:steps:guidance weight (0 = conditioning by the concatenated label only).\n\n")
	fmt.Fprintf(&b, "| setting | images | ms/image | accuracy of the intended digit | mean confidence | diversity |\n|---|---|---|---|---|---|\n")
	for _, s := range res.Scores {
		fmt.Fprintf(&b, "| %s | %d | %.2f | %.1f %% | %.3f | %.2f |\n", s.Setting, s.Images, s.MsPerImage, 100*s.Accuracy, s.Confidence, s.Diversity)
	}
	fmt.Fprintf(&b, "\nCheck it with `go run ./lab/cmd/ddpm eval` (shipped weights) or `go test ./lab/ddpm/`.\n")
	return persist.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
}
