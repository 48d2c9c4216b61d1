package signertest

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"github.com/sohoa/sohoa/signer/internal/cms"
)

// Tampering with signed PDFs, for verifier tests: each function returns a
// changed copy and leaves its input alone. They work on the bytes the way
// an attacker would, not through a PDF library.

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// SignatureSlot is where a signature sits in a file.
type SignatureSlot struct {
	// ByteRange is the signature's /ByteRange.
	ByteRange [4]int64
	// Numbers is the span of the ByteRange array (from "[" to "]").
	Numbers [2]int
	// Contents is the span of the /Contents hex string, "<" to ">"
	// included, as the byte range says.
	Contents [2]int
}

// Signatures finds the signatures of a file by their /ByteRange, in file
// order.
func Signatures(pdf []byte) ([]SignatureSlot, error) {
	var out []SignatureSlot
	for _, m := range byteRangeRE.FindAllSubmatchIndex(pdf, -1) {
		var s SignatureSlot
		for i := range 4 {
			v, err := strconv.ParseInt(string(pdf[m[2+2*i]:m[3+2*i]]), 10, 64)
			if err != nil {
				return nil, err
			}
			s.ByteRange[i] = v
		}
		open := bytes.IndexByte(pdf[m[0]:m[1]], '[')
		s.Numbers = [2]int{m[0] + open, m[1]}
		a, b := int(s.ByteRange[1]), int(s.ByteRange[2])
		if a <= 0 || b <= a || b > len(pdf) || pdf[a] != '<' || pdf[b-1] != '>' {
			return nil, fmt.Errorf("signertest: ByteRange %v does not frame a hex string", s.ByteRange)
		}
		s.Contents = [2]int{a, b}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Contents[0] < out[j].Contents[0] })
	return out, nil
}

func slot(pdf []byte, i int) (SignatureSlot, error) {
	sigs, err := Signatures(pdf)
	if err != nil {
		return SignatureSlot{}, err
	}
	if i < 0 || i >= len(sigs) {
		return SignatureSlot{}, fmt.Errorf("signertest: no signature %d (%d found)", i, len(sigs))
	}
	return sigs[i], nil
}

// SignatureDER returns the CMS of signature i without its zero padding.
func SignatureDER(pdf []byte, i int) ([]byte, error) {
	s, err := slot(pdf, i)
	if err != nil {
		return nil, err
	}
	raw, err := hex.DecodeString(string(pdf[s.Contents[0]+1 : s.Contents[1]-1]))
	if err != nil {
		return nil, err
	}
	// DER length: the padding after the element is zeros.
	n, hdr := int(raw[1]), 2
	if raw[1]&0x80 != 0 {
		k := int(raw[1] & 0x7F)
		n = 0
		for j := range k {
			n = n<<8 | int(raw[2+j])
		}
		hdr = 2 + k
	}
	return raw[:hdr+n], nil
}

// ReplaceSignature puts der into signature i's /Contents, padded with
// zeros to the reserved size, so no offset moves.
func ReplaceSignature(pdf []byte, i int, der []byte) ([]byte, error) {
	s, err := slot(pdf, i)
	if err != nil {
		return nil, err
	}
	room := (s.Contents[1] - s.Contents[0] - 2) / 2
	if len(der) > room {
		return nil, fmt.Errorf("signertest: %d bytes do not fit in %d", len(der), room)
	}
	out := bytes.Clone(pdf)
	h := make([]byte, 2*room)
	for k := range h {
		h[k] = '0'
	}
	hex.Encode(h, der)
	copy(out[s.Contents[0]+1:], bytes.ToUpper(h))
	return out, nil
}

// StripTimestamp removes the signature time-stamp (the unsigned
// attributes) of signature i, as one would to pass a B-T signature off as
// B-B: the signature itself stays valid.
func StripTimestamp(pdf []byte, i int) ([]byte, error) {
	der, err := SignatureDER(pdf, i)
	if err != nil {
		return nil, err
	}
	stripped, err := cms.WithoutUnsignedAttributes(der)
	if err != nil {
		return nil, err
	}
	return ReplaceSignature(pdf, i, stripped)
}

// SetByteRange writes br as signature i's /ByteRange, padded with spaces
// to the old width (it fails when it does not fit).
func SetByteRange(pdf []byte, i int, br [4]int64) ([]byte, error) {
	s, err := slot(pdf, i)
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf("[%d %d %d %d]", br[0], br[1], br[2], br[3])
	width := s.Numbers[1] - s.Numbers[0]
	if len(text) > width {
		return nil, fmt.Errorf("signertest: ByteRange %s wider than %d", text, width)
	}
	out := bytes.Clone(pdf)
	copy(out[s.Numbers[0]:], text+string(bytes.Repeat([]byte(" "), width-len(text))))
	return out, nil
}

// FlipByte inverts the lowest bit of the byte at off.
func FlipByte(pdf []byte, off int) []byte {
	out := bytes.Clone(pdf)
	out[off] ^= 1
	return out
}

var (
	startxrefRE = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	trailerKeys = regexp.MustCompile(`/(Root|Info)\s+(\d+\s+\d+\s+R)`)
	idRE        = regexp.MustCompile(`/ID\s*\[\s*(<[0-9A-Fa-f]*>)\s*(<[0-9A-Fa-f]*>)\s*\]`)
	sizeRE      = regexp.MustCompile(`/Size\s+(\d+)`)
)

// AppendUpdate appends an incremental update with a classic xref table
// that (re)defines the given objects: object number → the text between
// "n 0 obj" and "endobj". It is how another tool edits a signed file.
// The last trailer (table or xref stream dictionary) gives /Root, /Info,
// /ID and /Size.
func AppendUpdate(pdf []byte, objects map[int]string) ([]byte, error) {
	m := startxrefRE.FindSubmatch(pdf)
	if m == nil {
		return nil, fmt.Errorf("signertest: no startxref at the end")
	}
	prev, _ := strconv.ParseInt(string(m[1]), 10, 64)
	last := pdf[prev:]
	if end := bytes.Index(last, []byte("startxref")); end > 0 {
		last = last[:end]
	}
	size := 0
	if s := sizeRE.FindSubmatch(last); s != nil {
		size, _ = strconv.Atoi(string(s[1]))
	}
	var trailer bytes.Buffer
	for _, kv := range trailerKeys.FindAllSubmatch(last, -1) {
		fmt.Fprintf(&trailer, " /%s %s", kv[1], kv[2])
	}
	if id := idRE.FindSubmatch(last); id != nil {
		fmt.Fprintf(&trailer, " /ID [%s %s]", id[1], id[2])
	}
	nums := make([]int, 0, len(objects))
	for n := range objects {
		nums = append(nums, n)
		size = max(size, n+1)
	}
	sort.Ints(nums)
	out := bytes.NewBuffer(bytes.Clone(pdf))
	if !bytes.HasSuffix(pdf, []byte("\n")) {
		out.WriteByte('\n')
	}
	offsets := map[int]int{}
	for _, n := range nums {
		offsets[n] = out.Len()
		fmt.Fprintf(out, "%d 0 obj\n%s\nendobj\n", n, objects[n])
	}
	xref := out.Len()
	out.WriteString("xref\n")
	for _, n := range nums {
		fmt.Fprintf(out, "%d 1\n%010d 00000 n\r\n", n, offsets[n])
	}
	fmt.Fprintf(out, "trailer\n<</Size %d%s /Prev %d>>\nstartxref\n%d\n%%%%EOF\n", size, trailer.String(), prev, xref)
	return out.Bytes(), nil
}
