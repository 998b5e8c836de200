package classifier

import "strings"

// Save writes the model's complete state, optimizer included, to
// checkpoints.Path(Config.Dir, Step()) atomically (a complete file or none) and
// returns the path.
func (m *Classifier) Save() (string, error) { return m.core.SaveStep() }

// SaveTo writes the model's complete state to path atomically. A model loaded
// from a weights-only file writes a weights-only file.
func (m *Classifier) SaveTo(path string) error {
	if m.core.WeightsOnly {
		return m.SaveWeights(path)
	}
	return m.core.Save(path, nil)
}

// SaveWeights writes only the network's weights (no optimizer state: about a
// third of a full checkpoint) to path atomically, for inference: Open loads
// it, but the loaded model cannot be trained further.
func (m *Classifier) SaveWeights(path string) error { return m.core.Save(path, isWeight) }

// isWeight tells the network's variables from the optimizer's and the
// training state's.
func isWeight(path string) bool { return strings.HasPrefix(path, "/"+modelScope+"/") }
