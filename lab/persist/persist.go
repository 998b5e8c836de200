// Package persist is the lab's one way to keep expensive results across notebook
// cells and kernel restarts.
//
// GoNB compiles and runs the whole program again for every cell, so package-level
// variables are re-initialised each time. A fitted PCA, a t-SNE embedding or a
// model's weights would be recomputed on every cell. Instead, wrap the
// computation in Cached with a Key built from everything that determines the
// result; the first run computes and saves it, later runs (and "restart kernel
// and run all") load it from disk:
//
//	key := persist.Key("pca", "dim", 50, "n", 60000)
//	p, err := persist.Cached(key, func() (*pca.PCA, error) { ... })
//
// Values are stored with encoding/gob, so a cached type must be gob-encodable
// (exported fields, or GobEncode/GobDecode). Files are written atomically
// (package atomicfile): an interrupted write never leaves a half file behind,
// and a corrupt or undecodable file is recomputed, not trusted.
//
// The directory is $LAB_CACHE_DIR if set, else <user cache dir>/golab/results.
// Delete a key with Forget, or everything with ForgetAll.
package persist

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mnistlab/golab/lab/atomicfile"
)

// EnvVar names the environment variable that overrides the cache directory.
const EnvVar = "LAB_CACHE_DIR"

// Dir returns the directory where cached results live (created on demand).
func Dir() (string, error) {
	if d := os.Getenv(EnvVar); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("persist: no cache directory (set %s): %w", EnvVar, err)
	}
	return filepath.Join(base, "golab", "results"), nil
}

// Key builds a cache key from a name and parameter name/value pairs, e.g.
// Key("tsne", "perplexity", 30, "n", 5000) = "tsne-perplexity=30-n=5000".
// Values are formatted with %v; characters unsafe in file names are replaced,
// and long keys are shortened with a hash of the full text so distinct
// parameters never collide.
func Key(name string, params ...any) string {
	var b strings.Builder
	b.WriteString(name)
	for i := 0; i < len(params); i += 2 {
		b.WriteByte('-')
		if i+1 < len(params) {
			fmt.Fprintf(&b, "%v=%v", params[i], params[i+1])
		} else {
			fmt.Fprintf(&b, "%v", params[i])
		}
	}
	full := b.String()
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("-_=.,+", r):
			return r
		}
		return '_'
	}, full)
	if safe != full || len(safe) > 120 {
		sum := sha256.Sum256([]byte(full))
		if len(safe) > 100 {
			safe = safe[:100]
		}
		safe += "-" + hex.EncodeToString(sum[:6])
	}
	return safe
}

// Path returns the file that holds key.
func Path(key string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, key+".gob"), nil
}

// Cached returns the value stored under key, or calls compute, stores its
// result and returns it. An error from compute is returned and nothing is
// stored. A stored file that cannot be decoded (corrupt, or from an older
// version of the type) is recomputed and overwritten.
func Cached[T any](key string, compute func() (T, error)) (T, error) {
	var v T
	ok, err := Load(key, &v)
	if err == nil && ok {
		return v, nil
	}
	v, err = compute()
	if err != nil {
		return v, err
	}
	if err := Save(key, v); err != nil {
		return v, err
	}
	return v, nil
}

// Save stores v under key (gob, atomic write).
func Save(key string, v any) error {
	path, err := Path(key)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return fmt.Errorf("persist: encoding %q: %w", key, err)
	}
	return atomicfile.WriteString(path, buf.String())
}

// Load decodes the value stored under key into ptr. It returns false and no
// error when nothing is stored, and false with an error when the file exists
// but cannot be decoded.
func Load(key string, ptr any) (bool, error) {
	path, err := Path(key)
	if err != nil {
		return false, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("persist: %w", err)
	}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(ptr); err != nil {
		return false, fmt.Errorf("persist: %s: cannot decode (%v)", path, err)
	}
	return true, nil
}

// Forget deletes what is stored under key (nothing stored is not an error).
func Forget(key string) error {
	path, err := Path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("persist: %w", err)
	}
	return nil
}

// ForgetAll deletes every cached result.
func ForgetAll() error {
	dir, err := Dir()
	if err != nil {
		return err
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*.gob"))
	for _, m := range matches {
		if err := os.Remove(m); err != nil {
			return fmt.Errorf("persist: %w", err)
		}
	}
	return nil
}

// WriteFileAtomic writes the file at path atomically through write.
//
// Deprecated: use atomicfile.Write; this forwarder stays until the last
// callers outside the model packages (lab/cmd/lab3, bench/lab3, bench/tsne)
// have moved.
func WriteFileAtomic(path string, write func(w io.Writer) error) error {
	return atomicfile.Write(path, write)
}
