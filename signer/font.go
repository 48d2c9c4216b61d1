package signer

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"sort"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// DefaultStampFont is the TrueType font of the visible stamp: Liberation
// Serif (Debian package fonts-liberation2), metric-compatible with Times New
// Roman and covering Vietnamese.
const DefaultStampFont = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"

// stampFont is a TrueType font to be embedded as a subset (CIDFontType2,
// Identity-H, CID = glyph id).
type stampFont struct {
	raw     []byte
	f       *sfnt.Font
	upem    int
	name    string
	used    map[sfnt.GlyphIndex]rune
	advance map[sfnt.GlyphIndex]int // in font units
}

func loadStampFont(path string) (*stampFont, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("stamp font: %w", err)
	}
	f, err := sfnt.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("stamp font %s: %w", path, err)
	}
	var b sfnt.Buffer
	name, err := f.Name(&b, sfnt.NameIDPostScript)
	if err != nil || name == "" {
		name = "Font"
	}
	return &stampFont{raw: raw, f: f, upem: int(f.UnitsPerEm()), name: name,
		used: map[sfnt.GlyphIndex]rune{}, advance: map[sfnt.GlyphIndex]int{}}, nil
}

// encode maps text to glyph ids (2-byte CIDs), recording them for the
// subset, and returns the width of the text in font units.
func (s *stampFont) encode(text string) ([]byte, int, error) {
	var b sfnt.Buffer
	var out []byte
	width := 0
	for _, r := range text {
		gid, err := s.f.GlyphIndex(&b, r)
		if err != nil || gid == 0 {
			return nil, 0, fmt.Errorf("stamp font %s has no glyph for %q", s.name, r)
		}
		adv, err := s.f.GlyphAdvance(&b, gid, fixed.I(s.upem), font.HintingNone)
		if err != nil {
			return nil, 0, fmt.Errorf("stamp font: advance of %q: %w", r, err)
		}
		s.used[gid] = r
		s.advance[gid] = adv.Round()
		width += adv.Round()
		out = append(out, byte(gid>>8), byte(gid))
	}
	return out, width, nil
}

// objects writes the font's objects into u and returns the Type0 font's
// reference.
func (s *stampFont) objects(u *update) (string, error) {
	program, err := s.subset()
	if err != nil {
		return "", err
	}
	gids := make([]int, 0, len(s.used))
	for g := range s.used {
		gids = append(gids, int(g))
	}
	sort.Ints(gids)
	// The subset tag is six capitals derived from the glyphs used.
	sum := sha256.Sum256(fmt.Append(nil, gids))
	var tag [6]byte
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	base := string(tag[:]) + "+" + s.name

	var widths strings.Builder
	for _, g := range gids {
		fmt.Fprintf(&widths, "%d [%d] ", g, s.advance[sfnt.GlyphIndex(g)]*1000/s.upem)
	}
	var b sfnt.Buffer
	bounds, err := s.f.Bounds(&b, fixed.I(s.upem), font.HintingNone)
	if err != nil {
		return "", fmt.Errorf("stamp font: bounds: %w", err)
	}
	m, err := s.f.Metrics(&b, fixed.I(s.upem), font.HintingNone)
	if err != nil {
		return "", fmt.Errorf("stamp font: metrics: %w", err)
	}
	scale := func(v fixed.Int26_6) int { return v.Round() * 1000 / s.upem }
	capHeight := scale(m.CapHeight)
	if capHeight == 0 {
		capHeight = scale(m.Ascent)
	}

	file, toUnicode, desc, cid, type0 := u.alloc(), u.alloc(), u.alloc(), u.alloc(), u.alloc()
	u.stream(file, fmt.Sprintf("/Length1 %d ", len(program)), program)
	u.stream(toUnicode, "", s.toUnicode(gids))
	// Bounds' Y axis points down; PDF's up.
	u.object(desc, fmt.Sprintf("<</Type /FontDescriptor /FontName /%s /Flags 34 /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %s>>",
		base, scale(bounds.Min.X), -scale(bounds.Max.Y), scale(bounds.Max.X), -scale(bounds.Min.Y),
		scale(m.Ascent), -scale(m.Descent), capHeight, file.PDFString()))
	u.object(cid, fmt.Sprintf("<</Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo <</Registry (Adobe) /Ordering (Identity) /Supplement 0>> /FontDescriptor %s /W [%s] /CIDToGIDMap /Identity>>",
		base, desc.PDFString(), strings.TrimSpace(widths.String())))
	u.object(type0, fmt.Sprintf("<</Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%s] /ToUnicode %s>>",
		base, cid.PDFString(), toUnicode.PDFString()))
	return type0.PDFString(), nil
}

func (s *stampFont) toUnicode(gids []int) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for i := 0; i < len(gids); i += 100 {
		chunk := gids[i:min(i+100, len(gids))]
		fmt.Fprintf(&b, "%d beginbfchar\n", len(chunk))
		for _, g := range chunk {
			r := s.used[sfnt.GlyphIndex(g)]
			fmt.Fprintf(&b, "<%04X> <", g)
			for _, u := range utf16Units(r) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

func utf16Units(r rune) []uint16 {
	if r < 0x10000 {
		return []uint16{uint16(r)}
	}
	r -= 0x10000
	return []uint16{uint16(0xD800 + r>>10), uint16(0xDC00 + r&0x3FF)}
}

// subset returns a TrueType program with the glyph outlines of the used
// glyphs (and the components of composite ones) only. Glyph ids are kept,
// so the others become empty glyphs and CID = GID still holds.
func (s *stampFont) subset() ([]byte, error) {
	tables, err := sfntTables(s.raw)
	if err != nil {
		return nil, err
	}
	head, maxp, loca, glyf := tables["head"], tables["maxp"], tables["loca"], tables["glyf"]
	if len(head) < 54 || len(maxp) < 6 || loca == nil || glyf == nil {
		return nil, fmt.Errorf("stamp font %s: not a TrueType-outline font", s.name)
	}
	numGlyphs := int(binary.BigEndian.Uint16(maxp[4:]))
	longLoca := binary.BigEndian.Uint16(head[50:]) == 1
	glyphRange := func(g int) (int, int, bool) {
		if g < 0 || g >= numGlyphs {
			return 0, 0, false
		}
		if longLoca {
			if len(loca) < 4*(g+2) {
				return 0, 0, false
			}
			a, b := int(binary.BigEndian.Uint32(loca[4*g:])), int(binary.BigEndian.Uint32(loca[4*g+4:]))
			return a, b, a <= b && b <= len(glyf)
		}
		if len(loca) < 2*(g+2) {
			return 0, 0, false
		}
		a, b := 2*int(binary.BigEndian.Uint16(loca[2*g:])), 2*int(binary.BigEndian.Uint16(loca[2*g+2:]))
		return a, b, a <= b && b <= len(glyf)
	}
	keep := map[int]bool{0: true}
	queue := []int{0}
	for g := range s.used {
		queue = append(queue, int(g))
	}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		keep[g] = true
		a, b, ok := glyphRange(g)
		if !ok || b-a < 10 || int16(binary.BigEndian.Uint16(glyf[a:])) >= 0 {
			continue
		}
		// A composite glyph: follow its components.
		p := a + 10
		for p+4 <= b {
			flags := binary.BigEndian.Uint16(glyf[p:])
			comp := int(binary.BigEndian.Uint16(glyf[p+2:]))
			if !keep[comp] {
				keep[comp] = true
				queue = append(queue, comp)
			}
			p += 4
			if flags&0x0001 != 0 {
				p += 4
			} else {
				p += 2
			}
			switch {
			case flags&0x0008 != 0:
				p += 2
			case flags&0x0040 != 0:
				p += 4
			case flags&0x0080 != 0:
				p += 8
			}
			if flags&0x0020 == 0 {
				break
			}
		}
	}
	var newGlyf []byte
	newLoca := make([]byte, 4*(numGlyphs+1))
	for g := 0; g < numGlyphs; g++ {
		binary.BigEndian.PutUint32(newLoca[4*g:], uint32(len(newGlyf)))
		if a, b, ok := glyphRange(g); ok && keep[g] {
			newGlyf = append(newGlyf, glyf[a:b]...)
			for len(newGlyf)%4 != 0 {
				newGlyf = append(newGlyf, 0)
			}
		}
	}
	binary.BigEndian.PutUint32(newLoca[4*numGlyphs:], uint32(len(newGlyf)))
	newHead := append([]byte(nil), head...)
	binary.BigEndian.PutUint32(newHead[8:], 0)  // checkSumAdjustment
	binary.BigEndian.PutUint16(newHead[50:], 1) // long loca offsets

	out := map[string][]byte{"head": newHead, "loca": newLoca, "glyf": newGlyf}
	for _, t := range []string{"hhea", "maxp", "hmtx", "cvt ", "fpgm", "prep", "OS/2"} {
		if v, ok := tables[t]; ok {
			out[t] = v
		}
	}
	return writeSFNT(out), nil
}

// sfntTables splits a TrueType file into its tables.
func sfntTables(raw []byte) (map[string][]byte, error) {
	if len(raw) < 12 {
		return nil, fmt.Errorf("stamp font: too short")
	}
	n := int(binary.BigEndian.Uint16(raw[4:]))
	tables := map[string][]byte{}
	for i := 0; i < n; i++ {
		e := 12 + 16*i
		if e+16 > len(raw) {
			return nil, fmt.Errorf("stamp font: truncated table directory")
		}
		off, length := int(binary.BigEndian.Uint32(raw[e+8:])), int(binary.BigEndian.Uint32(raw[e+12:]))
		if off < 0 || length < 0 || off+length > len(raw) {
			return nil, fmt.Errorf("stamp font: table %q out of bounds", raw[e:e+4])
		}
		tables[string(raw[e:e+4])] = raw[off : off+length]
	}
	return tables, nil
}

// writeSFNT assembles tables into a TrueType file.
func writeSFNT(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	n := len(tags)
	pow, log := 1, 0
	for pow*2 <= n {
		pow, log = pow*2, log+1
	}
	var out bytes.Buffer
	header := make([]byte, 12+16*n)
	binary.BigEndian.PutUint32(header[0:], 0x00010000)
	binary.BigEndian.PutUint16(header[4:], uint16(n))
	binary.BigEndian.PutUint16(header[6:], uint16(pow*16))
	binary.BigEndian.PutUint16(header[8:], uint16(log))
	binary.BigEndian.PutUint16(header[10:], uint16(n*16-pow*16))
	off := len(header)
	var body bytes.Buffer
	for i, t := range tags {
		data := tables[t]
		e := 12 + 16*i
		copy(header[e:], t)
		binary.BigEndian.PutUint32(header[e+4:], tableChecksum(data))
		binary.BigEndian.PutUint32(header[e+8:], uint32(off+body.Len()))
		binary.BigEndian.PutUint32(header[e+12:], uint32(len(data)))
		body.Write(data)
		for body.Len()%4 != 0 {
			body.WriteByte(0)
		}
	}
	out.Write(header)
	out.Write(body.Bytes())
	return out.Bytes()
}

func tableChecksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
