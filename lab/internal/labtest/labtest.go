// Package labtest holds what the tests of the lab's four GoMLX models share:
// toy images, comparisons of weights and outputs, and Contract, the checks of
// training, checkpoints and resumption that every model must pass the same
// way. Only tests import it.
package labtest

import (
	"bytes"
	"context"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/mnistlab/golab/lab/checkpoints"
	"github.com/mnistlab/golab/lab/internal/ckpt"
	"github.com/mnistlab/golab/lab/internal/train"
	"github.com/mnistlab/golab/lab/mnist"
)

// XDim is the number of values of an image.
const XDim = 784

// Strokes returns n "images" of 784 values in [0, 1] and their labels 0…2:
// noisy copies of three stroke-like prototypes — a vertical bar (0), a
// horizontal bar (1), a ring (2) — shifted by up to shift pixels each way;
// enough structure for a small network to learn in a few dozen steps.
func Strokes(n int, seed uint64, shift int) ([]float32, []int) {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n*XDim)
	y := make([]int, n)
	for i := range n {
		kind := i % 3
		y[i] = kind
		var dr, dc float64
		if shift > 0 {
			dr, dc = float64(r.IntN(2*shift+1)-shift), float64(r.IntN(2*shift+1)-shift)
		}
		for p := range XDim {
			row, col := float64(p/28)-dr, float64(p%28)-dc
			var on bool
			switch kind {
			case 0:
				on = col >= 12 && col <= 15 && row >= 4 && row <= 23
			case 1:
				on = row >= 12 && row <= 15 && col >= 4 && col <= 23
			default:
				d := math.Hypot(row-13.5, col-13.5)
				on = d >= 7 && d <= 10
			}
			v := 0.02 * r.Float64()
			if on {
				v = 0.8 + 0.2*r.Float64()
			}
			x[i*XDim+p] = float32(v)
		}
	}
	return x, y
}

// Images returns n toy images (Strokes without shifts), without labels.
func Images(n int, seed uint64) []float32 {
	x, _ := Strokes(n, seed, 0)
	return x
}

// Must returns a function that fails its test on err and otherwise returns
// v: labtest.Must(New(cfg))(t).
func Must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// NeedMNIST skips the test when the MNIST files are not installed.
func NeedMNIST(t testing.TB) {
	t.Helper()
	if _, err := mnist.Load(mnist.Train); err != nil {
		t.Skipf("MNIST not installed (%v): run go run ./lab/cmd/mnist-fetch or set MNIST_DIR", err)
	}
}

// Weights copies the bytes of every variable of store, by path.
func Weights(t testing.TB, store *model.Store) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for v := range store.IterVariables() {
		val, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		if err := val.ConstBytes(func(b []byte) { out[v.Path()] = slices.Clone(b) }); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// SameWeights fails t unless a and b hold the same variables, bit for bit.
func SameWeights(t testing.TB, what string, a, b map[string][]byte) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d vs %d variables", what, len(a), len(b))
	}
	for k, va := range a {
		if vb, ok := b[k]; !ok || !bytes.Equal(va, vb) {
			t.Fatalf("%s: variable %s differs", what, k)
		}
	}
}

// EqualRows reports whether a and b hold the same rows, bit for bit.
func EqualRows(a, b [][]float32) bool {
	return slices.EqualFunc(a, b, func(x, y []float32) bool { return slices.Equal(x, y) })
}

// Model is what Contract needs of a model.
type Model interface {
	Step() int
	Losses() []float32
	TrainingTime() time.Duration
}

// Case is one model under Contract.
type Case[M Model] struct {
	Name string // the package name, which prefixes its errors
	// New creates a small model whose checkpoint directory is dir;
	// Other one of another configuration (another width, say).
	New, Other func(dir string) (M, error)
	Open       func(path string) (M, error)
	// Fit trains m on a fixed toy data set of at least 60 images.
	Fit   func(ctx context.Context, m M, opts train.Options) error
	Store func(m M) *model.Store
}

// Contract checks, on c's model, what the shared training loop and
// checkpoint files promise: checkpoints at SaveEvery, at the end and on
// cancellation; a round trip through a file keeps weights, losses and
// training time; a run interrupted and resumed ends with exactly the weights
// and losses of an uninterrupted one; a damaged newest checkpoint is skipped
// for the previous one with a one-line notice; another configuration or bad
// options are one-line errors.
func Contract[M Model](t *testing.T, c Case[M]) {
	ctx := context.Background()
	must := func(m M, err error) M {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	wantFiles := func(dir string, steps ...int) {
		t.Helper()
		var want []string
		for _, s := range steps {
			want = append(want, checkpoints.Path(dir, s))
		}
		if got, err := checkpoints.List(dir); err != nil || !slices.Equal(got, want) {
			t.Fatalf("checkpoints %v (%v), want %v", got, err, want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != len(steps) {
			t.Fatalf("%s holds %d entries, want %d checkpoints and no temporary file", dir, len(entries), len(steps))
		}
	}
	wantError := func(what string, err error) {
		t.Helper()
		if err == nil || !strings.HasPrefix(err.Error(), c.Name+": ") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("%s: err %v, want one line starting with %q", what, err, c.Name+": ")
		}
	}

	// An uninterrupted run of 12 steps, checkpoints every 5.
	full := must(c.New(t.TempDir()))
	if err := c.Fit(ctx, full, train.Options{Steps: 12, SaveEvery: 5}); err != nil {
		t.Fatal(err)
	}
	if full.Step() != 12 || len(full.Losses()) != 12 || full.TrainingTime() <= 0 {
		t.Fatalf("after Fit: step %d, %d losses, training time %v", full.Step(), len(full.Losses()), full.TrainingTime())
	}

	// The same run stopped by Ctrl-C after step 3, resumed to 7, its last
	// checkpoint lost (as if the process died before writing it), resumed
	// from step 5 to the end.
	dir := t.TempDir()
	a := must(c.New(dir))
	stop, cancel := context.WithCancel(ctx)
	err := c.Fit(stop, a, train.Options{Steps: 12, SaveEvery: 5, Progress: func(p train.Progress) {
		if p.Step == 3 {
			cancel()
		}
	}})
	if err != context.Canceled || a.Step() != 3 {
		t.Fatalf("cancelled Fit: err %v at step %d, want context.Canceled at 3", err, a.Step())
	}
	wantFiles(dir, 3)
	b := must(c.New(dir))
	if b.Step() != 3 || !slices.Equal(b.Losses(), a.Losses()) || b.TrainingTime() != a.TrainingTime() {
		t.Fatalf("resumed at step %d with %d losses, time %v; want 3, %d, %v", b.Step(), len(b.Losses()), b.TrainingTime(), 3, a.TrainingTime())
	}
	if err := c.Fit(ctx, b, train.Options{Steps: 7, SaveEvery: 5}); err != nil {
		t.Fatal(err)
	}
	wantFiles(dir, 3, 5, 7)
	if err := os.Remove(checkpoints.Path(dir, 7)); err != nil {
		t.Fatal(err)
	}
	resumed := must(c.New(dir))
	if resumed.Step() != 5 {
		t.Fatalf("resumed at step %d, want 5", resumed.Step())
	}
	if err := c.Fit(ctx, resumed, train.Options{Steps: 12, SaveEvery: 5}); err != nil {
		t.Fatal(err)
	}
	SameWeights(t, "resumed vs uninterrupted", Weights(t, c.Store(full)), Weights(t, c.Store(resumed)))
	if !slices.Equal(full.Losses(), resumed.Losses()) {
		t.Fatalf("losses differ between resumed and uninterrupted runs:\n%v\n%v", full.Losses(), resumed.Losses())
	}
	wantFiles(dir, 3, 5, 10, 12)

	// Round trips: the directory (newest file) and an older file.
	for _, load := range []func() (M, error){
		func() (M, error) { return c.Open(dir) },
		func() (M, error) { return c.New(dir) },
	} {
		m := must(load())
		if m.Step() != 12 || !slices.Equal(m.Losses(), resumed.Losses()) || m.TrainingTime() != resumed.TrainingTime() {
			t.Fatalf("reloaded: step %d, %d losses, time %v", m.Step(), len(m.Losses()), m.TrainingTime())
		}
		SameWeights(t, "round trip", Weights(t, c.Store(resumed)), Weights(t, c.Store(m)))
	}
	if m := must(c.Open(checkpoints.Path(dir, 5))); m.Step() != 5 || !slices.Equal(m.Losses(), resumed.Losses()[:5]) {
		t.Fatalf("Open(model-5.ckpt): step %d, %d losses", m.Step(), len(m.Losses()))
	}
	// Already there: nothing to do.
	if err := c.Fit(ctx, resumed, train.Options{Steps: 12}); err != nil || resumed.Step() != 12 {
		t.Fatalf("Fit to the current step: step %d, err %v", resumed.Step(), err)
	}

	// A damaged newest file: New and Open fall back to the previous one and
	// say so in one line; opening the damaged file itself is an error.
	newest := checkpoints.Path(dir, 12)
	data, err := os.ReadFile(newest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newest, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	var notices strings.Builder
	defer func(w io.Writer) { ckpt.Notices = w }(ckpt.Notices)
	ckpt.Notices = &notices
	for _, load := range []func() (M, error){
		func() (M, error) { return c.New(dir) },
		func() (M, error) { return c.Open(dir) },
	} {
		notices.Reset()
		m := must(load())
		note := notices.String()
		if m.Step() != 10 || strings.Count(note, "\n") != 1 || !strings.HasPrefix(note, c.Name+": ") ||
			!strings.Contains(note, "model-12.ckpt") || !strings.Contains(note, "model-10.ckpt") {
			t.Fatalf("with model-12.ckpt truncated: step %d, notice %q; want step 10 and one line naming both files", m.Step(), note)
		}
	}
	_, err = c.Open(newest)
	wantError("Open of a truncated file", err)
	if !strings.Contains(err.Error(), "unexpected EOF") {
		t.Fatalf("Open of a truncated file: %v, want unexpected EOF", err)
	}

	// Another configuration does not silently load these weights.
	_, err = c.Other(dir)
	wantError("another configuration on the same directory", err)
	if !strings.Contains(err.Error(), "checkpoint") {
		t.Fatalf("another configuration: %v", err)
	}
	wantError("Steps=-1", c.Fit(ctx, must(c.New("")), train.Options{Steps: -1}))
	_, err = c.Open(t.TempDir())
	wantError("Open of an empty directory", err)
}

// BenchmarkSteps times training steps of a model: fit(n) trains it up to step
// n. Two untimed steps first compile the graph.
func BenchmarkSteps(b *testing.B, fit func(steps int) error) {
	if err := fit(2); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	if err := fit(2 + b.N); err != nil {
		b.Fatal(err)
	}
}
