// Package binfile is the versioned binary file format of the lab's saved
// models (pca, gmm):
//
//	magic   the format's fixed ASCII magic (e.g. "GOLABPCA")
//	version big-endian uint16
//	payload a gob encoding of the model's snapshot
//	crc     big-endian CRC-32 (IEEE) of everything before it
//
// Encode and Decode convert between a snapshot and these bytes, WriteFile
// writes them atomically and ReadFile reads them back. Error messages start
// with the Format's Pkg so that they read as the calling package's own.
package binfile

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"github.com/mnistlab/golab/lab/atomicfile"
)

// Format describes one versioned file format.
type Format struct {
	Magic   string // the leading magic bytes
	Version uint16 // the only version written and read
	Pkg     string // prefix of error messages, e.g. "pca"
	Kind    string // what the file holds, for errors, e.g. "PCA"
}

// Encode returns the encoding of v (the gob payload, normally a pointer to a
// snapshot struct) in format f.
func (f Format) Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(f.Magic)
	binary.Write(&buf, binary.BigEndian, f.Version)
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, fmt.Errorf("%s: encoding: %w", f.Pkg, err)
	}
	binary.Write(&buf, binary.BigEndian, crc32.ChecksumIEEE(buf.Bytes()))
	return buf.Bytes(), nil
}

// Decode checks the header, version and checksum of data and decodes its gob
// payload into v (a pointer). It returns a clear error for data that is not
// in format f (bad header), another format version, or a corrupt (truncated,
// modified) encoding.
func (f Format) Decode(data []byte, v any) error {
	head := len(f.Magic) + 2
	if len(data) < head+4 || string(data[:len(f.Magic)]) != f.Magic {
		return fmt.Errorf("%s: not a saved %s (bad header)", f.Pkg, f.Kind)
	}
	if ver := binary.BigEndian.Uint16(data[len(f.Magic):]); ver != f.Version {
		return fmt.Errorf("%s: unsupported format version %d (this code reads version %d)", f.Pkg, ver, f.Version)
	}
	body, sum := data[:len(data)-4], binary.BigEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return fmt.Errorf("%s: corrupt data (checksum mismatch)", f.Pkg)
	}
	if err := gob.NewDecoder(bytes.NewReader(body[head:])).Decode(v); err != nil {
		return fmt.Errorf("%s: corrupt data: %v", f.Pkg, err)
	}
	return nil
}

// Corrupt returns the error for a payload that decoded but is inconsistent
// (what is wrong, e.g. "inconsistent shapes").
func (f Format) Corrupt(what string) error {
	return errors.New(f.Pkg + ": corrupt data (" + what + ")")
}

// WriteFile writes data to path atomically (a reader sees the old file or the
// complete new one).
func WriteFile(path string, data []byte) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// ReadFile reads path and passes its contents to decode (normally a
// GobDecode method). Errors name the package (reading) or the file
// (decoding).
func (f Format) ReadFile(path string, decode func([]byte) error) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Pkg, err)
	}
	if err := decode(data); err != nil {
		return fmt.Errorf("%w (file %s)", err, path)
	}
	return nil
}
