// Package batch is how the lab's GoMLX models take their inputs: the one
// check of images (shape, finiteness, range), labels and codes; gathering a
// training batch by index; and evaluation in batches of one shape.
//
// Images are N rows of 784 values in [0, 1], row-major, one slice
// (mnist.Set.Float32's layout). Errors start with the calling model's package
// name, so that they read as its own.
package batch

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// XDim is the number of values of an image: 28×28 pixels.
const XDim = 784

// Size is the most rows a model evaluates in one graph call (PredictProba,
// Encode, Decode, …): it bounds memory — the classifier's convolutions hold
// about 100 MB for 256 images — while keeping the per-call overhead small.
const Size = 256

// Images returns the number of images in x, or an error (prefixed with pkg)
// unless x is N ≥ 1 images of XDim values, each finite and in [0, 1].
func Images(pkg string, x []float32) (int, error) {
	if len(x) == 0 || len(x)%XDim != 0 {
		return 0, fmt.Errorf("%s: got %d values, want N×%d (N ≥ 1 images of 28×28 values in [0, 1])", pkg, len(x), XDim)
	}
	for i, v := range x {
		if !(v >= 0 && v <= 1) {
			return 0, fmt.Errorf("%s: image %d pixel %d is %v, want a value in [0, 1]", pkg, i/XDim, i%XDim, v)
		}
	}
	return len(x) / XDim, nil
}

// Labels returns an error (prefixed with pkg) unless there are n labels, each
// in 0…classes−1.
func Labels(pkg string, labels []int, n, classes int) error {
	if len(labels) != n {
		return fmt.Errorf("%s: %d labels for %d images", pkg, len(labels), n)
	}
	for i, l := range labels {
		if l < 0 || l >= classes {
			return fmt.Errorf("%s: label %d is %d, want 0…%d", pkg, i, l, classes-1)
		}
	}
	return nil
}

// Flatten returns rows (each of width finite values, e.g. latent codes) as
// one row-major slice, or an error prefixed with pkg.
func Flatten(pkg string, rows [][]float32, width int) ([]float32, error) {
	flat := make([]float32, 0, len(rows)*width)
	for i, row := range rows {
		if len(row) != width {
			return nil, fmt.Errorf("%s: row %d has %d values, want %d", pkg, i, len(row), width)
		}
		for j, v := range row {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("%s: row %d value %d is %v, want a finite number", pkg, i, j, v)
			}
		}
		flat = append(flat, row...)
	}
	return flat, nil
}

// Gather copies the rows idx of x (rows of width values) into buf, which must
// hold len(idx)·width values, and returns that part of buf.
func Gather(buf, x []float32, width int, idx []int) []float32 {
	out := buf[:len(idx)*width]
	for i, j := range idx {
		copy(out[i*width:(i+1)*width], x[j*width:(j+1)*width])
	}
	return out
}

// Each calls fn on the rows of x (rows of width values) in batches of at most
// Size rows, in order. Every call gets the same number of rows, min(N, Size):
// the last batch is padded with zero rows, so that a model's graph compiles
// for one shape; fn must use the results of the first `rows` rows only.
func Each(x []float32, width int, fn func(in *tensors.Tensor, rows int) error) error {
	n := len(x) / width
	size := min(n, Size)
	var pad []float32
	for lo := 0; lo < n; lo += size {
		hi := min(lo+size, n)
		in := x[lo*width : hi*width]
		if hi-lo < size {
			if pad == nil {
				pad = make([]float32, size*width)
			}
			copy(pad, in)
			clear(pad[len(in):])
			in = pad
		}
		if err := fn(tensors.FromFlatDataAndDimensions(in, size, width), hi-lo); err != nil {
			return err
		}
	}
	return nil
}

// Apply runs exec, a graph of one input [rows, width], on the rows of x in
// batches (Each) and returns, for each of its outputs, the output rows:
// out[k] holds N rows of outWidths[k] values.
func Apply(exec *model.Exec, x []float32, width int, outWidths ...int) ([][][]float32, error) {
	n := len(x) / width
	out := make([][][]float32, len(outWidths))
	for k := range out {
		out[k] = make([][]float32, 0, n)
	}
	err := Each(x, width, func(in *tensors.Tensor, rows int) error {
		res, err := exec.Call(in)
		for k := 0; err == nil && k < len(out); k++ {
			out[k], err = AppendRows(out[k], res[k], rows, outWidths[k])
		}
		return err
	})
	return out, err
}

// AppendRows appends the first rows rows of t (a [≥rows, width] float32
// tensor) to out, each row its own slice.
func AppendRows(out [][]float32, t *tensors.Tensor, rows, width int) ([][]float32, error) {
	flat, err := tensors.CopyFlatData[float32](t)
	if err != nil {
		return nil, err
	}
	if len(flat) < rows*width {
		return nil, fmt.Errorf("internal error: %d outputs for %d rows of %d", len(flat), rows, width)
	}
	for i := range rows {
		out = append(out, flat[i*width:(i+1)*width:(i+1)*width])
	}
	return out, nil
}
