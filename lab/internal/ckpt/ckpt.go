// Package ckpt is the checkpoint file of the lab's four GoMLX models (vae,
// autoencoder, classifier, ddpm): numbered files "model-<step>.ckpt" in a
// directory (checkpoints.Path), each the gob encoding of one File — the model's configuration,
// the variables of its model.Store and its training record — written
// atomically, so an interrupted save never leaves a broken file.
//
// A model describes its files with a Kind (its name, format tag and
// configuration rules). Kind.Start finds what New resumes from, Kind.Load what
// Open reads; both skip a damaged newest file (truncated, say, by a full disk
// or a copy cut short) for the newest intact one, and say so in one line on
// Notices.
//
// Weights-only files (the shipped classifier and DDPM) hold the same File
// without the optimizer's variables.
package ckpt

import (
	"bufio"
	"cmp"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mnistlab/golab/lab/atomicfile"
	"github.com/mnistlab/golab/lab/checkpoints"
	"github.com/mnistlab/golab/lab/pretrained"
)

// Notices receives the package's one-line notices (a damaged checkpoint
// skipped). The model commands point it at their standard error.
var Notices io.Writer = os.Stderr

// File is the content of a checkpoint file. Gob matches fields by name, so
// files written before a field existed read with its zero value.
type File[C any] struct {
	Format      string    // the model's format tag (Kind.Format)
	Config      C         // the model's configuration, its checkpoint directory left empty
	Step        int       // training steps taken
	Saved       time.Time // when the file was written (UTC)
	WeightsOnly bool      // only the variables inference needs: no optimizer state
	Variables   []Variable
	// Losses is the training loss of every step: element i is step i+1.
	Losses []float32
	// Metrics are the other values recorded at every step (the VAE's KL and
	// REC, the classifier's batch accuracy), by name, aligned with Losses.
	Metrics map[string][]float32
	Elapsed time.Duration // training time up to Step
}

// Variable is one saved variable of a model.Store.
type Variable struct {
	Path      string
	DType     dtypes.DType
	Dims      []int
	Trainable bool
	Data      []byte
}

// Kind describes one model's checkpoint files.
type Kind[C any] struct {
	// Name is the model's package name, the prefix of its errors ("vae").
	Name string
	// Format tags the files written ("golab-vae/2"). A file with another
	// tag is refused, unless Upgrade converts it.
	Format string
	// Upgrade, if set, converts in place a file of an older format read
	// from path, or returns an error when it does not know the format.
	Upgrade func(path string, f *File[C]) error
	// Defaults fills in the zero fields of a configuration, Validate checks
	// it, and Dir points at its checkpoint directory field (Config.Dir).
	Defaults func(cfg C) C
	Validate func(cfg C) error
	Dir      func(cfg *C) *string
	// Same reports whether two prepared configurations describe the same
	// network and training, checkpoint directories aside.
	Same func(a, b C) bool
	// Describe formats a configuration for error messages.
	Describe func(cfg C) string
}

// KeepOnly deletes the checkpoint files of dir except keep; keep "" deletes
// them all.
func KeepOnly(dir, keep string) error {
	paths, err := checkpoints.List(dir)
	if err != nil {
		return err
	}
	for _, p := range paths {
		if p != keep {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// Capture copies the variables of store whose path keep accepts (all when keep
// is nil).
func Capture(store *model.Store, keep func(path string) bool) ([]Variable, error) {
	var out []Variable
	for v := range store.IterVariables() {
		if !v.HasValue() || (keep != nil && !keep(v.Path())) {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("saving %s: %w", v.Path(), err)
		}
		sv := Variable{Path: v.Path(), DType: t.DType(), Dims: t.Shape().Dimensions, Trainable: v.Trainable}
		if err := t.ConstBytes(func(data []byte) { sv.Data = append([]byte(nil), data...) }); err != nil {
			return nil, fmt.Errorf("saving %s: %w", v.Path(), err)
		}
		out = append(out, sv)
	}
	return out, nil
}

// Restore creates the saved variables in store, checking each one's size.
func Restore(store *model.Store, vars []Variable) error {
	for _, sv := range vars {
		t := tensors.FromShape(shapes.Make(sv.DType, sv.Dims...))
		var n int
		if err := t.MutableBytes(func(data []byte) { n = copy(data, sv.Data) }); err != nil {
			return fmt.Errorf("loading %s: %w", sv.Path, err)
		}
		if n != len(sv.Data) || int64(n) != t.Shape().ByteSize() {
			return fmt.Errorf("loading %s: %d bytes for shape %s", sv.Path, len(sv.Data), t.Shape())
		}
		v, err := store.CreateVariable(sv.Path, t)
		if err != nil {
			return fmt.Errorf("loading %s: %w", sv.Path, err)
		}
		v.SetTrainable(sv.Trainable)
	}
	return nil
}

// Encode gob-encodes v into path atomically (a complete file or none).
func Encode(path string, v any) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		if err := gob.NewEncoder(bw).Encode(v); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// Decode gob-decodes the file at path into v. An error other than a missing
// or unreadable file means the file is damaged (or not a checkpoint).
func Decode(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := gob.NewDecoder(bufio.NewReader(f)).Decode(v); err != nil {
		return &damagedError{path, err}
	}
	return nil
}

// damagedError is a file that exists but does not decode.
type damagedError struct {
	path string
	err  error
}

func (e *damagedError) Error() string { return fmt.Sprintf("reading checkpoint %s: %v", e.path, e.err) }
func (e *damagedError) Unwrap() error { return e.err }

// Prepare completes a configuration with its defaults, sets its checkpoint
// directory to dir ("" for none) and validates it.
func (k Kind[C]) Prepare(cfg C, dir string) (C, error) {
	cfg = k.Defaults(cfg)
	*k.Dir(&cfg) = dir
	return cfg, k.Validate(cfg)
}

// Write writes f to path atomically, errors prefixed with the kind's name.
func (k Kind[C]) Write(path string, f *File[C]) error {
	f.Format = k.Format
	if err := Encode(path, f); err != nil {
		return fmt.Errorf("%s: %w", k.Name, err)
	}
	return nil
}

// Read reads the checkpoint file at path, upgrading an older format.
func (k Kind[C]) Read(path string) (*File[C], error) {
	var f File[C]
	if err := Decode(path, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", k.Name, err)
	}
	if f.Format != k.Format {
		if k.Upgrade == nil {
			return nil, fmt.Errorf("%s: %s: unknown checkpoint format %q", k.Name, path, f.Format)
		}
		if err := k.Upgrade(path, &f); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", k.Name, path, err)
		}
	}
	n := min(len(f.Losses), f.Step)
	f.Losses = f.Losses[:n]
	for name, v := range f.Metrics {
		f.Metrics[name] = v[:min(len(v), n)]
	}
	return &f, nil
}

// Newest reads the checkpoint of dir with the largest step that reads
// intact: newer files that do not decode are skipped, with a one-line
// notice. It returns nil and "" when dir has no checkpoint, and an error when
// every one is damaged or a file is not of this kind.
func (k Kind[C]) Newest(dir string) (*File[C], string, error) {
	paths, err := checkpoints.List(dir)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", k.Name, err)
	}
	var skipped []string
	var newest *damagedError // the decoding error of the newest damaged file
	for i := len(paths) - 1; i >= 0; i-- {
		f, err := k.Read(paths[i])
		var damaged *damagedError
		if errors.As(err, &damaged) {
			newest = cmp.Or(newest, damaged)
			skipped = append(skipped, filepath.Base(paths[i]))
			continue
		}
		if err != nil {
			return nil, "", err
		}
		if len(skipped) > 0 {
			fmt.Fprintf(Notices, "%s: skipping damaged %s in %s (%v); using %s\n",
				k.Name, strings.Join(skipped, ", "), dir, newest.err, filepath.Base(paths[i]))
		}
		return f, paths[i], nil
	}
	if newest != nil {
		return nil, "", fmt.Errorf("%s: %w (no intact checkpoint in %s)", k.Name, newest, dir)
	}
	return nil, "", nil
}

// Start returns what a new model configured with cfg begins from: cfg
// prepared with its checkpoint directory dir, and the newest intact
// checkpoint of dir to resume (nil when dir is "" or holds none). A
// checkpoint of another configuration, or a weights-only file, is an error.
func (k Kind[C]) Start(cfg C, dir string) (C, *File[C], error) {
	cfg, err := k.Prepare(cfg, dir)
	if err != nil || dir == "" {
		return cfg, nil, err
	}
	f, path, err := k.Newest(dir)
	switch {
	case err != nil || f == nil:
		return cfg, nil, err
	case f.WeightsOnly:
		return cfg, nil, fmt.Errorf("%s: %s holds weights only, not a training checkpoint (load it with Open, or train in another directory)", k.Name, path)
	case !k.Same(f.Config, cfg):
		return cfg, nil, fmt.Errorf("%s: checkpoint %s has %s, not %s (use another directory)", k.Name, path, k.Describe(f.Config), k.Describe(cfg))
	}
	return cfg, f, nil
}

// Load reads a checkpoint file, or the newest intact one of a directory, and
// returns it with its configuration prepared: its checkpoint directory is the
// file's, so that further training saves next to it, or "" for a
// weights-only file, which cannot be trained.
func (k Kind[C]) Load(path string) (C, *File[C], error) {
	var zero C
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return zero, nil, fmt.Errorf("%s: no checkpoint at %s", k.Name, path)
	}
	if err != nil {
		return zero, nil, fmt.Errorf("%s: %w", k.Name, err)
	}
	var f *File[C]
	dir := filepath.Dir(path)
	if fi.IsDir() {
		dir = path
		if f, _, err = k.Newest(dir); err == nil && f == nil {
			err = fmt.Errorf("%s: no checkpoint (model-<step>.ckpt) in %s", k.Name, dir)
		}
	} else {
		f, err = k.Read(path)
	}
	if err != nil {
		return zero, nil, err
	}
	if f.WeightsOnly {
		dir = ""
	}
	cfg, err := k.Prepare(f.Config, dir)
	return cfg, f, err
}

// Pretrained loads the shipped model name (package pretrained) like Load,
// with no checkpoint directory: training it further never writes into the
// shipped directory.
func (k Kind[C]) Pretrained(name string) (C, *File[C], error) {
	var zero C
	dir, err := pretrained.Dir(name)
	if err != nil {
		return zero, nil, fmt.Errorf("%s: %w", k.Name, err)
	}
	_, f, err := k.Load(dir)
	if err != nil {
		return zero, nil, err
	}
	cfg, err := k.Prepare(f.Config, "")
	return cfg, f, err
}
