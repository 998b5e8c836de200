package vae

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/mnistlab/golab/lab/internal/ckpt"
)

// checkpointFormat tags the files this package writes. Their naming
// ("model-<step>.ckpt"), variables and atomic gob encoding are those of the
// shared package lab/internal/ckpt.
const checkpointFormat = "golab-vae/1"

// CheckpointDir is the homework's directory for a model's checkpoints:
// root/model=vae_z=10_run=0000.
func CheckpointDir(root string, z, run int) string {
	return filepath.Join(root, fmt.Sprintf("model=vae_z=%d_run=%04d", z, run))
}

// CheckpointPath is the file of the checkpoint at step in dir: dir/model-<step>.ckpt.
func CheckpointPath(dir string, step int) string { return ckpt.Path(dir, step) }

// Checkpoints lists the checkpoint files in dir by increasing step. A missing
// directory has none.
func Checkpoints(dir string) ([]string, error) {
	paths, err := ckpt.List(dir)
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	return paths, nil
}

// LatestCheckpoint returns the checkpoint of dir with the largest step, or ""
// if there is none.
func LatestCheckpoint(dir string) (string, error) {
	path, err := ckpt.Latest(dir)
	if err != nil {
		return "", fmt.Errorf("vae: %w", err)
	}
	return path, nil
}

// checkpoint is the gob-encoded content of a checkpoint file: every variable
// of the Store (weights, Adam's moments and step, global step, RNG state), the
// configuration and the loss history.
type checkpoint struct {
	Format    string
	Config    Config
	Step      int
	Saved     time.Time
	Variables []ckpt.Variable
	History   History
}

// Save writes the model's complete state to CheckpointPath(Config.Dir, Step())
// atomically (a complete file or none) and returns the path.
func (m *Model) Save() (string, error) {
	if m.cfg.Dir == "" {
		return "", errors.New("vae: Save: no checkpoint directory (Config.Dir is empty)")
	}
	path := CheckpointPath(m.cfg.Dir, m.step)
	return path, m.SaveTo(path)
}

// SaveTo writes the model's complete state to path atomically.
func (m *Model) SaveTo(path string) error {
	ck := checkpoint{Format: checkpointFormat, Config: m.cfg, Step: m.step, Saved: time.Now().UTC(), History: m.hist}
	ck.Config.Dir = ""
	vars, err := ckpt.Capture(m.store, nil)
	if err != nil {
		return fmt.Errorf("vae: %w", err)
	}
	ck.Variables = vars
	if err := ckpt.Write(path, &ck); err != nil {
		return fmt.Errorf("vae: %w", err)
	}
	return nil
}

func readCheckpoint(path string) (*checkpoint, error) {
	var ck checkpoint
	if err := ckpt.Read(path, &ck); err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	if ck.Format != checkpointFormat {
		return nil, fmt.Errorf("vae: %s: unknown checkpoint format %q", path, ck.Format)
	}
	return &ck, nil
}

// Open loads a model from a checkpoint file, or from the latest checkpoint of
// a directory. The model's Config.Dir is the file's directory, so further
// training saves next to it.
func Open(path string) (*Model, error) {
	file, dir, err := ckpt.Resolve(path)
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	ck, err := readCheckpoint(file)
	if err != nil {
		return nil, err
	}
	return fromCheckpoint(ck, dir)
}

func fromCheckpoint(ck *checkpoint, dir string) (*Model, error) {
	cfg := ck.Config
	cfg.Dir = dir
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	m, err := newModel(cfg)
	if err != nil {
		return nil, err
	}
	if err := ckpt.Restore(m.store, ck.Variables); err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	m.step = ck.Step
	if m.store.GetVariable(optimizer.GlobalStepVariableName) != nil {
		if gs := int(optimizer.GetGlobalStep(m.store)); gs != ck.Step {
			return nil, fmt.Errorf("vae: checkpoint step %d but optimizer step %d", ck.Step, gs)
		}
	}
	m.hist = ck.History.truncate(ck.Step)
	if err := m.initialize(); err != nil { // no-op for loaded weights; creates any missing
		return nil, err
	}
	return m, nil
}
