// Package pretrained locates the model weights shipped with the lab, so that a
// notebook can load a trained classifier, DDPM, VAE or autoencoder instantly
// instead of training it.
//
// Each model has a directory lab/pretrained/<name>/ holding its checkpoint
// file(s) and a README.md that records the exact command that produced them,
// how long it took and the scores it reached. The directories are found next
// to this source file, or under $LAB_ROOT/lab/pretrained when LAB_ROOT is set.
package pretrained

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Names of the shipped models.
const (
	Classifier  = "classifier"  // lab/classifier: the digit classifier used as judge
	DDPM        = "ddpm"        // lab/ddpm: the class-conditional diffusion model
	VAE         = "vae"         // lab/vae: the HW2 VAE after 20 000 steps
	AutoEncoder = "autoencoder" // lab/autoencoder: the Lab 3 part 2 autoencoder
)

// Root is the directory holding the shipped models.
func Root() string {
	if root := os.Getenv("LAB_ROOT"); root != "" {
		if fi, err := os.Stat(filepath.Join(root, "lab", "pretrained")); err == nil && fi.IsDir() {
			return filepath.Join(root, "lab", "pretrained")
		}
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join("lab", "pretrained")
	}
	return filepath.Dir(file)
}

// Dir returns the directory of the shipped model name, or an error naming the
// missing directory.
func Dir(name string) (string, error) {
	dir := filepath.Join(Root(), name)
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.IsDir()) {
		return "", fmt.Errorf("pretrained: no shipped model %q (%s not found)", name, dir)
	}
	if err != nil {
		return "", fmt.Errorf("pretrained: %w", err)
	}
	return dir, nil
}
