package classifier

import (
	"github.com/mnistlab/golab/lab/internal/labtest"
)

// synthetic returns n toy "images" and their labels 0…2 (labtest.Strokes,
// shifted by up to 2 pixels).
func synthetic(n int, seed uint64) ([]float32, []int) { return labtest.Strokes(n, seed, 2) }
