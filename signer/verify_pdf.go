package signer

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strconv"
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

var errSyntax = errors.New("PDF syntax error")

// lexer reads PDF objects from data starting at pos.
type lexer struct {
	data  []byte
	pos   int
	depth int
	spans map[pdfName]span // top-level dictionary value positions
}

func isWhite(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		if isWhite(c) {
			l.pos++
			continue
		}
		if c == '%' {
			for l.pos < len(l.data) && l.data[l.pos] != '\n' && l.data[l.pos] != '\r' {
				l.pos++
			}
			continue
		}
		return
	}
}

// token reads a regular token (number, keyword).
func (l *lexer) token() []byte {
	start := l.pos
	for l.pos < len(l.data) && !isWhite(l.data[l.pos]) && !isDelim(l.data[l.pos]) {
		l.pos++
	}
	return l.data[start:l.pos]
}

func (l *lexer) fail(what string) error {
	return fmt.Errorf("%w at offset %d: %s", errSyntax, l.pos, what)
}

// object reads one object; "R" references are recognised after two integers.
func (l *lexer) object() (any, error) {
	if l.depth > 64 {
		return nil, l.fail("nesting too deep")
	}
	l.skipSpace()
	if l.pos >= len(l.data) {
		return nil, l.fail("unexpected end")
	}
	switch c := l.data[l.pos]; {
	case c == '/':
		l.pos++
		return pdfName(decodeName(l.token())), nil
	case c == '(':
		return l.literalString()
	case c == '<' && l.pos+1 < len(l.data) && l.data[l.pos+1] == '<':
		return l.dict()
	case c == '<':
		return l.hexString()
	case c == '[':
		l.pos++
		l.depth++
		defer func() { l.depth-- }()
		arr := pdfArray{}
		for {
			l.skipSpace()
			if l.pos >= len(l.data) {
				return nil, l.fail("unterminated array")
			}
			if l.data[l.pos] == ']' {
				l.pos++
				return arr, nil
			}
			v, err := l.object()
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
	}
	tok := l.token()
	if len(tok) == 0 {
		return nil, l.fail(fmt.Sprintf("unexpected %q", l.data[l.pos]))
	}
	switch string(tok) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if i, err := strconv.ParseInt(string(tok), 10, 64); err == nil {
		// "n g R"?
		save := l.pos
		l.skipSpace()
		g := l.token()
		if gen, err := strconv.Atoi(string(g)); err == nil && gen >= 0 {
			l.skipSpace()
			if r := l.token(); string(r) == "R" {
				return pdfRef{int(i), gen}, nil
			}
		}
		l.pos = save
		return i, nil
	}
	if f, err := strconv.ParseFloat(string(tok), 64); err == nil {
		return f, nil
	}
	return nil, l.fail(fmt.Sprintf("unknown token %q", tok))
}

func (l *lexer) dict() (any, error) {
	l.pos += 2
	l.depth++
	defer func() { l.depth-- }()
	d := pdfDict{}
	for {
		l.skipSpace()
		if l.pos+1 >= len(l.data) {
			return nil, l.fail("unterminated dictionary")
		}
		if l.data[l.pos] == '>' && l.data[l.pos+1] == '>' {
			l.pos += 2
			return d, nil
		}
		k, err := l.object()
		if err != nil {
			return nil, err
		}
		key, ok := k.(pdfName)
		if !ok {
			return nil, l.fail("dictionary key is not a name")
		}
		l.skipSpace()
		start := l.pos
		v, err := l.object()
		if err != nil {
			return nil, err
		}
		if l.depth == 1 && l.spans != nil {
			l.spans[key] = span{int64(start), int64(l.pos)}
		}
		d[key] = v
	}
}

func (l *lexer) literalString() (any, error) {
	l.pos++
	var out []byte
	nest := 1
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		l.pos++
		switch c {
		case '(':
			nest++
		case ')':
			nest--
			if nest == 0 {
				return pdfString(out), nil
			}
		case '\\':
			if l.pos >= len(l.data) {
				break
			}
			e := l.data[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.pos < len(l.data) && l.data[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.pos < len(l.data) && l.data[l.pos] >= '0' && l.data[l.pos] <= '7'; k++ {
						v = v*8 + int(l.data[l.pos]-'0')
						l.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return nil, l.fail("unterminated string")
}

func (l *lexer) hexString() (any, error) {
	l.pos++
	end := bytes.IndexByte(l.data[l.pos:], '>')
	if end < 0 {
		return nil, l.fail("unterminated hex string")
	}
	raw := l.data[l.pos : l.pos+end]
	l.pos += end + 1
	out := make([]byte, 0, len(raw)/2+1)
	var hi byte
	half := false
	for _, c := range raw {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		case isWhite(c):
			continue
		default:
			return nil, l.fail("bad hex digit")
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return pdfString(out), nil
}

func decodeName(b []byte) string {
	if bytes.IndexByte(b, '#') < 0 {
		return string(b)
	}
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == '#' && i+2 < len(b) {
			if v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				i += 2
				continue
			}
		}
		out = append(out, b[i])
	}
	return string(out)
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
	l := &lexer{data: f.data, pos: int(off)}
	l.skipSpace()
	if bytes.HasPrefix(f.data[l.pos:], []byte("xref")) {
		l.pos += 4
		for {
			l.skipSpace()
			if bytes.HasPrefix(f.data[l.pos:], []byte("trailer")) {
				l.pos += len("trailer")
				t, err := l.object()
				if err != nil {
					return nil, err
				}
				d, ok := t.(pdfDict)
				if !ok {
					return nil, l.fail("trailer is not a dictionary")
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
			first, err1 := strconv.Atoi(string(l.token()))
			l.skipSpace()
			count, err2 := strconv.Atoi(string(l.token()))
			if err1 != nil || err2 != nil || count < 0 || count > len(f.data)/18 {
				return nil, l.fail("bad xref subsection")
			}
			for k := 0; k < count; k++ {
				l.skipSpace()
				o, err1 := strconv.ParseInt(string(l.token()), 10, 64)
				l.skipSpace()
				_, err2 := strconv.Atoi(string(l.token()))
				l.skipSpace()
				kind := l.token()
				if err1 != nil || err2 != nil || len(kind) != 1 {
					return nil, l.fail("bad xref entry")
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
	l := &lexer{data: f.data, pos: int(off), spans: map[pdfName]span{}}
	l.skipSpace()
	num, err1 := strconv.Atoi(string(l.token()))
	l.skipSpace()
	_, err2 := strconv.Atoi(string(l.token()))
	l.skipSpace()
	if err1 != nil || err2 != nil || string(l.token()) != "obj" {
		return 0, nil, fmt.Errorf("%w: no object at offset %d", errSyntax, off)
	}
	v, err := l.object()
	if err != nil {
		return 0, nil, err
	}
	obj := &parsedObject{value: v, spans: l.spans}
	l.skipSpace()
	if d, ok := v.(pdfDict); ok && bytes.HasPrefix(f.data[l.pos:], []byte("stream")) {
		l.pos += len("stream")
		if l.pos < len(f.data) && f.data[l.pos] == '\r' {
			l.pos++
		}
		if l.pos < len(f.data) && f.data[l.pos] == '\n' {
			l.pos++
		}
		start := l.pos
		length := int64(-1)
		switch n := d["Length"].(type) {
		case int64:
			length = n
		case pdfRef:
			// The length of a stream is almost always a direct number; an
			// indirect one is found by looking for endstream.
		}
		end := start + int(length)
		if length < 0 || end > len(f.data) || !bytes.HasPrefix(bytes.TrimLeft(f.data[end:min(end+16, len(f.data))], "\r\n \t"), []byte("endstream")) {
			i := bytes.Index(f.data[start:], []byte("endstream"))
			if i < 0 {
				return 0, nil, fmt.Errorf("%w: unterminated stream at %d", errSyntax, off)
			}
			end = start + i
			for end > start && (f.data[end-1] == '\n' || f.data[end-1] == '\r') {
				end--
			}
		}
		obj.value = &pdfStream{dict: d, start: start, end: end}
	}
	return num, obj, nil
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
	l := &lexer{data: data[:first]}
	for i := 0; i <= e.index; i++ {
		l.skipSpace()
		objNum, err1 := strconv.Atoi(string(l.token()))
		l.skipSpace()
		off, err2 := strconv.Atoi(string(l.token()))
		if err1 != nil || err2 != nil {
			return nil
		}
		if i == e.index {
			if objNum != num || first+int64(off) >= int64(len(data)) {
				return nil
			}
			ol := &lexer{data: data, pos: int(first) + off}
			v, err := ol.object()
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
