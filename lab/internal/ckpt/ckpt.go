// Package ckpt is the checkpoint file format shared by the lab's GoMLX models
// (classifier, DDPM): numbered files "model-<step>.ckpt" in a directory, each a
// gob holding the model's own metadata and the variables of its model.Store,
// written atomically so an interrupted save never leaves a broken file.
//
// Weights-only files (the shipped pretrained models) hold the same structure
// without the optimizer's variables.
package ckpt

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mnistlab/golab/lab/persist"
)

const (
	prefix = "model-"
	suffix = ".ckpt"
)

// Path is the checkpoint file of step in dir: dir/model-<step>.ckpt.
func Path(dir string, step int) string {
	return filepath.Join(dir, fmt.Sprintf("%s%d%s", prefix, step, suffix))
}

// List returns the checkpoint files of dir by increasing step. A missing
// directory has none.
func List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	type item struct {
		step int
		path string
	}
	var items []item
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) {
			continue
		}
		step, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, prefix), suffix))
		if err != nil || step < 0 {
			continue
		}
		items = append(items, item{step, filepath.Join(dir, name)})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].step < items[j].step })
	paths := make([]string, len(items))
	for i, it := range items {
		paths[i] = it.path
	}
	return paths, nil
}

// Latest returns the checkpoint of dir with the largest step, or "" if none.
func Latest(dir string) (string, error) {
	paths, err := List(dir)
	if err != nil || len(paths) == 0 {
		return "", err
	}
	return paths[len(paths)-1], nil
}

// Resolve turns path — a checkpoint file, or a directory whose latest
// checkpoint is meant — into the file and its directory.
func Resolve(path string) (file, dir string, err error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("no checkpoint at %s", path)
	}
	if err != nil {
		return "", "", err
	}
	if !fi.IsDir() {
		return path, filepath.Dir(path), nil
	}
	file, err = Latest(path)
	if err != nil {
		return "", "", err
	}
	if file == "" {
		return "", "", fmt.Errorf("no checkpoint (%s*%s) in %s", prefix, suffix, path)
	}
	return file, path, nil
}

// Variable is one saved variable of a model.Store.
type Variable struct {
	Path      string
	DType     dtypes.DType
	Dims      []int
	Trainable bool
	Data      []byte
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

// Write gob-encodes v into path atomically (a complete file or none).
func Write(path string, v any) error {
	return persist.WriteFileAtomic(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		if err := gob.NewEncoder(bw).Encode(v); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// Read gob-decodes the file at path into v.
func Read(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := gob.NewDecoder(bufio.NewReader(f)).Decode(v); err != nil {
		return fmt.Errorf("reading checkpoint %s: %w", path, err)
	}
	return nil
}
