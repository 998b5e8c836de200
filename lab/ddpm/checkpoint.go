package ddpm

import "strings"

// Save writes a full checkpoint to checkpoints.Path(Config.Dir, Step())
// atomically and returns its path; New resumes training from it.
func (m *Model) Save() (string, error) { return m.core.SaveStep() }

// SaveTo writes a full checkpoint to path atomically.
func (m *Model) SaveTo(path string) error { return m.core.Save(path, nil) }

// SaveWeights writes the moving-average weights only — what sampling uses,
// a third of a full checkpoint — to path atomically. Open loads it; such a
// model samples but cannot be trained further.
func (m *Model) SaveWeights(path string) error {
	return m.core.Save(path, func(p string) bool { return strings.HasPrefix(p, "/"+emaScope+"/") })
}
