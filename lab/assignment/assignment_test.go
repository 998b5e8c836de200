package assignment

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const solutionCell = `func EStep(x []float64) ([]float64, error) {
	// Normalise each row: divide by its sum.
	// BEGIN SOLUTION
	s := 0.0
	for _, v := range x {
		s += v
	}
	// divide
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v / s
	}
	return out, nil
	// END SOLUTION
}

func Twice(v int) int {
	// BEGIN SOLUTION
	return 2 * v
	// END SOLUTION
}`

// wantStudent is nbgrader's ClearSolutions output for solutionCell with the
// lab's configuration: the region, markers and all, becomes the stub indented
// like its first marker; the hint above the region stays.
const wantStudent = `func EStep(x []float64) ([]float64, error) {
	// Normalise each row: divide by its sum.
	// TODO: write your solution here.
	panic(check.ErrNotImplemented)
}

func Twice(v int) int {
	// TODO: write your solution here.
	panic(check.ErrNotImplemented)
}`

func TestStripSource(t *testing.T) {
	got, n, err := StripSource("code", solutionCell)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || got != wantStudent {
		t.Fatalf("StripSource gave %d regions:\n%s\nwant:\n%s", n, got, wantStudent)
	}
}

// The stubs type-check whatever the signature (panic is a terminating statement).
func TestStubsCompile(t *testing.T) {
	src := "package p\nimport \"errors\"\nvar check = struct{ ErrNotImplemented error }{errors.New(\"todo\")}\n" + wantStudent
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	if _, err := conf.Check("p", fset, []*ast.File{f}, nil); err != nil {
		t.Fatalf("student stub does not compile: %v", err)
	}
}

const answerCell = `**7.2 (a) Generation efficiency.**

<!-- BEGIN SOLUTION -->
The GMM draws a sample in 0.02 ms: one Gaussian draw and an inverse PCA.
<!-- END SOLUTION -->`

func TestStripMarkdown(t *testing.T) {
	got, n, err := StripSource("markdown", answerCell)
	want := "**7.2 (a) Generation efficiency.**\n\n" + TextStub
	if err != nil || n != 1 || got != want {
		t.Fatalf("StripSource(markdown) = %q, %d, %v; want %q", got, n, err, want)
	}
	// Code markers mean nothing in markdown and vice versa: both are errors,
	// since nbgrader would cut at them.
	if _, _, err := StripSource("markdown", "text\n// BEGIN SOLUTION\nx\n// END SOLUTION"); err == nil {
		t.Error("code markers in a markdown cell: want an error")
	}
	if _, _, err := StripSource("code", "<!-- BEGIN SOLUTION -->\nx\n<!-- END SOLUTION -->"); err == nil {
		t.Error("markdown markers in a code cell: want an error")
	}
}

func TestMarkerErrors(t *testing.T) {
	for name, src := range map[string]string{
		"unclosed":  "func f() {\n// BEGIN SOLUTION\n}",
		"nested":    "// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION\n// END SOLUTION",
		"stray end": "x := 1\n// END SOLUTION",
		"misspelt":  "// BEGIN SOLUTIONS\n// END SOLUTION",
		"in prose":  "// Write it between BEGIN SOLUTION lines\nx := 1",
		"trailing":  "// BEGIN SOLUTION here\n// END SOLUTION",
	} {
		if _, _, err := StripSource("code", src); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func notebook(t *testing.T, cells ...map[string]any) []byte {
	t.Helper()
	root := map[string]any{
		"cells":          cells,
		"metadata":       map[string]any{"kernelspec": map[string]any{"name": "gonb"}},
		"nbformat":       4,
		"nbformat_minor": 5,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(root); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func codeCell(src string, outputs ...any) map[string]any {
	lines := strings.SplitAfter(src, "\n")
	list := []any{}
	for _, l := range lines {
		if l != "" {
			list = append(list, l)
		}
	}
	if outputs == nil {
		outputs = []any{}
	}
	return map[string]any{"cell_type": "code", "execution_count": 3, "id": "c", "metadata": map[string]any{}, "outputs": outputs, "source": list}
}

func markdownCell(id, src string) map[string]any {
	list := []any{}
	for _, l := range strings.SplitAfter(src, "\n") {
		if l != "" {
			list = append(list, l)
		}
	}
	return map[string]any{"cell_type": "markdown", "id": id, "metadata": map[string]any{}, "source": list}
}

func TestStudentVersionAndPasteBack(t *testing.T) {
	out := map[string]any{"output_type": "stream", "name": "stdout", "text": []any{"✓ E-step <passed>\n"}}
	sol := notebook(t,
		map[string]any{"cell_type": "markdown", "id": "m", "metadata": map[string]any{}, "source": []any{"# Task: $\\sum_k \\gamma_{nk} = 1$ & <b>"}},
		codeCell(solutionCell, out),
		codeCell("%%\nfmt.Println(Twice(2))", out),
		markdownCell("a", answerCell),
	)
	student, n, err := StudentVersion(sol)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("%d regions, want 3", n)
	}
	if strings.Contains(string(student), "0.02 ms") || !strings.Contains(string(student), "**Your answer:**") {
		t.Fatalf("written answer not replaced by the prompt:\n%s", student)
	}
	s := string(student)
	if strings.Contains(s, "BEGIN SOLUTION") || strings.Contains(s, "out[i] = v / s") || strings.Contains(s, "E-step <passed>") {
		t.Fatalf("solution or outputs leaked into the student notebook:\n%s", s)
	}
	if !strings.Contains(s, `"# Task: $\\sum_k \\gamma_{nk} = 1$ & <b>"`) {
		t.Fatalf("markdown changed:\n%s", s)
	}
	if !strings.Contains(s, `"execution_count": null`) {
		t.Fatalf("execution counts not cleared")
	}
	back, err := PasteSolutions(student, sol)
	if err != nil {
		t.Fatal(err)
	}
	cleared, err := ClearOutputs(sol)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, cleared) {
		t.Fatalf("pasting the solutions back does not give the solution notebook:\n%s\nwant\n%s", back, cleared)
	}
	// Idempotent: the student version of a student version is itself.
	again, n2, err := StudentVersion(student)
	if err != nil || n2 != 0 || !bytes.Equal(again, student) {
		t.Fatalf("not idempotent: n=%d err=%v", n2, err)
	}
}

// Every notebook of the repository round-trips byte for byte through Parse and
// Bytes, its student version pastes back to the solution, and the generated
// student notebooks on disk are up to date.
func TestRepositoryNotebooks(t *testing.T) {
	dir := filepath.Join("..", "..", "notebooks")
	skipInStudentCopy(t, dir)
	sols, err := SolutionNotebooks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(sols) == 0 {
		t.Skip("no notebooks")
	}
	for _, p := range sols {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		nb, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		again, _ := nb.Bytes()
		if !bytes.Equal(again, data) {
			t.Errorf("%s does not round-trip byte for byte (was it saved by Jupyter/nbformat?)", p)
		}
		student, n, err := StudentVersion(data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if n == 0 {
			continue
		}
		back, err := PasteSolutions(student, data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		cleared, _ := ClearOutputs(data)
		if !bytes.Equal(back, cleared) {
			t.Errorf("%s: solutions pasted back into the student version differ from the solution", p)
		}
	}
	gens, err := Generate(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gens {
		if g.Stale {
			t.Errorf("%s is stale: run go run ./lab/cmd/assignments", g.Student)
		}
	}
}

func withRubric(t *testing.T, name string, cells ...map[string]any) []byte {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(notebook(t, cells...), &root); err != nil {
		t.Fatal(err)
	}
	root["metadata"].(map[string]any)["lab"] = map[string]any{"rubric": name}
	data, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func withID(c map[string]any, id string) map[string]any { c["id"] = id; return c }

func nbgraderMeta(t *testing.T, data []byte) map[string]map[string]any {
	t.Helper()
	var root struct {
		Cells []struct {
			ID       string `json:"id"`
			Metadata struct {
				Nbgrader map[string]any `json:"nbgrader"`
			} `json:"metadata"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, c := range root.Cells {
		out[c.ID] = c.Metadata.Nbgrader
	}
	return out
}

// TestNormalize writes nbgrader's metadata from Lab 3 part 1's rubric: the
// answer cell, the three check cells and the formula cell with the rubric's
// points, the set-up and summary cells locked, other cells untouched.
func TestNormalize(t *testing.T) {
	cells := []map[string]any{
		withID(codeCell(`!*go work init && go work use . "$LAB_ROOT"`), "setup"),
		withID(codeCell(solutionCell), "ans"),
		withID(codeCell(`%%`+"\n"+`check.Run("PCA fit", func() error { return nil })`), "c1"),
		withID(codeCell(`%%`+"\n"+`check.Run("E-step", func() error { return nil })`), "c2"),
		withID(codeCell(`%%`+"\n"+`check.Run("M-step", func() error { return nil })`), "c3"),
		withID(codeCell(`%%`+"\n"+`check.Score("Davies–Bouldin score", 30, score)`), "db"),
		markdownCell("prose", "Some text."),
		withID(codeCell(`%%`+"\n"+`check.Summary(rubric.Lab3Part1)`), "sum"),
	}
	norm, err := Normalize(withRubric(t, "lab3-part1", cells...))
	if err != nil {
		t.Fatal(err)
	}
	meta := nbgraderMeta(t, norm)
	want := map[string]string{
		"setup": `{"grade":false,"grade_id":"locked-setup","locked":true,"schema_version":3,"solution":false}`,
		"ans":   `{"grade":false,"grade_id":"answer-ans","locked":false,"schema_version":3,"solution":true}`,
		"c1":    `{"grade":true,"grade_id":"lab3-pca","locked":true,"points":8,"schema_version":3,"solution":false}`,
		"c2":    `{"grade":true,"grade_id":"lab3-estep","locked":true,"points":10,"schema_version":3,"solution":false}`,
		"db":    `{"grade":true,"grade_id":"lab3-db-score","locked":true,"points":30,"schema_version":3,"solution":false}`,
		"prose": `null`,
		"sum":   `{"grade":false,"grade_id":"locked-sum","locked":true,"schema_version":3,"solution":false}`,
	}
	for id, w := range want {
		got, _ := json.Marshal(meta[id])
		if string(got) != w {
			t.Errorf("cell %s: nbgrader %s, want %s", id, got, w)
		}
	}
	// Idempotent.
	if again, err := Normalize(norm); err != nil || !bytes.Equal(again, norm) {
		t.Errorf("Normalize is not idempotent (err %v)", err)
	}

	// A missing item, a duplicate, an untagged written answer, a tag that is
	// not in the rubric: each a one-line error naming the problem.
	for name, c := range map[string]struct {
		cells []map[string]any
		want  string
	}{
		"missing":   {cells[:4], `no cell for [lab3-mstep lab3-db-score]`},
		"duplicate": {append(append([]map[string]any{}, cells...), withID(codeCell(`check.Run("E-step", f)`), "dup")), `"lab3-estep" has 2 cells`},
		"untagged":  {append(append([]map[string]any{}, cells...), markdownCell("q", answerCell)), "holds a written answer but no rubric item"},
		"bad tag": {append(append([]map[string]any{}, cells...), func() map[string]any {
			c := markdownCell("q", answerCell)
			c["metadata"] = map[string]any{"lab": map[string]any{"grade": "lab3-q9"}}
			return c
		}()), `"lab3-q9", which is not an item`},
	} {
		_, err := Normalize(withRubric(t, "lab3-part1", c.cells...))
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want one line containing %q", name, err, c.want)
		}
	}
	// Written items: a tagged markdown answer becomes a manually graded answer.
	q := markdownCell("q", answerCell)
	q["metadata"] = map[string]any{"lab": map[string]any{"grade": "lab3-q7.2-efficiency"}}
	part3 := withRubric(t, "lab3-part3",
		withID(codeCell(`check.Run("sample_from_gmm", f)`), "s"), q,
		tagged("t", "lab3-test"), tagged("c", "lab3-q7.2-quality"), tagged("f", "lab3-q7.2-flexibility"),
		tagged("k", "lab3-q7.2-control"), tagged("fb", "lab3-feedback"))
	norm, err = Normalize(part3)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(nbgraderMeta(t, norm)["q"])
	if w := `{"grade":true,"grade_id":"lab3-q7.2-efficiency","locked":false,"points":2.5,"schema_version":3,"solution":true}`; string(got) != w {
		t.Errorf("written answer: nbgrader %s, want %s", got, w)
	}
	// A notebook without regions or rubric (00_getting_started) is left alone.
	plain := notebook(t, codeCell("%%\nfmt.Println(1)"))
	if out, err := Normalize(plain); err != nil || !bytes.Equal(out, plain) {
		t.Errorf("plain notebook changed (err %v)", err)
	}
}

func tagged(id, item string) map[string]any {
	c := markdownCell(id, "Question.\n\n"+MarkdownBeginMarker+"\nAn answer.\n"+MarkdownEndMarker)
	c["metadata"] = map[string]any{"lab": map[string]any{"grade": item}}
	return c
}

// referenceNames are the lab's own answers to the TODOs, and what used to name
// them: no student notebook may mention one (they are unexported now, so a
// notebook could not call them anyway, and the text must not point at them).
var referenceNames = []string{"FitEigen", "referenceFit", "gmm.EStep", "gmm.MStep", "referenceEStep", "referenceMStep",
	"ReferenceSample", "referenceSample", "vae.SampleGaussian", "vae.KLNormal", "vae.LogBernoulliWithLogits",
	"ReferenceNegativeELBO", "referenceNegativeELBO", "NegativeELBOBound", "referenceNegativeIWAE", "the reference"}

// TestStudentNotebooksHandOutNoAnswer checks the generated student notebooks:
// no reference named, no solution region left, every written item of the
// rubric a "Your answer:" prompt, and nbgrader metadata on the graded cells.
func TestStudentNotebooksHandOutNoAnswer(t *testing.T) {
	dir := filepath.Join("..", "..", "notebooks")
	skipInStudentCopy(t, dir)
	gens, err := Generate(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(gens) < 4 {
		t.Fatalf("%d student notebooks, want hw2 and lab3's three", len(gens))
	}
	for _, g := range gens {
		data, err := os.ReadFile(g.Student)
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		for _, name := range referenceNames {
			if strings.Contains(s, name) {
				t.Errorf("%s names %q", g.Student, name)
			}
		}
		if strings.Contains(s, "BEGIN SOLUTION") || strings.Contains(s, "*Model answer.*") {
			t.Errorf("%s still holds a solution", g.Student)
		}
		sol, _ := os.ReadFile(g.Solution)
		written := strings.Count(string(sol), MarkdownBeginMarker)
		if got := strings.Count(s, "**Your answer:**"); got != written {
			t.Errorf("%s: %d answer prompts for %d written answers", g.Student, got, written)
		}
		if !strings.Contains(s, `"grade_id"`) {
			t.Errorf("%s has no nbgrader metadata", g.Student)
		}
	}
}

// skipInStudentCopy skips a test that needs the solution notebooks when run in a student copy of the lab
// (kernel-setup/student-copy.sh marks it with notebooks/STUDENT_COPY).
func skipInStudentCopy(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "STUDENT_COPY")); err == nil {
		t.Skip("a student copy of the lab: no solution notebooks")
	}
}
