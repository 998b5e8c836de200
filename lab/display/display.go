// Package display shows the lab's results inline in a GoNB notebook: plots,
// grids of digit images, tables, Markdown and progress bars.
//
// Inside a notebook (a program started by the GoNB kernel) every call renders in
// the cell's output. Outside a notebook (go test, a command) the same calls never
// fail: if the environment variable LAB_DISPLAY_DIR names a directory, each
// displayed item is written there as a numbered file (001-plot.png,
// 002-table.html, …) so a command's pictures can still be looked at; otherwise
// the item is dropped. Progress bars print a line to standard error at most
// every few seconds outside a notebook.
package display

import (
	"bytes"
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// DirEnvVar names the directory where displayed items are written outside a notebook.
const DirEnvVar = "LAB_DISPLAY_DIR"

// InNotebook reports whether the program runs under the GoNB kernel.
func InNotebook() bool { return gonbui.IsNotebook }

// flushTimeout bounds the wait for GoNB's acknowledgement in flush.
const flushTimeout = 10 * time.Second

// flush returns once GoNB has taken every output sent so far. GoNB stops
// reading a cell program's outputs as soon as the program exits, so an image
// sent by the last statement of a cell could be dropped without a trace (seen
// in a test run: a cell's plot missing, no error). gonbui.Sync sends a marker
// down the same pipe and waits for GoNB's answer, which comes after the
// outputs before it were handled; the wait is bounded, and after one
// unanswered wait flush stops waiting, so that a kernel that never answers
// cannot hang a cell.
func flush() {
	if flushGaveUp.Load() {
		return
	}
	done := make(chan struct{})
	go func() {
		gonbui.Sync()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(flushTimeout):
		flushGaveUp.Store(true)
	}
}

// flushGaveUp is set once GoNB did not answer a flush in time.
var flushGaveUp atomic.Bool

var (
	fileMu  sync.Mutex
	fileSeq int
)

// toFile writes an item outside a notebook when LAB_DISPLAY_DIR is set.
func toFile(kind, ext string, data []byte) error {
	dir := os.Getenv(DirEnvVar)
	if dir == "" {
		return nil
	}
	fileMu.Lock()
	defer fileMu.Unlock()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("display: %w", err)
	}
	for {
		fileSeq++
		path := filepath.Join(dir, fmt.Sprintf("%03d-%s.%s", fileSeq, kind, ext))
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if os.IsExist(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("display: %w", err)
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("display: %w", err)
		}
		return nil
	}
}

// PNG displays PNG-encoded bytes.
func PNG(data []byte) error {
	if InNotebook() {
		gonbui.DisplayPNG(data)
		flush()
		return nil
	}
	return toFile("image", "png", data)
}

// Image displays an image (encoded as PNG).
func Image(img image.Image) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("display: encoding PNG: %w", err)
	}
	return PNG(buf.Bytes())
}

// Plot renders a gonum/plot plot as a PNG of the given size and displays it.
// 16×10 cm is a good default for a notebook cell.
func Plot(p *plot.Plot, w, h vg.Length) error {
	if p == nil {
		return fmt.Errorf("display: nil plot")
	}
	wt, err := p.WriterTo(w, h, "png")
	if err != nil {
		return fmt.Errorf("display: rendering plot: %w", err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return fmt.Errorf("display: rendering plot: %w", err)
	}
	if InNotebook() {
		gonbui.DisplayPNG(buf.Bytes())
		flush()
		return nil
	}
	return toFile("plot", "png", buf.Bytes())
}

// HTML displays raw HTML.
func HTML(s string) {
	if InNotebook() {
		gonbui.DisplayHTML(s)
		flush()
		return
	}
	_ = toFile("html", "html", []byte(s))
}

// Markdown displays Markdown (rendered by Jupyter; LaTeX between $ works).
func Markdown(s string) {
	if InNotebook() {
		gonbui.DisplayMarkdown(s)
		flush()
		return
	}
	_ = toFile("text", "md", []byte(s))
}

// Table displays a table with a header row. Every row must have as many cells
// as the header.
func Table(header []string, rows [][]string) error {
	s, err := TableHTML(header, rows)
	if err != nil {
		return err
	}
	HTML(s)
	return nil
}

// TableHTML returns the HTML that Table displays (cells are escaped).
func TableHTML(header []string, rows [][]string) (string, error) {
	for i, r := range rows {
		if len(r) != len(header) {
			return "", fmt.Errorf("display: table row %d has %d cells, header has %d", i, len(r), len(header))
		}
	}
	var b strings.Builder
	b.WriteString(`<table style="border-collapse:collapse;font-family:sans-serif;font-size:13px">` + "\n<thead><tr>")
	for _, h := range header {
		fmt.Fprintf(&b, `<th style="border-bottom:2px solid #444;padding:3px 10px;text-align:left">%s</th>`, html.EscapeString(h))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range rows {
		b.WriteString("<tr>")
		for _, c := range r {
			fmt.Fprintf(&b, `<td style="border-bottom:1px solid #ddd;padding:3px 10px">%s</td>`, html.EscapeString(c))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody></table>")
	return b.String(), nil
}

// Heatmap displays a matrix as an HTML table whose cells are shaded by value
// (white = the smallest value, dark blue = the largest) with the numbers
// printed in them: readable confusion matrices. format is a fmt verb for the
// values, e.g. "%.0f".
func Heatmap(title string, rowLabels, colLabels []string, values [][]float64, format string) error {
	if len(values) != len(rowLabels) {
		return fmt.Errorf("display: heatmap has %d rows but %d row labels", len(values), len(rowLabels))
	}
	lo, hi := 0.0, 0.0
	for i, r := range values {
		if len(r) != len(colLabels) {
			return fmt.Errorf("display: heatmap row %d has %d values but %d column labels", i, len(r), len(colLabels))
		}
		for j, v := range r {
			if (i == 0 && j == 0) || v < lo {
				lo = v
			}
			if (i == 0 && j == 0) || v > hi {
				hi = v
			}
		}
	}
	var b strings.Builder
	if title != "" {
		fmt.Fprintf(&b, "<div style=\"font-family:sans-serif;font-weight:bold;margin:4px 0\">%s</div>\n", html.EscapeString(title))
	}
	b.WriteString(`<table style="border-collapse:collapse;font-family:sans-serif;font-size:12px;text-align:right"><tr><th></th>`)
	for _, c := range colLabels {
		fmt.Fprintf(&b, `<th style="padding:2px 6px">%s</th>`, html.EscapeString(c))
	}
	b.WriteString("</tr>\n")
	for i, r := range values {
		fmt.Fprintf(&b, `<tr><th style="padding:2px 6px">%s</th>`, html.EscapeString(rowLabels[i]))
		for _, v := range r {
			t := 0.0
			if hi > lo {
				t = (v - lo) / (hi - lo)
			}
			// White → #08306b (matplotlib "Blues" end points).
			red, green, blue := lerp(255, 8, t), lerp(255, 48, t), lerp(255, 107, t)
			fg := "#000"
			if t > 0.55 {
				fg = "#fff"
			}
			fmt.Fprintf(&b, `<td style="padding:2px 6px;min-width:34px;background:rgb(%d,%d,%d);color:%s">%s</td>`,
				red, green, blue, fg, html.EscapeString(fmt.Sprintf(format, v)))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>")
	HTML(b.String())
	return nil
}

func lerp(a, b int, t float64) int { return a + int(float64(b-a)*t+0.5) }

// Bundle displays one output with several representations, keyed by MIME type;
// values are strings (JSON as text), which GoNB passes on as they are
// (e.g. "text/html" and a machine-readable "application/…+json" for tools that
// read notebooks); Jupyter renders the richest one it knows. Outside a
// notebook nothing is written.
func Bundle(data map[string]string) {
	if !InNotebook() || len(data) == 0 {
		return
	}
	d := &protocol.DisplayData{Data: map[protocol.MIMEType]any{}}
	for k, v := range data {
		d.Data[protocol.MIMEType(k)] = v
	}
	gonbui.SendData(d)
	flush()
}
