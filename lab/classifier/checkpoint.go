package classifier

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/mnistlab/golab/lab/internal/ckpt"
	"github.com/mnistlab/golab/lab/pretrained"
)

const checkpointFormat = "golab-classifier/1"

// checkpoint is the gob-encoded content of a checkpoint file (package ckpt's
// format): the variables of the Store — all of them in a full checkpoint
// (weights, Adam's moments and step, global step, random state), only the
// network's in a weights-only file — the configuration and the loss history.
type checkpoint struct {
	Format      string
	Config      Config
	Step        int
	Saved       time.Time
	WeightsOnly bool
	Variables   []ckpt.Variable
	Losses      []float32
	Elapsed     time.Duration // training time up to Step
}

// CheckpointPath is the checkpoint file of step in dir: dir/model-<step>.ckpt.
func CheckpointPath(dir string, step int) string { return ckpt.Path(dir, step) }

// Checkpoints lists the checkpoint files in dir by increasing step. A missing
// directory has none.
func Checkpoints(dir string) ([]string, error) {
	paths, err := ckpt.List(dir)
	if err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	return paths, nil
}

func latest(dir string) (string, error) {
	p, err := ckpt.Latest(dir)
	if err != nil {
		return "", fmt.Errorf("classifier: %w", err)
	}
	return p, nil
}

// Save writes the model's complete state, optimizer included, to
// CheckpointPath(Config.Dir, Step()) atomically (a complete file or none) and
// returns the path.
func (m *Classifier) Save() (string, error) {
	if m.cfg.Dir == "" {
		return "", errors.New("classifier: Save: no checkpoint directory (Config.Dir is empty)")
	}
	path := CheckpointPath(m.cfg.Dir, m.step)
	return path, m.SaveTo(path)
}

// SaveTo writes the model's complete state to path atomically. A model loaded
// from a weights-only file writes a weights-only file.
func (m *Classifier) SaveTo(path string) error {
	return m.write(path, m.weightsOnly)
}

// SaveWeights writes only the network's weights (no optimizer state: about a
// third of a full checkpoint) to path atomically, for inference: Open loads
// it, but the loaded model cannot be trained further.
func (m *Classifier) SaveWeights(path string) error {
	return m.write(path, true)
}

func (m *Classifier) write(path string, weightsOnly bool) error {
	var keep func(string) bool
	if weightsOnly {
		keep = isWeight
	}
	vars, err := ckpt.Capture(m.store, keep)
	if err != nil {
		return fmt.Errorf("classifier: %w", err)
	}
	ck := checkpoint{Format: checkpointFormat, Config: m.Config(), Step: m.step, Saved: time.Now().UTC(),
		WeightsOnly: weightsOnly, Variables: vars, Losses: m.losses, Elapsed: m.elapsed}
	ck.Config.Dir = ""
	if err := ckpt.Write(path, &ck); err != nil {
		return fmt.Errorf("classifier: %w", err)
	}
	return nil
}

// isWeight tells the network's variables from the optimizer's and the
// training state's.
func isWeight(path string) bool { return strings.HasPrefix(path, "/"+modelScope+"/") }

func readCheckpoint(path string) (*checkpoint, error) {
	var ck checkpoint
	if err := ckpt.Read(path, &ck); err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	if ck.Format != checkpointFormat {
		return nil, fmt.Errorf("classifier: %s: unknown checkpoint format %q", path, ck.Format)
	}
	ck.Config = ck.Config.withDefaults()
	return &ck, nil
}

// Open loads a classifier from a checkpoint file, or from the latest
// checkpoint of a directory: a full checkpoint (Save) or a weights-only file
// (SaveWeights). From a full checkpoint, Config.Dir is the file's directory,
// so further training saves next to it; a weights-only model has no Dir and
// is for inference only.
func Open(path string) (*Classifier, error) {
	file, dir, err := ckpt.Resolve(path)
	if err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	ck, err := readCheckpoint(file)
	if err != nil {
		return nil, err
	}
	if ck.WeightsOnly {
		dir = ""
	}
	return fromCheckpoint(ck, dir)
}

// LoadPretrained loads the classifier shipped with the lab
// (lab/pretrained/classifier, see its README.md for how it was trained and
// its test accuracy), ready for Predict, Score and Judge.
func LoadPretrained() (*Classifier, error) {
	dir, err := pretrained.Dir(pretrained.Classifier)
	if err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	return Open(dir)
}

func fromCheckpoint(ck *checkpoint, dir string) (*Classifier, error) {
	cfg := ck.Config
	cfg.Dir = dir
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	m, err := newModel(cfg)
	if err != nil {
		return nil, err
	}
	nw := 0
	for _, v := range ck.Variables {
		if isWeight(v.Path) {
			nw++
		}
	}
	if want := 2*len(cfg.Channels) + 4; nw != want { // kernel and bias per layer
		return nil, fmt.Errorf("classifier: checkpoint has %d network variables, want %d", nw, want)
	}
	if err := ckpt.Restore(m.store, ck.Variables); err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	m.step = ck.Step
	m.weightsOnly = ck.WeightsOnly
	if !ck.WeightsOnly && m.store.GetVariable(optimizer.GlobalStepVariableName) != nil {
		if gs := int(optimizer.GetGlobalStep(m.store)); gs != ck.Step {
			return nil, fmt.Errorf("classifier: checkpoint step %d but optimizer step %d", ck.Step, gs)
		}
	}
	m.losses = ck.Losses[:min(len(ck.Losses), ck.Step)]
	m.elapsed = ck.Elapsed
	if err := m.initialize(); err != nil {
		return nil, err
	}
	return m, nil
}
