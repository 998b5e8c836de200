package assignment

import (
	"fmt"
	"strings"

	"github.com/mnistlab/golab/lab/check"
	"github.com/mnistlab/golab/lab/rubric"
)

// nbgrader's cell metadata (schema version 3) for the kinds of cells of a
// homework notebook:
//
//   - a code cell with solution regions: an autograded answer ("solution"),
//     grade_id "answer-<cell id>";
//   - the check cell of a rubric item scored by a check or a formula (found by
//     its check.Run("<name>" or check.Score("<name>" call): a locked test
//     ("grade") cell with the item's ID and points;
//   - a markdown cell tagged with a written item ("lab": {"grade": "<ID>"} in
//     its metadata) and holding an answer region: a manually graded answer;
//   - the set-up cell (go work), the grading-summary cell (check.Summary) and
//     any cell tagged "lab": {"locked": true}: read-only;
//   - any other cell: no nbgrader metadata.
const nbgraderSchema = 3

// Normalize returns a solution notebook with its nbgrader metadata written
// from its rubric: the notebook's metadata names it ("lab": {"rubric": "…"},
// see lab/rubric). A notebook without solution regions and without a rubric
// is returned unchanged. Every item of the rubric must have exactly one cell.
func Normalize(solution []byte) ([]byte, error) {
	nb, err := Parse(solution)
	if err != nil {
		return nil, err
	}
	rs, err := nb.Regions()
	if err != nil {
		return nil, err
	}
	name := rubricName(nb.root)
	if name == "" {
		if len(rs) > 0 {
			return nil, fmt.Errorf(`assignment: the notebook has solution regions but names no rubric (metadata "lab": {"rubric": …}; known: %v)`, rubric.Names())
		}
		return solution, nil
	}
	items, err := rubric.ByName(name)
	if err != nil {
		return nil, fmt.Errorf("assignment: %w", err)
	}
	byID := map[string]check.Item{}
	for _, it := range items {
		byID[it.ID] = it
	}
	cellsOf := map[string][]int{}
	for ci, c := range nb.cells {
		kind, src, m := cellSource(c)
		id, _ := m["id"].(string)
		if id == "" {
			return nil, fmt.Errorf("assignment: cell %d has no id (nbformat ≥ 4.5 notebooks have one per cell)", ci)
		}
		meta, _ := m["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
			m["metadata"] = meta
		}
		lab, _ := meta["lab"].(map[string]any)
		tag, _ := lab["grade"].(string)
		locked, _ := lab["locked"].(bool)
		cr, _ := regions(kind, src)
		var nbg map[string]any
		it, tagged := byID[tag]
		switch {
		case tag != "" && !tagged:
			return nil, fmt.Errorf("assignment: cell %d is tagged with %q, which is not an item of rubric %q", ci, tag, name)
		case tagged && it.Kind != check.Written:
			return nil, fmt.Errorf(`assignment: cell %d is tagged with %q, an item scored by a check: its check cell is found by its check.Run/check.Score call, untag it`, ci, tag)
		case tagged:
			if kind != "markdown" || len(cr) == 0 {
				return nil, fmt.Errorf("assignment: cell %d (written item %q) must be a markdown cell with a %s … %s region", ci, tag, MarkdownBeginMarker, MarkdownEndMarker)
			}
			nbg = gradeMeta(it.ID, it.Points, true, false)
			cellsOf[it.ID] = append(cellsOf[it.ID], ci)
		case kind == "markdown" && len(cr) > 0:
			return nil, fmt.Errorf(`assignment: cell %d holds a written answer but no rubric item (metadata "lab": {"grade": "<item ID>"})`, ci)
		case kind == "code" && len(cr) > 0:
			nbg = gradeMeta("answer-"+id, 0, true, false)
			nbg["grade"] = false
			delete(nbg, "points")
		case kind == "code" && checkItem(items, src) != nil:
			it := checkItem(items, src)
			nbg = gradeMeta(it.ID, it.Points, false, true)
			cellsOf[it.ID] = append(cellsOf[it.ID], ci)
		case kind == "code" && (locked || strings.Contains(src, "go work use") || strings.Contains(src, "check.Summary(")):
			nbg = map[string]any{"grade": false, "grade_id": "locked-" + id, "locked": true, "schema_version": nbgraderSchema, "solution": false}
		}
		if nbg == nil {
			delete(meta, "nbgrader")
		} else {
			meta["nbgrader"] = nbg
		}
	}
	var missing []string
	for _, it := range items {
		switch n := len(cellsOf[it.ID]); {
		case n == 0:
			missing = append(missing, it.ID)
		case n > 1:
			return nil, fmt.Errorf("assignment: rubric item %q has %d cells (%v), want one", it.ID, n, cellsOf[it.ID])
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("assignment: rubric %q: no cell for %v (a check cell calls check.Run/check.Score with the item's name; a written answer is a markdown cell tagged with its ID)", name, missing)
	}
	return nb.Bytes()
}

// gradeMeta is nbgrader's metadata of a graded or solution cell.
func gradeMeta(id string, points float64, solution, locked bool) map[string]any {
	return map[string]any{"grade": true, "grade_id": id, "locked": locked, "points": points,
		"schema_version": nbgraderSchema, "solution": solution}
}

// checkItem returns the Auto or Formula item whose check.Run or check.Score
// call the code src makes, or nil.
func checkItem(items []check.Item, src string) *check.Item {
	for i, it := range items {
		switch {
		case it.Kind == check.Auto && strings.Contains(src, fmt.Sprintf("check.Run(%q", it.Name)),
			it.Kind == check.Formula && strings.Contains(src, fmt.Sprintf("check.Score(%q", it.Name)):
			return &items[i]
		}
	}
	return nil
}

// rubricName reads the notebook's "lab": {"rubric": …} metadata.
func rubricName(root map[string]any) string {
	meta, _ := root["metadata"].(map[string]any)
	lab, _ := meta["lab"].(map[string]any)
	name, _ := lab["rubric"].(string)
	return name
}
