package checkpoints

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistlab/golab/lab/persist"
)

func TestRootAndDir(t *testing.T) {
	t.Setenv(EnvVar, "")
	t.Setenv(persist.EnvVar, "/x/cache")
	if d, _ := Root(); d != "/x/cache/checkpoints" {
		t.Fatalf("with %s: %q", persist.EnvVar, d)
	}
	t.Setenv(EnvVar, "/y")
	if d, _ := Root(); d != "/y" {
		t.Fatalf("with %s: %q", EnvVar, d)
	}
	if d, _ := Dir("lab3-ddpm"); d != filepath.Join("/y", "lab3-ddpm") {
		t.Fatalf("Dir = %q", d)
	}
	t.Setenv(EnvVar, "")
	t.Setenv(persist.EnvVar, "")
	t.Setenv("XDG_CACHE_HOME", "/z")
	if d, err := Root(); err != nil || !strings.HasSuffix(d, filepath.Join("golab", "checkpoints")) {
		t.Fatalf("default: %q, %v", d, err)
	}
}
