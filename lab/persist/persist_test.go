package persist

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type fitted struct {
	Mean  []float64
	Name  string
	Steps int
}

func TestCachedComputesOnceAndReloads(t *testing.T) {
	t.Setenv(EnvVar, t.TempDir())
	calls := 0
	compute := func() (fitted, error) {
		calls++
		return fitted{Mean: []float64{1, 2.5}, Name: "pca", Steps: 7}, nil
	}
	key := Key("pca", "dim", 2)
	a, err := Cached(key, compute)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Cached(key, compute)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("compute called %d times, want 1", calls)
	}
	if b.Name != "pca" || b.Steps != 7 || len(b.Mean) != 2 || b.Mean[1] != 2.5 || a.Mean[0] != b.Mean[0] {
		t.Fatalf("reloaded %+v, want %+v", b, a)
	}
	if err := Forget(key); err != nil {
		t.Fatal(err)
	}
	if _, err := Cached(key, compute); err != nil || calls != 2 {
		t.Fatalf("after Forget: calls=%d err=%v, want recompute", calls, err)
	}
}

func TestCachedDoesNotStoreErrors(t *testing.T) {
	t.Setenv(EnvVar, t.TempDir())
	boom := errors.New("boom")
	if _, err := Cached("k", func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	var v int
	if ok, err := Load("k", &v); ok || err != nil {
		t.Fatalf("Load after failed compute: ok=%v err=%v, want nothing stored", ok, err)
	}
}

func TestCorruptFileIsRecomputed(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvVar, dir)
	if err := os.WriteFile(filepath.Join(dir, "x.gob"), []byte("not gob"), 0o644); err != nil {
		t.Fatal(err)
	}
	var v int
	if ok, err := Load("x", &v); ok || err == nil || !strings.Contains(err.Error(), "cannot decode") {
		t.Fatalf("Load corrupt: ok=%v err=%v", ok, err)
	}
	got, err := Cached("x", func() (int, error) { return 42, nil })
	if err != nil || got != 42 {
		t.Fatalf("Cached over corrupt file = %v, %v", got, err)
	}
	if ok, err := Load("x", &v); !ok || err != nil || v != 42 {
		t.Fatalf("after rewrite: %v %v %v", ok, err, v)
	}
}

func TestKey(t *testing.T) {
	if got := Key("tsne", "perplexity", 30, "n", 5000); got != "tsne-perplexity=30-n=5000" {
		t.Fatalf("Key = %q", got)
	}
	a, b := Key("x", "path", "/a b"), Key("x", "path", "/a_b")
	if a == b {
		t.Fatalf("unsafe characters made keys collide: %q", a)
	}
	if strings.ContainsAny(a, "/ ") {
		t.Fatalf("unsafe key %q", a)
	}
	long := Key("m", "p", strings.Repeat("z", 500))
	if len(long) > 120 {
		t.Fatalf("long key not shortened: %d", len(long))
	}
}
