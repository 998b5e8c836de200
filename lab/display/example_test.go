package display_test

import (
	"fmt"

	"github.com/mnistlab/golab/lab/display"
)

// A 10-column grid of two tiny 2×2 "digits" with captions; in a notebook
// display.Digits shows it inline.
func ExampleDigitGrid() {
	imgs := [][]float32{{0, 1, 1, 0}, {1, 0, 0, 1}}
	g, err := display.DigitGrid(imgs, display.GridOptions{Width: 2, Scale: 4, Labels: []string{"a", "b"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(g.Bounds().Dx(), "x", g.Bounds().Dy())
	// Output: 22 x 26
}

// A training curve in one call: the running mean of a loss over 2 steps. In a
// notebook it shows inline; here, with LAB_DISPLAY_DIR unset, nothing is
// written.
func ExampleLines() {
	loss := []float64{3, 2.5, 2.2, 2.0, 1.9, 1.85}
	err := display.Lines(display.Axes{Title: "Training loss", X: "step", Y: "nats", FromZero: true},
		display.Smooth("loss", loss, 2, 1))
	fmt.Println(err)
	// Output: <nil>
}
