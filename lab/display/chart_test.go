package display

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rendered runs draw with LAB_DISPLAY_DIR set and returns the one PNG it wrote.
func rendered(t *testing.T, draw func() error) image.Image {
	t.Helper()
	dir := t.TempDir()
	t.Setenv(DirEnvVar, dir)
	if err := draw(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if len(files) != 1 {
		t.Fatalf("%d PNG files written, want 1", len(files))
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// countNear counts the pixels within a small distance of colour c.
func countNear(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			d := math.Abs(float64(r>>8)-float64(c.R)) + math.Abs(float64(g>>8)-float64(c.G)) + math.Abs(float64(bl>>8)-float64(c.B))
			if d < 30 {
				n++
			}
		}
	}
	return n
}

func TestLinesDrawsEachSeriesInItsColour(t *testing.T) {
	img := rendered(t, func() error {
		return Lines(Axes{Title: "loss", X: "step", Y: "nats", FromZero: true, Grid: true,
			Marks: []Mark{{X: 5, Y: 2, Label: "5: 2"}}},
			Series{Name: "NELBO", Y: []float64{5, 4, 3, 2, 1}},
			Series{Name: "KL", X: []float64{1, 2, 3, 4, 5}, Y: []float64{1, 1.5, 2, 2.5, 3}})
	})
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w < 500 || h < 250 {
		t.Fatalf("picture %d×%d, want about 16×9 cm", w, h)
	}
	for i := range 2 {
		if n := countNear(img, Tab10[i]); n < 100 {
			t.Errorf("series %d: %d pixels of its colour, want a drawn curve", i, n)
		}
	}
	if n := countNear(img, Tab10[3]); n < 10 {
		t.Errorf("mark: %d red pixels", n)
	}
}

func TestBarsAndMap(t *testing.T) {
	img := rendered(t, func() error {
		return Bars(Axes{Title: "images per digit"}, []string{"0", "1", "2"},
			Series{Name: "train", Y: []float64{10, 20, 15}}, Series{Name: "test", Y: []float64{3, 4, 2}})
	})
	if countNear(img, Tab10[0]) < 200 || countNear(img, Tab10[1]) < 50 {
		t.Error("bars of both series not drawn")
	}
	n := 300
	x, y, class := make([]float64, n), make([]float64, n), make([]int, n)
	for i := range n {
		class[i] = i % 3
		x[i] = float64(class[i]*10) + math.Sin(float64(i))
		y[i] = math.Cos(float64(i))
	}
	img = rendered(t, func() error {
		return Map(Axes{Title: "t-SNE"}, x, y, class, []string{"a", "b", "c"})
	})
	for c := range 3 {
		if countNear(img, Tab10[c]) < 20 {
			t.Errorf("class %d: no dots of its colour", c)
		}
	}
}

func TestChartErrors(t *testing.T) {
	t.Setenv(DirEnvVar, t.TempDir())
	for name, err := range map[string]error{
		"lengths":  Lines(Axes{}, Series{Name: "s", X: []float64{1}, Y: []float64{1, 2}}),
		"NaN":      Lines(Axes{}, Series{Name: "s", Y: []float64{1, math.NaN()}}),
		"empty":    Lines(Axes{LogY: true}, Series{Name: "s", Y: []float64{0, -1}}),
		"legend":   Lines(Axes{Legend: "middle"}, Series{Y: []float64{1}}),
		"bars":     Bars(Axes{}, []string{"a", "b"}, Series{Name: "s", Y: []float64{1}}),
		"no bars":  Bars(Axes{}, nil),
		"classes":  Map(Axes{}, []float64{1}, []float64{1}, []int{3}, []string{"a"}),
		"map lens": Map(Axes{}, []float64{1, 2}, []float64{1}, []int{0}, []string{"a"}),
	} {
		if err == nil || !strings.HasPrefix(err.Error(), "display: ") {
			t.Errorf("%s: err = %v, want a display error", name, err)
		}
	}
}

func TestSmooth(t *testing.T) {
	s := Smooth("loss", []float32{1, 2, 3, 4, 5, 6}, 3, 2)
	// Means of windows ending at indices 2, 4 (every 2) and 5 (the last).
	if got, want := s.Y, []float64{2, 4, 5}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("Smooth = %v at %v, want %v", s.Y, s.X, want)
	}
	if s.X[0] != 3 || s.X[2] != 6 {
		t.Fatalf("x = %v, want 3, 5, 6", s.X)
	}
}

func TestPointsAndReferenceLines(t *testing.T) {
	img := rendered(t, func() error {
		return Points(Axes{Title: "DB per seed", YFormat: "%.2f", Refs: []Mark{{Y: 3.5, Label: "29 / 30"}}},
			Series{Name: "scikit-learn", Y: []float64{3.0, 3.1, 2.98}}, Series{Name: "lab", Y: []float64{3.01, 3.12, 2.99}})
	})
	if countNear(img, Tab10[0]) < 20 || countNear(img, Tab10[1]) < 5 {
		t.Error("markers of both series not drawn")
	}
	if countNear(img, Tab10[7]) < 100 {
		t.Error("the reference line (outside the points' range) is not drawn")
	}
}
