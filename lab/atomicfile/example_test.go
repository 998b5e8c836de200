package atomicfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mnistlab/golab/lab/atomicfile"
)

// Write a small report: the file appears complete, or not at all.
func ExampleWriteString() {
	dir, _ := os.MkdirTemp("", "atomicfile-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "results", "report.md")
	if err := atomicfile.WriteString(path, "# Results\n"); err != nil {
		fmt.Println(err)
		return
	}
	data, _ := os.ReadFile(path)
	fmt.Printf("%q\n", data)
	// Output: "# Results\n"
}
