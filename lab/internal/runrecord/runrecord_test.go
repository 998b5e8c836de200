package runrecord

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/internal/ckpt"
)

func TestCommandLineRelativePluginPath(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("RepoRoot %s has no go.mod", root)
	}
	t.Setenv("GOMLX_BACKEND", "xla:cpu")
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", filepath.Join(root, ".xla"))
	t.Setenv("LAB_QUICK", "")
	got := CommandLine("./lab/cmd/autoencoder", []string{"train", "--out", "lab/pretrained/autoencoder", "--seed", "it's"})
	want := `GOMLX_BACKEND=xla:cpu PJRT_PLUGIN_LIBRARY_PATH=.xla go run ./lab/cmd/autoencoder train --out lab/pretrained/autoencoder --seed 'it'\''s'`
	if got != want {
		t.Errorf("CommandLine:\n got %s\nwant %s", got, want)
	}
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", "/opt/xla")
	if got := CommandLine("./lab/cmd/autoencoder", nil); !strings.Contains(got, "PJRT_PLUGIN_LIBRARY_PATH=/opt/xla ") {
		t.Errorf("a path outside the repository is kept: %s", got)
	}
}

func TestKeepOnlyAndDuration(t *testing.T) {
	dir := t.TempDir()
	for _, step := range []int{1, 5, 9} {
		if err := os.WriteFile(ckpt.Path(dir, step), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := KeepOnly(dir, ckpt.Path(dir, 5)); err != nil {
		t.Fatal(err)
	}
	if left, _ := ckpt.List(dir); len(left) != 1 || left[0] != ckpt.Path(dir, 5) {
		t.Errorf("left %v, want only step 5", left)
	}
	if err := KeepOnly(dir, ""); err != nil {
		t.Fatal(err)
	}
	if left, _ := ckpt.List(dir); len(left) != 0 {
		t.Errorf("left %v, want none", left)
	}
	if got := Duration(201.4); got != "3m21s" {
		t.Errorf("Duration(201.4) = %s", got)
	}
	if same, _ := SameDir("a/../b", "b"); !same {
		t.Error("SameDir(a/../b, b) = false")
	}
}
