package modelcmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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

func TestDurationAndSameDir(t *testing.T) {
	if got := Duration(201.4); got != "3m21s" {
		t.Errorf("Duration(201.4) = %s", got)
	}
	if same, _ := SameDir("a/../b", "b"); !same {
		t.Error("SameDir(a/../b, b) = false")
	}
}
