// Command ddpm is the Go side of the DDPM benchmark (bench/ddpm_torch.py runs
// it next to the PyTorch peer, bench/run_ddpm.sh runs everything). It times
// training steps and sampling of the lab's class-conditional DDPM (package
// lab/ddpm, default Config: residual MLP 768×2, label embedding 32, time
// embedding 128, x̂₀ target with the Min-SNR-5 loss, cosine schedule T=1000,
// batch 128, Adam 5e-4, EMA 0.999; 4 091 248 parameters) on the 60 000 MNIST
// training images, with the backend selected by GOMLX_BACKEND (pure Go by
// default):
//
//	go run ./bench/ddpm --warmup 5 --steps 30 --repeats 5
//	    prints one JSON object with the time per step of every repeat of
//	    --steps steps (after --warmup steps that compile the graph), their
//	    median, and the sampling time per image (DDIM, --sample-steps steps,
//	    --sample-images images, each guidance weight of --guidance)
//	go run ./bench/ddpm --serve
//	    takes --warmup steps and one short sampling run per guidance weight
//	    (to compile the sampling graphs), prints a JSON line
//	    {"ready":true,...}, then answers every line read on stdin with a JSON
//	    line: "train N" (or just "N") takes N more training steps; "sample W"
//	    samples --sample-images images with guidance weight W. The driver uses
//	    it to interleave the Go and PyTorch repeats so that both see the same
//	    machine load.
//
// A training step is what Model.Fit does per step (TrainingTime): take the next
// batch of a per-epoch shuffle, draw t, the noise and the label dropout,
// forward, backward, Adam update, EMA update, read the loss back. Fit's check of
// the 47 million input pixels, once per call, is outside TrainingTime; the
// wall-clock time of the whole call is reported too. Sampling is
// Model.Sample with DDIM (η = 0), timed as a whole (host-side update included).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mnistlab/golab/lab/backend"
	"github.com/mnistlab/golab/lab/ddpm"
	"github.com/mnistlab/golab/lab/mnist"
)

// Info describes the run: what the driver prints next to the timings.
type Info struct {
	Ready        bool   `json:"ready,omitempty"`
	Backend      string `json:"backend"`
	GOMAXPROCS   int    `json:"gomaxprocs"`
	GoVersion    string `json:"go_version"`
	GOEXPERIMENT string `json:"goexperiment"`
	GoMLX        string `json:"gomlx"`
	Config       string `json:"config"`
	Parameters   int    `json:"parameters"`
	BatchSize    int    `json:"batch_size"`
	Images       int    `json:"images"`
	Warmup       int    `json:"warmup"`
	// WarmupSeconds includes the graph compilation of the first step.
	WarmupSeconds float64 `json:"warmup_seconds"`
	// SampleWarmupSeconds is the time of the short sampling runs that compile
	// the sampling graphs (serve mode and before the timed sampling).
	SampleWarmupSeconds float64 `json:"sample_warmup_seconds"`
	SampleImages        int     `json:"sample_images"`
	SampleSteps         int     `json:"sample_steps"`
}

// TrainReply is the time of n training steps.
type TrainReply struct {
	Op    string `json:"op"`
	Steps int    `json:"steps"`
	// Seconds is the training time of the steps (Model.TrainingTime).
	Seconds float64 `json:"seconds"`
	// WallSeconds is the whole Fit call, input check included.
	WallSeconds float64 `json:"wall_seconds"`
	// CPUSeconds is the process's user+system CPU time over the call (all
	// threads, XLA's included).
	CPUSeconds float64 `json:"cpu_seconds"`
	Loss       float64 `json:"loss"`
	Error      string  `json:"error,omitempty"`
}

// SampleReply is the time of one sampling run.
type SampleReply struct {
	Op         string  `json:"op"`
	Guidance   float64 `json:"guidance"`
	Images     int     `json:"images"`
	Steps      int     `json:"steps"`
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	// Mean is the mean pixel of the samples (a sanity check, not a score).
	Mean  float64 `json:"mean"`
	Error string  `json:"error,omitempty"`
}

// Result is the JSON object printed without --serve.
type Result struct {
	Info
	Steps     int       `json:"steps"`
	Seconds   []float64 `json:"seconds_per_step"`
	MsPerStep float64   `json:"ms_per_step"`
	FinalLoss float64   `json:"final_loss"`
	// SampleMsPerImage maps a guidance weight ("0", "3") to the median
	// milliseconds per image of --sample-repeats runs.
	SampleMsPerImage map[string]float64 `json:"sample_ms_per_image"`
}

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/ddpm:", strings.ReplaceAll(err.Error(), "\n", " "))
		os.Exit(1)
	}
}

// bench holds the model and data of a run.
type bench struct {
	m            *ddpm.Model
	x            []float32
	labels       []int
	sampleImages int
	sampleSteps  int
}

func (b *bench) train(ctx context.Context, n int) TrainReply {
	runtime.GC()
	r := TrainReply{Op: "train", Steps: n}
	t0, cpu0, start := b.m.TrainingTime(), cpuSeconds(), time.Now()
	err := b.m.Fit(ctx, b.x, b.labels, ddpm.FitOptions{Steps: b.m.Step() + n})
	r.WallSeconds = time.Since(start).Seconds()
	r.CPUSeconds = cpuSeconds() - cpu0
	r.Seconds = (b.m.TrainingTime() - t0).Seconds()
	if err != nil {
		r.Error = err.Error()
		return r
	}
	l := b.m.Losses()
	r.Loss = float64(l[len(l)-1])
	return r
}

func (b *bench) sample(ctx context.Context, w float64, steps int) SampleReply {
	runtime.GC()
	r := SampleReply{Op: "sample", Guidance: w, Images: b.sampleImages, Steps: steps}
	labels := make([]int, b.sampleImages)
	for i := range labels {
		labels[i] = i % ddpm.NumClasses
	}
	cpu0, start := cpuSeconds(), time.Now()
	imgs, err := b.m.Sample(ctx, labels, ddpm.SampleOptions{Method: ddpm.DDIM, Steps: steps, Guidance: w, Seed: 1})
	r.Seconds = time.Since(start).Seconds()
	r.CPUSeconds = cpuSeconds() - cpu0
	if err != nil {
		r.Error = err.Error()
		return r
	}
	s := 0.0
	for _, img := range imgs {
		for _, v := range img {
			s += float64(v)
		}
	}
	r.Mean = s / float64(len(imgs)*ddpm.XDim)
	return r
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("ddpm", flag.ContinueOnError)
	warmup := fs.Int("warmup", 5, "untimed steps first (compile, caches)")
	steps := fs.Int("steps", 30, "steps per timed repeat")
	repeats := fs.Int("repeats", 5, "timed repeats")
	sampleImages := fs.Int("sample-images", 100, "images per sampling run")
	sampleSteps := fs.Int("sample-steps", 50, "DDIM steps")
	sampleRepeats := fs.Int("sample-repeats", 3, "timed sampling runs per guidance weight (without --serve)")
	guidance := fs.String("guidance", "0,3", "comma-separated guidance weights to time (without --serve) or to compile (--serve)")
	serve := fs.Bool("serve", false, "serve timing requests on stdin (see the package doc)")
	seed := fs.Int64("seed", 0, "model seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *warmup < 1 || *steps < 1 || *repeats < 1 || *sampleImages < 1 || *sampleSteps < 2 || *sampleRepeats < 1 {
		return fmt.Errorf("--warmup %d --steps %d --repeats %d --sample-images %d --sample-steps %d --sample-repeats %d, want all ≥ 1 (sample-steps ≥ 2)",
			*warmup, *steps, *repeats, *sampleImages, *sampleSteps, *sampleRepeats)
	}
	var weights []float64
	for f := range strings.SplitSeq(*guidance, ",") {
		w, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || w < 0 {
			return fmt.Errorf("--guidance %q: want comma-separated weights ≥ 0", *guidance)
		}
		weights = append(weights, w)
	}
	train, err := mnist.Load(mnist.Train)
	if err != nil {
		return err
	}
	m, err := ddpm.New(ddpm.Config{Seed: *seed})
	if err != nil {
		return err
	}
	bk, err := backend.New()
	if err != nil {
		return err
	}
	b := &bench{m: m, x: train.Float32(), labels: train.IntLabels(), sampleImages: *sampleImages, sampleSteps: *sampleSteps}
	info := Info{
		Backend:      backend.Describe(bk),
		GOMAXPROCS:   runtime.GOMAXPROCS(0),
		GoVersion:    runtime.Version(),
		GOEXPERIMENT: buildSetting("GOEXPERIMENT"),
		GoMLX:        moduleVersion("github.com/gomlx/gomlx"),
		Config:       m.Config().String(),
		Parameters:   m.NumParameters(),
		BatchSize:    m.Config().BatchSize,
		Images:       train.N,
		Warmup:       *warmup,
		SampleImages: *sampleImages,
		SampleSteps:  *sampleSteps,
	}
	ctx := context.Background()
	r := b.train(ctx, *warmup)
	if r.Error != "" {
		return fmt.Errorf("warm-up: %s", r.Error)
	}
	info.WarmupSeconds = r.WallSeconds
	// Compile the sampling graphs (same batch size; two DDIM steps).
	for _, w := range weights {
		s := b.sample(ctx, w, 2)
		if s.Error != "" {
			return fmt.Errorf("sampling warm-up: %s", s.Error)
		}
		info.SampleWarmupSeconds += s.Seconds
	}
	enc := json.NewEncoder(stdout)
	if *serve {
		info.Ready = true
		if err := enc.Encode(info); err != nil {
			return err
		}
		return serveRequests(ctx, b, stdin, enc)
	}
	res := Result{Info: info, Steps: *steps, SampleMsPerImage: map[string]float64{}}
	for range *repeats {
		r := b.train(ctx, *steps)
		if r.Error != "" {
			return fmt.Errorf("%s", r.Error)
		}
		res.Seconds = append(res.Seconds, r.Seconds/float64(*steps))
		res.FinalLoss = r.Loss
	}
	res.MsPerStep = 1000 * median(res.Seconds)
	for _, w := range weights {
		var per []float64
		for range *sampleRepeats {
			s := b.sample(ctx, w, *sampleSteps)
			if s.Error != "" {
				return fmt.Errorf("%s", s.Error)
			}
			per = append(per, s.Seconds/float64(s.Images))
		}
		res.SampleMsPerImage[strconv.FormatFloat(w, 'g', -1, 64)] = 1000 * median(per)
	}
	return enc.Encode(res)
}

// serveRequests answers "train N", "N" and "sample W" lines until stdin closes.
func serveRequests(ctx context.Context, b *bench, stdin io.Reader, enc *json.Encoder) error {
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) == 1 {
			f = []string{"train", f[0]}
		}
		var reply any
		switch {
		case len(f) == 2 && f[0] == "train":
			n, err := strconv.Atoi(f[1])
			if err != nil || n < 1 {
				reply = TrainReply{Op: "train", Error: fmt.Sprintf("bad request %q, want a step count ≥ 1", sc.Text())}
				break
			}
			reply = b.train(ctx, n)
		case len(f) == 2 && f[0] == "sample":
			w, err := strconv.ParseFloat(f[1], 64)
			if err != nil || w < 0 {
				reply = SampleReply{Op: "sample", Error: fmt.Sprintf("bad request %q, want a guidance weight ≥ 0", sc.Text())}
				break
			}
			reply = b.sample(ctx, w, b.sampleSteps)
		default:
			reply = TrainReply{Error: fmt.Sprintf("bad request %q, want \"train N\" or \"sample W\"", sc.Text())}
		}
		if err := enc.Encode(reply); err != nil {
			return err
		}
	}
	return sc.Err()
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// cpuSeconds is the user+system CPU time of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// buildSetting is a setting recorded in the binary, e.g. GOEXPERIMENT.
func buildSetting(key string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == key {
				return s.Value
			}
		}
	}
	return ""
}

func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				return d.Version
			}
		}
	}
	return "unknown"
}
