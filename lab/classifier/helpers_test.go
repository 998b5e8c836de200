package classifier

import (
	"math"
	"math/rand/v2"
)

// synthetic returns n "images" of 784 values in [0, 1] and their labels 0…2:
// noisy copies of three stroke-like prototypes (vertical bar, horizontal bar,
// ring), shifted by up to 2 pixels.
func synthetic(n int, seed uint64) ([]float32, []uint8) {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n*XDim)
	y := make([]uint8, n)
	for i := range n {
		kind := i % 3
		y[i] = uint8(kind)
		dr, dc := float64(r.IntN(5)-2), float64(r.IntN(5)-2)
		for p := range XDim {
			row, col := float64(p/28)-dr, float64(p%28)-dc
			var on bool
			switch kind {
			case 0:
				on = col >= 12 && col <= 15 && row >= 4 && row <= 23
			case 1:
				on = row >= 12 && row <= 15 && col >= 4 && col <= 23
			default:
				d := math.Hypot(row-13.5, col-13.5)
				on = d >= 7 && d <= 10
			}
			v := 0.05 * r.Float64()
			if on {
				v = 0.7 + 0.3*r.Float64()
			}
			x[i*XDim+p] = float32(v)
		}
	}
	return x, y
}

func readInto(path string, ck *checkpoint) error {
	c, err := readCheckpoint(path)
	if err != nil {
		return err
	}
	*ck = *c
	return nil
}
