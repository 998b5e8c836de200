// Package checkpoints says where notebooks keep the checkpoints of the models
// they train (the VAE of HW2, lab 3's AutoEncoder and DDPM), one directory per
// model under a root, so that an interrupted training resumes where it
// stopped and a kernel restart does not train again. The model packages
// write and read the files themselves; this package only chooses the place.
// (Shipped, ready-trained weights are found with package pretrained.)
package checkpoints

import (
	"fmt"
	"os"
	"path/filepath"

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
