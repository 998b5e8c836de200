package ddpm

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/mnistlab/golab/lab/internal/ckpt"
)

const checkpointFormat = "golab-ddpm/1"

// CheckpointPath is the checkpoint file of step in dir: dir/model-<step>.ckpt.
func CheckpointPath(dir string, step int) string { return ckpt.Path(dir, step) }

// checkpoint is the gob-encoded content of a checkpoint file. A full one holds
// every variable (weights, moving average, Adam state, RNG); a weights-only
// one (WeightsOnly) holds the moving average, all that sampling needs.
type checkpoint struct {
	Format      string
	Config      Config
	Step        int
	Saved       time.Time
	WeightsOnly bool
	Variables   []ckpt.Variable
	Losses      []float32
	Elapsed     time.Duration
}

// Save writes a full checkpoint to CheckpointPath(Config.Dir, Step())
// atomically and returns its path; New resumes training from it.
func (m *Model) Save() (string, error) {
	if m.cfg.Dir == "" {
		return "", errors.New("ddpm: Save: no checkpoint directory (Config.Dir is empty)")
	}
	path := CheckpointPath(m.cfg.Dir, m.step)
	return path, m.write(path, false)
}

// SaveTo writes a full checkpoint to path atomically.
func (m *Model) SaveTo(path string) error { return m.write(path, false) }

// SaveWeights writes the moving-average weights only — what sampling uses,
// a third of a full checkpoint — to path atomically. Open loads it; such a
// model samples but cannot be trained further.
func (m *Model) SaveWeights(path string) error { return m.write(path, true) }

func (m *Model) write(path string, weightsOnly bool) error {
	if m.weightsOnly && !weightsOnly {
		return errors.New("ddpm: a model loaded from a weights-only file can only be saved with SaveWeights")
	}
	var keep func(string) bool
	if weightsOnly {
		keep = func(p string) bool { return strings.HasPrefix(p, "/"+emaScope+"/") }
	}
	vars, err := ckpt.Capture(m.store, keep)
	if err != nil {
		return fmt.Errorf("ddpm: %w", err)
	}
	ck := checkpoint{Format: checkpointFormat, Config: m.cfg, Step: m.step, Saved: time.Now().UTC(),
		WeightsOnly: weightsOnly, Variables: vars, Losses: m.losses, Elapsed: m.elapsed}
	ck.Config.Dir = ""
	if err := ckpt.Write(path, &ck); err != nil {
		return fmt.Errorf("ddpm: %w", err)
	}
	return nil
}

func readCheckpoint(path string) (*checkpoint, error) {
	var ck checkpoint
	if err := ckpt.Read(path, &ck); err != nil {
		return nil, fmt.Errorf("ddpm: %w", err)
	}
	if ck.Format != checkpointFormat {
		return nil, fmt.Errorf("ddpm: %s: unknown checkpoint format %q", path, ck.Format)
	}
	ck.Config = ck.Config.withDefaults()
	return &ck, nil
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
		return nil, fmt.Errorf("ddpm: %w", err)
	}
	m.step = ck.Step
	m.weightsOnly = ck.WeightsOnly
	if !m.weightsOnly && m.store.GetVariable(optimizer.GlobalStepVariableName) != nil {
		if gs := int(optimizer.GetGlobalStep(m.store)); gs != ck.Step {
			return nil, fmt.Errorf("ddpm: checkpoint step %d but optimizer step %d", ck.Step, gs)
		}
	}
	m.losses = ck.Losses[:min(len(ck.Losses), ck.Step)]
	m.elapsed = ck.Elapsed
	if err := m.initialize(); err != nil {
		return nil, err
	}
	return m, nil
}
