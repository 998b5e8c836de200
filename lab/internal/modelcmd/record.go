package modelcmd

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mnistlab/golab/lab/backend"
	"github.com/mnistlab/golab/lab/runmode"
)

// RepoRoot is the directory of the go.mod above the working directory (the
// working directory itself if there is none).
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd, nil
		}
		dir = parent
	}
}

// CommandLine is `go run <pkg> args…` as it can be typed again from the
// repository root, preceded by the environment variables that change its
// result; a plugin path inside the repository is written relative to its root.
func CommandLine(pkg string, args []string) string {
	var parts []string
	for _, env := range []string{backend.EnvVar, "PJRT_PLUGIN_LIBRARY_PATH", runmode.EnvVar} {
		v := os.Getenv(env)
		if v == "" {
			continue
		}
		if env == "PJRT_PLUGIN_LIBRARY_PATH" {
			v = relativeToRoot(v)
		}
		parts = append(parts, env+"="+ShellQuote(v))
	}
	parts = append(parts, "go", "run", pkg)
	for _, a := range args {
		parts = append(parts, ShellQuote(a))
	}
	return strings.Join(parts, " ")
}

// relativeToRoot rewrites path relative to the repository root when it lies
// inside it.
func relativeToRoot(path string) string {
	root, err := RepoRoot()
	if err != nil {
		return path
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return path
	}
	return rel
}

// ShellQuote quotes s for a POSIX shell when it needs it.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Duration formats seconds rounded to the second, e.g. "3m21s".
func Duration(seconds float64) string {
	return time.Duration(seconds * float64(time.Second)).Round(time.Second).String()
}

// SameDir reports whether a and b name the same directory.
func SameDir(a, b string) (bool, error) {
	aa, err := filepath.Abs(a)
	if err != nil {
		return false, err
	}
	bb, err := filepath.Abs(b)
	if err != nil {
		return false, err
	}
	return aa == bb, nil
}

// PrintJSON writes v as one JSON line, the last line the commands print.
func PrintJSON(w io.Writer, v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(line))
	return err
}
