package ckpt

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/checkpoints"
)

// config is a toy model configuration.
type config struct {
	Width int
	Dir   string
}

var toy = Kind[config]{
	Name:   "toy",
	Format: "toy/2",
	Defaults: func(c config) config {
		if c.Width == 0 {
			c.Width = 8
		}
		return c
	},
	Validate: func(c config) error {
		if c.Width < 0 {
			return fmt.Errorf("toy: Width=%d", c.Width)
		}
		return nil
	},
	Dir:      func(c *config) *string { return &c.Dir },
	Same:     func(a, b config) bool { return a.Width == b.Width },
	Describe: func(c config) string { return fmt.Sprintf("width=%d", c.Width) },
	// toy/1 files kept their losses under another name.
	Upgrade: func(path string, f *File[config]) error {
		if f.Format != "toy/1" {
			return fmt.Errorf("unknown checkpoint format %q", f.Format)
		}
		var v1 struct{ OldLosses []float32 }
		if err := Decode(path, &v1); err != nil {
			return err
		}
		f.Losses = v1.OldLosses
		return nil
	},
}

// write saves a toy checkpoint of step into dir.
func write(t *testing.T, dir string, step int, weightsOnly bool) string {
	t.Helper()
	path := checkpoints.Path(dir, step)
	losses := make([]float32, step)
	for i := range losses {
		losses[i] = float32(i + 1)
	}
	f := &File[config]{Config: config{Width: 8}, Step: step, WeightsOnly: weightsOnly, Losses: losses,
		Metrics:   map[string][]float32{"acc": losses},
		Variables: []Variable{{Path: "/w", Dims: []int{2}, Data: []byte{1, 2, 3, 4, 5, 6, 7, 8}}}}
	if err := toy.Write(path, f); err != nil {
		t.Fatal(err)
	}
	return path
}

// truncate cuts the file at path to half its length.
func truncate(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestListAndKeepOnly(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"model-100.ckpt", "model-20.ckpt", "model-3.ckpt", ".model-5.ckpt.tmp-1", "model-x.ckpt", "model--1.ckpt", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	paths, err := checkpoints.List(dir)
	if want := []string{checkpoints.Path(dir, 3), checkpoints.Path(dir, 20), checkpoints.Path(dir, 100)}; err != nil || !slices.Equal(paths, want) {
		t.Fatalf("List = %v, %v; want %v", paths, err, want)
	}
	if p, err := checkpoints.List(filepath.Join(dir, "missing")); p != nil || err != nil {
		t.Fatalf("checkpoints.List(missing) = %v, %v", p, err)
	}
	if err := KeepOnly(dir, checkpoints.Path(dir, 20)); err != nil {
		t.Fatal(err)
	}
	if left, _ := checkpoints.List(dir); !slices.Equal(left, []string{checkpoints.Path(dir, 20)}) {
		t.Fatalf("after KeepOnly: %v", left)
	}
	if err := KeepOnly(dir, ""); err != nil {
		t.Fatal(err)
	}
	if left, _ := checkpoints.List(dir); len(left) != 0 {
		t.Fatalf("after KeepOnly(\"\"): %v", left)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatal("KeepOnly removed a file that is not a checkpoint")
	}
}

func TestWriteReadUpgrade(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, 4, false)
	f, err := toy.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != "toy/2" || f.Step != 4 || f.Config.Width != 8 || !slices.Equal(f.Losses, []float32{1, 2, 3, 4}) ||
		len(f.Metrics["acc"]) != 4 || len(f.Variables) != 1 || f.Variables[0].Data[7] != 8 {
		t.Fatalf("read back %+v", f)
	}
	// A file whose losses outrun its step keeps the first Step of them.
	g := *f
	g.Step = 2
	if err := toy.Write(checkpoints.Path(dir, 2), &g); err != nil {
		t.Fatal(err)
	}
	if f2, _ := toy.Read(checkpoints.Path(dir, 2)); len(f2.Losses) != 2 || len(f2.Metrics["acc"]) != 2 {
		t.Fatalf("step 2 of 4 losses: %v %v", f2.Losses, f2.Metrics)
	}
	// An older format goes through Upgrade; an unknown one is refused.
	old := filepath.Join(dir, "old.ckpt")
	if err := Encode(old, struct {
		Format    string
		Step      int
		OldLosses []float32
	}{"toy/1", 2, []float32{5, 6}}); err != nil {
		t.Fatal(err)
	}
	if f1, err := toy.Read(old); err != nil || !slices.Equal(f1.Losses, []float32{5, 6}) {
		t.Fatalf("toy/1 file: %v, %v", f1, err)
	}
	other := filepath.Join(dir, "other.ckpt")
	if err := Encode(other, struct{ Format string }{"golab-vae/2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := toy.Read(other); err == nil || !strings.HasPrefix(err.Error(), "toy: ") || !strings.Contains(err.Error(), `unknown checkpoint format "golab-vae/2"`) {
		t.Fatalf("another model's file: %v", err)
	}
}

func TestNewestSkipsDamagedFiles(t *testing.T) {
	var notices strings.Builder
	defer func(w io.Writer) { Notices = w }(Notices)
	Notices = &notices

	dir := t.TempDir()
	for _, step := range []int{10, 20, 30} {
		write(t, dir, step, false)
	}
	truncate(t, checkpoints.Path(dir, 30))
	truncate(t, checkpoints.Path(dir, 20))
	f, path, err := toy.Newest(dir)
	if err != nil || f.Step != 10 || path != checkpoints.Path(dir, 10) {
		t.Fatalf("Newest = step %v, %s, %v; want step 10", f, path, err)
	}
	note := notices.String()
	if note != fmt.Sprintf("toy: skipping damaged model-30.ckpt, model-20.ckpt in %s (unexpected EOF); using model-10.ckpt\n", dir) {
		t.Fatalf("notice %q", note)
	}
	// Load of the directory falls back likewise; of the damaged file, fails.
	if cfg, f, err := toy.Load(dir); err != nil || f.Step != 10 || cfg.Dir != dir {
		t.Fatalf("Load(dir): %v %v %v", cfg, f, err)
	}
	if _, _, err := toy.Load(checkpoints.Path(dir, 30)); err == nil || !strings.HasPrefix(err.Error(), "toy: reading checkpoint ") ||
		!strings.HasSuffix(err.Error(), "unexpected EOF") {
		t.Fatalf("Load of a damaged file: %v", err)
	}
	// Every file damaged: an error naming the newest.
	truncate(t, checkpoints.Path(dir, 10))
	_, _, err = toy.Newest(dir)
	var d *damagedError
	if err == nil || !errors.As(err, &d) || !strings.Contains(err.Error(), "model-30.ckpt") || !strings.Contains(err.Error(), "no intact checkpoint") {
		t.Fatalf("all damaged: %v", err)
	}
	if f, path, err := toy.Newest(t.TempDir()); f != nil || path != "" || err != nil {
		t.Fatalf("empty directory: %v %q %v", f, path, err)
	}
}

func TestStartAndLoad(t *testing.T) {
	dir := t.TempDir()
	// Nothing to resume: the prepared configuration alone.
	cfg, f, err := toy.Start(config{}, dir)
	if err != nil || f != nil || cfg != (config{Width: 8, Dir: dir}) {
		t.Fatalf("Start on an empty directory: %+v %v %v", cfg, f, err)
	}
	if _, _, err := toy.Start(config{Width: -1}, dir); err == nil {
		t.Fatal("Start with an invalid configuration: no error")
	}
	write(t, dir, 3, false)
	if cfg, f, err := toy.Start(config{Width: 8}, dir); err != nil || f.Step != 3 || cfg.Dir != dir {
		t.Fatalf("Start: %+v %v %v", cfg, f, err)
	}
	if _, _, err := toy.Start(config{Width: 9}, dir); err == nil ||
		err.Error() != fmt.Sprintf("toy: checkpoint %s has width=8, not width=9 (use another directory)", checkpoints.Path(dir, 3)) {
		t.Fatalf("Start with another configuration: %v", err)
	}
	// Weights-only files are loaded for inference, without a directory,
	// and are not resumed.
	wdir := t.TempDir()
	write(t, wdir, 5, true)
	if _, _, err := toy.Start(config{}, wdir); err == nil || !strings.Contains(err.Error(), "holds weights only") {
		t.Fatalf("Start on weights only: %v", err)
	}
	for _, p := range []string{wdir, checkpoints.Path(wdir, 5)} {
		if cfg, f, err := toy.Load(p); err != nil || !f.WeightsOnly || cfg.Dir != "" {
			t.Fatalf("Load(%s): %+v %v %v", p, cfg, f, err)
		}
	}
	if cfg, _, err := toy.Load(checkpoints.Path(dir, 3)); err != nil || cfg.Dir != dir {
		t.Fatalf("Load of a file: %+v %v", cfg, err)
	}
	for _, p := range []string{filepath.Join(dir, "missing"), t.TempDir()} {
		if _, _, err := toy.Load(p); err == nil || !strings.HasPrefix(err.Error(), "toy: no checkpoint") {
			t.Fatalf("Load(%s): %v", p, err)
		}
	}
	if _, _, err := toy.Pretrained("nonexistent"); err == nil || !strings.HasPrefix(err.Error(), "toy: pretrained: ") {
		t.Fatalf("Pretrained(nonexistent): %v", err)
	}
}
