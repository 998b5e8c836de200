package classifier_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mnistlab/golab/lab/checkpoints"
	"github.com/mnistlab/golab/lab/classifier"
)

// bars draws n 28×28 images in [0, 1]: a vertical bar (labelled 1) or a
// horizontal one (labelled 7), in columns or rows that vary with i.
func bars(n int) ([]float32, []int) {
	x := make([]float32, n*classifier.XDim)
	y := make([]int, n)
	for i := range n {
		pos := 6 + (i/2)%16
		y[i] = 1 + 6*(i%2)
		for p := range classifier.XDim {
			row, col := p/28, p%28
			if (i%2 == 0 && col >= pos && col < pos+3 && row >= 4 && row < 24) ||
				(i%2 == 1 && row >= pos && row < pos+3 && col >= 4 && col < 24) {
				x[i*classifier.XDim+p] = 1
			}
		}
	}
	return x, y
}

// Train a small classifier on toy images, score it, judge "generated" images
// and save its weights for inference.
func Example() {
	x, y := bars(64)
	m, err := classifier.New(classifier.Config{Channels: []int{4, 8}, Hidden: 16, Seed: 1, BatchSize: 16, LearningRate: 0.01})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := m.Fit(context.Background(), x, y, classifier.FitOptions{Epochs: 10}); err != nil {
		fmt.Println(err)
		return
	}
	acc, _ := m.Score(x, y)
	fmt.Printf("%d steps, training accuracy %.2f\n", m.Step(), acc)

	// A generator asked for a 1, a 7 and a 7 drew these: the last looks like a 1.
	gen, _ := bars(4)
	j, _ := m.Judge(gen[:3*classifier.XDim], []int{1, 7, 7})
	fmt.Printf("judged %d images: accuracy %.2f, digit 1 %.1f, digit 7 %.1f, digit 3 judged: %v\n",
		j.N, j.Accuracy, j.PerDigit[1], j.PerDigit[7], j.Count[3] > 0)

	dir, _ := os.MkdirTemp("", "classifier-example")
	defer os.RemoveAll(dir)
	if err := m.SaveWeights(checkpoints.Path(dir, m.Step())); err != nil {
		fmt.Println(err)
		return
	}
	w, err := classifier.Open(dir) // the latest model-<step>.ckpt of dir
	if err != nil {
		fmt.Println(err)
		return
	}
	p1, _ := m.Predict(gen)
	p2, _ := w.Predict(gen)
	fmt.Println("reloaded from", filepath.Base(checkpoints.Path(dir, w.Step())), "predicts", p2, "same:", fmt.Sprint(p1) == fmt.Sprint(p2))
	// Output:
	// 40 steps, training accuracy 1.00
	// judged 3 images: accuracy 0.67, digit 1 1.0, digit 7 0.5, digit 3 judged: false
	// reloaded from model-40.ckpt predicts [1 7 1 7] same: true
}

// Judge a generative model's samples with the shipped classifier: how often it
// sees the digit that was asked for, and how sure it is.
func ExampleLoadPretrained() {
	judge, err := classifier.LoadPretrained()
	if err != nil {
		fmt.Println(err)
		return
	}
	var samples []float32 // N×784 values in [0, 1], e.g. from a DDPM asked for digits
	var asked []int       // the digit asked for each sample
	j, err := judge.Judge(samples, asked)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(j) // N=… accuracy=…% confidence=… per digit: 0:…% 1:…% …
}
