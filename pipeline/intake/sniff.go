package intake

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Format is a file type recognised by its content.
type Format string

// The formats intake reads. FormatUnknown is any other content.
const (
	FormatUnknown Format = ""
	FormatPNG     Format = "png"
	FormatJPEG    Format = "jpeg"
	FormatTIFF    Format = "tiff"
	FormatPDF     Format = "pdf"
)

// sniffLen is how much of a file detection looks at: PDF allows junk before
// the %PDF- header within the first 1024 bytes.
const sniffLen = 1024

// detectFormat tells the format from the first bytes of a file. Extensions
// lie (a .pdf that is a JPEG, a .tif that is a PNG), content does not.
func detectFormat(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return FormatJPEG
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return FormatTIFF
	case bytes.Contains(head[:min(len(head), sniffLen)], []byte("%PDF-")):
		return FormatPDF
	}
	return FormatUnknown
}

// sniffFile reads the head of path and detects its format. A 0-byte file
// is an ErrEmpty failure.
func sniffFile(path string) (Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return FormatUnknown, failure(ErrNotFound, err, "cannot open")
	}
	defer f.Close()
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return FormatUnknown, failure(ErrCorrupt, err, "cannot read")
	}
	if n == 0 {
		return FormatUnknown, failure(ErrEmpty, nil, "empty file")
	}
	return detectFormat(head[:n]), nil
}

// sidecarExts are files that travel with scans (registers, scanner logs,
// notes) and are not documents; discovery skips them silently.
var sidecarExts = map[string]bool{".csv": true, ".json": true, ".txt": true, ".md": true, ".xml": true}

func isSidecar(name string) bool {
	return sidecarExts[strings.ToLower(filepath.Ext(name))]
}

func isHidden(name string) bool { return strings.HasPrefix(name, ".") }
