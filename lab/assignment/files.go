package assignment

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// StudentDir is where student notebooks go, relative to the notebooks directory.
const StudentDir = "assignments"

// Generated describes one student notebook.
type Generated struct {
	Solution, Student string // paths
	Regions           int
	Stale             bool // the student file on disk differs (or is missing)
	// MetadataStale: the solution notebook's nbgrader metadata differs from
	// what its rubric says (Normalize); Generate with write rewrites it.
	MetadataStale bool
}

// SolutionNotebooks lists the solution notebooks under dir (not under
// assignments/, not in hidden directories such as .executed).
func SolutionNotebooks(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(d.Name(), ".") || rel == StudentDir) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".ipynb") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// Generate writes (or, with write false, only compares) the nbgrader metadata
// of every solution notebook under dir (Normalize) and the student version of
// every one that has at least one solution region, and removes student
// notebooks whose solution is gone. It reports what it found.
func Generate(dir string, write bool) ([]Generated, error) {
	sols, err := SolutionNotebooks(dir)
	if err != nil {
		return nil, fmt.Errorf("assignment: %w", err)
	}
	var out []Generated
	want := map[string]bool{}
	for _, sol := range sols {
		data, err := os.ReadFile(sol)
		if err != nil {
			return nil, fmt.Errorf("assignment: %w", err)
		}
		norm, err := Normalize(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sol, err)
		}
		metaStale := !bytes.Equal(norm, data)
		if metaStale && write {
			if err := os.WriteFile(sol, norm, 0o644); err != nil {
				return nil, fmt.Errorf("assignment: %w", err)
			}
		}
		student, n, err := StudentVersion(norm)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sol, err)
		}
		if n == 0 {
			if metaStale {
				out = append(out, Generated{Solution: sol, MetadataStale: true})
			}
			continue
		}
		rel, _ := filepath.Rel(dir, sol)
		dst := filepath.Join(dir, StudentDir, rel)
		want[dst] = true
		old, err := os.ReadFile(dst)
		g := Generated{Solution: sol, Student: dst, Regions: n, Stale: err != nil || !bytes.Equal(old, student), MetadataStale: metaStale}
		if g.Stale && write {
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return nil, fmt.Errorf("assignment: %w", err)
			}
			if err := os.WriteFile(dst, student, 0o644); err != nil {
				return nil, fmt.Errorf("assignment: %w", err)
			}
		}
		out = append(out, g)
	}
	// Orphans: student notebooks without a solution.
	_ = filepath.WalkDir(filepath.Join(dir, StudentDir), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".ipynb") && !want[p] {
			out = append(out, Generated{Student: p, Stale: true})
			if write {
				os.Remove(p)
			}
		}
		return nil
	})
	return out, nil
}
