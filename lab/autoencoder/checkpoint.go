package autoencoder

import (
	"errors"
	"fmt"
	"time"

	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/mnistlab/golab/lab/internal/ckpt"
)

// checkpointFormat tags the files this package writes. Their naming
// ("model-<step>.ckpt"), variables and atomic gob encoding are those of the
// shared package lab/internal/ckpt.
const checkpointFormat = "golab-autoencoder/1"

// CheckpointPath is the file of the checkpoint at step in dir: dir/model-<step>.ckpt.
func CheckpointPath(dir string, step int) string { return ckpt.Path(dir, step) }

// Checkpoints lists the checkpoint files in dir by increasing step. A missing
// directory has none.
func Checkpoints(dir string) ([]string, error) {
	paths, err := ckpt.List(dir)
	if err != nil {
		return nil, fmt.Errorf("autoencoder: %w", err)
	}
	return paths, nil
}

// LatestCheckpoint returns the checkpoint of dir with the largest step, or ""
// if there is none.
func LatestCheckpoint(dir string) (string, error) {
	path, err := ckpt.Latest(dir)
	if err != nil {
		return "", fmt.Errorf("autoencoder: %w", err)
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
	Losses    []float32
	Elapsed   time.Duration // training time up to Step
}

// Save writes the model's complete state to CheckpointPath(Config.Dir, Step())
// atomically (a complete file or none) and returns the path.
func (m *AutoEncoder) Save() (string, error) {
	if m.cfg.Dir == "" {
		return "", errors.New("autoencoder: Save: no checkpoint directory (Config.Dir is empty)")
	}
	path := CheckpointPath(m.cfg.Dir, m.step)
	return path, m.SaveTo(path)
}

// SaveTo writes the model's complete state to path atomically.
func (m *AutoEncoder) SaveTo(path string) error {
	ck := checkpoint{Format: checkpointFormat, Config: m.Config(), Step: m.step, Saved: time.Now().UTC(), Losses: m.losses, Elapsed: m.elapsed}
	ck.Config.Dir = ""
	vars, err := ckpt.Capture(m.store, nil)
	if err != nil {
		return fmt.Errorf("autoencoder: %w", err)
	}
	ck.Variables = vars
	if err := ckpt.Write(path, &ck); err != nil {
		return fmt.Errorf("autoencoder: %w", err)
	}
	return nil
}

func readCheckpoint(path string) (*checkpoint, error) {
	var ck checkpoint
	if err := ckpt.Read(path, &ck); err != nil {
		return nil, fmt.Errorf("autoencoder: %w", err)
	}
	if ck.Format != checkpointFormat {
		return nil, fmt.Errorf("autoencoder: %s: unknown checkpoint format %q", path, ck.Format)
	}
	ck.Config = ck.Config.withDefaults()
	return &ck, nil
}

// Open loads an autoencoder from a checkpoint file, or from the latest
// checkpoint of a directory. Its Config.Dir is the file's directory, so
// further training saves next to it.
func Open(path string) (*AutoEncoder, error) {
	file, dir, err := ckpt.Resolve(path)
	if err != nil {
		return nil, fmt.Errorf("autoencoder: %w", err)
	}
	ck, err := readCheckpoint(file)
	if err != nil {
		return nil, err
	}
	return fromCheckpoint(ck, dir)
}

func fromCheckpoint(ck *checkpoint, dir string) (*AutoEncoder, error) {
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
		return nil, fmt.Errorf("autoencoder: %w", err)
	}
	m.step = ck.Step
	if m.store.GetVariable(optimizer.GlobalStepVariableName) != nil {
		if gs := int(optimizer.GetGlobalStep(m.store)); gs != ck.Step {
			return nil, fmt.Errorf("autoencoder: checkpoint step %d but optimizer step %d", ck.Step, gs)
		}
	}
	m.losses = ck.Losses[:min(len(ck.Losses), ck.Step)]
	m.elapsed = ck.Elapsed
	if err := m.initialize(); err != nil {
		return nil, err
	}
	return m, nil
}
