// Package assignment makes the student version of a solution notebook, and
// keeps the solution notebooks ready for nbgrader.
//
// Teachers keep one source of truth: the solution notebooks under notebooks/.
// In a code cell, the reference answer sits between two marker lines; hints
// for the student go above the first one:
//
//	func EStep(X *mat.Dense, ...) (*mat.Dense, error) {
//		// Responsibilities in log space: log πₖ + log N(x | μₖ, Σₖ), then log-sum-exp.
//		// BEGIN SOLUTION
//		...reference code...
//		// END SOLUTION
//	}
//
// In a markdown cell, a written answer sits between <!-- BEGIN SOLUTION --> and
// <!-- END SOLUTION --> lines (HTML comments: invisible in the rendered
// solution notebook).
//
// StudentVersion replaces each code region, marker lines included, by a stub
// indented like its first marker, which compiles whatever the function's
// signature (a panic is a terminating statement, and check.Run reports this
// one as "not implemented yet"):
//
//	// TODO: write your solution here.
//	panic(check.ErrNotImplemented)
//
// and each markdown region by TextStub, a visible "Your answer:" prompt. This
// is exactly what nbgrader's ClearSolutions does with the lab's nbgrader
// configuration (kernel-setup/nbgrader: code_stub["go"] = CodeStub, text_stub
// = TextStub, the default delimiters), so `nbgrader generate_assignment` and
// this package make the same student notebook. Everything outside the regions
// is kept byte for byte; outputs and execution counts are cleared. The JSON is
// written exactly as Jupyter writes it (sorted keys, one-space indent), so an
// unchanged notebook round-trips byte for byte.
//
// nbgrader finds its delimiters anywhere in a line, so any line that mentions
// BEGIN SOLUTION or END SOLUTION other than as the exact marker of its cell's
// kind is an error here. Regions must sit inside function bodies (a stub in a
// cell's main body would stop the cell), must not nest, and must be closed in
// the same cell.
//
// Normalize (nbgrader.go) writes nbgrader's cell metadata into a solution
// notebook from the rubric of the homework (lab/rubric).
package assignment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Marker lines (after leading white space), by cell kind.
const (
	BeginMarker         = "// BEGIN SOLUTION"
	EndMarker           = "// END SOLUTION"
	MarkdownBeginMarker = "<!-- BEGIN SOLUTION -->"
	MarkdownEndMarker   = "<!-- END SOLUTION -->"
)

// The stubs that replace a region: CodeStub in code cells (each line indented
// like the region's first marker), TextStub in markdown cells.
const (
	CodeStub = "// TODO: write your solution here.\n" + StubLine
	TextStub = "**Your answer:** *double-click this cell and write your answer here.*"
)

// StubLine is the statement that replaces a solution.
const StubLine = "panic(check.ErrNotImplemented)"

// markers returns the begin and end markers and the stub of a cell kind, or
// ok false for kinds that hold no regions (raw cells).
func markers(kind string) (begin, end, stub string, ok bool) {
	switch kind {
	case "code":
		return BeginMarker, EndMarker, CodeStub, true
	case "markdown":
		return MarkdownBeginMarker, MarkdownEndMarker, TextStub, true
	}
	return "", "", "", false
}

// Notebook is a parsed .ipynb kept as generic JSON so that unknown fields
// survive untouched.
type Notebook struct {
	root  map[string]any
	cells []any
}

// Parse reads an .ipynb document.
func Parse(data []byte) (*Notebook, error) {
	var root map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("assignment: not a notebook: %w", err)
	}
	cells, ok := root["cells"].([]any)
	if !ok {
		return nil, fmt.Errorf("assignment: not a notebook: no cells")
	}
	return &Notebook{root: root, cells: cells}, nil
}

// Bytes serialises the notebook as Jupyter does (sorted keys, indent of one
// space, no HTML escaping, trailing newline).
func (nb *Notebook) Bytes() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(nb.root); err != nil {
		return nil, fmt.Errorf("assignment: %w", err)
	}
	return buf.Bytes(), nil
}

// cellSource returns a cell's type and its source joined into one string.
func cellSource(c any) (kind, src string, m map[string]any) {
	m, _ = c.(map[string]any)
	kind, _ = m["cell_type"].(string)
	switch s := m["source"].(type) {
	case string:
		src = s
	case []any:
		var b strings.Builder
		for _, line := range s {
			if t, ok := line.(string); ok {
				b.WriteString(t)
			}
		}
		src = b.String()
	}
	return kind, src, m
}

// setSource stores src in the notebook's line-list form.
func setSource(m map[string]any, src string) {
	lines := strings.SplitAfter(src, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	list := make([]any, len(lines))
	for i, l := range lines {
		list[i] = l
	}
	m["source"] = list
}

// Region is one solution region of a cell, as line indices (0-based) of its
// marker lines.
type Region struct {
	Cell, Begin, End int
	Kind             string // "code" or "markdown"
}

// Regions lists the solution regions of a notebook and validates the markers.
func (nb *Notebook) Regions() ([]Region, error) {
	var out []Region
	for ci, c := range nb.cells {
		kind, src, _ := cellSource(c)
		rs, err := regions(kind, src)
		if err != nil {
			return nil, fmt.Errorf("assignment: cell %d: %w", ci, err)
		}
		for _, r := range rs {
			out = append(out, Region{Cell: ci, Begin: r[0], End: r[1], Kind: kind})
		}
	}
	return out, nil
}

// regions finds the marker pairs of a cell of the given kind.
func regions(kind, src string) ([][2]int, error) {
	begin, end, _, ok := markers(kind)
	if !ok {
		return nil, nil
	}
	var out [][2]int
	open := -1
	for i, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == begin:
			if open >= 0 {
				return nil, fmt.Errorf("line %d: %s inside the region opened at line %d", i+1, begin, open+1)
			}
			open = i
		case t == end:
			if open < 0 {
				return nil, fmt.Errorf("line %d: %s without %s", i+1, end, begin)
			}
			out = append(out, [2]int{open, i})
			open = -1
		case strings.Contains(line, "BEGIN SOLUTION") || strings.Contains(line, "END SOLUTION") ||
			strings.HasPrefix(t, "// BEGIN SOL") || strings.HasPrefix(t, "// END SOL"):
			return nil, fmt.Errorf("line %d: %q is not a marker of a %s cell (want a line %q or %q; nbgrader reads any line containing BEGIN/END SOLUTION as one)",
				i+1, t, kind, begin, end)
		}
	}
	if open >= 0 {
		return nil, fmt.Errorf("line %d: %s is never closed", open+1, begin)
	}
	return out, nil
}

// StripSource replaces the solution regions of one cell's source (of the
// given kind, "code" or "markdown") with stubs, and returns the number of
// regions.
func StripSource(kind, src string) (string, int, error) {
	rs, err := regions(kind, src)
	if err != nil || len(rs) == 0 {
		return src, 0, err
	}
	_, _, stub, _ := markers(kind)
	lines := strings.Split(src, "\n")
	var out []string
	next := 0
	for _, r := range rs {
		out = append(out, lines[next:r[0]]...)
		indent := lines[r[0]][:len(lines[r[0]])-len(strings.TrimLeft(lines[r[0]], " \t"))]
		for _, l := range strings.Split(stub, "\n") {
			out = append(out, indent+l)
		}
		next = r[1] + 1
	}
	out = append(out, lines[next:]...)
	return strings.Join(out, "\n"), len(rs), nil
}

// StudentVersion returns the student notebook for a solution notebook and the
// number of regions replaced. Cell metadata (nbgrader's included) is kept.
func StudentVersion(solution []byte) ([]byte, int, error) {
	nb, err := Parse(solution)
	if err != nil {
		return nil, 0, err
	}
	total := 0
	for ci, c := range nb.cells {
		kind, src, m := cellSource(c)
		stripped, n, err := StripSource(kind, src)
		if err != nil {
			return nil, 0, fmt.Errorf("assignment: cell %d: %w", ci, err)
		}
		if n > 0 {
			setSource(m, stripped)
			total += n
		}
		if kind == "code" {
			m["outputs"] = []any{}
			m["execution_count"] = nil
		}
	}
	out, err := nb.Bytes()
	return out, total, err
}

// PasteSolutions puts the solution regions of solution back into a student
// notebook generated from it (cell by cell, region by region, where the stubs
// are) and returns the result. For an untouched student notebook,
// PasteSolutions gives back the solution notebook with its outputs cleared:
// the tests use this to prove that generation loses nothing. A submission
// made by pasting the solutions into a student notebook is what the nbgrader
// round trip grades as full marks.
func PasteSolutions(student, solution []byte) ([]byte, error) {
	stu, err := Parse(student)
	if err != nil {
		return nil, err
	}
	sol, err := Parse(solution)
	if err != nil {
		return nil, err
	}
	if len(stu.cells) != len(sol.cells) {
		return nil, fmt.Errorf("assignment: student notebook has %d cells, solution %d", len(stu.cells), len(sol.cells))
	}
	for ci := range stu.cells {
		kind, solSrc, _ := cellSource(sol.cells[ci])
		rs, err := regions(kind, solSrc)
		if err != nil || len(rs) == 0 {
			continue
		}
		_, _, stub, _ := markers(kind)
		stubLines := strings.Split(stub, "\n")
		_, stuSrc, m := cellSource(stu.cells[ci])
		stuLines := strings.Split(stuSrc, "\n")
		solLines := strings.Split(solSrc, "\n")
		var out []string
		i := 0
		for k, r := range rs {
			at := findStub(stuLines, i, stubLines)
			if at < 0 {
				return nil, fmt.Errorf("assignment: cell %d: stub %d not found in the student notebook", ci, k+1)
			}
			out = append(out, stuLines[i:at]...)
			out = append(out, solLines[r[0]:r[1]+1]...)
			i = at + len(stubLines)
		}
		out = append(out, stuLines[i:]...)
		setSource(m, strings.Join(out, "\n"))
	}
	return stu.Bytes()
}

// findStub returns the index of the first line, from `from` on, where the
// stub's lines follow each other (each after any indentation), or -1.
func findStub(lines []string, from int, stub []string) int {
	for i := from; i+len(stub) <= len(lines); i++ {
		match := true
		for j, s := range stub {
			if strings.TrimLeft(lines[i+j], " \t") != s {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

// ClearOutputs returns a notebook with every code cell's outputs and execution
// count cleared.
func ClearOutputs(data []byte) ([]byte, error) {
	nb, err := Parse(data)
	if err != nil {
		return nil, err
	}
	for _, c := range nb.cells {
		if kind, _, m := cellSource(c); kind == "code" {
			m["outputs"] = []any{}
			m["execution_count"] = nil
		}
	}
	return nb.Bytes()
}
