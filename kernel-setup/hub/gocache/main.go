// Command golab-gocache is a Go build cache for a course hub: it reads a shared, read-only build cache made by the
// administrator and writes what it builds to the user's own cache. The go command runs it through GOCACHEPROG:
//
//	GOCACHEPROG="/srv/golab-hub/bin/golab-gocache -base /srv/golab-hub/gocache"
//
// Why: the go command needs its build cache (GOCACHE) writable, so a cache shared by all students would have to be
// writable by all of them, and then any student could plant a compiled package that another student's program links
// (cache poisoning). A cache that no student can write is safe to share; this program lets the go command use one.
// Compiling the lab's packages (gonum, gonum/plot, GoMLX) from an empty cache takes minutes per student; with the
// shared cache warmed once at install time a student's first notebook cell compiles only the cell itself.
//
// Both directories use the go command's own on-disk layout (<dir>/<xx>/<action id>-a holds
// "v1 <action id> <output id> <size> <time>", <dir>/<xx>/<output id>-d the output), so the base is an ordinary GOCACHE
// filled by `go build` as the administrator, and the user's directory is one too. Lookups try the user's directory
// first, then each -base in order; every write goes to the user's directory. An entry that is malformed or whose
// output file is missing or of the wrong size is a miss, never an error. Nothing here deletes or trims: the user's
// directory grows like an ordinary GOCACHE (`go clean -cache` with GOCACHEPROG unset, or deleting it, empties it).
//
// Flags: -base DIR (repeatable; read-only layers), -dir DIR (the writable layer; default
// <user cache dir>/golab/go-build, i.e. ~/.cache/golab/go-build). The protocol is the go command's
// (cmd/go/internal/cacheprog): JSON requests on standard input, JSON responses on standard output.
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// request and response mirror cmd/go/internal/cacheprog.Request and Response (an internal package of the go command,
// so not importable).
type request struct {
	ID       int64
	Command  string
	ActionID []byte `json:",omitempty"`
	OutputID []byte `json:",omitempty"`
	BodySize int64  `json:",omitempty"`
}

type response struct {
	ID            int64
	Err           string     `json:",omitempty"`
	KnownCommands []string   `json:",omitempty"`
	Miss          bool       `json:",omitempty"`
	OutputID      []byte     `json:",omitempty"`
	Size          int64      `json:",omitempty"`
	Time          *time.Time `json:",omitempty"`
	DiskPath      string     `json:",omitempty"`
}

// hashSize is the length of action and output IDs (SHA-256), as in cmd/go/internal/cache.
const hashSize = 32

// entry is one action entry read from a cache directory.
type entry struct {
	output   []byte
	size     int64
	time     time.Time
	diskPath string
}

// layered is the cache: a writable directory and read-only bases.
type layered struct {
	dir   string
	bases []string
}

func fileName(dir string, id []byte, kind string) string {
	h := hex.EncodeToString(id)
	return filepath.Join(dir, h[:2], h+"-"+kind)
}

// lookup reads action id from one directory; ok is false on any miss or malformed entry.
func lookup(dir string, id []byte) (e entry, ok bool) {
	data, err := os.ReadFile(fileName(dir, id, "a"))
	if err != nil {
		return e, false
	}
	// "v1 <id hex> <output hex> <size %20d> <time %20d>\n"
	f := strings.Fields(string(data))
	if len(f) != 5 || f[0] != "v1" || f[1] != hex.EncodeToString(id) || !strings.HasSuffix(string(data), "\n") {
		return e, false
	}
	out, err := hex.DecodeString(f[2])
	if err != nil || len(out) != hashSize {
		return e, false
	}
	size, err1 := strconv.ParseInt(f[3], 10, 64)
	nanos, err2 := strconv.ParseInt(f[4], 10, 64)
	if err1 != nil || err2 != nil || size < 0 {
		return e, false
	}
	path := fileName(dir, out, "d")
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != size {
		return e, false
	}
	return entry{output: out, size: size, time: time.Unix(0, nanos), diskPath: path}, true
}

func (c *layered) get(id []byte) (entry, bool) {
	for _, d := range append([]string{c.dir}, c.bases...) {
		if e, ok := lookup(d, id); ok {
			return e, true
		}
	}
	return entry{}, false
}

// writeAtomic writes data to path through a temporary file in the same directory and a rename, so a reader never
// sees a partial file.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// put stores body under action id with output id out in the writable directory and returns the output's path.
func (c *layered) put(id, out, body []byte) (string, error) {
	if len(id) != hashSize || len(out) != hashSize {
		return "", fmt.Errorf("golab-gocache: put: action and output IDs must be %d bytes", hashSize)
	}
	path := fileName(c.dir, out, "d")
	if fi, err := os.Stat(path); err != nil || fi.Size() != int64(len(body)) {
		if err := writeAtomic(path, body); err != nil {
			return "", fmt.Errorf("golab-gocache: %w", err)
		}
	}
	line := fmt.Sprintf("v1 %x %x %20d %20d\n", id, out, len(body), time.Now().UnixNano())
	if err := writeAtomic(fileName(c.dir, id, "a"), []byte(line)); err != nil {
		return "", fmt.Errorf("golab-gocache: %w", err)
	}
	return path, nil
}

// serve answers the go command's requests from r on w until "close" or the end of r.
func (c *layered) serve(r io.Reader, w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	send := func(res response) error {
		if err := enc.Encode(res); err != nil {
			return err
		}
		return bw.Flush()
	}
	if err := send(response{KnownCommands: []string{"get", "put", "close"}}); err != nil {
		return err
	}
	dec := json.NewDecoder(bufio.NewReader(r))
	for {
		var req request
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("golab-gocache: reading a request: %w", err)
		}
		res := response{ID: req.ID}
		switch req.Command {
		case "get":
			if e, ok := c.get(req.ActionID); ok {
				t := e.time
				res.OutputID, res.Size, res.Time, res.DiskPath = e.output, e.size, &t, e.diskPath
			} else {
				res.Miss = true
			}
		case "put":
			var body []byte
			if req.BodySize > 0 {
				// The body follows as a base64 JSON string, which encoding/json decodes into a []byte.
				if err := dec.Decode(&body); err != nil {
					return fmt.Errorf("golab-gocache: reading the body of request %d: %w", req.ID, err)
				}
				if int64(len(body)) != req.BodySize {
					return fmt.Errorf("golab-gocache: request %d: body of %d bytes, announced %d", req.ID, len(body), req.BodySize)
				}
			}
			if path, err := c.put(req.ActionID, req.OutputID, body); err != nil {
				res.Err = err.Error()
			} else {
				res.DiskPath = path
			}
		case "close":
			return send(res)
		default:
			res.Err = fmt.Sprintf("golab-gocache: unknown command %q", req.Command)
		}
		if err := send(res); err != nil {
			return err
		}
	}
}

type dirList []string

func (l *dirList) String() string     { return strings.Join(*l, ",") }
func (l *dirList) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	var bases dirList
	flag.Var(&bases, "base", "a read-only build cache to read from (repeatable)")
	dir := flag.String("dir", "", "the writable build cache (default <user cache dir>/golab/go-build)")
	flag.Parse()
	if *dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			fmt.Fprintln(os.Stderr, "golab-gocache: no cache directory (set -dir or HOME):", err)
			os.Exit(2)
		}
		*dir = filepath.Join(base, "golab", "go-build")
	}
	if err := os.MkdirAll(*dir, 0o777); err != nil {
		fmt.Fprintln(os.Stderr, "golab-gocache:", err)
		os.Exit(1)
	}
	c := &layered{dir: *dir, bases: bases}
	if err := c.serve(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
