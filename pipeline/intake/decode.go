package intake

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
)

// Default limits against decompression bombs and runaway documents.
const (
	// DefaultMaxPixels allows an A3 page at 600 dpi (about 70 million
	// pixels) with room to spare.
	DefaultMaxPixels = 150_000_000
	// DefaultMaxPages is far above any real administrative file.
	DefaultMaxPages = 2000
	// maxImageFileSize caps single-image files read whole into memory.
	maxImageFileSize = 1 << 30
)

// Limits bound what decoding will accept; each is checked against what the
// file declares before any pixel is decoded. Zero fields take the defaults.
type Limits struct {
	MaxPixels int64 // width × height of one page
	MaxPages  int   // pages of one document
}

func (l Limits) withDefaults() Limits {
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxPages <= 0 {
		l.MaxPages = DefaultMaxPages
	}
	return l
}

func checkPixels(w, h int64, lim Limits) error {
	if w <= 0 || h <= 0 {
		return failure(ErrCorrupt, nil, "invalid image size %d×%d", w, h)
	}
	// Compare without multiplying: w*h can overflow for hostile headers.
	if w > lim.MaxPixels || h > lim.MaxPixels/w {
		return failure(ErrTooLarge, nil, "image too large: %d×%d pixels exceeds the limit of %d", w, h, lim.MaxPixels)
	}
	return nil
}

// files returns the files holding the document's pages.
func (d Document) files() []string {
	if len(d.Files) == 0 && d.Path != "" {
		return []string{d.Path}
	}
	return d.Files
}

// fileName is the name errors use for file: the document's name for a file
// document, the page image's name inside a folder document.
func (d Document) fileName(file string) string {
	name := d.Name
	if name == "" {
		name = filepath.Base(d.Path)
	}
	if file == d.Path {
		return name
	}
	return name + "/" + filepath.Base(file)
}

// callbackError carries the caller's own error through the decoders
// untouched, so Pages returns it as is.
type callbackError struct{ err error }

func (c callbackError) Error() string { return c.err.Error() }

// Pages decodes the document's pages in order and calls fn with each; only
// one decoded page is held at a time. It stops at the first error: a
// decoding problem comes back as an *Error naming the file and page, an
// error from fn or ctx comes back as is.
func (d Document) Pages(ctx context.Context, lim Limits, fn func(Page) error) error {
	lim = lim.withDefaults()
	files := d.files()
	if len(files) > lim.MaxPages {
		return &Error{File: d.fileName(d.Path), Reason: fmt.Sprintf("too many pages: %d exceeds the limit of %d", len(files), lim.MaxPages), Kind: ErrTooLarge}
	}
	index := 0
	for _, file := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := index
		fileLim := lim
		fileLim.MaxPages = lim.MaxPages - start
		err := decodeFile(ctx, file, fileLim, func(p Page) error {
			p.Index = start + p.Index
			p.File = file
			index = p.Index + 1
			if err := fn(p); err != nil {
				return callbackError{err}
			}
			return nil
		})
		if err != nil {
			return d.placeError(err, file, start, len(files) > 1 || file != d.Path)
		}
	}
	return nil
}

// placeError names the file and turns the file's page number into the
// document's page number.
func (d Document) placeError(err error, file string, start int, pageImages bool) error {
	var cb callbackError
	if errors.As(err, &cb) {
		return cb.err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	err = withPlace(err, d.fileName(file), 0)
	var e *Error
	if errors.As(err, &e) {
		if e.Page > 0 {
			e.Page += start
		} else if pageImages {
			e.Page = start + 1
		}
	}
	return err
}

// PageCount tells how many pages the document has, reading only headers
// (for a PDF: the page tree). It fails where Pages would fail early
// (unsupported type, empty file, encrypted PDF, too many pages).
func (d Document) PageCount(ctx context.Context, lim Limits) (int, error) {
	lim = lim.withDefaults()
	total := 0
	for _, file := range d.files() {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n, err := countFilePages(ctx, file, lim)
		if err != nil {
			return 0, d.placeError(err, file, total, len(d.files()) > 1 || file != d.Path)
		}
		total += n
		if total > lim.MaxPages {
			return 0, &Error{File: d.fileName(d.Path), Reason: fmt.Sprintf("too many pages: more than the limit of %d", lim.MaxPages), Kind: ErrTooLarge}
		}
	}
	return total, nil
}

func countFilePages(ctx context.Context, path string, lim Limits) (int, error) {
	format, err := sniffFile(path)
	if err != nil {
		return 0, err
	}
	switch format {
	case FormatPNG, FormatJPEG:
		return 1, nil
	case FormatTIFF:
		return countTIFFPages(path, lim.MaxPages)
	case FormatPDF:
		return countPDFPages(ctx, path, lim)
	}
	return 0, failure(ErrUnsupported, nil, "unsupported file type")
}

// decodeFile decodes one file's pages; Page.Index is the page in the file.
func decodeFile(ctx context.Context, path string, lim Limits, emit func(Page) error) error {
	format, err := sniffFile(path)
	if err != nil {
		return err
	}
	switch format {
	case FormatPNG, FormatJPEG:
		p, err := decodeSingleImage(path, format, lim)
		if err != nil {
			return err
		}
		return emit(p)
	case FormatTIFF:
		return decodeTIFF(ctx, path, lim, emit)
	case FormatPDF:
		return decodePDF(ctx, path, lim, emit)
	}
	return failure(ErrUnsupported, nil, "unsupported file type")
}

func readWhole(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, failure(ErrNotFound, err, "cannot open")
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxImageFileSize+1))
	if err != nil {
		return nil, failure(ErrCorrupt, err, "cannot read")
	}
	if len(b) > maxImageFileSize {
		return nil, failure(ErrTooLarge, nil, "file too large: more than %d bytes", maxImageFileSize)
	}
	return b, nil
}

// decodeSingleImage decodes a PNG or JPEG file after checking its declared
// size; the page keeps the file's bytes for pass-through (not a CMYK JPEG).
func decodeSingleImage(path string, format Format, lim Limits) (Page, error) {
	data, err := readWhole(path)
	if err != nil {
		return Page{}, err
	}
	var cfg image.Config
	err = safely(func() error {
		var err error
		if format == FormatPNG {
			cfg, err = png.DecodeConfig(bytes.NewReader(data))
		} else {
			cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
		}
		return err
	})
	if err != nil {
		return Page{}, imageError(format, err)
	}
	if err := checkPixels(int64(cfg.Width), int64(cfg.Height), lim); err != nil {
		return Page{}, err
	}
	var img image.Image
	err = safely(func() error {
		var err error
		if format == FormatPNG {
			img, err = png.Decode(bytes.NewReader(data))
		} else {
			img, err = jpeg.Decode(bytes.NewReader(data))
		}
		return err
	})
	if err != nil {
		return Page{}, imageError(format, err)
	}
	p := Page{Image: img}
	if format == FormatPNG {
		p.DPI = pngDPI(data)
		// A writer can often copy the compressed rows as they are.
		p.Encoded, p.Format = data, "png"
	} else {
		p.DPI = jpegDPI(data)
		// CMYK JPEGs (often Adobe-inverted) need special handling in a PDF;
		// leave them to the writer's re-encoding.
		if _, cmyk := img.(*image.CMYK); !cmyk {
			p.Encoded, p.Format = data, "jpeg"
		}
	}
	return p, nil
}

func imageError(format Format, err error) error {
	var e *Error
	var pngUnsupported png.UnsupportedError
	var jpegUnsupported jpeg.UnsupportedError
	name := "PNG"
	if format == FormatJPEG {
		name = "JPEG"
	}
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return failure(ErrCorrupt, io.ErrUnexpectedEOF, "truncated %s", name)
	case errors.As(err, &pngUnsupported), errors.As(err, &jpegUnsupported):
		return failure(ErrUnsupported, err, "unsupported %s", name)
	}
	return failure(ErrCorrupt, err, "invalid %s", name)
}

// safely runs a decoder and turns a panic on hostile data into ErrCorrupt.
func safely(decode func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = failure(ErrCorrupt, fmt.Errorf("%v", r), "decoder failed on damaged data")
		}
	}()
	return decode()
}

// pngDPI reads the pHYs chunk (pixels per metre when its unit is 1).
func pngDPI(data []byte) float64 {
	for i := 8; i+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if n < 0 || i+8+n > len(data) || typ == "IDAT" {
			return 0
		}
		if typ == "pHYs" && n >= 9 {
			chunk := data[i+8:]
			if chunk[8] == 1 {
				return roundDPI(float64(binary.BigEndian.Uint32(chunk)) * 0.0254)
			}
			return 0
		}
		i += 12 + n
	}
	return 0
}

// jpegDPI reads the JFIF density, or else the EXIF resolution.
func jpegDPI(data []byte) float64 {
	var exif float64
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			break
		}
		marker := data[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD8:
			i += 2
			continue
		case marker == 0xDA || marker == 0xD9: // scan starts: no more headers
			return exif
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			break
		}
		seg := data[i+4 : i+2+n]
		switch {
		case marker == 0xE0 && bytes.HasPrefix(seg, []byte("JFIF\x00")) && len(seg) >= 12:
			density := float64(binary.BigEndian.Uint16(seg[8:10]))
			switch seg[7] {
			case 1:
				return roundDPI(density)
			case 2:
				return roundDPI(density * 2.54)
			}
		case marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")):
			exif = exifDPI(seg[6:])
		}
		i += 2 + n
	}
	return exif
}

func exifDPI(tiffData []byte) float64 {
	t, err := openTIFF(bytes.NewReader(tiffData), int64(len(tiffData)))
	if err != nil {
		return 0
	}
	d, _, err := t.readIFD(t.first)
	if err != nil {
		return 0
	}
	return t.dpi(d)
}
