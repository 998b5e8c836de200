// Command vae is the Go side of the VAE benchmark (bench/vae_torch.py runs it
// next to the PyTorch peer, bench/run_vae.sh runs everything). It times
// training steps of the homework's VAE (package lab/vae: 784-300-300-2·10
// encoder, 10-300-300-784 decoder, ELU, batch 100, dynamic binarization, Adam
// 1e-3) on the 60 000 MNIST training images, with the backend selected by
// GOMLX_BACKEND (pure Go by default):
//
//	go run ./bench/vae --warmup 20 --steps 200 --repeats 5
//	    prints one JSON object with the seconds of every repeat of --steps
//	    steps (after --warmup steps that compile the graph) and their median
//	go run ./bench/vae --serve
//	    takes --warmup steps, prints a JSON line {"ready":true,...}, then for
//	    every line "N" read on stdin takes N more steps and prints a JSON line
//	    {"steps":N,"seconds":…,"nelbo":…}: the driver uses it to interleave
//	    the Go and PyTorch repeats so that both see the same machine load.
//
// Only the steps are timed: batch selection, binarization, forward and
// backward pass and the Adam update — Model.TrainingTime over the steps of a
// Model.Fit call, which leaves out loading MNIST and Fit's one-off check of
// the 47 million input pixels at the start of each call.
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
	"github.com/mnistlab/golab/lab/mnist"
	"github.com/mnistlab/golab/lab/vae"
)

// Info describes the run: what the driver prints next to the timings.
type Info struct {
	Ready        bool   `json:"ready,omitempty"`
	Backend      string `json:"backend"`
	GOMAXPROCS   int    `json:"gomaxprocs"`
	GoVersion    string `json:"go_version"`
	GOEXPERIMENT string `json:"goexperiment"`
	GoMLX        string `json:"gomlx"`
	Parameters   int    `json:"parameters"`
	BatchSize    int    `json:"batch_size"`
	Images       int    `json:"images"`
	Warmup       int    `json:"warmup"`
	// WarmupSeconds includes the graph compilation of the first step.
	WarmupSeconds float64 `json:"warmup_seconds"`
}

// Result is the JSON object printed without --serve.
type Result struct {
	Info
	Steps      int       `json:"steps"`
	Seconds    []float64 `json:"seconds"`
	Median     float64   `json:"median"`
	MsPerStep  float64   `json:"ms_per_step"`
	FinalNELBO float64   `json:"final_nelbo"`
}

// Reply answers one request of --serve.
type Reply struct {
	Steps   int     `json:"steps"`
	Seconds float64 `json:"seconds"`
	// CPUSeconds is the process's user+system CPU time over the steps (all
	// threads, XLA's included).
	CPUSeconds float64 `json:"cpu_seconds"`
	NELBO      float64 `json:"nelbo"`
	Error      string  `json:"error,omitempty"`
}

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/vae:", strings.ReplaceAll(err.Error(), "\n", " "))
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("vae", flag.ContinueOnError)
	warmup := fs.Int("warmup", 20, "untimed steps first (compile, caches)")
	steps := fs.Int("steps", 200, "steps per timed repeat")
	repeats := fs.Int("repeats", 5, "timed repeats")
	serve := fs.Bool("serve", false, "serve timing requests on stdin (see the package doc)")
	seed := fs.Int64("seed", 0, "model seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *warmup < 1 || *steps < 1 || *repeats < 1 {
		return fmt.Errorf("--warmup %d --steps %d --repeats %d, want all ≥ 1", *warmup, *steps, *repeats)
	}
	train, err := mnist.Load(mnist.Train)
	if err != nil {
		return err
	}
	x := train.Float32()
	m, err := vae.New(vae.Config{Seed: *seed})
	if err != nil {
		return err
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	info := Info{
		Backend:      backend.Describe(b),
		GOMAXPROCS:   runtime.GOMAXPROCS(0),
		GoVersion:    runtime.Version(),
		GOEXPERIMENT: buildSetting("GOEXPERIMENT"),
		GoMLX:        moduleVersion("github.com/gomlx/gomlx"),
		Parameters:   m.NumParameters(),
		BatchSize:    m.Config().BatchSize,
		Images:       train.N,
		Warmup:       *warmup,
	}
	ctx := context.Background()
	steps0 := func(n int) (float64, float64, error) {
		t0 := m.TrainingTime()
		if err := m.Fit(ctx, x, vae.FitOptions{Steps: m.Step() + n}); err != nil {
			return 0, 0, err
		}
		l := m.Losses()
		return (m.TrainingTime() - t0).Seconds(), float64(l[len(l)-1]), nil
	}
	if info.WarmupSeconds, _, err = steps0(*warmup); err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	if *serve {
		info.Ready = true
		if err := enc.Encode(info); err != nil {
			return err
		}
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			n, err := strconv.Atoi(line)
			if err != nil || n < 1 {
				if err := enc.Encode(Reply{Error: fmt.Sprintf("bad request %q, want a step count ≥ 1", line)}); err != nil {
					return err
				}
				continue
			}
			runtime.GC()
			cpu0 := cpuSeconds()
			sec, nelbo, err := steps0(n)
			r := Reply{Steps: n, Seconds: sec, CPUSeconds: cpuSeconds() - cpu0, NELBO: nelbo}
			if err != nil {
				r.Error = err.Error()
			}
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return sc.Err()
	}
	res := Result{Info: info, Steps: *steps}
	for range *repeats {
		runtime.GC()
		sec, nelbo, err := steps0(*steps)
		if err != nil {
			return err
		}
		res.Seconds = append(res.Seconds, sec)
		res.FinalNELBO = nelbo
	}
	res.Median = median(res.Seconds)
	res.MsPerStep = 1000 * res.Median / float64(*steps)
	return enc.Encode(res)
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
