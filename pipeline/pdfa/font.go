package pdfa

// The invisible text layer needs a font whose only job is to carry character
// codes: nothing is ever painted (text render mode 3), but PDF/A requires
// every font to be embedded and every glyph width in the PDF to agree with the
// font program. So we build, in code, a minimal TrueType font with two
// glyphs: .notdef (a box, as convention asks) and one blank glyph. Both
// advance half an em. The PDF font is a Type0/CIDFontType2 with Identity-H
// encoding; the character code of each character is its Unicode code point
// (BMP only), the CIDToGIDMap sends every CID to the blank glyph, and a
// ToUnicode CMap maps every code back to the same code point, so text
// extraction returns exactly what was written.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
)

const (
	fontName       = "SohoaInvisible"
	unitsPerEm     = 1000
	glyphAdvance   = 500 // every glyph advances half an em
	fontAscender   = 800
	fontDescender  = -200
	blankGlyph     = 1
	notdefBoxLeft  = 50
	notdefBoxRight = 450
	notdefBoxTop   = 700
)

// glyphWidth is the width of every glyph in PDF text space units per 1 pt of
// font size (the /DW of the CIDFont divided by 1000).
const glyphWidth = float64(glyphAdvance) / unitsPerEm

// descentRatio is how far below the baseline the font's em box reaches, as a
// fraction of the font size; ascender+descender span exactly one em, so a
// word box of height h is covered by font size h with the baseline at
// h*descentRatio above the box bottom.
const descentRatio = float64(-fontDescender) / unitsPerEm

type sfntTable struct {
	tag  string
	data []byte
}

// be is a big-endian byte builder for font tables.
type be struct{ bytes.Buffer }

func (b *be) u8(v uint8)   { b.WriteByte(v) }
func (b *be) u16(v uint16) { binary.Write(&b.Buffer, binary.BigEndian, v) }
func (b *be) i16(v int16)  { binary.Write(&b.Buffer, binary.BigEndian, v) }
func (b *be) u32(v uint32) { binary.Write(&b.Buffer, binary.BigEndian, v) }
func (b *be) tag(s string) { b.WriteString(s) }

// buildTrueTypeFont returns the bytes of the invisible font program.
func buildTrueTypeFont() []byte {
	// glyf: .notdef is a rectangle (one contour, four on-curve points);
	// the blank glyph has no outline (zero length in loca).
	var glyf be
	glyf.i16(1) // numberOfContours
	glyf.i16(notdefBoxLeft)
	glyf.i16(0)
	glyf.i16(notdefBoxRight)
	glyf.i16(notdefBoxTop)
	glyf.u16(3) // endPtsOfContours[0]
	glyf.u16(0) // instructionLength
	for range 4 {
		glyf.u8(0x01) // on curve, x and y as signed 16-bit deltas
	}
	// Clockwise: up the left side, across the top, down the right side.
	for _, dx := range []int16{notdefBoxLeft, 0, notdefBoxRight - notdefBoxLeft, 0} {
		glyf.i16(dx)
	}
	for _, dy := range []int16{0, notdefBoxTop, 0, -notdefBoxTop} {
		glyf.i16(dy)
	}
	notdefLen := glyf.Len() // even, as the short loca format needs

	var loca be
	loca.u16(0)
	loca.u16(uint16(notdefLen / 2))
	loca.u16(uint16(notdefLen / 2))

	var head be
	head.u32(0x00010000) // version
	head.u32(0x00010000) // fontRevision
	head.u32(0)          // checkSumAdjustment, patched below
	head.u32(0x5F0F3CF5) // magicNumber
	head.u16(0x000B)     // flags: baseline at y=0, lsb at x=0, integer ppem
	head.u16(unitsPerEm)
	head.u32(0) // created (fixed: output must be deterministic)
	head.u32(0)
	head.u32(0) // modified
	head.u32(0)
	head.i16(notdefBoxLeft) // xMin
	head.i16(0)             // yMin
	head.i16(notdefBoxRight)
	head.i16(notdefBoxTop)
	head.u16(0) // macStyle
	head.u16(8) // lowestRecPPEM
	head.i16(2) // fontDirectionHint
	head.i16(0) // indexToLocFormat: short
	head.i16(0) // glyphDataFormat

	var hhea be
	hhea.u32(0x00010000)
	hhea.i16(fontAscender)
	hhea.i16(fontDescender)
	hhea.i16(0) // lineGap
	hhea.u16(glyphAdvance)
	hhea.i16(0)                             // minLeftSideBearing
	hhea.i16(glyphAdvance - notdefBoxRight) // minRightSideBearing
	hhea.i16(notdefBoxRight)                // xMaxExtent
	hhea.i16(1)                             // caretSlopeRise
	hhea.i16(0)                             // caretSlopeRun
	hhea.i16(0)                             // caretOffset
	for range 4 {
		hhea.i16(0) // reserved
	}
	hhea.i16(0) // metricDataFormat
	hhea.u16(2) // numberOfHMetrics

	var maxp be
	maxp.u32(0x00010000)
	maxp.u16(2) // numGlyphs
	maxp.u16(4) // maxPoints
	maxp.u16(1) // maxContours
	maxp.u16(0) // maxCompositePoints
	maxp.u16(0) // maxCompositeContours
	maxp.u16(2) // maxZones
	for range 8 {
		maxp.u16(0) // twilight points, storage, defs, stack, instructions, components
	}

	var hmtx be
	hmtx.u16(glyphAdvance)
	hmtx.i16(notdefBoxLeft)
	hmtx.u16(glyphAdvance)
	hmtx.i16(0)

	var os2 be
	os2.u16(4)            // version
	os2.i16(glyphAdvance) // xAvgCharWidth
	os2.u16(400)          // usWeightClass
	os2.u16(5)            // usWidthClass
	os2.u16(0)            // fsType: installable embedding
	for _, v := range []int16{650, 600, 0, 75, 650, 600, 0, 350, 50, 250} {
		os2.i16(v) // sub/superscript sizes and offsets, strikeout size and position
	}
	os2.i16(0) // sFamilyClass
	os2.Write(make([]byte, 10))
	os2.u32(1) // ulUnicodeRange1: Basic Latin
	os2.u32(0)
	os2.u32(0)
	os2.u32(0)
	os2.tag("NONE") // achVendID
	os2.u16(0x0040) // fsSelection: REGULAR
	os2.u16(0x0020) // usFirstCharIndex
	os2.u16(0xFFFF) // usLastCharIndex
	os2.i16(fontAscender)
	os2.i16(fontDescender)
	os2.i16(0) // sTypoLineGap
	os2.u16(fontAscender)
	os2.u16(-fontDescender)
	os2.u32(1) // ulCodePageRange1: Latin 1
	os2.u32(0)
	os2.i16(500) // sxHeight
	os2.i16(notdefBoxTop)
	os2.u16(0)    // usDefaultChar
	os2.u16(0x20) // usBreakChar
	os2.u16(1)    // usMaxContext

	// cmap: one Windows Unicode BMP subtable (format 4) mapping the space to
	// the blank glyph. PDF never consults it for a CIDFontType2 with a
	// CIDToGIDMap, but the table is required.
	var cmap be
	cmap.u16(0) // version
	cmap.u16(1) // numTables
	cmap.u16(3) // platform Windows
	cmap.u16(1) // encoding Unicode BMP
	cmap.u32(12)
	cmap.u16(4)  // format
	cmap.u16(32) // length
	cmap.u16(0)  // language
	cmap.u16(4)  // segCountX2
	cmap.u16(4)  // searchRange
	cmap.u16(1)  // entrySelector
	cmap.u16(0)  // rangeShift
	cmap.u16(0x0020)
	cmap.u16(0xFFFF) // endCode
	cmap.u16(0)      // reservedPad
	cmap.u16(0x0020)
	cmap.u16(0xFFFF)                              // startCode
	cmap.u16(uint16(blankGlyph - 0x20 + 0x10000)) // idDelta: 0x20 → glyph 1
	cmap.u16(1)                                   // idDelta of the terminal segment
	cmap.u16(0)
	cmap.u16(0) // idRangeOffset

	name := buildNameTable()

	var post be
	post.u32(0x00030000) // version 3: no glyph names
	post.u32(0)          // italicAngle
	post.i16(-100)       // underlinePosition
	post.i16(50)         // underlineThickness
	post.u32(1)          // isFixedPitch
	for range 4 {
		post.u32(0)
	}

	tables := []sfntTable{
		{"OS/2", os2.Bytes()}, {"cmap", cmap.Bytes()}, {"glyf", glyf.Bytes()},
		{"head", head.Bytes()}, {"hhea", hhea.Bytes()}, {"hmtx", hmtx.Bytes()},
		{"loca", loca.Bytes()}, {"maxp", maxp.Bytes()}, {"name", name},
		{"post", post.Bytes()},
	}
	return assembleSfnt(tables)
}

// buildNameTable names the font on the Macintosh (Roman) and Windows
// (Unicode BMP) platforms.
func buildNameTable() []byte {
	names := []struct {
		id   uint16
		text string
	}{
		{1, fontName}, {2, "Regular"}, {3, "sohoa:" + fontName}, {4, fontName},
		{5, "Version 1.000"}, {6, fontName},
	}
	type record struct{ platform, encoding, language, id, length, offset uint16 }
	var records []record
	var storage bytes.Buffer
	for _, n := range names { // Macintosh, Roman, English: one byte per char
		records = append(records, record{1, 0, 0, n.id, uint16(len(n.text)), uint16(storage.Len())})
		storage.WriteString(n.text)
	}
	for _, n := range names { // Windows, Unicode BMP, en-US: UTF-16BE
		off := storage.Len()
		for _, r := range n.text {
			storage.WriteByte(byte(r >> 8))
			storage.WriteByte(byte(r))
		}
		records = append(records, record{3, 1, 0x0409, n.id, uint16(storage.Len() - off), uint16(off)})
	}
	var b be
	b.u16(0)
	b.u16(uint16(len(records)))
	b.u16(uint16(6 + 12*len(records)))
	for _, r := range records {
		b.u16(r.platform)
		b.u16(r.encoding)
		b.u16(r.language)
		b.u16(r.id)
		b.u16(r.length)
		b.u16(r.offset)
	}
	b.Write(storage.Bytes())
	return b.Bytes()
}

// sfntChecksum is the OpenType table checksum: the sum of big-endian uint32
// words of the data padded with zeros to a multiple of 4.
func sfntChecksum(data []byte) uint32 {
	var sum uint32
	for i := 0; i < len(data); i += 4 {
		var w [4]byte
		copy(w[:], data[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}

// assembleSfnt writes the table directory and 4-byte aligned tables, then
// patches head.checkSumAdjustment.
func assembleSfnt(tables []sfntTable) []byte {
	sort.Slice(tables, func(i, j int) bool { return tables[i].tag < tables[j].tag })
	n := len(tables)
	searchRange, entrySelector := 1, 0
	for searchRange*2 <= n {
		searchRange *= 2
		entrySelector++
	}
	var b be
	b.u32(0x00010000)
	b.u16(uint16(n))
	b.u16(uint16(searchRange * 16))
	b.u16(uint16(entrySelector))
	b.u16(uint16(n*16 - searchRange*16))
	offset := 12 + 16*n
	headOffset := 0
	for _, t := range tables {
		b.tag(t.tag)
		b.u32(sfntChecksum(t.data))
		b.u32(uint32(offset))
		b.u32(uint32(len(t.data)))
		if t.tag == "head" {
			headOffset = offset
		}
		offset += (len(t.data) + 3) &^ 3
	}
	for _, t := range tables {
		b.Write(t.data)
		b.Write(make([]byte, (4-len(t.data)%4)%4))
	}
	font := b.Bytes()
	binary.BigEndian.PutUint32(font[headOffset+8:], 0xB1B0AFBA-sfntChecksum(font))
	return font
}

// buildToUnicodeCMap maps every usable 2-byte code to the Unicode code point
// of the same value. Ranges stay within one high byte, as the bfrange rules
// require; surrogates (not characters on their own), U+FEFF and the
// noncharacters U+FFFE/U+FFFF are left out, and so is code 0.
func buildToUnicodeCMap() []byte {
	type span struct{ lo, hi uint16 }
	var spans []span
	for hi := 0; hi < 256; hi++ {
		lo, top := uint16(hi<<8), uint16(hi<<8|0xFF)
		switch {
		case hi >= 0xD8 && hi <= 0xDF:
			continue
		case hi == 0:
			lo = 1
		case hi == 0xFE:
			top = 0xFEFE
		case hi == 0xFF:
			top = 0xFFFD
		}
		spans = append(spans, span{lo, top})
	}
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for len(spans) > 0 { // at most 100 entries per block
		chunk := spans[:min(100, len(spans))]
		spans = spans[len(chunk):]
		fmt.Fprintf(&b, "%d beginbfrange\n", len(chunk))
		for _, s := range chunk {
			fmt.Fprintf(&b, "<%04X> <%04X> <%04X>\n", s.lo, s.hi, s.lo)
		}
		b.WriteString("endbfrange\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

// cidToGIDMap sends CID 0 to .notdef and every other CID to the blank glyph.
func cidToGIDMap() []byte {
	m := make([]byte, 2*65536)
	for cid := 1; cid < 65536; cid++ {
		m[2*cid+1] = blankGlyph
	}
	return m
}

// encodableRune reports whether r can be written as a 2-byte CID that the
// ToUnicode CMap maps back to r.
func encodableRune(r rune) bool {
	switch {
	case r <= 0 || r > 0xFFFD:
		return false
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFEFF:
		return false
	}
	return true
}
