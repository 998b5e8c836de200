package vae

import (
	"fmt"
	"path/filepath"

	"github.com/mnistlab/golab/lab/internal/ckpt"
)

// upgradeV1 reads the loss history of a file written before the shared
// checkpoint format (golab-vae/1, such as the shipped model-20000.ckpt): it
// kept the three series in a History field rather than in Losses and Metrics.
func upgradeV1(path string, f *ckpt.File[Config]) error {
	if f.Format != "golab-vae/1" {
		return fmt.Errorf("unknown checkpoint format %q", f.Format)
	}
	var v1 struct{ History History }
	if err := ckpt.Decode(path, &v1); err != nil {
		return err
	}
	h := v1.History
	f.Losses, f.Metrics = h.NELBO, map[string][]float32{"kl": h.KL, "rec": h.REC}
	return nil
}

// CheckpointDir is the homework's directory for a model's checkpoints:
// root/model=vae_z=10_run=0000.
func CheckpointDir(root string, z, run int) string {
	return filepath.Join(root, fmt.Sprintf("model=vae_z=%d_run=%04d", z, run))
}

// Save writes the model's complete state to checkpoints.Path(Config.Dir, Step())
// atomically (a complete file or none) and returns the path.
func (m *Model) Save() (string, error) { return m.core.SaveStep() }

// SaveTo writes the model's complete state to path atomically.
func (m *Model) SaveTo(path string) error { return m.core.Save(path, nil) }
