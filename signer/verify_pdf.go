package signer

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/sohoa/sohoa/internal/pdfsyntax"
)

// This file is a small PDF reader for verification. It keeps what pdfcpu's
// reader merges away: every revision (incremental update) on its own, with
// the objects it defines, and the exact byte positions of a signature's
// /Contents. It also copes with damaged and truncated files, which a
// verifier must report on rather than refuse.

// PDF objects as parsed here: nil (null), bool, int64, float64, pdfName,
// pdfString, pdfArray, pdfDict, pdfRef and *pdfStream.
type (
	pdfName   string
	pdfString []byte
	pdfArray  []any
	pdfDict   map[pdfName]any
	pdfRef    struct{ num, gen int }
	pdfStream struct {
		dict       pdfDict
		start, end int // raw (still encoded) data within the file
	}
)

// span is the position of a value in the file, [start, end).
type span struct{ start, end int64 }

// parsedObject is an indirect object with the positions of its top-level
// dictionary values (for /Contents and /ByteRange of a signature).
type parsedObject struct {
	value any
	spans map[pdfName]span
}

// errSyntax is wrapped by the errors for data that is not PDF syntax.
var errSyntax = pdfsyntax.ErrSyntax

// newLexer reads the whole file (or a decoded object stream) tolerantly:
// a verifier must report on damaged files rather than refuse them, so
// literal strings keep their bytes as written.
func newLexer(data []byte, pos int) *pdfsyntax.Lexer {
	return &pdfsyntax.Lexer{Data: data, Pos: pos, KeepStringEOL: true}
}

// objectBuilder makes this file's object types from what pdfsyntax reads.
// With spans set, it records the positions of the values of the outermost
// dictionary. (A single map field keeps it pointer-shaped: no allocation
// when it is passed as a Builder.)
type objectBuilder struct{ spans map[pdfName]span }

func (b objectBuilder) Scalar(s pdfsyntax.Scalar) any {
	switch s.Kind {
	case pdfsyntax.Bool:
		return s.Bool
	case pdfsyntax.Int:
		return s.Int
	case pdfsyntax.Real:
		return s.Real
	case pdfsyntax.Name:
		return pdfName(s.Name)
	case pdfsyntax.String:
		return pdfString(s.String)
	case pdfsyntax.Ref:
		return pdfRef{int(s.Int), int(s.Gen)}
	}
	return nil
}

func (b objectBuilder) Array(items []any, _ pdfsyntax.Span) any { return pdfArray(items) }

func (b objectBuilder) Dict(entries []pdfsyntax.Entry[any], _ pdfsyntax.Span, depth int) any {
	d := make(pdfDict, len(entries))
	for _, e := range entries {
		d[pdfName(e.Key)] = e.Value
		if depth == 0 && b.spans != nil {
			b.spans[pdfName(e.Key)] = span{int64(e.Span.Start), int64(e.Span.End)}
		}
	}
	return d
}

// parseObject reads one object at l.Pos; with spans set, it records the
// positions of a top-level dictionary's values.
func parseObject(l *pdfsyntax.Lexer, spans map[pdfName]span) (any, error) {
	return pdfsyntax.Parse[any](l, objectBuilder{spans: spans})
}

// xrefEntry locates one object of a revision.
type xrefEntry struct {
	free     bool
	offset   int64 // in-file offset (type 1)
	stream   int   // object stream number (type 2)
	index    int   // index within the object stream (type 2)
	inStream bool
}

// revision is one xref section with its trailer: the original document or
// one incremental update.
type revision struct {
	xrefOffset int64
	end        int64 // just after "%%EOF" and its end-of-line
	eofAt      int64 // offset of "%%EOF"
	entries    map[int]xrefEntry
	trailer    pdfDict
	xrefStream int // object number of the xref stream, 0 for a table
}

// pdfFile is a file being verified, read whole into memory.
type pdfFile struct {
	data      []byte
	revisions []*revision
	cache     map[[2]int]*parsedObject // (revision, object) → object
	objStms   map[int64][]byte         // decoded object streams by offset
	// tail is what follows the last complete revision, whitespace trimmed.
	tail int
}

// openPDF finds the revisions of data. It fails only when no revision at
// all can be read.
func openPDF(data []byte) (*pdfFile, error) {
	f := &pdfFile{data: data, cache: map[[2]int]*parsedObject{}, objStms: map[int64][]byte{}}
	marker := []byte("%%EOF")
	for at := 0; ; {
		i := bytes.Index(data[at:], marker)
		if i < 0 {
			break
		}
		eof := at + i
		at = eof + len(marker)
		end := at
		if end < len(data) && data[end] == '\r' {
			end++
		}
		if end < len(data) && data[end] == '\n' {
			end++
		}
		sx := bytes.LastIndex(data[max(0, eof-64):eof], []byte("startxref"))
		if sx < 0 {
			continue
		}
		fields := bytes.Fields(data[max(0, eof-64)+sx+len("startxref") : eof])
		if len(fields) != 1 {
			continue
		}
		off, err := strconv.ParseInt(string(fields[0]), 10, 64)
		if err != nil || off <= 0 || off >= int64(eof) {
			continue
		}
		rev, err := f.readXref(off)
		if err != nil {
			continue
		}
		rev.end, rev.eofAt = int64(end), int64(eof)
		f.revisions = append(f.revisions, rev)
	}
	if len(f.revisions) == 0 {
		return nil, fmt.Errorf("%w: no readable cross-reference section", ErrInvalidPDF)
	}
	last := f.revisions[len(f.revisions)-1].end
	f.tail = len(bytes.TrimRight(data[last:], " \r\n\t\f\x00"))
	return f, nil
}

// readXref reads the xref table or stream at off.
func (f *pdfFile) readXref(off int64) (*revision, error) {
	rev := &revision{xrefOffset: off, entries: map[int]xrefEntry{}}
	l := newLexer(f.data, int(off))
	l.SkipSpace()
	if bytes.HasPrefix(f.data[l.Pos:], []byte("xref")) {
		l.Pos += 4
		for {
			l.SkipSpace()
			if bytes.HasPrefix(f.data[l.Pos:], []byte("trailer")) {
				l.Pos += len("trailer")
				t, err := parseObject(l, nil)
				if err != nil {
					return nil, err
				}
				d, ok := t.(pdfDict)
				if !ok {
					return nil, l.Fail("trailer is not a dictionary")
				}
				rev.trailer = d
				if stm, ok := d["XRefStm"].(int64); ok { // hybrid file
					if s, err := f.readXref(stm); err == nil {
						for n, e := range s.entries {
							if _, have := rev.entries[n]; !have {
								rev.entries[n] = e
							}
						}
					}
				}
				return rev, nil
			}
			first, err1 := strconv.Atoi(string(l.Token()))
			l.SkipSpace()
			count, err2 := strconv.Atoi(string(l.Token()))
			if err1 != nil || err2 != nil || count < 0 || count > len(f.data)/18 {
				return nil, l.Fail("bad xref subsection")
			}
			for k := 0; k < count; k++ {
				l.SkipSpace()
				o, err1 := strconv.ParseInt(string(l.Token()), 10, 64)
				l.SkipSpace()
				_, err2 := strconv.Atoi(string(l.Token()))
				l.SkipSpace()
				kind := l.Token()
				if err1 != nil || err2 != nil || len(kind) != 1 {
					return nil, l.Fail("bad xref entry")
				}
				rev.entries[first+k] = xrefEntry{free: kind[0] == 'f', offset: o}
			}
		}
	}
	num, obj, err := f.parseAt(off)
	if err != nil {
		return nil, err
	}
	s, ok := obj.value.(*pdfStream)
	if !ok || s.dict["Type"] != pdfName("XRef") {
		return nil, fmt.Errorf("%w: no xref at %d", errSyntax, off)
	}
	rev.trailer, rev.xrefStream = s.dict, num
	data, err := f.decodeStream(s)
	if err != nil {
		return nil, err
	}
	w, _ := s.dict["W"].(pdfArray)
	if len(w) != 3 {
		return nil, fmt.Errorf("%w: xref stream /W", errSyntax)
	}
	var widths [3]int
	rowLen := 0
	for i, v := range w {
		n, ok := v.(int64)
		if !ok || n < 0 || n > 8 {
			return nil, fmt.Errorf("%w: xref stream /W", errSyntax)
		}
		widths[i] = int(n)
		rowLen += int(n)
	}
	index, _ := s.dict["Index"].(pdfArray)
	if index == nil {
		size, _ := s.dict["Size"].(int64)
		index = pdfArray{int64(0), size}
	}
	field := func(b []byte, def int64) int64 {
		if len(b) == 0 {
			return def
		}
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return v
	}
	pos := 0
	for i := 0; i+1 < len(index); i += 2 {
		first, _ := index[i].(int64)
		count, _ := index[i+1].(int64)
		for k := int64(0); k < count; k++ {
			if rowLen == 0 || pos+rowLen > len(data) {
				return nil, fmt.Errorf("%w: xref stream too short", errSyntax)
			}
			row := data[pos : pos+rowLen]
			pos += rowLen
			t := field(row[:widths[0]], 1)
			a := field(row[widths[0]:widths[0]+widths[1]], 0)
			b := field(row[widths[0]+widths[1]:], 0)
			n := int(first + k)
			switch t {
			case 0:
				rev.entries[n] = xrefEntry{free: true}
			case 1:
				rev.entries[n] = xrefEntry{offset: a}
			case 2:
				rev.entries[n] = xrefEntry{inStream: true, stream: int(a), index: int(b)}
			}
		}
	}
	return rev, nil
}

// parseAt parses "n g obj ... endobj" at off.
func (f *pdfFile) parseAt(off int64) (int, *parsedObject, error) {
	if off < 0 || off >= int64(len(f.data)) {
		return 0, nil, fmt.Errorf("%w: object offset %d outside the file", errSyntax, off)
	}
	l := newLexer(f.data, int(off))
	num, _, err := l.ObjectHeader()
	if err != nil {
		return 0, nil, fmt.Errorf("%w: no object at offset %d", errSyntax, off)
	}
	spans := map[pdfName]span{}
	v, err := parseObject(l, spans)
	if err != nil {
		return 0, nil, err
	}
	obj := &parsedObject{value: v, spans: spans}
	if d, ok := v.(pdfDict); ok {
		if isStream, _ := l.BeginStream(); !isStream {
			return int(num), obj, nil
		}
		start := l.Pos
		length := int64(-1)
		// The length of a stream is almost always a direct number; an
		// indirect one is found by looking for endstream.
		if n, ok := d["Length"].(int64); ok {
			length = n
		}
		end, ok := pdfsyntax.StreamEnd(f.data, start, length)
		if !ok {
			return 0, nil, fmt.Errorf("%w: unterminated stream at %d", errSyntax, off)
		}
		obj.value = &pdfStream{dict: d, start: start, end: end}
	}
	return int(num), obj, nil
}

// decodeStream returns the decoded data of a stream: no filter or
// FlateDecode, with PNG predictors (as xref and object streams use).
func (f *pdfFile) decodeStream(s *pdfStream) ([]byte, error) {
	raw := f.data[s.start:s.end]
	var filter pdfName
	switch v := s.dict["Filter"].(type) {
	case pdfName:
		filter = v
	case pdfArray:
		if len(v) == 1 {
			filter, _ = v[0].(pdfName)
		} else if len(v) > 1 {
			return nil, fmt.Errorf("%w: filter chain", errSyntax)
		}
	}
	switch filter {
	case "":
		return raw, nil
	case "FlateDecode":
	default:
		return nil, fmt.Errorf("%w: filter %s", errSyntax, filter)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: flate: %v", errSyntax, err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, 64<<20))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("%w: flate: %v", errSyntax, err)
	}
	parms, _ := s.dict["DecodeParms"].(pdfDict)
	if arr, ok := s.dict["DecodeParms"].(pdfArray); ok && len(arr) == 1 {
		parms, _ = arr[0].(pdfDict)
	}
	pred, _ := parms["Predictor"].(int64)
	if pred < 10 {
		return out, nil
	}
	cols, _ := parms["Columns"].(int64)
	if cols <= 0 {
		cols = 1
	}
	return unpredictPNG(out, int(cols))
}

// unpredictPNG undoes PNG row filters with one byte per pixel.
func unpredictPNG(data []byte, cols int) ([]byte, error) {
	row := cols + 1
	if len(data)%row != 0 {
		return nil, fmt.Errorf("%w: predictor rows", errSyntax)
	}
	out := make([]byte, 0, len(data)/row*cols)
	prev := make([]byte, cols)
	for r := 0; r < len(data); r += row {
		ft, cur := data[r], append([]byte(nil), data[r+1:r+row]...)
		for i := range cur {
			var left, upLeft byte
			if i > 0 {
				left, upLeft = cur[i-1], prev[i-1]
			}
			up := prev[i]
			switch ft {
			case 1:
				cur[i] += left
			case 2:
				cur[i] += up
			case 3:
				cur[i] += byte((int(left) + int(up)) / 2)
			case 4:
				p := int(left) + int(up) - int(upLeft)
				pa, pb, pc := abs(p-int(left)), abs(p-int(up)), abs(p-int(upLeft))
				switch {
				case pa <= pb && pa <= pc:
					cur[i] += left
				case pb <= pc:
					cur[i] += up
				default:
					cur[i] += upLeft
				}
			}
		}
		out = append(out, cur...)
		prev = cur
	}
	return out, nil
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// entry finds the newest xref entry of object num in revisions 0..rev.
func (f *pdfFile) entry(num, rev int) (xrefEntry, int, bool) {
	for i := min(rev, len(f.revisions)-1); i >= 0; i-- {
		if e, ok := f.revisions[i].entries[num]; ok {
			return e, i, true
		}
	}
	return xrefEntry{}, -1, false
}

// object returns object num as of revision rev (nil when absent or free).
func (f *pdfFile) object(num, rev int) *parsedObject {
	e, at, ok := f.entry(num, rev)
	if !ok || e.free {
		return nil
	}
	key := [2]int{at, num}
	if o, ok := f.cache[key]; ok {
		return o
	}
	var obj *parsedObject
	if e.inStream {
		obj = f.fromObjectStream(e, at, num)
	} else if n, o, err := f.parseAt(e.offset); err == nil && n == num {
		obj = o
	}
	f.cache[key] = obj
	return obj
}

func (f *pdfFile) fromObjectStream(e xrefEntry, rev, num int) *parsedObject {
	se, _, ok := f.entry(e.stream, rev)
	if !ok || se.free || se.inStream {
		return nil
	}
	data, ok := f.objStms[se.offset]
	var s *pdfStream
	if _, o, err := f.parseAt(se.offset); err == nil {
		s, _ = o.value.(*pdfStream)
	}
	if s == nil {
		return nil
	}
	if !ok {
		var err error
		if data, err = f.decodeStream(s); err != nil {
			return nil
		}
		f.objStms[se.offset] = data
	}
	n, _ := s.dict["N"].(int64)
	first, _ := s.dict["First"].(int64)
	if e.index < 0 || int64(e.index) >= n || first > int64(len(data)) {
		return nil
	}
	l := newLexer(data[:first], 0)
	for i := 0; i <= e.index; i++ {
		l.SkipSpace()
		objNum, err1 := strconv.Atoi(string(l.Token()))
		l.SkipSpace()
		off, err2 := strconv.Atoi(string(l.Token()))
		if err1 != nil || err2 != nil {
			return nil
		}
		if i == e.index {
			if objNum != num || first+int64(off) >= int64(len(data)) {
				return nil
			}
			v, err := parseObject(newLexer(data, int(first)+off), nil)
			if err != nil {
				return nil
			}
			return &parsedObject{value: v}
		}
	}
	return nil
}

// resolve follows a reference as of revision rev.
func (f *pdfFile) resolve(v any, rev int) any {
	for range 8 {
		r, ok := v.(pdfRef)
		if !ok {
			return v
		}
		o := f.object(r.num, rev)
		if o == nil {
			return nil
		}
		v = o.value
	}
	return nil
}

func (f *pdfFile) dict(v any, rev int) pdfDict {
	switch d := f.resolve(v, rev).(type) {
	case pdfDict:
		return d
	case *pdfStream:
		return d.dict
	}
	return nil
}

func (f *pdfFile) array(v any, rev int) pdfArray {
	a, _ := f.resolve(v, rev).(pdfArray)
	return a
}

// streamData is the decoded data of a stream object (nil if it is none).
func (f *pdfFile) streamData(v any, rev int) []byte {
	s, ok := f.resolve(v, rev).(*pdfStream)
	if !ok {
		return nil
	}
	data, err := f.decodeStream(s)
	if err != nil {
		return nil
	}
	return data
}

// trailerValue is a trailer entry as of revision rev (an update's trailer
// repeats /Root, but a missing entry falls back to earlier ones).
func (f *pdfFile) trailerValue(key pdfName, rev int) any {
	for i := min(rev, len(f.revisions)-1); i >= 0; i-- {
		if v, ok := f.revisions[i].trailer[key]; ok {
			return v
		}
	}
	return nil
}

func (f *pdfFile) catalog(rev int) pdfDict { return f.dict(f.trailerValue("Root", rev), rev) }

// revisionEndingAt is the index of the revision whose end is at off
// (allowing the end-of-line after %%EOF to be inside or outside), or -1.
func (f *pdfFile) revisionEndingAt(off int64) int {
	for i, r := range f.revisions {
		if off >= r.eofAt+5 && off <= r.end {
			return i
		}
	}
	return -1
}

// text decodes a PDF text string (PDFDocEncoding approximated by Latin-1,
// or UTF-16BE with a byte order mark).
func text(v any) string {
	s, ok := v.(pdfString)
	if !ok {
		return ""
	}
	if len(s) >= 2 && s[0] == 0xFE && s[1] == 0xFF {
		var rs []rune
		for i := 2; i+1 < len(s); i += 2 {
			u := rune(s[i])<<8 | rune(s[i+1])
			if u >= 0xD800 && u < 0xDC00 && i+3 < len(s) {
				lo := rune(s[i+2])<<8 | rune(s[i+3])
				rs = append(rs, (u-0xD800)<<10+(lo-0xDC00)+0x10000)
				i += 2
				continue
			}
			rs = append(rs, u)
		}
		return string(rs)
	}
	if len(s) >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF {
		return string(s[3:])
	}
	rs := make([]rune, len(s))
	for i, c := range s {
		rs[i] = rune(c)
	}
	return string(rs)
}
