// Package fsutil holds small file-system helpers shared by sohoa's packages.
package fsutil

import (
	"io"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes path through a temporary file in the same folder,
// synced and renamed into place, so a reader never sees a half-written file
// and a failed write leaves the old file (or none) behind.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sohoa-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
