package signer

import (
	"bytes"
	"compress/zlib"
	"crypto/md5"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// update is one incremental update being written: new objects and new
// versions of existing ones, then its own cross-reference section and
// trailer. The bytes of the file before it are never touched.
type update struct {
	doc     *document
	buf     bytes.Buffer
	offsets map[int]int64 // object number → offset in the whole file
	gens    map[int]int
	next    int
}

func newUpdate(doc *document) *update {
	u := &update{doc: doc, offsets: map[int]int64{}, gens: map[int]int{}, next: doc.nextObj}
	if !doc.endsWithEOL {
		u.buf.WriteByte('\n')
	}
	return u
}

// offset is the position in the whole file of the next byte written.
func (u *update) offset() int64 { return u.doc.size + int64(u.buf.Len()) }

// alloc reserves a new object number.
func (u *update) alloc() types.IndirectRef {
	n := u.next
	u.next++
	return *types.NewIndirectRef(n, 0)
}

// object writes "n g obj body endobj".
func (u *update) object(ref types.IndirectRef, body string) {
	n, g := ref.ObjectNumber.Value(), ref.GenerationNumber.Value()
	u.offsets[n], u.gens[n] = u.offset(), g
	fmt.Fprintf(&u.buf, "%d %d obj\n%s\nendobj\n", n, g, body)
}

// stream writes a stream object; extra holds further dictionary entries.
// Data of more than a few hundred bytes is compressed.
func (u *update) stream(ref types.IndirectRef, extra string, data []byte) {
	filter := ""
	if len(data) > 256 {
		var z bytes.Buffer
		w, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
		w.Write(data)
		w.Close()
		data, filter = z.Bytes(), "/Filter /FlateDecode "
	}
	n, g := ref.ObjectNumber.Value(), ref.GenerationNumber.Value()
	u.offsets[n], u.gens[n] = u.offset(), g
	fmt.Fprintf(&u.buf, "%d %d obj\n<<%s/Length %d %s>>\nstream\n", n, g, filter, len(data), extra)
	u.buf.Write(data)
	u.buf.WriteString("\nendstream\nendobj\n")
}

// finish writes the cross-reference section (a table or a stream, like the
// file's last one) and the trailer. id1 is the new second file identifier.
func (u *update) finish(id1 []byte) {
	nums := make([]int, 0, len(u.offsets)+1)
	for n := range u.offsets {
		nums = append(nums, n)
	}
	trailer := fmt.Sprintf("/Size %d /Root %s", u.next, u.doc.root.PDFString())
	if u.doc.info != nil {
		trailer += " /Info " + u.doc.info.PDFString()
	}
	trailer += fmt.Sprintf(" /ID [%s <%X>] /Prev %d", u.doc.id0, id1, u.doc.prevXRef)

	if !u.doc.xrefStream {
		sort.Ints(nums)
		start := u.offset()
		u.buf.WriteString("xref\n")
		for _, run := range runs(nums) {
			fmt.Fprintf(&u.buf, "%d %d\n", run[0], len(run))
			for _, n := range run {
				fmt.Fprintf(&u.buf, "%010d %05d n\r\n", u.offsets[n], u.gens[n])
			}
		}
		fmt.Fprintf(&u.buf, "trailer\n<<%s>>\nstartxref\n%d\n%%%%EOF\n", trailer, start)
		return
	}
	// An xref stream lists itself too.
	self := u.alloc()
	selfNum := self.ObjectNumber.Value()
	start := u.offset()
	u.offsets[selfNum] = start
	nums = append(nums, selfNum)
	sort.Ints(nums)
	var index strings.Builder
	var data []byte
	for _, run := range runs(nums) {
		fmt.Fprintf(&index, "%d %d ", run[0], len(run))
		for _, n := range run {
			off := u.offsets[n]
			data = append(data, 1, byte(off>>32), byte(off>>24), byte(off>>16), byte(off>>8), byte(off), byte(u.gens[n]>>8), byte(u.gens[n]))
		}
	}
	trailer = fmt.Sprintf("/Size %d", u.next) + trailer[strings.Index(trailer, " /Root"):]
	fmt.Fprintf(&u.buf, "%d 0 obj\n<</Type /XRef %s /Index [%s] /W [1 5 2] /Length %d>>\nstream\n",
		selfNum, trailer, strings.TrimSpace(index.String()), len(data))
	u.buf.Write(data)
	fmt.Fprintf(&u.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", start)
}

// runs splits sorted numbers into runs of consecutive ones.
func runs(nums []int) [][]int {
	var out [][]int
	for i, n := range nums {
		if i == 0 || n != nums[i-1]+1 {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], n)
	}
	return out
}

// newFileID derives the second file identifier of an update from what
// makes it unique.
func newFileID(parts ...[]byte) []byte {
	h := md5.New() // a file identifier, not a security function
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// pdfText encodes a text string: a literal for printable ASCII, otherwise
// UTF-16BE with a byte order mark, as hex.
func pdfText(s string) string {
	ascii := true
	for _, r := range s {
		if r < 0x20 || r > 0x7E {
			ascii = false
			break
		}
	}
	if ascii {
		r := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`)
		return "(" + r.Replace(s) + ")"
	}
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// pdfDate formats a PDF date string: (D:YYYYMMDDHHmmSS+HH'mm').
func pdfDate(t time.Time) string {
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	if off == 0 {
		return "(D:" + t.Format("20060102150405") + "Z)"
	}
	return fmt.Sprintf("(D:%s%c%02d'%02d')", t.Format("20060102150405"), sign, off/3600, off%3600/60)
}
