// Package modelcmd is the skeleton of the lab's model commands (lab/cmd/vae,
// autoencoder, classifier, ddpm), so that they behave alike:
//
//   - Main: Ctrl-C (or SIGTERM) cancels the context; training then saves a
//     checkpoint and the command says how to resume;
//   - Cmd: errors are one line on standard error, "name: …", exit status 1;
//     flags are parsed without printing, -h prints the usage;
//   - TrainFlags: the flags every train subcommand has (--out, --ckpt,
//     --steps, --epochs, --save-every, --seed, --fresh, --train-images,
//     --test-images);
//   - Cmd.Train: a progress bar, a line at every checkpoint, resumption from
//     the checkpoint directory, the training time;
//   - Run: the fields every command's JSON result line shares, printed last
//     with PrintJSON;
//   - Cmd.Ship and Readme: the final weights written alone into an output
//     directory with the README.md that records how they were made.
package modelcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/mnistlab/golab/lab/atomicfile"
	"github.com/mnistlab/golab/lab/backend"
	"github.com/mnistlab/golab/lab/checkpoints"
	"github.com/mnistlab/golab/lab/display"
	"github.com/mnistlab/golab/lab/internal/ckpt"
	"github.com/mnistlab/golab/lab/internal/train"
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/pretrained"
	"github.com/mnistlab/golab/lab/runmode"
)

// Main runs a command: run gets the arguments and a context that Ctrl-C
// (SIGINT) or SIGTERM cancels; its result is the exit status.
func Main(run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Cmd is one run of a model command.
type Cmd struct {
	Name           string // the command, prefix of its errors
	Usage          string // printed by -h and after a missing subcommand
	Stdout, Stderr io.Writer
	Start          time.Time
	Backend        string // the GoMLX backend, described (backend.Describe)
}

// New starts a run of the command name. The checkpoint package's notices (a
// damaged checkpoint skipped) go to stderr from now on: a command runs once
// per process.
func New(name, usage string, stdout, stderr io.Writer) *Cmd {
	ckpt.Notices = stderr
	c := &Cmd{Name: name, Usage: usage, Stdout: stdout, Stderr: stderr, Start: time.Now()}
	if b, err := backend.New(); err != nil {
		c.Backend = "unavailable (" + err.Error() + ")"
	} else {
		c.Backend = backend.Describe(b)
	}
	return c
}

// Failf prints the message as one line, prefixed with the command's name,
// on standard error and returns the exit status 1.
func (c *Cmd) Failf(format string, a ...any) int {
	msg := strings.ReplaceAll(fmt.Sprintf(format, a...), "\n", " ")
	if !strings.HasPrefix(msg, c.Name+": ") {
		msg = c.Name + ": " + msg
	}
	fmt.Fprintln(c.Stderr, msg)
	return 1
}

// Fail is Failf of an error.
func (c *Cmd) Fail(err error) int { return c.Failf("%v", err) }

// Printf prints to standard output.
func (c *Cmd) Printf(format string, a ...any) { fmt.Fprintf(c.Stdout, format, a...) }

// Dispatch runs the subcommand named by args[0] with the rest of args, or
// prints the usage (-h, help) or fails.
func (c *Cmd) Dispatch(args []string, subs map[string]func(args []string) int) int {
	names := strings.Join(slices.Sorted(maps.Keys(subs)), " or ")
	if len(args) == 0 {
		return c.Failf("missing subcommand: %s (see %s -h)", names, c.Name)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(c.Stdout, c.Usage)
		return 0
	}
	if sub, ok := subs[args[0]]; ok {
		return sub(args[1:])
	}
	return c.Failf("unknown subcommand %q: want %s (see %s -h)", args[0], names, c.Name)
}

// Parse parses args with fs, whose name is the subcommand's (or the
// command's). With -h it prints "usage: synopsis" and the flags; done is then
// true, as after an error (printed), and code is the exit status.
func (c *Cmd) Parse(fs *flag.FlagSet, args []string, synopsis string) (code int, done bool) {
	fs.SetOutput(io.Discard)
	see := c.Name
	if fs.Name() != c.Name {
		see += " " + fs.Name()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(c.Stdout, "usage: "+synopsis)
			fs.SetOutput(c.Stdout)
			fs.PrintDefaults()
			return 0, true
		}
		return c.Failf("%v (see %s -h)", err, see), true
	}
	if fs.NArg() > 0 {
		return c.Failf("unexpected argument %q (see %s -h)", fs.Arg(0), see), true
	}
	return 0, false
}

// TrainFlags are the flags of a train subcommand. Set the defaults, then Add.
type TrainFlags struct {
	Out, Ckpt     string // the shipped file's directory; the training checkpoints'
	Steps, Epochs int    // train up to this step, or this many epochs
	SaveEvery     int
	Seed          int64
	LearningRate  float64 // Adam's
	BatchSize     int
	Fresh         bool
	TrainImages   int // the first N training images (0: all)
	TestImages    int // the first N test images (0: all; −1: no such flag)

	set              map[string]bool
	model, shipsWhat string
}

// Add defines the flags on fs for the model named model, whose --out
// receives shipsWhat (e.g. "the weights-only file").
func (f *TrainFlags) Add(fs *flag.FlagSet, model, shipsWhat string) {
	f.model, f.shipsWhat = model, shipsWhat
	fs.StringVar(&f.Out, "out", f.Out, fmt.Sprintf("directory for %s model-<step>.ckpt and README.md (required), e.g. lab/pretrained/%s", shipsWhat, model))
	fs.StringVar(&f.Ckpt, "ckpt", filepath.Join("checkpoints", model), "directory of the full, resumable training checkpoints (must differ from --out)")
	fs.IntVar(&f.Steps, "steps", f.Steps, "train up to this step (0: --epochs)")
	fs.IntVar(&f.Epochs, "epochs", f.Epochs, "train up to this many passes over the training images, when --steps is 0")
	fs.IntVar(&f.SaveEvery, "save-every", f.SaveEvery, "write a checkpoint every N steps (and always at the end)")
	fs.Int64Var(&f.Seed, "seed", f.Seed, "seed of the initialisation, the batch order and the model's noise")
	fs.Float64Var(&f.LearningRate, "lr", f.LearningRate, "Adam learning rate")
	fs.IntVar(&f.BatchSize, "batch", f.BatchSize, "images per training step")
	fs.BoolVar(&f.Fresh, "fresh", false, "delete the checkpoints in --ckpt and train from scratch")
	fs.IntVar(&f.TrainImages, "train-images", f.TrainImages, "use the first N training images (0: all 60 000)")
	if f.TestImages >= 0 {
		fs.IntVar(&f.TestImages, "test-images", f.TestImages, "evaluate on the first N test images (0: all 10 000)")
	}
}

// ParseTrain parses a train subcommand's args with fs, on which f's flags
// were added, and checks them (Check); done and code as Parse's.
func (c *Cmd) ParseTrain(fs *flag.FlagSet, f *TrainFlags, args []string) (code int, done bool) {
	if code, done := c.Parse(fs, args, c.Name+" train --out DIR [flags]"); done {
		return code, true
	}
	if err := f.Check(fs); err != nil {
		return c.Fail(err), true
	}
	return 0, false
}

// Check validates the flags after fs.Parse.
func (f *TrainFlags) Check(fs *flag.FlagSet) error {
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	switch {
	case f.Out == "":
		return fmt.Errorf("train: --out DIR is required (e.g. --out lab/pretrained/%s)", f.model)
	case f.Steps < 0 || f.Epochs < 0 || f.SaveEvery < 0 || f.TrainImages < 0 || (f.set["test-images"] && f.TestImages < 0):
		return fmt.Errorf("train: --steps %d --epochs %d --save-every %d --train-images %d, want ≥ 0 (and --test-images)",
			f.Steps, f.Epochs, f.SaveEvery, f.TrainImages)
	case f.Steps == 0 && f.Epochs == 0:
		return errors.New("train: --steps and --epochs are both 0; set one")
	case f.BatchSize < 1 || !(f.LearningRate > 0):
		return fmt.Errorf("train: --batch %d --lr %g, want batch ≥ 1 and lr > 0", f.BatchSize, f.LearningRate)
	case f.set["steps"] && f.set["epochs"]:
		return errors.New("train: --steps and --epochs both given; use one")
	}
	if same, err := SameDir(f.Out, f.Ckpt); err != nil {
		return fmt.Errorf("train: %w", err)
	} else if same {
		return fmt.Errorf("train: --out and --ckpt are the same directory %s; keep the training checkpoints apart from %s", f.Out, f.shipsWhat)
	}
	return nil
}

// Target is the step training stops at: --steps, or --epochs passes of n
// images in batches of --batch when --epochs was given or --steps is 0.
func (f *TrainFlags) Target(n int) int {
	if f.set["epochs"] || f.Steps == 0 {
		return f.Epochs * StepsPerEpoch(n, f.BatchSize)
	}
	return f.Steps
}

// Load starts training once every flag is checked: with --fresh it deletes
// the checkpoints of --ckpt; it loads the first --train-images training
// images, recording their number in r, and (unless the command has no
// --test-images) the first --test-images test images.
func (f *TrainFlags) Load(r *Run) (train, test *mnist.Set, err error) {
	if f.Fresh {
		if err := ckpt.KeepOnly(f.Ckpt, ""); err != nil {
			return nil, nil, err
		}
	}
	if train, err = LoadSet(mnist.Train, f.TrainImages); err != nil {
		return nil, nil, err
	}
	r.TrainImages = train.N
	if f.TestImages < 0 {
		return train, nil, nil
	}
	test, err = LoadSet(mnist.Test, f.TestImages)
	return train, test, err
}

// StepsPerEpoch is the number of training steps of one pass over n images in
// batches of batchSize: ⌈n / min(batchSize, n)⌉.
func StepsPerEpoch(n, batchSize int) int {
	bs := min(batchSize, n)
	return (n + bs - 1) / bs
}

// LoadSet loads the MNIST split, keeping its first n images when 0 < n < N.
func LoadSet(split mnist.Split, n int) (*mnist.Set, error) {
	s, err := mnist.Load(split)
	if err != nil {
		return nil, err
	}
	if n > 0 && n < s.N {
		s = s.Head(n)
	}
	return s, nil
}

// Open loads the model to evaluate with open: from path (eval's --weights),
// a file or a directory, or from the shipped model name when path is "". It
// records the model and its file in r and prints what it evaluates.
func Open[M Model](c *Cmd, r *Run, path, name string, open func(string) (M, error)) (M, error) {
	var m M
	if path == "" {
		dir, err := pretrained.Dir(name)
		if err != nil {
			return m, err
		}
		path = dir
	}
	m, err := open(path)
	if err != nil {
		return m, err
	}
	c.Record(r, m, path)
	c.Printf("%s\nfrom %s; %s\n", m, r.Checkpoint, c.Backend)
	return m, nil
}

// Model is what the skeleton needs of a model.
type Model interface {
	Step() int
	Losses() []float32
	TrainingTime() time.Duration
	NumParameters() int
	String() string
}

// Run holds the fields every command's JSON result line shares; each
// command's Result embeds it.
type Run struct {
	Backend    string `json:"backend"`
	Parameters int    `json:"parameters"`
	Step       int    `json:"step"`
	// Checkpoint is the file written (train) or evaluated (eval); FileBytes
	// its size.
	Checkpoint  string `json:"checkpoint,omitempty"`
	FileBytes   int64  `json:"file_bytes,omitempty"`
	TrainImages int    `json:"train_images,omitempty"`
	// TrainSteps are the steps this run took, in TrainSeconds of wall time.
	TrainSteps        int     `json:"train_steps,omitempty"`
	TrainSeconds      float64 `json:"train_seconds,omitempty"`
	MsPerStep         float64 `json:"ms_per_step,omitempty"`
	TotalTrainSeconds float64 `json:"total_train_seconds,omitempty"` // over resumed runs (Model.TrainingTime)
	// FinalLoss is the mean training loss of the last (up to) 100 steps.
	FinalLoss   float64 `json:"final_loss,omitempty"`
	WallSeconds float64 `json:"wall_seconds"`
}

// Record fills the run's fields that describe m, and its checkpoint file:
// path, or the file of m's step when path is a directory.
func (c *Cmd) Record(r *Run, m Model, path string) {
	r.Backend, r.Parameters, r.Step = c.Backend, m.NumParameters(), m.Step()
	r.TotalTrainSeconds = m.TrainingTime().Seconds()
	if l := m.Losses(); len(l) > 0 {
		r.FinalLoss = train.MeanOfLast(l, train.Window)
	}
	if path == "" {
		return
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = checkpoints.Path(path, m.Step())
	}
	r.Checkpoint = path
	if fi, err := os.Stat(path); err == nil {
		r.FileBytes = fi.Size()
	}
}

// Train trains m up to step steps with fit, which calls the model's Fit with
// the options it gets. It prints the model and the plan, shows a progress
// bar, prints a line every `every` steps (0: never), at each checkpoint and
// at the end, and records the steps taken and their time in r
// (r.TrainImages is the number of training images). dir is the checkpoint
// directory, named in the messages; after Ctrl-C the error says how to
// resume.
func (c *Cmd) Train(ctx context.Context, m Model, steps, saveEvery, every int, dir string, fit func(context.Context, train.Options) error, r *Run) error {
	c.Printf("%s\n%s; %d training images, %d steps (%s mode)\n", m, c.Backend, r.TrainImages, steps, runmode.Name())
	start := m.Step()
	switch {
	case start >= steps:
		c.Printf("already trained to step %d (%s)\n", start, dir)
	case start > 0:
		c.Printf("resuming from step %d (%s)\n", start, dir)
	}
	t0 := time.Now()
	bar := display.NewProgress(c.Name+" training", steps)
	err := fit(ctx, train.Options{Steps: steps, SaveEvery: saveEvery, Progress: func(p train.Progress) {
		bar.Update(p.Step, p.String())
		if p.Checkpoint != "" || (every > 0 && p.Step%every == 0) {
			c.Printf("step %d/%d: %s, %s", p.Step, p.Steps, p, p.Elapsed.Round(time.Second))
			if p.Checkpoint != "" {
				c.Printf(", saved %s", p.Checkpoint)
			}
			c.Printf("\n")
		}
	}})
	bar.Done()
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted at step %d; checkpoint saved in %s, run the same command to resume", m.Step(), dir)
	}
	if err != nil {
		return err
	}
	if n := m.Step() - start; n > 0 {
		r.TrainSteps, r.TrainSeconds = n, time.Since(t0).Seconds()
		r.MsPerStep = 1000 * r.TrainSeconds / float64(n)
		c.Printf("trained %d steps in %s (%.1f ms/step)\n", n, Duration(r.TrainSeconds), r.MsPerStep)
	}
	return nil
}

// Ship writes the model's final file into out with save (the full
// checkpoint or the weights alone), as out/model-<step>.ckpt, removes any
// other checkpoint there (so that Open(out) finds it) and records it in r.
func (c *Cmd) Ship(out string, m Model, save func(path string) error, r *Run) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	path := checkpoints.Path(out, m.Step())
	if err := save(path); err != nil {
		return err
	}
	if err := ckpt.KeepOnly(out, path); err != nil {
		return err
	}
	c.Record(r, m, path)
	return nil
}

// Publish writes readme into out, says what the run wrote (r.Checkpoint and
// the README) and prints the result line: the end of a train subcommand.
func (c *Cmd) Publish(out string, readme *Readme, result any, r *Run) int {
	path, err := readme.Write(out)
	if err != nil {
		return c.Fail(err)
	}
	c.Printf("wrote %s (%.2f MB) and %s\n", r.Checkpoint, float64(r.FileBytes)/1e6, path)
	return c.Done(result, r)
}

// WeightsFlag defines eval's --weights flag: a checkpoint file, or a
// directory whose newest checkpoint is used, by default the shipped model.
func WeightsFlag(fs *flag.FlagSet, model string) *string {
	return fs.String("weights", "", "checkpoint or weights file, or directory whose newest model-<step>.ckpt is used (default: the shipped lab/pretrained/"+model+")")
}

// Done sets r's wall time and prints result, the JSON line that ends the
// command's output; it returns the exit status.
func (c *Cmd) Done(result any, r *Run) int {
	r.WallSeconds = time.Since(c.Start).Seconds()
	if err := PrintJSON(c.Stdout, result); err != nil {
		return c.Fail(err)
	}
	return 0
}

// Readme is the README.md written next to shipped weights: how they were
// made (the command line, the machine, the times) and what they score.
type Readme struct {
	b strings.Builder
}

// NewReadme starts a README titled title whose first paragraph is intro,
// then gives the command line (pkg, e.g. "./lab/cmd/ddpm", with args) and
// opens the table that Row fills.
func NewReadme(title, intro, pkg string, args []string) *Readme {
	r := &Readme{}
	fmt.Fprintf(&r.b, "# %s\n\n%s This file was written by the command that trained it.\n\n", title, intro)
	fmt.Fprintf(&r.b, "Command (from the repository root, after `source kernel-setup/env.sh`: go1.27.3, `GOEXPERIMENT=simd`):\n\n")
	fmt.Fprintf(&r.b, "    %s\n\n| | |\n|---|---|\n", CommandLine(pkg, args))
	return r
}

// Row adds a row to the table.
func (r *Readme) Row(key, format string, a ...any) {
	fmt.Fprintf(&r.b, "| %s | %s |\n", key, fmt.Sprintf(format, a...))
}

// Run adds the rows every README has — backend, machine, the times of c's
// run so far, the file (what describes its content), the mode and the date.
func (r *Readme) Run(c *Cmd, run *Run, what string) {
	run.WallSeconds = time.Since(c.Start).Seconds()
	r.Row("Backend", "%s", run.Backend)
	r.Row("Machine", "%s/%s, GOMAXPROCS %d, %s", runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.Version())
	if run.TrainSteps > 0 {
		r.Row("Wall time", "%s for the whole command (loading, training, evaluating, saving); training %d steps in %s, %.0f ms/step",
			Duration(run.WallSeconds), run.TrainSteps, Duration(run.TrainSeconds), run.MsPerStep)
	} else {
		r.Row("Wall time", "%s for the whole command (no training: already at step %d)", Duration(run.WallSeconds), run.Step)
	}
	if run.TotalTrainSeconds > run.TrainSeconds+1 {
		r.Row("Total training time", "%s (over resumed runs)", Duration(run.TotalTrainSeconds))
	}
	r.Row("File", "`%s`, %d bytes (%.2f MB), %s", filepath.Base(run.Checkpoint), run.FileBytes, float64(run.FileBytes)/1e6, what)
	r.Row("Mode", "%s", runmode.Name())
	r.Row("Date", "%s", time.Now().UTC().Format("2006-01-02 15:04 MST"))
}

// Para adds a paragraph after the table.
func (r *Readme) Para(format string, a ...any) {
	fmt.Fprintf(&r.b, "\n%s\n", fmt.Sprintf(format, a...))
}

// Write writes the README into dir/README.md atomically and returns its path.
func (r *Readme) Write(dir string) (string, error) {
	path := filepath.Join(dir, "README.md")
	return path, atomicfile.WriteString(path, r.b.String())
}
