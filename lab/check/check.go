// Package check runs the notebooks' check cells: it calls a student's function
// next to the reference on fixed inputs and shows ✓, ✗ with the first
// difference, or "not implemented yet", as a small badge in the cell's output.
//
// A check never crashes the kernel: a panic in student code is recovered and
// shown as ✗ with its message and the line it came from. Student stubs call
// NotImplemented, which Run recognises.
//
// Results are also recorded, per notebook kernel session, so a grading cell at
// the end of a notebook can show them all (Summary). GoNB runs every cell as a
// new process; the record lives in the kernel's temporary directory
// ($GONB_TMP_DIR), which lasts as long as the kernel. Outside a notebook
// nothing is recorded unless LAB_CHECK_FILE names a file.
//
// A grading table has three kinds of items (Kind): checks (Run: full points
// when the check passes), formula scores computed in the notebook (Score: e.g.
// the course's Davies–Bouldin score, partial points), and written answers that
// the teacher grades. Summary shows the table and returns a Report that can be
// written as JSON for collection.
//
// Under nbgrader's autograder (LAB_AUTOGRADE=1 in the kernel's environment) a
// check that does not pass also ends its cell with an error, which is how
// nbgrader scores a test cell 0; a formula score is published as a number
// nbgrader can read (the lab's nbgrader configuration converts it). In a
// student's session nothing changes: badges only, no errors.
package check

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/mnistlab/golab/lab/display"
	"github.com/mnistlab/golab/lab/persist"
)

// Status is the outcome of a check.
type Status string

const (
	Passed         Status = "passed"
	Failed         Status = "failed"
	NotImplemented Status = "not implemented yet"
)

// Result is one check's outcome.
type Result struct {
	Name    string `json:"name"`
	Status  Status `json:"status"`
	Message string `json:"message,omitempty"`
	At      string `json:"at"` // when it ran (RFC 3339, nanoseconds)
	// Earned and OutOf are the points of a formula score (Score); zero for a
	// check (Run), whose points come from the grading table.
	Earned float64 `json:"earned,omitempty"`
	OutOf  float64 `json:"out_of,omitempty"`
}

// AutogradeEnvVar, set to 1 in the kernel's environment, makes a check that
// does not pass end its cell with an error (see the package comment).
const AutogradeEnvVar = "LAB_AUTOGRADE"

// PointsMIME is the MIME type under which Score publishes its points (a JSON
// text: name, earned, out_of), for the lab's nbgrader configuration to turn
// into a partial grade.
const PointsMIME = "application/vnd.golab.points+json"

// exit ends the cell's program; a variable so that tests can observe it.
var exit = os.Exit

func autograding() bool { return os.Getenv(AutogradeEnvVar) == "1" }

// errNotImplemented is the sentinel carried by the panic of Todo.
var errNotImplemented = errors.New("not implemented yet")

// ErrNotImplemented can be returned (or wrapped) by a student function instead
// of panicking via Todo; Run reports it as "not implemented yet".
var ErrNotImplemented = errNotImplemented

// Todo marks a student stub: it panics with a sentinel that Run reports as
// "not implemented yet" rather than as a failure. Stubs look like
//
//	func EStep(...) (*mat.Dense, error) {
//		check.Todo()
//		return nil, nil
//	}
func Todo() { panic(errNotImplemented) }

// Run calls fn and shows its outcome: ✓ if it returns nil, ✗ with the error's
// text otherwise, "not implemented yet" if student code called Todo or returned
// ErrNotImplemented, and ✗ with the panic message and source line if it
// panicked. It returns the Result and records it for Summary.
func Run(name string, fn func() error) Result {
	return finish("check", call(name, fn))
}

// finish shows and records a check's or a score's outcome and, when
// autograding, ends the cell with an error unless it passed.
func finish(what string, res Result) Result {
	show(res)
	record(res)
	if autograding() && res.Status != Passed {
		fmt.Fprintf(os.Stderr, "%s %q: %s %s\n", what, res.Name, res.Status, res.Message)
		exit(1)
	}
	return res
}

// call runs fn and classifies its outcome, recovering a panic.
func call(name string, fn func() error) (res Result) {
	res = Result{Name: name, At: time.Now().Format(time.RFC3339Nano)}
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok && errors.Is(e, errNotImplemented) {
				res.Status = NotImplemented
			} else {
				res.Status, res.Message = Failed, fmt.Sprintf("panic: %v%s", r, panicSite())
			}
		}
	}()
	err := fn()
	switch {
	case err == nil:
		res.Status = Passed
	case errors.Is(err, errNotImplemented):
		res.Status = NotImplemented
	default:
		res.Status, res.Message = Failed, err.Error()
	}
	return res
}

// Score records the outcome of a formula-scored item of the grading table:
// compute returns the points earned out of outOf and a one-line explanation
// (e.g. "Davies–Bouldin 3.02, baseline 2.98: 30 × 2.98 / 3.02"). The points
// are clipped to [0, outOf] and rounded to hundredths, as the badge shows
// them (so a gradebook gets 30, not 29.999999999999964). An error, a panic or
// "not implemented yet" in compute scores 0 with that status. It shows a
// badge that also carries the points (PointsMIME) and returns the Result.
func Score(name string, outOf float64, compute func() (earned float64, detail string, err error)) Result {
	var earned float64
	var detail string
	res := call(name, func() error {
		var err error
		earned, detail, err = compute()
		return err
	})
	if res.Status == Passed {
		if math.IsNaN(earned) {
			earned = 0
		}
		res.Earned, res.Message = math.Round(100*math.Max(0, math.Min(outOf, earned)))/100, detail
	}
	res.OutOf = outOf
	return finish("score", res)
}

// Use returns f if the check called name has passed in this kernel session,
// else the zero value of F (nil for a function). Cells downstream of a TODO
// pass it to the lab, which runs its own step in place of a nil one, so a
// student notebook runs to the end at every stage:
//
//	opts := gmm.Options{EStep: check.Use("E-step", EStep)}
func Use[F any](name string, f F) F {
	if Succeeded(name) {
		return f
	}
	var zero F
	return zero
}

// panicSite finds the first stack frame outside the runtime and this package:
// the student's line that panicked.
func panicSite() string {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		inCheck := strings.Contains(f.Function, "/lab/check.") && filepath.Base(f.File) == "check.go"
		if !strings.HasPrefix(f.Function, "runtime.") && !inCheck {
			fn := f.Function[strings.LastIndex(f.Function, "/")+1:]
			return fmt.Sprintf(" (in %s, %s line %d)", fn, filepath.Base(f.File), f.Line)
		}
		if !more {
			return ""
		}
	}
}

func show(r Result) {
	var icon, bg, text string
	switch r.Status {
	case Passed:
		icon, bg, text = "✓", "#e6f4ea", "passed"
	case NotImplemented:
		icon, bg, text = "…", "#f1f3f4", "not implemented yet"
	default:
		icon, bg, text = "✗", "#fce8e6", r.Message
	}
	if r.OutOf > 0 && r.Status == Passed {
		text = fmt.Sprintf("%.2f / %g points — %s", r.Earned, r.OutOf, r.Message)
	}
	if display.InNotebook() {
		badge := fmt.Sprintf(`<div data-check=%q style="font-family:sans-serif;font-size:14px;background:%s;padding:6px 10px;border-radius:4px;margin:2px 0"><b>%s %s</b> — %s</div>`,
			badgeStatus(r.Status), bg, icon, html.EscapeString(r.Name), html.EscapeString(text))
		if r.OutOf > 0 {
			// A formula score: the same output also carries the points for nbgrader.
			pts, _ := json.Marshal(map[string]any{"name": r.Name, "earned": r.Earned, "out_of": r.OutOf})
			display.Bundle(map[string]string{"text/html": badge, PointsMIME: string(pts)})
			return
		}
		display.HTML(badge)
		return
	}
	fmt.Printf("%s %s — %s\n", icon, r.Name, text)
}

// badgeStatus is the machine-readable status in a badge's data-check
// attribute, read by the notebook test runner.
func badgeStatus(s Status) string {
	switch s {
	case Passed:
		return "passed"
	case NotImplemented:
		return "not-implemented"
	}
	return "failed"
}

// Succeeded reports whether the check called name passed in this kernel
// session (see Use for the usual way downstream cells depend on it).
func Succeeded(name string) bool {
	r, ok := Recorded()[name]
	return ok && r.Status == Passed
}

// Version returns a stamp of the last passing run of the check called name,
// or "" if it has not passed. Use it in the key of a cached result computed
// with the student's function: editing the function and re-running its check
// gives a new key, so the result is recomputed.
func Version(name string) string {
	r, ok := Recorded()[name]
	if !ok || r.Status != Passed {
		return ""
	}
	return strings.NewReplacer(":", "", "-", "", ".", "").Replace(r.At)
}

// file returns where results are recorded, or "" for nowhere.
func file() string {
	if f := os.Getenv("LAB_CHECK_FILE"); f != "" {
		return f
	}
	if d := os.Getenv("GONB_TMP_DIR"); d != "" {
		return filepath.Join(d, "lab-checks.json")
	}
	return ""
}

func record(r Result) {
	path := file()
	if path == "" {
		return
	}
	all := Recorded()
	all[r.Name] = r
	data, err := json.MarshalIndent(all, "", "  ")
	if err == nil {
		_ = os.WriteFile(path, data, 0o644)
	}
}

// Recorded returns the results recorded so far in this kernel session, by name.
func Recorded() map[string]Result {
	all := map[string]Result{}
	if path := file(); path != "" {
		if data, err := os.ReadFile(path); err == nil {
			_ = json.Unmarshal(data, &all)
		}
	}
	return all
}

// Kind says how an item of a grading table is scored.
type Kind int

const (
	// Auto items are scored by their check cell (Run): full points when it passes.
	Auto Kind = iota
	// Formula items are scored by a formula computed in the notebook (Score).
	Formula
	// Written items are answers the teacher grades.
	Written
)

// String names the kind as the grading table shows it.
func (k Kind) String() string {
	switch k {
	case Auto:
		return "check"
	case Formula:
		return "formula"
	case Written:
		return "teacher-graded"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// MarshalText writes the kind's name (JSON reports).
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Item is one line of a grading table.
type Item struct {
	ID     string  `json:"id"`     // stable identifier, e.g. "lab3-estep" (nbgrader's grade_id)
	Name   string  `json:"name"`   // the name given to Run or Score; for a written item, the question
	Points float64 `json:"points"` // the most it is worth
	Kind   Kind    `json:"kind"`
}

// Line is an item of a Report with its outcome.
type Line struct {
	Item
	Status string  `json:"status"` // "passed", "failed: …", "not run", "teacher-graded", …
	Earned float64 `json:"earned"` // 0 for a written item (graded by the teacher)
}

// Report is a grading table's outcome: the lines, the points the checks and
// formulas earned (Auto), out of how many (AutoTotal), and the points left to
// the teacher (Written).
type Report struct {
	Lines     []Line  `json:"items"`
	Auto      float64 `json:"auto_earned"`
	AutoTotal float64 `json:"auto_total"`
	Written   float64 `json:"teacher_graded_total"`
	At        string  `json:"at"`
}

// Summary shows the grading table of items with the results recorded in this
// kernel session ("not run" for a check whose cell has not run; written items
// as "teacher-graded") and returns it.
func Summary(items []Item) Report {
	rec := Recorded()
	rep := Report{At: time.Now().Format(time.RFC3339)}
	rows := make([][]string, 0, len(items)+2)
	for _, it := range items {
		l := Line{Item: it, Status: "not run"}
		switch r, ok := rec[it.Name]; {
		case it.Kind == Written:
			l.Status = Written.String()
		case !ok:
		case r.Status == Passed && it.Kind == Formula:
			l.Status, l.Earned = "scored: "+r.Message, math.Min(r.Earned, it.Points)
		case r.Status == Passed:
			l.Status, l.Earned = "✓ passed", it.Points
		case r.Status == Failed:
			l.Status = "✗ " + r.Message
		default:
			l.Status = string(r.Status)
		}
		if it.Kind == Written {
			rep.Written += it.Points
			rows = append(rows, []string{it.Name, it.Kind.String(), l.Status, fmt.Sprintf("– / %g", it.Points)})
		} else {
			rep.Auto += l.Earned
			rep.AutoTotal += it.Points
			rows = append(rows, []string{it.Name, it.Kind.String(), l.Status, fmt.Sprintf("%.4g / %g", l.Earned, it.Points)})
		}
		rep.Lines = append(rep.Lines, l)
	}
	rows = append(rows, []string{"scored automatically", "", "", fmt.Sprintf("%.4g / %g", rep.Auto, rep.AutoTotal)})
	if rep.Written > 0 {
		rows = append(rows, []string{"left to the teacher", "", "", fmt.Sprintf("%g", rep.Written)})
	}
	_ = display.Table([]string{"item", "scored by", "status", "points"}, rows)
	return rep
}

// Earned returns the points scored automatically and the total of the
// automatically scored items.
func (r Report) Earned() (earned, total float64) { return r.Auto, r.AutoTotal }

// WriteJSON writes the report to path, atomically (a reader never sees half
// a file), for a teacher's script to collect.
func (r Report) WriteJSON(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	return persist.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
}

// Save writes the report as JSON to a file called name next to the notebook
// (GoNB's directory, $GONB_DIR; the current directory outside a notebook),
// where a collected submission carries it, and returns its path.
func (r Report) Save(name string) (string, error) {
	path := filepath.Join(os.Getenv("GONB_DIR"), name)
	return path, r.WriteJSON(path)
}

// Names returns the recorded check names in order, for tests and tools.
func Names() []string {
	var n []string
	for k := range Recorded() {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Close returns nil if got and want have the same length and every element
// agrees within tol (absolute, or relative for large values: |g−w| ≤ tol·max(1,|w|)),
// else an error naming the first differing index.
func Close(what string, got, want []float64, tol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if math.IsNaN(g) && !math.IsNaN(w) {
			return fmt.Errorf("%s[%d] is NaN, want %.6g", what, i, w)
		}
		if math.Abs(g-w) > tol*math.Max(1, math.Abs(w)) {
			return fmt.Errorf("%s[%d] = %.6g, want %.6g (tolerance %g)", what, i, g, w, tol)
		}
	}
	return nil
}

// Shape returns nil if the shapes agree, else an error that says both.
func Shape(what string, gotRows, gotCols, wantRows, wantCols int) error {
	if gotRows != wantRows || gotCols != wantCols {
		return fmt.Errorf("%s has shape %d×%d, want %d×%d", what, gotRows, gotCols, wantRows, wantCols)
	}
	return nil
}
