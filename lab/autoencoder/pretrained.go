package autoencoder

import (
	"fmt"

	"github.com/mnistlab/golab/lab/pretrained"
)

// LoadPretrained loads the autoencoder shipped with the lab
// (lab/pretrained/autoencoder: the default network after DefaultSteps steps;
// its README.md records the command that trained it and its scores), ready
// for Encode, Decode and ReconstructionError. Its Config.Dir is empty, so
// training it further keeps no checkpoints rather than writing into the
// shipped directory.
func LoadPretrained() (*AutoEncoder, error) {
	dir, err := pretrained.Dir(pretrained.AutoEncoder)
	if err != nil {
		return nil, fmt.Errorf("autoencoder: %w", err)
	}
	m, err := Open(dir)
	if err != nil {
		return nil, err
	}
	m.cfg.Dir = ""
	return m, nil
}
