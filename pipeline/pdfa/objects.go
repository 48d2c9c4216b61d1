package pdfa

// A small PDF object serialiser of our own rather than pdfcpu's types: the
// writer streams (each object goes out as soon as it is complete), needs byte
// offsets of every object for the classic xref table, and must produce the
// same bytes for the same input. Writing the handful of dictionary shapes we
// need directly keeps the byte layout explicit and the order of keys fixed.

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
)

// countingWriter counts and hashes every byte that goes to the output, giving
// object offsets for the xref table and the content digest for the trailer /ID.
type countingWriter struct {
	w   io.Writer
	n   int64
	sum hash.Hash
}

func newCountingWriter(w io.Writer) *countingWriter {
	return &countingWriter{w: w, sum: md5.New()}
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.sum.Write(p[:n])
	return n, err
}

// dict is a PDF dictionary whose keys keep their insertion order, so output
// is deterministic. Values are already serialised PDF objects.
type dict struct {
	keys []string
	vals []string
}

func (d *dict) set(key, val string) *dict {
	d.keys = append(d.keys, key)
	d.vals = append(d.vals, val)
	return d
}

func (d *dict) String() string {
	var b strings.Builder
	b.WriteString("<<")
	for i, k := range d.keys {
		b.WriteString(" /")
		b.WriteString(k)
		b.WriteByte(' ')
		b.WriteString(d.vals[i])
	}
	b.WriteString(" >>")
	return b.String()
}

// ref serialises an indirect reference to object num.
func ref(num int) string { return strconv.Itoa(num) + " 0 R" }

// name serialises a PDF name, #-escaping the bytes that are not regular
// characters ("application/json" → /application#2Fjson).
func name(s string) string {
	var b strings.Builder
	b.WriteByte('/')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || strings.IndexByte("#()<>[]{}/%", c) >= 0 {
			fmt.Fprintf(&b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// num formats a real number compactly with at most 3 decimals, never in
// exponent form (PDF has none) and never as "-0".
func num(f float64) string {
	s := strconv.FormatFloat(f, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

// array serialises a PDF array of already serialised objects.
func array(items ...string) string { return "[" + strings.Join(items, " ") + "]" }

// textString serialises a PDF text string: a literal string when the text is
// printable ASCII, otherwise UTF-16BE with a byte order mark (as hex, which
// needs no escaping). PDF/A readers show such strings correctly; PDFDocEncoding
// could not carry Vietnamese.
func textString(s string) string {
	if isPrintableASCII(s) {
		return literalString(s)
	}
	return fmt.Sprintf("<%X>", textBytes(s))
}

// textBytes returns the bytes of the text string textString writes.
func textBytes(s string) []byte {
	if isPrintableASCII(s) {
		return []byte(s)
	}
	b := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// literalString serialises an ASCII string as a PDF literal string.
func literalString(s string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '(', ')', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// objectWriter writes numbered objects sequentially and remembers where each
// one starts. Numbers can be reserved before the object is written (the page
// tree root is referenced by every page but written last).
type objectWriter struct {
	out     *countingWriter
	offsets []int64 // by object number; index 0 is the free-list head
}

// reserve allocates the next object number.
func (o *objectWriter) reserve() int {
	o.offsets = append(o.offsets, -1)
	return len(o.offsets) - 1
}

// begin records the offset of object num and writes its header.
func (o *objectWriter) begin(num int) error {
	if o.offsets[num] >= 0 {
		return fmt.Errorf("pdf object %d written twice", num)
	}
	o.offsets[num] = o.out.n
	_, err := fmt.Fprintf(o.out, "%d 0 obj\n", num)
	return err
}

// object writes a complete non-stream object.
func (o *objectWriter) object(num int, body string) error {
	if err := o.begin(num); err != nil {
		return err
	}
	_, err := io.WriteString(o.out, body+"\nendobj\n")
	return err
}

// stream writes a stream object whose data is known; d gets its /Length.
func (o *objectWriter) stream(num int, d *dict, data []byte) error {
	if err := o.begin(num); err != nil {
		return err
	}
	d.set("Length", strconv.Itoa(len(data)))
	if _, err := io.WriteString(o.out, d.String()+"\nstream\n"); err != nil {
		return err
	}
	if _, err := o.out.Write(data); err != nil {
		return err
	}
	_, err := io.WriteString(o.out, "\nendstream\nendobj\n")
	return err
}

// streamFunc writes a stream object whose data is produced by fill straight
// into the output, so large image data is never buffered whole. Its length is
// written afterwards as an indirect integer object.
func (o *objectWriter) streamFunc(num int, d *dict, fill func(io.Writer) error) error {
	lengthNum := o.reserve()
	if err := o.begin(num); err != nil {
		return err
	}
	d.set("Length", ref(lengthNum))
	if _, err := io.WriteString(o.out, d.String()+"\nstream\n"); err != nil {
		return err
	}
	start := o.out.n
	if err := fill(o.out); err != nil {
		return err
	}
	length := o.out.n - start
	if _, err := io.WriteString(o.out, "\nendstream\nendobj\n"); err != nil {
		return err
	}
	return o.object(lengthNum, strconv.FormatInt(length, 10))
}

// xref writes the classic cross-reference table and returns its offset.
func (o *objectWriter) xref() (int64, error) {
	start := o.out.n
	var b bytes.Buffer
	fmt.Fprintf(&b, "xref\n0 %d\n", len(o.offsets))
	b.WriteString("0000000000 65535 f \n")
	for num, off := range o.offsets[1:] {
		if off < 0 {
			return 0, fmt.Errorf("pdf object %d reserved but never written", num+1)
		}
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	_, err := o.out.Write(b.Bytes())
	return start, err
}
