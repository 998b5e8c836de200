package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteKeepsOldFileOnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "model.bin")
	if err := WriteString(path, "v1"); err != nil {
		t.Fatal(err)
	}
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half of v2")
		return errors.New("interrupted")
	})
	if err == nil || !strings.HasPrefix(err.Error(), "atomicfile: writing ") || !strings.HasSuffix(err.Error(), "interrupted") {
		t.Fatalf("err = %v, want atomicfile: writing …: interrupted", err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "v1" {
		t.Fatalf("file = %q, want old content v1", data)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
	if err := WriteString(path, "v2"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "v2" {
		t.Fatalf("file = %q after a complete write, want v2", data)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, want 0644", fi.Mode().Perm())
	}
}

func TestWriteIntoAFileIsAnError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	if err := WriteString(file, "x"); err != nil {
		t.Fatal(err)
	}
	if err := WriteString(filepath.Join(file, "g"), "y"); err == nil || !strings.HasPrefix(err.Error(), "atomicfile: ") {
		t.Fatalf("writing below a file: err %v", err)
	}
}
