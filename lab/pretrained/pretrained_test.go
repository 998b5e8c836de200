package pretrained

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShippedModelsHaveWeightsAndAReadme(t *testing.T) {
	for _, name := range []string{Classifier, DDPM, VAE, AutoEncoder} {
		dir, err := Dir(name)
		if err != nil {
			t.Fatal(err)
		}
		ckpts, _ := filepath.Glob(filepath.Join(dir, "model-*.ckpt"))
		if len(ckpts) != 1 {
			t.Errorf("%s: %d model-*.ckpt files, want exactly 1 (Open(dir) loads the latest)", name, len(ckpts))
		}
		for _, c := range ckpts {
			if fi, err := os.Stat(c); err != nil || fi.Size() > 20<<20 {
				t.Errorf("%s: %s: %v, want a file ≤ 20 MiB", name, c, err)
			}
		}
		readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
		if err != nil || !strings.Contains(string(readme), "go run ./lab/cmd/") {
			t.Errorf("%s: README.md missing or without the command that trained it (%v)", name, err)
		}
	}
	if _, err := Dir("nonexistent"); err == nil || !strings.Contains(err.Error(), "nonexistent") {
		t.Errorf("missing model: %v", err)
	}
}

func TestLabRootOverride(t *testing.T) {
	t.Setenv("LAB_ROOT", t.TempDir()) // no lab/pretrained there: falls back to the source directory
	if _, err := Dir(Classifier); err != nil {
		t.Fatal(err)
	}
}
