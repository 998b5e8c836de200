package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func id(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

// listFiles returns every file under dir with its size and modification time, to show a directory was not touched.
func listFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out[p] = fmt.Sprint(fi.Size(), fi.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPutGetLayers(t *testing.T) {
	base, user := t.TempDir(), t.TempDir()
	// An entry in the base, written the way the go command writes it.
	b := &layered{dir: base}
	if _, err := b.put(id("a1"), id("o1"), []byte("from the base")); err != nil {
		t.Fatal(err)
	}
	before := listFiles(t, base)

	c := &layered{dir: user, bases: []string{base}}
	e, ok := c.get(id("a1"))
	if !ok || e.size != 13 || !bytes.Equal(e.output, id("o1")) || !strings.HasPrefix(e.diskPath, base) {
		t.Fatalf("base entry: got %+v, %v", e, ok)
	}
	if _, ok := c.get(id("missing")); ok {
		t.Fatal("a missing action is a hit")
	}
	// A put goes to the user's directory, also when the base has the action: the base is never written.
	path, err := c.put(id("a1"), id("o2"), []byte("new"))
	if err != nil || !strings.HasPrefix(path, user) {
		t.Fatalf("put: %q, %v", path, err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Fatalf("output file holds %q", got)
	}
	e, ok = c.get(id("a1"))
	if !ok || !bytes.Equal(e.output, id("o2")) || e.size != 3 || e.diskPath != path {
		t.Fatalf("the user's entry must shadow the base's: %+v", e)
	}
	if after := listFiles(t, base); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("the base changed:\n%v\n%v", before, after)
	}
	// An empty output is a valid entry.
	if _, err := c.put(id("empty"), id("o-empty"), nil); err != nil {
		t.Fatal(err)
	}
	if e, ok := c.get(id("empty")); !ok || e.size != 0 {
		t.Fatalf("empty output: %+v %v", e, ok)
	}
	if _, err := c.put([]byte("short"), id("o"), nil); err == nil || !strings.HasPrefix(err.Error(), "golab-gocache: ") {
		t.Fatalf("short action ID: %v", err)
	}
}

func TestCorruptEntriesMiss(t *testing.T) {
	dir := t.TempDir()
	c := &layered{dir: dir}
	if _, err := c.put(id("a"), id("o"), []byte("12345")); err != nil {
		t.Fatal(err)
	}
	action := fileName(dir, id("a"), "a")
	good, _ := os.ReadFile(action)
	for name, content := range map[string]string{
		"truncated":     string(good[:40]),
		"other version": "v2" + string(good[2:]),
		"other action":  strings.Replace(string(good), fmt.Sprintf("%x", id("a")), fmt.Sprintf("%x", id("b")), 1),
		"no newline":    strings.TrimSuffix(string(good), "\n"),
		"bad size":      strings.Replace(string(good), "                   5 ", "                  -5 ", 1),
	} {
		if err := os.WriteFile(action, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, ok := c.get(id("a")); ok {
			t.Errorf("%s entry: a hit", name)
		}
	}
	os.WriteFile(action, good, 0o644)
	if _, ok := c.get(id("a")); !ok {
		t.Fatal("restored entry: a miss")
	}
	// The output file shorter than the entry says (a crash, a truncated copy): a miss.
	os.WriteFile(fileName(dir, id("o"), "d"), []byte("123"), 0o644)
	if _, ok := c.get(id("a")); ok {
		t.Error("output of the wrong size: a hit")
	}
}

func TestProtocol(t *testing.T) {
	c := &layered{dir: t.TempDir()}
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	enc.Encode(request{ID: 1, Command: "get", ActionID: id("a")})
	enc.Encode(request{ID: 2, Command: "put", ActionID: id("a"), OutputID: id("o"), BodySize: 5})
	enc.Encode([]byte("hello")) // the body: a base64 JSON string
	enc.Encode(request{ID: 3, Command: "get", ActionID: id("a")})
	enc.Encode(request{ID: 4, Command: "frobnicate"})
	enc.Encode(request{ID: 5, Command: "close"})
	var out bytes.Buffer
	if err := c.serve(&in, &out); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&out)
	var rs []response
	for dec.More() {
		var r response
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	if len(rs) != 6 {
		t.Fatalf("got %d responses, want 6: %+v", len(rs), rs)
	}
	if fmt.Sprint(rs[0].KnownCommands) != "[get put close]" {
		t.Errorf("capabilities: %v", rs[0].KnownCommands)
	}
	if !rs[1].Miss || rs[1].ID != 1 {
		t.Errorf("first get: %+v", rs[1])
	}
	if rs[2].ID != 2 || rs[2].DiskPath == "" || rs[2].Err != "" {
		t.Errorf("put: %+v", rs[2])
	}
	if rs[3].Miss || rs[3].Size != 5 || !bytes.Equal(rs[3].OutputID, id("o")) || rs[3].DiskPath != rs[2].DiskPath || rs[3].Time == nil {
		t.Errorf("second get: %+v", rs[3])
	}
	if !strings.Contains(rs[4].Err, "unknown command") {
		t.Errorf("unknown command: %+v", rs[4])
	}
	if rs[5].ID != 5 {
		t.Errorf("close: %+v", rs[5])
	}
	// A put whose body is shorter than announced stops the server with an error.
	in.Reset()
	enc.Encode(request{ID: 1, Command: "put", ActionID: id("b"), OutputID: id("o"), BodySize: 9})
	enc.Encode([]byte("short"))
	if err := c.serve(&in, &out); err == nil || !strings.HasPrefix(err.Error(), "golab-gocache: ") {
		t.Errorf("short body: %v", err)
	}
}

// TestWithGoCommand builds a two-package module: first with an ordinary GOCACHE (the shared base), then through
// golab-gocache with an empty user cache. The dependency must come from the base (not recompiled), the base must be
// left as it was, and a third build must find everything in the two layers.
func TestWithGoCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds with the go command")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	tmp := t.TempDir()
	prog := filepath.Join(tmp, "golab-gocache")
	if out, err := exec.Command(goCmd, "build", "-o", prog, ".").CombinedOutput(); err != nil {
		t.Fatalf("building golab-gocache: %v\n%s", err, out)
	}
	mod := filepath.Join(tmp, "mod")
	files := map[string]string{
		"go.mod":     "module example.com/m\n\ngo 1.21\n",
		"lib/lib.go": "package lib\n\n// Twice doubles x.\nfunc Twice(x int) int { return 2 * x }\n",
		"main.go":    "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/m/lib\"\n)\n\nfunc main() { fmt.Println(lib.Twice(21)) }\n",
	}
	for name, src := range files {
		p := filepath.Join(mod, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base, user := filepath.Join(tmp, "base"), filepath.Join(tmp, "user")
	build := func(env ...string) string {
		t.Helper()
		cmd := exec.Command(goCmd, "build", "-x", "-o", filepath.Join(tmp, "m"), ".")
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go build %v: %v\n%s", env, err, out)
		}
		if got, err := exec.Command(filepath.Join(tmp, "m")).Output(); err != nil || string(got) != "42\n" {
			t.Fatalf("the program printed %q, %v", got, err)
		}
		return string(out)
	}
	compiled := func(x, pkg string) bool { return strings.Contains(x, "-p "+pkg+" ") }

	x := build("GOCACHE=" + base)
	if !compiled(x, "example.com/m/lib") {
		t.Fatalf("the first build did not compile lib:\n%s", x)
	}
	before := listFiles(t, base)
	time.Sleep(10 * time.Millisecond)
	progEnv := []string{"GOCACHE=" + filepath.Join(tmp, "gocache-unused"), "GOCACHEPROG=" + prog + " -base " + base + " -dir " + user}
	x = build(progEnv...)
	if compiled(x, "example.com/m/lib") || compiled(x, "fmt") {
		t.Fatalf("with the base warm, lib or fmt was compiled again:\n%s", x)
	}
	if after := listFiles(t, base); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatal("a build through golab-gocache changed the base")
	}
	// Edit main: only main is compiled, into the user's layer.
	os.WriteFile(filepath.Join(mod, "main.go"), []byte(strings.Replace(files["main.go"], "21", "21+0", 1)), 0o644)
	x = build(progEnv...)
	if !compiled(x, "main") || compiled(x, "example.com/m/lib") {
		t.Fatalf("after editing main:\n%s", x)
	}
	if len(listFiles(t, user)) == 0 {
		t.Fatal("nothing was written to the user's layer")
	}
}
