// Package checkpoints names the checkpoint files of the lab's models: in a
// model's directory, one file per saved step, model-<step>.ckpt (Path, List),
// and, for notebooks, one such directory per model under a root (Root, Dir),
// so that an interrupted training resumes where it stopped and a kernel
// restart does not train again. The model packages (vae, autoencoder,
// classifier, ddpm) write and read the files themselves. (Shipped,
// ready-trained weights are found with package pretrained.)
package checkpoints

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mnistlab/golab/lab/persist"
)

// EnvVar names the environment variable that overrides Root.
const EnvVar = "LAB_CHECKPOINT_DIR"

// Root is the directory under which checkpoints are kept: $LAB_CHECKPOINT_DIR
// if set, else $LAB_CACHE_DIR/checkpoints if that is set (persist.EnvVar, so
// a test run's cache and checkpoints stay together), else
// <user cache dir>/golab/checkpoints. It is not created.
func Root() (string, error) {
	if d := os.Getenv(EnvVar); d != "" {
		return d, nil
	}
	if d := os.Getenv(persist.EnvVar); d != "" {
		return filepath.Join(d, "checkpoints"), nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("checkpoints: no cache directory (set %s): %w", EnvVar, err)
	}
	return filepath.Join(base, "golab", "checkpoints"), nil
}

// Dir is the checkpoint directory of one model, Root()/name.
func Dir(name string) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, name), nil
}

const (
	prefix = "model-"
	suffix = ".ckpt"
)

// Path is the checkpoint file of step in a model's directory dir:
// dir/model-<step>.ckpt.
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
	slices.SortFunc(items, func(a, b item) int { return a.step - b.step })
	paths := make([]string, len(items))
	for i, it := range items {
		paths[i] = it.path
	}
	return paths, nil
}
