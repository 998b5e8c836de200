// Command assignments keeps the notebooks ready to hand out: for every
// solution notebook under notebooks/ it writes nbgrader's cell metadata from
// the homework's rubric (lab/rubric) into the solution notebook, and writes
// notebooks/assignments/<same path> with each solution region replaced by a
// stub (code) or a "Your answer:" prompt (markdown) and outputs cleared (see
// package lab/assignment).
//
//	go run ./lab/cmd/assignments           # (re)generate
//	go run ./lab/cmd/assignments --check   # fail if a generated file is stale (CI)
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/mnistlab/golab/lab/assignment"
)

func main() {
	dir := flag.String("dir", "notebooks", "directory of the solution notebooks")
	check := flag.Bool("check", false, "only check that the student notebooks are up to date; exit 1 if not")
	flag.Parse()
	gens, err := assignment.Generate(*dir, !*check)
	if err != nil {
		fmt.Fprintln(os.Stderr, "assignments:", err)
		os.Exit(1)
	}
	stale := 0
	for _, g := range gens {
		if g.MetadataStale {
			if *check {
				fmt.Printf("stale    %s (nbgrader metadata differs from its rubric)\n", g.Solution)
				stale++
			} else {
				fmt.Printf("updated  %s (nbgrader metadata from its rubric)\n", g.Solution)
			}
		}
		if g.Student == "" {
			continue
		}
		switch {
		case g.Solution == "":
			fmt.Printf("orphan   %s (no solution notebook)%s\n", g.Student, map[bool]string{true: "", false: ": removed"}[*check])
			stale++
		case g.Stale && *check:
			fmt.Printf("stale    %s (from %s)\n", g.Student, g.Solution)
			stale++
		case g.Stale:
			fmt.Printf("written  %s (%d solution regions)\n", g.Student, g.Regions)
		default:
			fmt.Printf("ok       %s (%d solution regions)\n", g.Student, g.Regions)
		}
	}
	if *check && stale > 0 {
		fmt.Fprintf(os.Stderr, "assignments: %d notebook(s) out of date: run go run ./lab/cmd/assignments\n", stale)
		os.Exit(1)
	}
}
