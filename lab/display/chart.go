package display

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The charts the notebooks draw, each one call: Lines (curves), Points
// (markers), Bars (grouped bars), Map (a 2-D embedding coloured by class,
// legend beside it). Colours come from Tab10 in order; Axes holds the labels,
// ranges and reference lines.

// Axes describes a chart: its title, axis labels and ranges, and its size.
type Axes struct {
	Title, X, Y string
	LogY        bool    // logarithmic y axis (values ≤ 0 are dropped)
	FromZero    bool    // the y axis starts at 0 (its top stays automatic)
	YMin, YMax  float64 // a fixed y range when YMax > YMin
	XMax        float64 // a fixed right end of the x axis when > 0
	Grid        bool    // light grid lines
	Legend      string  // where the legend goes: "" or "top right", "bottom right", "top left", "bottom left"
	Marks       []Mark  // labelled points, e.g. "10: 49 %" on a cumulative curve
	Refs        []Mark  // horizontal reference lines at Y (dashed grey, X ignored), named in the legend
	YFormat     string  // the y tick labels' format, e.g. "%.2f" (default: gonum's)
	// Width and Height are the size of the picture; 0 gives 16 × 9 cm
	// (Map: 17 × 12 cm).
	Width, Height vg.Length
}

// Mark is a labelled point drawn on top of a chart.
type Mark struct {
	X, Y  float64
	Label string
}

// Series is one named curve or set of bars. X may be nil: the points are then
// at x = 1, 2, 3, ….
type Series struct {
	Name string
	X, Y []float64
}

// Smooth returns the series of the running mean of v over window values,
// one point every `every` values (and the last), at x = index + 1: a training
// loss curve that can be read.
func Smooth[T float32 | float64](name string, v []T, window, every int) Series {
	s := Series{Name: name}
	if window < 1 {
		window = 1
	}
	if every < 1 {
		every = 1
	}
	sum := 0.0
	for i, x := range v {
		sum += float64(x)
		if i >= window {
			sum -= float64(v[i-window])
		}
		if i >= window-1 && (i%every == 0 || i == len(v)-1) {
			s.X = append(s.X, float64(i+1))
			s.Y = append(s.Y, sum/float64(window))
		}
	}
	return s
}

// Lines draws the series as curves (colours Tab10[0], Tab10[1], … in order,
// a legend when there is more than one named series) and displays the chart.
func Lines(a Axes, series ...Series) error {
	p, err := newPlot(a)
	if err != nil {
		return err
	}
	for i, s := range series {
		xys, err := points(s, a.LogY)
		if err != nil {
			return err
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("display: series %q: %w", s.Name, err)
		}
		l.Color = Tab10[i%len(Tab10)]
		l.Width = vg.Points(1.4)
		if i == 0 && len(series) > 1 {
			l.Width = vg.Points(2.6) // the first curve stays visible where a later one covers it
		}
		p.Add(l)
		if s.Name != "" && len(series) > 1 {
			p.Legend.Add(s.Name, l)
		}
	}
	addRefs(p, a.Refs)
	if err := addMarks(p, a.Marks); err != nil {
		return err
	}
	return Plot(p, size(a.Width, 16*vg.Centimeter), size(a.Height, 9*vg.Centimeter))
}

// Points draws each series as markers (colour Tab10[i], a distinct shape per
// series, a legend of the named ones) and displays the chart: values per
// seed, per run, … where a line between them would mean nothing.
func Points(a Axes, series ...Series) error {
	p, err := newPlot(a)
	if err != nil {
		return err
	}
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}, draw.RingGlyph{}}
	for i, s := range series {
		xys, err := points(s, a.LogY)
		if err != nil {
			return err
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return fmt.Errorf("display: series %q: %w", s.Name, err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: Tab10[i%len(Tab10)], Radius: vg.Points(3.5), Shape: shapes[i%len(shapes)]}
		p.Add(sc)
		if s.Name != "" {
			p.Legend.Add(s.Name, sc)
		}
	}
	addRefs(p, a.Refs)
	// Markers at the edges would be cut in half: a margin of 5 % (and room
	// for a legend at the top) unless the range is fixed.
	dx := 0.05 * (p.X.Max - p.X.Min)
	p.X.Min, p.X.Max = p.X.Min-dx, p.X.Max+dx
	if !(a.YMax > a.YMin) {
		dy := p.Y.Max - p.Y.Min
		p.Y.Min -= 0.05 * dy
		room := 0.08 * dy * float64(len(series)+len(a.Refs)) // for the legend's lines
		if p.Legend.Top {
			p.Y.Max += room
		} else {
			p.Y.Max += 0.05 * dy
			p.Y.Min -= room
		}
	}
	if err := addMarks(p, a.Marks); err != nil {
		return err
	}
	return Plot(p, size(a.Width, 16*vg.Centimeter), size(a.Height, 9*vg.Centimeter))
}

// Bars draws one group of bars per category, one bar per series in each group
// (colours Tab10 in order, a legend for named series), and displays it. Every
// series must have one value (Y) per category.
func Bars(a Axes, categories []string, series ...Series) error {
	if len(categories) == 0 || len(series) == 0 {
		return errors.New("display: Bars needs at least one category and one series")
	}
	p, err := newPlot(a)
	if err != nil {
		return err
	}
	w := vg.Points(math.Max(4, math.Min(18, 180/float64(len(categories)*len(series)))))
	for i, s := range series {
		if len(s.Y) != len(categories) {
			return fmt.Errorf("display: series %q has %d values for %d categories", s.Name, len(s.Y), len(categories))
		}
		b, err := plotter.NewBarChart(plotter.Values(s.Y), w)
		if err != nil {
			return fmt.Errorf("display: series %q: %w", s.Name, err)
		}
		b.Color = Tab10[i%len(Tab10)]
		b.LineStyle.Width = 0
		b.Offset = w * vg.Length(2*i-len(series)+1) / 2
		p.Add(b)
		if s.Name != "" {
			p.Legend.Add(s.Name, b)
		}
	}
	p.NominalX(categories...)
	if p.Legend.Top && !(a.YMax > a.YMin) {
		p.Y.Max *= 1.15 // room for the legend above the tallest bar
	}
	addRefs(p, a.Refs)
	if err := addMarks(p, a.Marks); err != nil {
		return err
	}
	return Plot(p, size(a.Width, 16*vg.Centimeter), size(a.Height, 9*vg.Centimeter))
}

// Map draws a 2-D embedding — point i at (x[i], y[i]) in colour
// Tab10[class[i]] — with the legend (names[c] for class c) beside the plot
// rather than over the points, as the course's maps: small, slightly
// transparent dots so that dense regions stay readable.
func Map(a Axes, x, y []float64, class []int, names []string) error {
	if len(x) != len(y) || len(x) != len(class) {
		return fmt.Errorf("display: Map got %d x, %d y and %d classes", len(x), len(y), len(class))
	}
	if len(names) > len(Tab10) {
		return fmt.Errorf("display: Map has %d classes, the palette %d colours", len(names), len(Tab10))
	}
	for i, c := range class {
		if c < 0 || c >= len(names) {
			return fmt.Errorf("display: point %d has class %d, want 0…%d", i, c, len(names)-1)
		}
	}
	p, err := newPlot(a)
	if err != nil {
		return err
	}
	xys := make(plotter.XYs, len(x))
	for i := range x {
		xys[i] = plotter.XY{X: x[i], Y: y[i]}
	}
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return fmt.Errorf("display: %w", err)
	}
	radius := vg.Points(1.3)
	if len(x) > 5000 {
		radius = vg.Points(0.8)
	}
	sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
		c := Tab10[class[i]]
		return draw.GlyphStyle{Color: color.NRGBA{R: c.R, G: c.G, B: c.B, A: 190}, Radius: radius, Shape: draw.CircleGlyph{}}
	}
	p.Add(sc)
	leg := plot.NewLegend()
	leg.Top = true
	for c, name := range names {
		th, err := plotter.NewScatter(plotter.XYs{{}})
		if err != nil {
			return fmt.Errorf("display: %w", err)
		}
		th.GlyphStyle = draw.GlyphStyle{Color: Tab10[c], Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
		leg.Add(name, th)
	}
	w, h, legendW := size(a.Width, 17*vg.Centimeter), size(a.Height, 12*vg.Centimeter), 3.6*vg.Centimeter
	canvas := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))
	dc := draw.New(canvas)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	p.Draw(draw.Crop(dc, 0, -legendW, 0, -0.15*vg.Centimeter))
	leg.Draw(draw.Crop(dc, w-legendW+0.3*vg.Centimeter, 0, 0, -1.2*vg.Centimeter))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(&buf); err != nil {
		return fmt.Errorf("display: rendering map: %w", err)
	}
	return PNG(buf.Bytes())
}

// newPlot makes a plot with the titles, scales and ranges of a.
func newPlot(a Axes) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = a.Title
	p.X.Label.Text, p.Y.Label.Text = a.X, a.Y
	if a.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
			ticks := plot.LogTicks{Prec: -1}.Ticks(lo, hi)
			for i := range ticks {
				if ticks[i].Label != "" {
					ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 3, 64) // 1e-05, not 1.0000000000000001e-05
				}
			}
			return ticks
		})
	}
	switch {
	case a.YMax > a.YMin:
		p.Y.Min, p.Y.Max = a.YMin, a.YMax
	case a.FromZero:
		p.Y.Min = 0
	}
	if a.XMax > 0 {
		p.X.Max = a.XMax
	}
	if a.Grid {
		p.Add(plotter.NewGrid())
	}
	if a.YFormat != "" {
		format := a.YFormat
		p.Y.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
			ticks := plot.DefaultTicks{}.Ticks(lo, hi)
			for i := range ticks {
				if ticks[i].Label != "" {
					ticks[i].Label = fmt.Sprintf(format, ticks[i].Value)
				}
			}
			return ticks
		})
	}
	switch a.Legend {
	case "", "top right":
		p.Legend.Top = true
	case "bottom right":
	case "top left":
		p.Legend.Top, p.Legend.Left = true, true
	case "bottom left":
		p.Legend.Left = true
	default:
		return nil, fmt.Errorf("display: legend position %q (want top/bottom right/left)", a.Legend)
	}
	return p, nil
}

// points turns a series into plotter points, checking lengths and values.
func points(s Series, logY bool) (plotter.XYs, error) {
	if s.X != nil && len(s.X) != len(s.Y) {
		return nil, fmt.Errorf("display: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
	}
	xys := make(plotter.XYs, 0, len(s.Y))
	for i, v := range s.Y {
		x := float64(i + 1)
		if s.X != nil {
			x = s.X[i]
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("display: series %q has a non-finite point %d (%v, %v)", s.Name, i, x, v)
		}
		if logY && v <= 0 {
			continue
		}
		xys = append(xys, plotter.XY{X: x, Y: v})
	}
	if len(xys) == 0 {
		return nil, fmt.Errorf("display: series %q has no point to draw", s.Name)
	}
	return xys, nil
}

// addRefs draws dashed horizontal reference lines across the whole x range.
func addRefs(p *plot.Plot, refs []Mark) {
	for _, r := range refs {
		y := r.Y
		p.Y.Min, p.Y.Max = math.Min(p.Y.Min, y), math.Max(p.Y.Max, y)
		f := plotter.NewFunction(func(float64) float64 { return y })
		f.Color, f.Dashes, f.Width = Tab10[7], []vg.Length{vg.Points(5), vg.Points(3)}, vg.Points(1)
		p.Add(f)
		if r.Label != "" {
			p.Legend.Add(r.Label, f)
		}
	}
}

// addMarks draws labelled points in red.
func addMarks(p *plot.Plot, marks []Mark) error {
	for _, m := range marks {
		dot, err := plotter.NewScatter(plotter.XYs{{X: m.X, Y: m.Y}})
		if err != nil {
			return fmt.Errorf("display: mark %q: %w", m.Label, err)
		}
		dot.GlyphStyle = draw.GlyphStyle{Color: Tab10[3], Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: m.X, Y: m.Y}}, Labels: []string{"  " + m.Label}})
		if err != nil {
			return fmt.Errorf("display: mark %q: %w", m.Label, err)
		}
		lbl.Offset = vg.Point{X: vg.Points(2), Y: vg.Points(-10)}
		p.Add(dot, lbl)
	}
	return nil
}

func size(v, def vg.Length) vg.Length {
	if v > 0 {
		return v
	}
	return def
}
