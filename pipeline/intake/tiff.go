package intake

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"

	"golang.org/x/image/tiff"

	"github.com/sohoa/sohoa/internal/icc"
)

// TIFF tags and values this file reads itself. golang.org/x/image/tiff
// decodes only the first image (IFD) of a file, so the IFD chain, the limits
// check and the resolution are handled here.
const (
	tagNewSubfileType = 254
	tagImageWidth     = 256
	tagImageLength    = 257
	tagCompression    = 259
	tagXResolution    = 282
	tagResolutionUnit = 296
	tagICCProfile     = 34675 // InterColorProfile: an ICC profile, per IFD

	typeByte      = 1
	typeShort     = 3
	typeLong      = 4
	typeRational  = 5
	typeUndefined = 7

	// subfileReduced marks a thumbnail of another page, not a page.
	subfileReduced = 1
)

// tiffCompressions are the compressions golang.org/x/image/tiff decodes:
// none, CCITT G3 and G4, LZW, Deflate (both codes) and PackBits. 0 is a
// missing tag, which the decoder reads as none.
var tiffCompressions = map[uint32]bool{0: true, 1: true, 3: true, 4: true, 5: true, 8: true, 32946: true, 32773: true}

// tiffStructure walks the IFDs of a TIFF (or of the TIFF inside a JPEG's
// EXIF segment) without decoding pixels.
type tiffStructure struct {
	r     io.ReaderAt
	size  int64
	order binary.ByteOrder
	first uint32 // offset of the first IFD
}

func openTIFF(r io.ReaderAt, size int64) (*tiffStructure, error) {
	var h [8]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, failure(ErrCorrupt, io.ErrUnexpectedEOF, "truncated TIFF")
	}
	t := &tiffStructure{r: r, size: size}
	switch string(h[:2]) {
	case "II":
		t.order = binary.LittleEndian
	case "MM":
		t.order = binary.BigEndian
	default:
		return nil, failure(ErrCorrupt, nil, "invalid TIFF: bad byte order mark")
	}
	switch v := t.order.Uint16(h[2:4]); v {
	case 42:
	case 43:
		return nil, failure(ErrUnsupported, nil, "unsupported TIFF: BigTIFF")
	default:
		return nil, failure(ErrCorrupt, nil, "invalid TIFF: version %d", v)
	}
	t.first = t.order.Uint32(h[4:8])
	return t, nil
}

// ifdEntry is one 12-byte IFD entry; value holds the value itself when it
// fits in 4 bytes, else its offset.
type ifdEntry struct {
	typ   uint16
	count uint32
	value [4]byte
}

type ifd struct {
	offset  uint32
	entries map[uint16]ifdEntry
}

// readIFD reads the IFD at off and returns it with the next IFD's offset.
func (t *tiffStructure) readIFD(off uint32) (ifd, uint32, error) {
	var n [2]byte
	if _, err := t.r.ReadAt(n[:], int64(off)); err != nil {
		return ifd{}, 0, failure(ErrCorrupt, io.ErrUnexpectedEOF, "truncated TIFF")
	}
	count := int(t.order.Uint16(n[:]))
	buf := make([]byte, count*12+4)
	if _, err := t.r.ReadAt(buf, int64(off)+2); err != nil {
		return ifd{}, 0, failure(ErrCorrupt, io.ErrUnexpectedEOF, "truncated TIFF")
	}
	d := ifd{offset: off, entries: make(map[uint16]ifdEntry, count)}
	for i := range count {
		e := buf[i*12 : i*12+12]
		var entry ifdEntry
		entry.typ = t.order.Uint16(e[2:4])
		entry.count = t.order.Uint32(e[4:8])
		copy(entry.value[:], e[8:12])
		d.entries[t.order.Uint16(e[0:2])] = entry
	}
	return d, t.order.Uint32(buf[count*12:]), nil
}

// uint returns the first value of an integer tag, or def when absent.
func (t *tiffStructure) uint(d ifd, tag uint16, def uint32) uint32 {
	e, ok := d.entries[tag]
	if !ok || e.count == 0 {
		return def
	}
	switch e.typ {
	case typeByte:
		return uint32(e.value[0])
	case typeShort:
		return uint32(t.order.Uint16(e.value[:2]))
	case typeLong:
		return t.order.Uint32(e.value[:])
	}
	return def
}

// rational returns the first value of a RATIONAL tag, or 0.
func (t *tiffStructure) rational(d ifd, tag uint16) float64 {
	e, ok := d.entries[tag]
	if !ok || e.count == 0 || e.typ != typeRational {
		return 0
	}
	var b [8]byte
	if _, err := t.r.ReadAt(b[:], int64(t.order.Uint32(e.value[:]))); err != nil {
		return 0
	}
	num, den := t.order.Uint32(b[:4]), t.order.Uint32(b[4:])
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

// dpi reads XResolution with ResolutionUnit (2 = inch, the default;
// 3 = centimetre; 1 = no absolute unit, so unknown).
func (t *tiffStructure) dpi(d ifd) float64 {
	res := t.rational(d, tagXResolution)
	switch t.uint(d, tagResolutionUnit, 2) {
	case 2:
		return roundDPI(res)
	case 3:
		return roundDPI(res * 2.54)
	}
	return 0
}

// iccProfile reads the InterColorProfile tag of a page, nil when it is
// absent or cannot be a profile (wrong type, too short to hold an ICC
// header, larger than icc.MaxSourceProfile, or outside the file): a bad tag costs
// the profile, not the page.
func (t *tiffStructure) iccProfile(d ifd) []byte {
	e, ok := d.entries[tagICCProfile]
	// A count of 4 bytes or fewer would be stored in the entry itself,
	// and no profile is that short.
	if !ok || (e.typ != typeUndefined && e.typ != typeByte) || e.count < icc.HeaderSize || e.count > icc.MaxSourceProfile {
		return nil
	}
	off := int64(t.order.Uint32(e.value[:]))
	if off+int64(e.count) > t.size {
		return nil
	}
	profile := make([]byte, e.count)
	if _, err := t.r.ReadAt(profile, off); err != nil {
		return nil
	}
	return profile
}

// pages walks the IFD chain and returns the IFDs that are pages (not
// thumbnails). It fails on a loop or a broken chain, and once more than
// maxPages pages are found (maxPages <= 0: no limit).
func (t *tiffStructure) pages(maxPages int) ([]ifd, error) {
	var out []ifd
	seen := map[uint32]bool{}
	for off := t.first; off != 0; {
		if seen[off] {
			return nil, failure(ErrCorrupt, nil, "invalid TIFF: IFD chain loops back to offset %d", off)
		}
		seen[off] = true
		if int64(off) >= t.size {
			return nil, withPlace(failure(ErrCorrupt, io.ErrUnexpectedEOF, "truncated TIFF"), "", len(out)+1)
		}
		d, next, err := t.readIFD(off)
		if err != nil {
			return nil, withPlace(err, "", len(out)+1)
		}
		if t.uint(d, tagNewSubfileType, 0)&subfileReduced == 0 {
			out = append(out, d)
			if maxPages > 0 && len(out) > maxPages {
				return out, failure(ErrTooLarge, nil, "too many pages: more than the limit of %d", maxPages)
			}
		}
		// A chain of thumbnails without pages must still end.
		if len(seen) > 4*max(maxPages, DefaultMaxPages)+16 {
			return nil, failure(ErrCorrupt, nil, "invalid TIFF: too many IFDs")
		}
		off = next
	}
	if len(out) == 0 {
		return nil, failure(ErrCorrupt, nil, "invalid TIFF: no image")
	}
	return out, nil
}

// countTIFFPages counts pages of the TIFF at path, stopping after maxPages+1.
func countTIFFPages(path string, maxPages int) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, failure(ErrNotFound, err, "cannot open")
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, failure(ErrNotFound, err, "cannot open")
	}
	t, err := openTIFF(f, info.Size())
	if err != nil {
		return 0, err
	}
	ps, err := t.pages(maxPages)
	return len(ps), err
}

// decodeTIFF decodes every page of the TIFF at path in order.
func decodeTIFF(ctx context.Context, path string, lim Limits, emit func(Page) error) error {
	f, err := os.Open(path)
	if err != nil {
		return failure(ErrNotFound, err, "cannot open")
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return failure(ErrNotFound, err, "cannot open")
	}
	t, err := openTIFF(f, info.Size())
	if err != nil {
		return err
	}
	pages, err := t.pages(lim.MaxPages)
	if err != nil {
		return err
	}
	for i, d := range pages {
		if err := ctx.Err(); err != nil {
			return err
		}
		img, err := t.decodePage(d, lim)
		if err != nil {
			err := withPlace(err, "", i+1)
			return err
		}
		if err := emit(Page{Index: i, Image: img, DPI: t.dpi(d), ICCProfile: t.iccProfile(d)}); err != nil {
			return err
		}
	}
	return nil
}

// decodePage checks the page's declared size and compression, then lets
// x/image/tiff decode it through a view of the file whose header points at
// this page's IFD.
func (t *tiffStructure) decodePage(d ifd, lim Limits) (image.Image, error) {
	w, h := t.uint(d, tagImageWidth, 0), t.uint(d, tagImageLength, 0)
	if err := checkPixels(int64(w), int64(h), lim); err != nil {
		return nil, err
	}
	if c := t.uint(d, tagCompression, 1); !tiffCompressions[c] {
		return nil, failure(ErrUnsupported, nil, "unsupported TIFF compression %d (%s)", c, tiffCompressionName(c))
	}
	view := &headerPatch{r: t.r, size: t.size}
	view.header[0], view.header[1] = 'I', 'I'
	if t.order == binary.BigEndian {
		view.header[0], view.header[1] = 'M', 'M'
	}
	t.order.PutUint16(view.header[2:4], 42)
	t.order.PutUint32(view.header[4:8], d.offset)
	var img image.Image
	err := safely(func() error {
		var err error
		img, err = tiff.Decode(view)
		return err
	})
	if err != nil {
		return nil, tiffError(err)
	}
	return img, nil
}

func tiffCompressionName(c uint32) string {
	switch c {
	case 2:
		return "CCITT modified Huffman"
	case 6:
		return "old-style JPEG"
	case 7:
		return "JPEG"
	case 34712:
		return "JPEG 2000"
	}
	return "unknown"
}

func tiffError(err error) error {
	var e *Error
	var unsupported tiff.UnsupportedError
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return failure(ErrCorrupt, io.ErrUnexpectedEOF, "truncated TIFF")
	case errors.As(err, &unsupported):
		return failure(ErrUnsupported, err, "unsupported TIFF")
	}
	return failure(ErrCorrupt, err, "invalid TIFF")
}

// headerPatch is an io.ReaderAt (and io.Reader, which tiff.Decode's
// signature wants) over a TIFF whose 8-byte header is replaced, so that the
// decoder's "first IFD" is the page we want.
type headerPatch struct {
	r      io.ReaderAt
	size   int64
	header [8]byte
	pos    int64
}

func (p *headerPatch) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset %d", off)
	}
	n, err := p.r.ReadAt(b, off)
	for i := 0; i < n && off+int64(i) < int64(len(p.header)); i++ {
		b[i] = p.header[off+int64(i)]
	}
	return n, err
}

func (p *headerPatch) Read(b []byte) (int, error) {
	if p.pos >= p.size {
		return 0, io.EOF
	}
	n, err := p.ReadAt(b, p.pos)
	p.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// roundDPI drops the noise of unit conversions (300 dpi stored as 11811
// pixels per metre reads back as 299.9994).
func roundDPI(v float64) float64 {
	if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0
	}
	return math.Round(v*100) / 100
}
