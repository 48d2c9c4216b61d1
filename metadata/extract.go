package metadata

import (
	"fmt"
	"image"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sohoa/sohoa/ocr"
)

// Names of the extracted fields, as in document.schema.json.
const (
	FieldTypeName        = "typeName"
	FieldCodeNumber      = "codeNumber"
	FieldCodeNotation    = "codeNotation"
	FieldIssuedDate      = "issuedDate"
	FieldPlace           = "place"
	FieldOrganName       = "organName"
	FieldParentOrganName = "parentOrganName"
	FieldSubject         = "subject"
	FieldSignerAuthority = "signerAuthority"
	FieldSignerPosition  = "signerPosition"
	FieldSignerFullName  = "signerFullName"
)

// fieldOrder is the order fields are checked and reasons reported in.
var fieldOrder = []string{
	FieldTypeName, FieldCodeNumber, FieldCodeNotation, FieldIssuedDate, FieldPlace,
	FieldOrganName, FieldParentOrganName, FieldSubject,
	FieldSignerAuthority, FieldSignerPosition, FieldSignerFullName,
}

// expectedFields are printed on every document laid out by Nghị định 30:
// when one is missing, a person must look. The schema's required fields
// are among them; parentOrganName and signerAuthority are legitimately
// absent on many documents.
var expectedFields = map[string]bool{
	FieldTypeName: true, FieldCodeNumber: true, FieldCodeNotation: true,
	FieldIssuedDate: true, FieldPlace: true, FieldOrganName: true,
	FieldSubject: true, FieldSignerPosition: true, FieldSignerFullName: true,
}

// Extraction is what Extract read from the pages of one document.
type Extraction struct {
	TypeName        string
	CodeNumber      string
	CodeNotation    string
	IssuedDate      string // YYYY-MM-DD
	Place           string
	OrganName       string
	ParentOrganName string
	Subject         string
	SignerAuthority string
	SignerPosition  string
	SignerFullName  string

	// Confidence holds, per field name (FieldTypeName, ...), how sure the
	// extraction is of the value: the OCR confidence of the words it came
	// from times the certainty of the pattern that found it. An expected
	// field that was not found has confidence 0.
	Confidence map[string]float64
	// NeedsReview is true when any ReviewReasons exist.
	NeedsReview bool
	// ReviewReasons are short human-readable lines, each starting with
	// the field name: "codeNumber: not found".
	ReviewReasons []string
	// Handwriting notes what looked handwritten (for the autograph field).
	Handwriting []string
}

// DefaultMinConfidence is the field confidence below which a value is
// flagged for review. Tesseract gives clean 300 dpi print 0.90 and more.
const DefaultMinConfidence = 0.80

// strictPattern are the fields whose value must match a strict pattern
// (digits; letter groups joined by '-') to be set at all.
var strictPattern = map[string]bool{FieldCodeNumber: true, FieldCodeNotation: true}

// minKeptConfidence is the lowest confidence at which a strict-pattern
// value is still kept (flagged); below it Tesseract read a scribble.
const minKeptConfidence = 0.35

// discardConfidence is the field confidence below which a value is not
// kept at all: Tesseract itself counts such words as doubtful, and a
// handwritten number it reads as clean digits lands there.
const discardConfidence = ocr.LowConfidence

// Extractor reads metadata fields from OCR results. The zero value uses
// DefaultMinConfidence and the system clock.
type Extractor struct {
	// MinConfidence is the field confidence below which a value is
	// flagged; 0 means DefaultMinConfidence.
	MinConfidence float64
	// Now gives today's date, to reject issue dates in the future; nil
	// means time.Now.
	Now func() time.Time
}

// Extract reads the fields of pages with the default Extractor.
func Extract(pages []*ocr.Result) Extraction {
	return Extractor{}.Extract(pages)
}

// field is one extracted value in progress.
type field struct {
	value string
	conf  float64
	// keep, when set, says why the value stands on more than its OCR
	// confidence ("another reading agrees": the type name and the type
	// part of the ký hiệu): it is kept, and flagged, even when OCR was
	// unsure of it.
	keep string
}

// Reasons to keep a value OCR was unsure of (field.keep).
const (
	keepAgrees      = "another reading agrees"
	keepPersonName  = "it has the form of a personal name"
	keepHandwritten = "handwritten, read by machine"
)

// run holds the state of one extraction.
type run struct {
	cfg       Extractor
	fields    map[string]*field
	reasons   []string
	flagged   map[string]bool
	handnotes []string
	// numberWords are the words after "Số:" and pageSize the size of the
	// first page, for comparing the number's width with print.
	numberWords []ocr.Word
	pageSize    image.Point
	// lastPageSize is the size of the last page, which holds the signature.
	lastPageSize image.Point
	// numberGlued is set when the number and the ký hiệu are one OCR
	// word, which has one confidence for both.
	numberGlued bool
	// numberRead is the number as read after "Số:" (before any check).
	numberRead string
	// typePartFromTitle is set when checkNotation corrected the type part
	// of the ký hiệu from the title: the two then no longer agree
	// independently.
	typePartFromTitle bool
}

func (r *run) set(name, value string, conf float64) {
	r.fields[name] = &field{value: value, conf: clamp01(conf)}
}

func (r *run) value(name string) string {
	if f := r.fields[name]; f != nil {
		return f.value
	}
	return ""
}

func (r *run) flag(name, format string, args ...any) {
	r.reasons = append(r.reasons, name+": "+fmt.Sprintf(format, args...))
	r.flagged[name] = true
}

// Extract reads the fields of one document: the header, number, date,
// type name and subject from the first page, the signature block from the
// last. Pages may be nil (a page OCR failed on); they are skipped.
func (x Extractor) Extract(pages []*ocr.Result) Extraction {
	r := &run{cfg: x, fields: map[string]*field{}, flagged: map[string]bool{}}
	var first, last *ocr.Result
	for _, p := range pages {
		if p == nil {
			continue
		}
		if first == nil {
			first = p
			r.pageSize = image.Pt(p.Width, p.Height)
		}
		last = p
		r.lastPageSize = image.Pt(p.Width, p.Height)
	}
	minSignatureY := 0
	if first != nil {
		lines := pageLines(first)
		g := pageGeometry(first, lines)
		minSignatureY = r.firstPage(lines, g)
	}
	if last != nil {
		if last != first {
			minSignatureY = 0
		}
		lines := pageLines(last)
		r.signature(lines, pageGeometry(last, lines), minSignatureY)
	}
	r.crossCheck()
	return r.finish()
}

// firstPage reads the header, type name and subject; it returns the y
// below which a signature block may start on this page.
func (r *run) firstPage(lines []textLine, g geometry) int {
	h := analyseHeader(lines, g)

	numberCertainty := 1.0
	numberLine := h.numberLine
	if numberLine == nil {
		// The column split may have failed; look at whole lines.
		for i := range lines[:h.end] {
			if _, ok := matchNumberPrefix(lines[i].text); ok {
				numberLine, numberCertainty = &lines[i], 0.9
				break
			}
		}
	}
	if numberLine != nil {
		r.number(*numberLine, numberCertainty)
	}

	dateCertainty := 1.0
	dateLine := h.dateLine
	if dateLine == nil {
		for i := range lines[:h.end] {
			if findDate(lines[i].text) != nil {
				dateLine, dateCertainty = &lines[i], 0.9
				break
			}
		}
	}
	if dateLine != nil {
		r.date(*dateLine, dateCertainty)
	}
	// After the date line: the place read there corrects organ names.
	r.organs(h.organLines)

	bottom := r.titleAndSubject(lines[h.end:], g, h.vvLines)
	if bottom == 0 && h.end > 0 {
		bottom = lines[h.end-1].box.Max.Y
	}
	return bottom
}

// ---- organ names ----

// organStarts are first words (folded) that begin the name of a body.
var organStarts = [][]string{
	{"uy", "ban"}, {"ubnd"}, {"hdnd"}, {"hoi", "dong"}, {"so"}, {"bo"}, {"phong"},
	{"cuc"}, {"tong", "cuc"}, {"chi", "cuc"}, {"vu"}, {"ban"}, {"truong"},
	{"benh", "vien"}, {"trung", "tam"}, {"cong", "ty"}, {"tong", "cong", "ty"},
	{"tap", "doan"}, {"van", "phong"}, {"vien"}, {"dai", "hoc"}, {"hoc", "vien"},
	{"thanh", "tra"}, {"kho", "bac"}, {"cong", "an"}, {"toa", "an"},
	{"ngan", "hang"}, {"doan"}, {"hoi"}, {"lien", "doan"}, {"chi", "nhanh"},
	{"bao", "hiem"}, {"mat", "tran"}, {"dang", "uy"}, {"tinh", "uy"},
	{"thanh", "uy"}, {"huyen", "uy"}, {"quan", "uy"}, {"bo", "chi", "huy"},
	{"ubmttq"}, {"chinh", "phu"}, {"quoc", "hoi"}, {"tong", "lien", "doan"},
}

// organContinuations are first words (folded) of a line that carries on
// the name above it: a conjunction or a place.
var organContinuations = [][]string{
	{"va"}, {"&"}, {"tinh"}, {"thanh", "pho"}, {"tp"}, {"tp."}, {"quan"},
	{"huyen"}, {"thi", "xa"}, {"xa"}, {"phuong"}, {"thi", "tran"},
	{"viet", "nam"}, {"nhan", "dan"},
}

func startsWithWords(text string, phrases [][]string) bool {
	words := strings.Fields(fold(text))
	for _, p := range phrases {
		if len(p) > len(words) {
			continue
		}
		ok := true
		for i := range p {
			if words[i] != p[i] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// endsIncomplete reports a line that cannot end a name: a trailing
// conjunction, or "ỦY BAN NHÂN DÂN" without its place.
func endsIncomplete(text string) bool {
	f := strings.Join(strings.Fields(fold(text)), " ")
	return strings.HasSuffix(f, " va") || strings.HasSuffix(f, "&") || strings.HasSuffix(f, "-") ||
		f == "uy ban nhan dan" || f == "ubnd" || f == "hoi dong nhan dan"
}

// organs splits the upper-case lines of the left header into the parent
// organ and the issuing organ; each may wrap over two lines.
func (r *run) organs(lines []textLine) {
	var groups [][]textLine
	certainty := 1.0
	for i, l := range lines {
		head := newTextLine(upperPrefixNoise(l.words)).text
		starts := startsWithWords(head, organStarts) || startsGluedOrgan(head)
		cont := startsWithWords(head, organContinuations)
		switch {
		case len(groups) == 0:
			groups = append(groups, []textLine{l})
		case cont || endsIncomplete(lines[i-1].text):
			groups[len(groups)-1] = append(groups[len(groups)-1], l)
		case starts:
			groups = append(groups, []textLine{l})
		default:
			// Neither a new body nor an obvious continuation: most likely
			// the rest of the name above (a proper name), but not certain.
			groups[len(groups)-1] = append(groups[len(groups)-1], l)
			certainty = 0.9
		}
	}
	if len(groups) == 0 {
		return
	}
	if len(groups) > 2 {
		// Nghị định 30 has room for two names; more is unusual.
		certainty = min(certainty, 0.75)
	}
	organ := groups[len(groups)-1]
	_, ws := joinLines(organ)
	text := r.upperName(FieldOrganName, ws, certainty)
	if len(groups) == 1 && holdsTwoNames(text) {
		// "UBND TỈNH QUẢNG NAM SỞ XÂY DỰNG" on one OCR line: the parent
		// and the organ could not be told apart.
		r.flag(FieldOrganName, "%q may hold the governing body's name too", text)
		r.flag(FieldParentOrganName, "may be part of the organ name (%q)", text)
	}
	if len(groups) > 1 {
		var parent []textLine
		for _, g := range groups[:len(groups)-1] {
			parent = append(parent, g...)
		}
		_, ws := joinLines(parent)
		r.upperName(FieldParentOrganName, ws, certainty)
	}
}

// upperName sets field to the upper-case name read from ws, its spelling
// restored from the vocabulary and from the place line, and returns it.
// Marks taken from the place line are another reading, not a certainty
// (the place may name a neighbouring unit), so a name they change is
// flagged with what was read; words still doubtful are reported as stored.
func (r *run) upperName(field string, ws []ocr.Word, certainty float64) string {
	ws = upperPrefixNoise(ws)
	read, _ := restoredName(ws)
	place := r.readPlace()
	ws = wordsFromPlace(ws, place)
	text, conf := restoredName(ws)
	r.set(field, text, conf*certainty)
	if text != read {
		r.flag(field, "read %q, marks restored from the place line %q", read, place)
	}
	if bad := doubtfulWords(ws); len(bad) > 0 {
		r.flag(field, "words outside the vocabulary may be misread: %s", strings.Join(bad, ", "))
	}
	return text
}

// wordsFromPlace applies restoreFromPlace to the words of ws (an OCR word
// holds no space, so the words map one to one), so that later checks see
// the words as stored.
func wordsFromPlace(ws []ocr.Word, place string) []ocr.Word {
	texts := make([]string, len(ws))
	for i, w := range ws {
		texts[i] = w.Text
	}
	restored := strings.Fields(restoreFromPlace(strings.Join(texts, " "), place))
	if len(restored) != len(ws) {
		return ws
	}
	out := slices.Clone(ws)
	for i := range out {
		out[i].Text = restored[i]
	}
	return out
}

// readPlace is the place read from the place-and-date line, "" when none
// was or it is doubtful: flagged, or read with less confidence than a
// proper name needs to be taken as read.
func (r *run) readPlace() string {
	f := r.fields[FieldPlace]
	if f == nil || r.flagged[FieldPlace] || f.conf < sureWordConfidence {
		return ""
	}
	return f.value
}

// joinLines joins the text of lines with one space and returns their
// words.
func joinLines(lines []textLine) (string, []ocr.Word) {
	var parts []string
	var ws []ocr.Word
	for _, l := range lines {
		parts = append(parts, l.text)
		ws = append(ws, l.words...)
	}
	return strings.Join(parts, " "), ws
}

// ---- number ----

// reNumberPrefix matches "Số:" on the folded text, with the OCR variants
// "So:", "S6:", "Sô :", "Số" without a colon.
var reNumberPrefix = regexp.MustCompile(`^s[o06]\s*[:;.,]?\s*`)

// matchNumberPrefix returns the rune offset where the number starts after
// "Số:" in text. Specks before "Số:" are skipped: punctuation glued to it
// ("_Số:") or one short word of dirt ("vn Số:"), the latter only when the
// colon is there to confirm the keyword.
func matchNumberPrefix(text string) (int, bool) {
	f := fold(text)
	skip := len(f) - len(strings.TrimLeft(f, "-_.,'\"|~`^* "))
	m := reNumberPrefix.FindStringIndex(f[skip:])
	speckWord := false
	if m == nil {
		sp := strings.IndexByte(f, ' ')
		if sp <= 0 || sp > 3 {
			return 0, false
		}
		skip, speckWord = sp+1, true
		if m = reNumberPrefix.FindStringIndex(f[skip:]); m == nil {
			return 0, false
		}
	}
	begin, end := skip, skip+m[1]
	rs := []rune(text)
	if len(rs) > begin+1 && (rs[begin+1] == 'ở' || rs[begin+1] == 'Ở') {
		return 0, false // "SỞ ...", an organ name
	}
	rest := f[end:]
	colon := strings.ContainsAny(f[begin:end], ":;")
	if speckWord && !colon {
		return 0, false
	}
	if !colon && !strings.ContainsAny(rest, "/0123456789") {
		return 0, false
	}
	if !colon && end < len(f) && f[end-1] != ' ' {
		return 0, false // "Sơn...", "Sông..." — a word, not "Số"
	}
	return end, true
}

var dashes = strings.NewReplacer("–", "-", "—", "-", "‑", "-", "−", "-", "‐", "-")

// reNotation is a ký hiệu: an optional year for legal documents, then
// letter/digit groups joined by '-' ("QĐ-UBND", "SGDĐT-CTrTT",
// "2019/TT-BNV", "GD&ĐT").
var reNotation = regexp.MustCompile(`^(?:(?:19|20)\d{2}/)?[\p{L}\d&]+(?:[-.][\p{L}\d&]+)*$`)

// number reads "Số: 1595/SGDĐT-CTrTT".
func (r *run) number(l textLine, certainty float64) {
	start, _ := matchNumberPrefix(l.text)
	rs := []rune(l.text)
	if !strings.HasPrefix(l.text, "Số") && !strings.HasPrefix(l.text, "SỐ") {
		certainty *= 0.95 // an OCR variant of "Số"
	}
	num, notation, numEnd, notStart := numberParts(rs, start)
	numWords := l.wordsIn(start, numEnd)
	r.numberWords = l.wordsIn(start, len(rs))
	r.numberRead = num
	notWords := l.wordsIn(notStart, len(rs))
	r.numberGlued = len(numWords) == 1 && len(notWords) > 0 && notWords[0].Box == numWords[0].Box

	handwritten := anyHandwritten(numWords)
	switch {
	case handwritten && isDigits(num) && utf8.RuneCountInString(num) <= 11:
		// The ocr package read ink beside "Số:" as digits: kept, and always
		// flagged, whatever its confidence.
		r.set(FieldCodeNumber, num, minConf(numWords)*certainty)
		r.fields[FieldCodeNumber].keep = keepHandwritten
		r.flag(FieldCodeNumber, "%s (read %q)", handwrittenReason, num)
		r.handnotes = append(r.handnotes, "số văn bản viết tay")
	case num == "" && notStart < len(rs):
		r.flag(FieldCodeNumber, "no printed number after 'Số:' (blank left for a handwritten number)")
		r.handnotes = append(r.handnotes, "số văn bản viết tay hoặc để trống")
	case !isDigits(num):
		r.flag(FieldCodeNumber, "looks handwritten or garbled (read %q after 'Số:')", num)
		r.handnotes = append(r.handnotes, "số văn bản viết tay")
	case utf8.RuneCountInString(num) > 11:
		r.flag(FieldCodeNumber, "too long (%q)", num)
	case looksHandwritten(numWords, l.wordsIn(0, start), false) && !printedWidth(numWords, r.pageSize):
		r.flag(FieldCodeNumber, "looks handwritten (read %q, larger than or off the printed line)", num)
		r.handnotes = append(r.handnotes, "số văn bản viết tay")
	case looksHandwritten(numWords, l.wordsIn(0, start), false):
		// As wide as print, but taller or off the line: most likely print
		// bloated by a speck or the seal, but a hand may have written it
		// in that size; the reading is kept and the reviewer checks it.
		r.set(FieldCodeNumber, num, minConf(numWords)*certainty)
		r.flag(FieldCodeNumber, "number larger than or off the printed line (read %q): check against the paper", num)
	default:
		r.set(FieldCodeNumber, num, minConf(numWords)*certainty)
	}

	switch {
	case notStart >= len(rs) && notation == "":
		// Nothing after the number: leave it to the not-found check.
	case !reNotation.MatchString(notation) || countUpper(notation) < 2:
		r.flag(FieldCodeNotation, "garbled (read %q)", notation)
	case utf8.RuneCountInString(notation) > 30:
		r.flag(FieldCodeNotation, "too long (%q)", notation)
	default:
		r.set(FieldCodeNotation, notation, textConf(notWords)*certainty)
		if anyHandwritten(notWords) {
			// The ocr package joins a handwritten number and the ký hiệu
			// printed after it into one word.
			r.flag(FieldCodeNotation, "read in one word with a handwritten number: check against the paper")
			r.fields[FieldCodeNotation].keep = keepHandwritten
		}
	}
}

// handwrittenReason is the review reason of a value read from a word the
// ocr package marked Handwritten.
const handwrittenReason = "handwritten number read by machine: check against the paper"

// anyHandwritten reports whether any of ws was read from handwriting.
func anyHandwritten(ws []ocr.Word) bool {
	for _, w := range ws {
		if w.Handwritten {
			return true
		}
	}
	return false
}

// numberParts reads the number and the ký hiệu from rs after "Số:" (from
// start; see splitNumber), with spaces and stray punctuation at their ends
// removed. A trailing '/' after the ký hiệu ("12/QĐ-UBND /") is a speck or
// the slash of a ký hiệu part never printed: only punctuation is cut, so
// no letter of the value changes.
func numberParts(rs []rune, start int) (num, notation string, numEnd, notStart int) {
	numEnd, notStart = splitNumber(rs, start)
	num = strings.Trim(squeeze(string(rs[start:numEnd])), ".,:;")
	notation = dashes.Replace(squeeze(string(rs[notStart:])))
	notation = strings.Trim(strings.TrimRight(notation, "/.,:;"), ".,:;")
	return num, notation, numEnd, notStart
}

// splitNumber finds, in rs after "Số:" (from start), where the number
// ends and the ký hiệu begins: after the last '/', or after the one
// before it when a year sits between ("02/2019/TT-BNV"). A ký hiệu holds
// no other '/', so earlier slashes belong to the number: a handwritten
// number's ink read as "2/2" or "/27", which the caller then flags. With
// no '/', the whole rest is the number.
func splitNumber(rs []rune, start int) (numEnd, notStart int) {
	end := len(rs)
	for end > start && (rs[end-1] == '/' || unicode.IsSpace(rs[end-1])) {
		end-- // a trailing slash is a speck, not the start of a ký hiệu
	}
	slash := -1
	for i := end - 1; i >= start; i-- {
		if rs[i] == '/' {
			slash = i
			break
		}
	}
	if slash < 0 {
		return len(rs), len(rs)
	}
	for i := slash - 1; i >= start; i-- {
		if rs[i] != '/' {
			continue
		}
		if reYear.MatchString(squeeze(string(rs[i+1 : slash]))) {
			return i, i + 1
		}
		break
	}
	return slash, slash + 1
}

var reYear = regexp.MustCompile(`^(19|20)\d{2}$`)

// squeeze removes all whitespace: a số/ký hiệu never holds a space, but
// OCR splits it into words.
func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

func countUpper(s string) int {
	_, upper := letterStats(s)
	return upper
}

// ---- date ----

// Date patterns on the folded line: "…, ngày 8 tháng 4 năm 2020" and
// "…, ngày 08/4/2020". Day and month are captured loosely so that a blank
// or a handwritten scribble is seen and flagged, not skipped.
var (
	reDateWords = regexp.MustCompile(`(?:^|[^a-z])(nga[yv])\s*[:.,]?(.*?)th[a4]ng\s*[:.,]?(.*?)n[a4]m\s*[:.,]?\s*(\S*)`)
	reDateSlash = regexp.MustCompile(`(?:^|[^a-z])(nga[yv])\s*[:.,]?\s*([^/.\-\s]*)\s*[/.\-]\s*([^/.\-\s]*)\s*[/.\-]\s*(\d{4})`)
)

// dateMatch holds rune ranges of a date in a line: [0:2] "ngày", [2:4]
// day, [4:6] month, [6:8] year.
type dateMatch []int

func findDate(text string) dateMatch {
	f := fold(text)
	if m := reDateWords.FindStringSubmatchIndex(f); m != nil {
		return dateMatch(m[2:])
	}
	if m := reDateSlash.FindStringSubmatchIndex(f); m != nil {
		return dateMatch(m[2:])
	}
	return nil
}

// earliestDate is the founding of the state whose documents sohoa reads;
// an earlier issue date is a misreading.
var earliestDate = time.Date(1945, 9, 2, 0, 0, 0, 0, time.UTC)

// date reads the place and the issue date from the place-and-date line.
func (r *run) date(l textLine, certainty float64) {
	m := findDate(l.text)
	rs := []rune(l.text)
	part := func(i int) string { return strings.TrimSpace(string(rs[m[i]:m[i+1]])) }
	day, month, year := part(2), part(4), strings.TrimRight(part(6), ".,;")

	place := strings.Trim(strings.TrimSpace(string(rs[:m[0]])), ",;.: ")
	if place != "" {
		if isPlaceName(place) {
			r.set(FieldPlace, restorePlace(place), textConf(l.wordsIn(0, m[0]))*certainty)
		} else {
			r.flag(FieldPlace, "garbled (read %q)", place)
		}
	}

	bad := false
	for _, p := range []struct{ name, v string }{{"day", day}, {"month", month}} {
		switch {
		case p.v == "":
			r.flag(FieldIssuedDate, "no printed %s after '%s' (blank left for a handwritten %s)", p.name, map[string]string{"day": "ngày", "month": "tháng"}[p.name], p.name)
			r.handnotes = append(r.handnotes, map[string]string{"day": "ngày", "month": "tháng"}[p.name]+" ban hành viết tay hoặc để trống")
			bad = true
		case !isDigits(p.v) || len(p.v) > 2:
			r.flag(FieldIssuedDate, "%s looks handwritten or garbled (read %q)", p.name, p.v)
			r.handnotes = append(r.handnotes, map[string]string{"day": "ngày", "month": "tháng"}[p.name]+" ban hành viết tay")
			bad = true
		}
	}
	if !isDigits(year) || len(year) != 4 {
		r.flag(FieldIssuedDate, "year garbled (read %q)", year)
		bad = true
	}
	if bad {
		return
	}
	handDay := anyHandwritten(l.wordsIn(m[2], m[3]))
	// A day larger than or off the printed line may be written by hand in
	// dark ink (or be bloated by specks): its digits were read, so they are
	// kept for the reviewer to confirm rather than dropped.
	bulkyDay := !handDay && looksHandwritten(l.wordsIn(m[2], m[3]), append(l.wordsIn(m[4], m[5]), l.wordsIn(m[6], m[7])...), true)
	d, _ := strconv.Atoi(day)
	mo, _ := strconv.Atoi(month)
	y, _ := strconv.Atoi(year)
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != mo || t.Year() != y {
		r.flag(FieldIssuedDate, "not a calendar date (read %s/%s/%s)", day, month, year)
		return
	}
	now := time.Now
	if r.cfg.Now != nil {
		now = r.cfg.Now
	}
	ny, nm, nd := now().Date()
	// One day of slack: the scan may come from a time zone ahead of ours.
	if t.After(time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)) {
		r.flag(FieldIssuedDate, "in the future (read %s)", t.Format(time.DateOnly))
		return
	}
	if t.Before(earliestDate) {
		r.flag(FieldIssuedDate, "implausibly early (read %s)", t.Format(time.DateOnly))
		return
	}
	var ws []ocr.Word
	for i := 2; i < 8; i += 2 {
		ws = append(ws, l.wordsIn(m[i], m[i+1])...)
	}
	r.set(FieldIssuedDate, t.Format(time.DateOnly), minConf(ws)*certainty)
	switch {
	case handDay:
		r.fields[FieldIssuedDate].keep = keepHandwritten
		r.flag(FieldIssuedDate, "handwritten day read by machine: check against the paper (read %q)", day)
		r.handnotes = append(r.handnotes, "ngày ban hành viết tay")
	case bulkyDay:
		r.fields[FieldIssuedDate].keep = keepHandwritten
		r.flag(FieldIssuedDate, "day looks handwritten (read %q, larger than or off the printed line): check against the paper", day)
		r.handnotes = append(r.handnotes, "ngày ban hành viết tay")
	}
}

// rePlace is an địa danh: capitalised words, maybe abbreviated ("TP. Hồ
// Chí Minh") or hyphenated ("Bà Rịa - Vũng Tàu").
var rePlace = regexp.MustCompile(`^\p{Lu}[\p{L}.]*(?:\s+(?:-\s+)?[\p{L}][\p{L}.]*)*$`)

func isPlaceName(s string) bool {
	return rePlace.MatchString(s) && utf8.RuneCountInString(s) <= 100
}

// ---- type name and subject ----

var reSubjectStop = regexp.MustCompile(`^(can cu|kinh gui|dieu \d|theo de nghi|xet de nghi|xet )`)

// titleAndSubject finds the tên loại line after the header and the trích
// yếu under it; a công văn has neither, and its subject is the "V/v" text
// under the number. It returns the bottom of the last line it used.
func (r *run) titleAndSubject(lines []textLine, g geometry, vv []textLine) int {
	titleIdx := -1
	for i, l := range lines {
		if i >= 4 {
			break
		}
		letters, _ := letterStats(l.text)
		if letters < 2 {
			continue
		}
		if isUpperText(l.text) && abs(l.centerX()-g.fx(0.53)) < g.fx(0.17) {
			titleIdx = i
		}
		break
	}
	bottom := 0
	var subjectLines []textLine
	if titleIdx >= 0 {
		title := lines[titleIdx]
		bottom = title.box.Max.Y
		titleText := title.text
		titleWords := title.words
		next := titleIdx + 1
		// A long title wraps: "GIẤY CHỨNG NHẬN / ĐĂNG KÝ HỘ KINH DOANH".
		if next < len(lines) && isUpperText(lines[next].text) && g.tightBelow(title, lines[next]) &&
			abs(lines[next].centerX()-title.centerX()) < g.fx(0.1) && !startsWithWords(lines[next].text, organStarts) {
			titleText += " " + lines[next].text
			titleWords = append(append([]ocr.Word(nil), titleWords...), lines[next].words...)
			bottom = lines[next].box.Max.Y
			next++
		}
		t, n, exact, ok := matchTypeWords(titleText)
		rest := strings.Join(strings.Fields(titleText)[n:], " ")
		switch {
		case ok:
			certainty := 1.0
			if !exact {
				certainty = 0.9 // matched only without diacritics
			}
			r.set(FieldTypeName, t.name, textConf(titleWords[:min(n, len(titleWords))])*certainty)
		default:
			r.set(FieldTypeName, sentenceCase(titleText), textConf(titleWords)*0.7)
			r.flag(FieldTypeName, "%q is not a known type name", titleText)
			rest = ""
		}
		prev := lines[next-1]
		for j := next; j < len(lines) && len(subjectLines) < 5; j++ {
			l := lines[j]
			if !g.tightBelow(prev, l) || isUpperText(l.text) ||
				reSubjectStop.MatchString(strings.TrimLeft(fold(l.text), " -.")) ||
				abs(l.centerX()-title.centerX()) > g.fx(0.12) {
				break
			}
			subjectLines = append(subjectLines, l)
			prev = l
			bottom = l.box.Max.Y
		}
		if len(subjectLines) == 0 && rest != "" {
			// "GIẤY PHÉP XÂY DỰNG" with no trích yếu line: the rest of the
			// title says what it is about.
			r.set(FieldSubject, fixText(rest), textConf(titleWords)*0.85)
		}
	}
	if len(subjectLines) == 0 && len(vv) > 0 {
		subjectLines = vv
		if titleIdx < 0 {
			// A letter: number and V/v on the left, no type name line.
			r.set(FieldTypeName, "Công văn", textConf(vv[0].words))
		}
	}
	if len(subjectLines) > 0 {
		text, ws := joinLines(subjectLines)
		if n := utf8.RuneCountInString(text); n > 500 {
			r.flag(FieldSubject, "too long (%d characters)", n)
		} else {
			r.set(FieldSubject, fixText(text), textConf(ws))
			if bad := misreadSubjectWords(text); len(bad) > 0 {
				r.flag(FieldSubject, "looks misread: %s", strings.Join(bad, ", "))
			}
		}
	}
	return bottom
}

// reQuarter is "quý" and what follows it, which must be a Roman numeral
// or a number ("quý III năm 2024"); OCR reads II as "H".
var reQuarter = regexp.MustCompile(`(?i)\bquý\s+(\S+)`)

// misreadSubjectWords returns words of a trích yếu that cannot be what
// was printed: a quote or blot glued to letters ("'NHH" for "TNHH"),
// Vietnamese syllables glued together ("quốcgia": a syllable has one
// vowel group), a quarter that is no numeral ("quý H").
func misreadSubjectWords(s string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		core := strings.TrimRight(w, ".,;:)")
		rs := []rune(core)
		if len(rs) > 1 && strings.ContainsRune("'‘’\"“”`^~¬", rs[0]) && unicode.IsLetter(rs[1]) {
			out = append(out, w)
			continue
		}
		if gluedSyllables(core) {
			out = append(out, w)
		}
	}
	for _, m := range reQuarter.FindAllStringSubmatch(s, -1) {
		q := strings.TrimRight(m[1], ".,;:")
		if !isDigits(q) && strings.Trim(q, "IVX") != "" {
			out = append(out, m[0])
		}
	}
	return out
}

// gluedSyllables reports a lower-case word with Vietnamese marks and two
// vowel groups: two syllables OCR read without the space between them.
// Words without marks may be foreign ("online") and are left alone.
func gluedSyllables(w string) bool {
	marked, groups, inVowel := false, 0, false
	for _, r := range w {
		if !unicode.IsLower(r) {
			return false
		}
		b := foldRune(r)
		if b < 'a' || b > 'z' {
			return false
		}
		if r >= 0x80 {
			marked = true
		}
		vowel := strings.IndexByte("aeiouy", b) >= 0
		if vowel && !inVowel {
			groups++
		}
		inVowel = vowel
	}
	return marked && groups >= 2
}

// tightBelow reports whether b follows a with single line spacing (a
// paragraph break, a rule or a blank line is wider).
func (g geometry) tightBelow(a, b textLine) bool {
	gap := b.box.Min.Y - a.box.Max.Y
	return gap >= -a.height()/2 && float64(gap) <= 1.3*float64(g.wordHeight)
}

// ---- signature ----

// reAuthority matches the authority prefix of a signer title: KT., TM.,
// Q., TL., TUQ. (with OCR's stray spaces and commas).
var reAuthority = regexp.MustCompile(`^[-_—–~. ]*(k\s?\.?\s?t|t\s?\.?\s?m|t\s?\.?\s?u\s?\.?\s?q|t\s?\.?\s?l)\s*[.,:]\s*\S`)

// signature reads the signer block at the bottom right of the last page:
// authority, position, and the name under the signature.
func (r *run) signature(lines []textLine, g geometry, minY int) {
	// Blocks of right-column lines, separated by full-width body lines.
	var blocks [][]textLine
	var cur []textLine
	for _, l := range lines {
		if l.box.Min.Y < minY {
			continue
		}
		var right []ocr.Word
		body := false
		for _, s := range g.segments(l) {
			minX, maxX := s[0].Box.Min.X, s[len(s)-1].Box.Max.X
			if minX < g.fx(0.35) && maxX > g.fx(0.65) {
				body = true
			}
			if minX >= g.fx(0.40) {
				right = append(right, s...)
			}
		}
		if body {
			if len(cur) > 0 {
				blocks = append(blocks, cur)
			}
			cur = nil
			continue
		}
		if len(right) > 0 {
			cur = append(cur, newTextLine(right))
		}
	}
	if len(cur) > 0 {
		blocks = append(blocks, cur)
	}
	// The signer's block is the last one holding a personal name.
	var block []textLine
	var nameSpecks []string
	nameIdx := -1
	for b := len(blocks) - 1; b >= 0 && nameIdx < 0; b-- {
		for i := len(blocks[b]) - 1; i >= 0; i-- {
			blocks[b][i] = withoutQuotes(blocks[b][i])
			l, specks := withoutSpecks(blocks[b][i])
			if isPersonName(strings.Trim(l.text, ".,;:")) {
				blocks[b][i] = l
				block, nameIdx, nameSpecks = blocks[b], i, specks
				break
			}
		}
	}
	if nameIdx < 0 {
		r.flag(FieldSignerAuthority, "no signature block found")
		return
	}
	name := block[nameIdx]
	nameText := strings.Trim(name.text, ".,;:")
	if fixed, ok := fixSurname(nameText); ok {
		read, suggested := strings.Fields(nameText)[0], strings.Fields(fixed)[0]
		// The list cannot hold every surname: a first word OCR read with
		// certainty is kept as read (a rare surname, spelled as printed);
		// only one OCR doubted (a mark misread: 0.63–0.87 on the
		// benchmark, see sureWordConfidence) takes the listed spelling.
		if len(name.words) > 0 && name.words[0].Confidence < sureWordConfidence {
			r.flag(FieldSignerFullName, "read %q: %q is no common Vietnamese surname, %q the only one with its letters", nameText, read, suggested)
			nameText = fixed
		} else {
			r.flag(FieldSignerFullName, "surname %q is not on the list of common surnames; %q has the same letters: check against the paper", read, suggested)
		}
	}
	r.set(FieldSignerFullName, nameText, textConf(name.words))
	// It matched the strict form of a name: kept for review down to the
	// confidence a strict pattern is kept at.
	if textConf(name.words) >= minKeptConfidence {
		r.fields[FieldSignerFullName].keep = keepPersonName
	}
	if len(nameSpecks) > 0 {
		r.flag(FieldSignerFullName, "left out %q beside the name", strings.Join(nameSpecks, " "))
	}
	// Hỏi and sắc differ by a few pixels of stroke; under 250 dpi OCR
	// swaps them with full confidence ("Hiến" for "Hiển" at 0.97), and a
	// name has no vocabulary to catch it.
	if dpi, ok := a4Resolution(r.lastPageSize); ok && dpi < 250 && hasHoiOrSac(nameText) {
		r.flag(FieldSignerFullName, "tone marks of a name scanned at %.0f dpi are not certain", dpi)
	}
	// A name has no vocabulary: one word read with a doubt (a tone mark
	// Tesseract hesitated on: "Hiến" for "Hiển") makes it doubtful.
	if c := minConf(name.words); c < sureWordConfidence {
		r.flag(FieldSignerFullName, "a word read with confidence %.2f", c)
	}

	// The title lines: the first upper-case lines of the block above the
	// name, single-spaced; below them is the space for signature and seal.
	var title []textLine
	for _, l := range block[:nameIdx] {
		if !isUpperText(l.text) {
			if len(title) > 0 {
				break
			}
			continue
		}
		if len(title) > 0 && !g.tightBelow(title[len(title)-1], l) {
			break
		}
		title = append(title, l)
	}
	n := 0
	for n < len(title) && reAuthority.MatchString(fold(title[n].text)) {
		n++
	}
	if n > 0 {
		_, ws := joinLines(title[:n])
		r.signerTitle(FieldSignerAuthority, ws)
	}
	if n < len(title) {
		_, ws := joinLines(title[n:])
		if ws = r.signerTitle(FieldSignerPosition, ws); ws != nil {
			if bad := doubtfulWords(upperPrefixNoise(ws)); len(bad) > 0 {
				r.flag(FieldSignerPosition, "words outside the vocabulary may be misread: %s", strings.Join(bad, ", "))
			}
		}
	}
}

// signerTitle sets field to the signer title read from ws (see
// signerTitle in vocabulary.go), after two repairs that are flagged: a
// title whose words all match the vocabulary but for specks after it (the
// signature or seal: "CHỦ TỊCH Ỉ ZZY") loses the specks, and a title one
// bold-capital misreading away from the vocabulary (I read as L: "GLÁM
// ĐỐC", "GLIÁM ĐỐC") is restored. It returns the words the value was made
// of, or nil when a repair replaced them.
func (r *run) signerTitle(field string, ws []ocr.Word) []ocr.Word {
	read := ws
	ws = upperPrefixNoise(ws)
	if len(ws) > 0 {
		// A quote before the title is a speck; cutting it changes no
		// letter (the check at the end makes sure).
		ws = append([]ocr.Word(nil), ws...)
		ws[0].Text = strings.TrimLeft(ws[0].Text, "`'‘’\"“”")
	}
	if k, ok := titleBeforeSpecks(ws); ok {
		var tail []string
		for _, w := range ws[k:] {
			tail = append(tail, w.Text)
		}
		r.flag(field, "left out %q after the title (signature or seal?)", strings.Join(tail, " "))
		read = read[:len(read)-(len(ws)-k)] // the flagged tail is accounted for
		ws = ws[:k]
	}
	text, conf := signerTitle(ws)
	words := make([]string, len(ws))
	for i, w := range ws {
		words[i] = w.Text
	}
	if fixed, ok := fixTitleLetters(words); ok {
		r.set(field, authorityDot(fixed), vocabularyConfidence)
		r.flag(field, "read %q, restored to %q (I read as L)", text, authorityDot(fixed))
		return nil
	}
	value := authorityDot(text)
	r.set(field, value, conf)
	// Dots, quotes and dashes are normalised unflagged; the vocabulary
	// changes marks only. Any other change of letters (a speck word with
	// letters dropped before the title, a letter inside a glued word the
	// vocabulary swallowed) is flagged with what was read.
	if readText := wordsText(read); baseLetters(readText) != baseLetters(value) {
		r.flag(field, "read %q, stored %q: letters differ", readText, value)
	}
	return ws
}

// wordsText joins the text of ws with single spaces.
func wordsText(ws []ocr.Word) string {
	texts := make([]string, len(ws))
	for i, w := range ws {
		texts[i] = w.Text
	}
	return strings.Join(texts, " ")
}

// baseLetters is the letters of s, lower case, without their marks (Đ as
// d), and nothing else: two texts with the same baseLetters differ only in
// marks, case, punctuation and spacing.
func baseLetters(s string) string {
	var b strings.Builder
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		if f := foldRune(r); f >= 'a' && f <= 'z' {
			b.WriteByte(f)
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// reAuthorityPunct is an authority prefix followed by the colon or comma
// OCR read for its dot ("KT: GIÁM ĐỐC").
var reAuthorityPunct = regexp.MustCompile(`^(KT|TM|TL|TUQ|Q)[:,;] `)

// authorityDot writes an authority prefix with its printed dot. Safe
// unflagged: it replaces one punctuation mark after a fixed prefix ("TM,"
// → "TM."), never a letter, and the prefixes are the only ones Nghị định
// 30 prints there.
func authorityDot(title string) string {
	return reAuthorityPunct.ReplaceAllString(title, "$1. ")
}

// titleBeforeSpecks finds a title followed by specks: the first k words
// all match the vocabulary, and each word after them is one OCR doubted
// or a letter or two, not a word of a title. ok is false when there is
// nothing after the title or something real.
func titleBeforeSpecks(ws []ocr.Word) (k int, ok bool) {
	words := make([]string, len(ws))
	for i, w := range ws {
		words[i] = w.Text
	}
	for k = len(ws) - 1; k >= 1; k-- {
		_, covered := restoreUpper(words[:k])
		all := true
		for _, c := range covered {
			all = all && c
		}
		if !all {
			continue
		}
		for _, w := range ws[k:] {
			letters, _ := letterStats(w.Text)
			if w.Confidence >= sureWordConfidence && letters > 2 {
				return 0, false
			}
		}
		return k, true
	}
	return 0, false
}

// fixTitleLetters restores a title that does not match the vocabulary but
// would with one I that bold capitals lost to an L: "GLÁM" (L for I) or
// "GLIÁM" (an L beside the I). It returns the title when exactly one such
// change makes every word match.
func fixTitleLetters(words []string) (string, bool) {
	// Authority prefixes ("KT.", "TM:") are no vocabulary words.
	prefix := 0
	for prefix < len(words) && reAuthorityWord.MatchString(words[prefix]) {
		prefix++
	}
	head := strings.Join(words[:prefix], " ")
	words = words[prefix:]
	if _, covered := restoreUpper(words); len(words) == 0 || !slices.Contains(covered, false) {
		return "", false
	}
	found := ""
	for i, w := range words {
		rs := []rune(w)
		for j, c := range rs {
			if c != 'L' {
				continue
			}
			for _, variant := range []string{string(rs[:j]) + "I" + string(rs[j+1:]), string(rs[:j]) + string(rs[j+1:])} {
				try := slices.Clone(words)
				try[i] = variant
				text, covered := restoreUpper(try)
				if variant == "" || slices.Contains(covered, false) {
					continue
				}
				if found != "" && found != text {
					return "", false
				}
				found = text
			}
		}
	}
	if found == "" {
		return "", false
	}
	return strings.TrimSpace(head + " " + found), true
}

// reAuthorityWord is an authority prefix as one word: "KT.", "TM:".
var reAuthorityWord = regexp.MustCompile(`^(KT|TM|TL|TUQ|Q)[.,:;]?$`)

// withoutSpecks drops the words at either end of a line that are specks
// rather than text: no letter, or a letter or two OCR barely read. It
// returns the line and what it dropped.
func withoutSpecks(l textLine) (textLine, []string) {
	speck := func(w ocr.Word) bool {
		letters, _ := letterStats(w.Text)
		return letters == 0 || letters <= 2 && w.Confidence < 0.3
	}
	ws := l.words
	var dropped []string
	for len(ws) > 0 && speck(ws[0]) {
		dropped = append(dropped, ws[0].Text)
		ws = ws[1:]
	}
	for len(ws) > 0 && speck(ws[len(ws)-1]) {
		dropped = append(dropped, ws[len(ws)-1].Text)
		ws = ws[:len(ws)-1]
	}
	if len(dropped) == 0 {
		return l, nil
	}
	return newTextLine(ws), dropped
}

// ---- checks ----

// crossCheck flags values that contradict each other, and upper-case
// names with words OCR visibly misread.
func (r *run) crossCheck() {
	for _, name := range []string{FieldOrganName, FieldParentOrganName, FieldSignerAuthority, FieldSignerPosition} {
		if bad := misspelledWords(r.value(name)); len(bad) > 0 {
			r.flag(name, "looks misread: %s", strings.Join(bad, ", "))
		}
	}
	r.checkPosition() // first: a cut position questions a missing authority too
	r.checkAuthority()
	notation := r.value(FieldCodeNotation)
	date := r.value(FieldIssuedDate)
	if len(notation) > 5 && notation[4] == '/' && isDigits(notation[:4]) && date != "" && date[:4] != notation[:4] {
		r.flag(FieldIssuedDate, "year %s differs from the year in the number (%s)", date[:4], notation[:4])
	}
	r.checkNotation()
	r.checkTypeAgainstNotation()
}

// checkAuthority questions a missing authority (TM./KT./TL./TUQ./Q.). It
// is optional, so its absence is no reason by itself; but a deputy (PHÓ
// …) signs only "KT." for the head (Nghị định 30, Điều 13), and when the
// title above the name was itself read unclearly, "none" is not known
// either: a seal or speckle may have hidden the line.
func (r *run) checkAuthority() {
	if r.value(FieldSignerAuthority) != "" || r.flagged[FieldSignerAuthority] {
		return
	}
	pos := fold(r.value(FieldSignerPosition))
	switch {
	case strings.HasPrefix(pos, "pho "):
		r.flag(FieldSignerAuthority, "none read, but a deputy (%q) signs KT. for the head: the line may be unread", r.value(FieldSignerPosition))
	case r.flagged[FieldSignerPosition]:
		r.flag(FieldSignerAuthority, "none read, but the signer's title was not read clearly: a TM./KT./TL./TUQ./Q. line may be missing")
	}
}

// checkPosition questions a position holding no known title: a position
// is a title (GIÁM ĐỐC, TRƯỞNG PHÒNG, CHÁNH VĂN PHÒNG …), often followed by
// its unit; a lone "TRƯỞNG" is a title whose other words went to another
// line when OCR merged the signer's block with the column beside it. Real
// titles outside the list are only sent for review.
func (r *run) checkPosition() {
	pos := r.value(FieldSignerPosition)
	if pos == "" || r.flagged[FieldSignerPosition] {
		return
	}
	padded := " " + strings.Join(strings.Fields(fold(pos)), " ") + " "
	for _, t := range titleVocabulary {
		if strings.Contains(padded, " "+strings.Join(strings.Fields(fold(t)), " ")+" ") {
			return
		}
	}
	r.flag(FieldSignerPosition, "%q holds no known title (GIÁM ĐỐC, TRƯỞNG PHÒNG …): it may be cut or misread", pos)
}

// checkNotation checks the ký hiệu against the type name and the organ
// name read elsewhere on the page, and against its width in print: a type
// part that is no abbreviation but a known misreading of the title's
// abbreviation is corrected, a D whose stroke OCR lost is restored from
// the organ's initials (both flagged, with what was read), and a
// reading wider in print than on paper is flagged. When the type part
// agrees with the title and the organ part with the organ's initials, the
// value is confirmed and kept even if OCR was unsure of it.
func (r *run) checkNotation() {
	nf := r.fields[FieldCodeNotation]
	if nf == nil || nf.value == "" {
		return
	}
	read := nf.value
	year, parts := notationParts(read)
	title, titleKnown := typeByName(r.value(FieldTypeName))
	var why []string
	if _, ok := typeByAbbrev(parts[0]); !ok && titleKnown && len(parts) >= 2 {
		if a, ok := typePartFix(parts[0], title.abbrev); ok {
			why = append(why, fmt.Sprintf("%q is no type abbreviation, the title %q has %q", parts[0], title.name, a))
			parts[0] = a
			r.typePartFromTitle = true
		}
	}
	organPart := 0
	if _, ok := typeByAbbrev(parts[0]); ok && len(parts) >= 2 {
		organPart = 1
	}
	initials := organInitials(r.value(FieldOrganName))
	if p, ok := restoreStroke(parts[organPart], initials); ok {
		why = append(why, fmt.Sprintf("the organ %q gives %q", r.value(FieldOrganName), p))
		parts[organPart] = p
	}
	value := year + strings.Join(parts, "-")

	ratio, measured := printedWidthRatio(r.numberWords, r.pageSize)
	if measured && value != read {
		// The words read say read; the paper says value if the fix is
		// right: the same words measured against their corrected text.
		ratio, measured = printedWidthRatioOf(r.numberWords, r.correctedNumberText(read, value), r.pageSize)
	}
	if len(why) > 0 {
		if measured && ratio >= minPrintedWidth && ratio <= maxPrintedWidth {
			why = append(why, "its width on paper fits")
		}
		r.set(FieldCodeNotation, value, nf.conf)
		nf = r.fields[FieldCodeNotation]
		r.flag(FieldCodeNotation, "read %q, corrected to %q: %s", read, value, strings.Join(why, "; "))
	}
	if measured && ratio < minPrintedWidth {
		r.flag(FieldCodeNotation, "%q is wider in print than on paper (%.0f %%): a letter may be doubled or inserted", value, 100*ratio)
	}

	t, typed := typeByAbbrev(parts[0])
	typeAgrees := typed && titleKnown && t == title
	organAgrees := false
	switch letters, _ := letterStats(parts[organPart]); {
	case letters < 2 && initials != "" && strings.Contains(fold(initials), fold(parts[organPart])):
		// One letter is found in almost any initials: no agreement, and
		// the rest of the organ part may be lost.
		r.flag(FieldCodeNotation, "organ part %q is only a piece of the organ's initials %q: part of the ký hiệu may be lost", parts[organPart], initials)
	case letters >= 2 && initials != "":
		organAgrees = strings.Contains(fold(initials), fold(parts[organPart]))
	}
	// A công văn's ký hiệu has no type part: the organ comes first.
	if organAgrees && (typeAgrees || !typed && title.name == "Công văn") {
		nf.keep = keepAgrees
	}
	// Printed in one word with a confirmed ký hiệu, in the width of print,
	// the number shares a confidence that the ký hiệu's letters showed to
	// be too low (a seal over the word); it is kept for review.
	if cf := r.fields[FieldCodeNumber]; nf.keep != "" && cf != nil && cf.keep == "" && r.numberGlued && printedWidth(r.numberWords, r.pageSize) {
		cf.keep = keepAgrees
	}
}

// correctedNumberText is the text of r.numberWords with the ký hiệu read
// replaced by value: what the paper shows if the correction is right.
func (r *run) correctedNumberText(read, value string) string {
	var b strings.Builder
	for _, w := range r.numberWords {
		b.WriteString(w.Text)
	}
	text := dashes.Replace(b.String())
	if i := strings.LastIndex(text, read); i >= 0 {
		return text[:i] + value + text[i+len(read):]
	}
	return r.numberRead + "/" + value
}

// checkTypeAgainstNotation compares the type name with the type part of
// the ký hiệu: a contradiction is flagged; agreement confirms a type name
// OCR was unsure of; a type name not read is taken from the ký hiệu,
// flagged.
func (r *run) checkTypeAgainstNotation() {
	nf := r.fields[FieldCodeNotation]
	if nf == nil || nf.value == "" {
		return
	}
	notation := nf.value
	_, parts := notationParts(notation)
	t, ok := typeByAbbrev(parts[0])
	if !ok || len(parts) < 2 {
		return
	}
	tf := r.fields[FieldTypeName]
	switch {
	case tf == nil || tf.value == "":
		if nf.conf < minKeptConfidence && nf.keep == "" {
			r.flag(FieldTypeName, "not found (the number %q suggests %q)", notation, t.name)
			return
		}
		r.set(FieldTypeName, t.name, nf.conf)
		r.fields[FieldTypeName].keep = keepAgrees
		r.flag(FieldTypeName, "not read from the title; taken from the number %q", notation)
	case tf.value == t.name && r.typePartFromTitle:
		// The type part was corrected from this title: it repeats the
		// title's reading and confirms nothing.
	case tf.value == t.name:
		tf.keep = keepAgrees
	default:
		r.flag(FieldTypeName, "%q contradicts the number %q, which suggests %q", tf.value, notation, t.name)
	}
}

// finish applies the confidence rules and builds the Extraction.
func (r *run) finish() Extraction {
	minOK := r.cfg.MinConfidence
	if minOK <= 0 {
		minOK = DefaultMinConfidence
	}
	e := Extraction{Confidence: map[string]float64{}}
	values := map[string]string{}
	for _, name := range fieldOrder {
		f := r.fields[name]
		if f == nil || f.value == "" {
			if expectedFields[name] {
				if !r.flagged[name] {
					r.flag(name, "not found")
				}
				e.Confidence[name] = 0
			}
			continue
		}
		conf := round3(f.conf)
		e.Confidence[name] = conf
		switch {
		case f.keep != "" && conf < minOK:
			if !r.flagged[name] {
				r.flag(name, "low OCR confidence %.2f, kept for review: %s", conf, f.keep)
			}
		case conf < discardConfidence && conf >= minKeptConfidence && strictPattern[name] && !r.flagged[name]:
			// A số/ký hiệu shares one OCR word, whose confidence the
			// letters of the ký hiệu drag down; the value matched its strict
			// pattern, so it is kept for the reviewer to confirm.
			r.flag(name, "low OCR confidence %.2f, kept for review", conf)
		case conf < discardConfidence:
			r.flag(name, "OCR confidence %.2f too low to keep (read %q)", conf, f.value)
			e.Confidence[name] = 0
			continue
		case conf < minOK && !r.flagged[name]:
			r.flag(name, "low OCR confidence %.2f", conf)
		}
		values[name] = f.value
	}
	e.TypeName = values[FieldTypeName]
	e.CodeNumber = values[FieldCodeNumber]
	e.CodeNotation = values[FieldCodeNotation]
	e.IssuedDate = values[FieldIssuedDate]
	e.Place = values[FieldPlace]
	e.OrganName = values[FieldOrganName]
	e.ParentOrganName = values[FieldParentOrganName]
	e.Subject = values[FieldSubject]
	e.SignerAuthority = values[FieldSignerAuthority]
	e.SignerPosition = values[FieldSignerPosition]
	e.SignerFullName = values[FieldSignerFullName]
	e.ReviewReasons = r.reasons
	e.NeedsReview = len(r.reasons) > 0
	e.Handwriting = r.handnotes
	return e
}

// ---- confidence helpers ----

// minConf is the confidence of a short value such as a number, where one
// doubtful digit makes the whole value doubtful.
func minConf(ws []ocr.Word) float64 {
	return minConfOf(ws)
}

// looksHandwritten compares the boxes of value (digits after "Số:" or
// "ngày") with printed words of the same line: digits written by hand
// beside a printed line come out taller, or sit higher, than the print
// (real readings: a handwritten day 54 px tall, top 17 px above a 37 px
// printed "năm"; printed digits match the print within a few pixels).
//
// byTop also compares the tops; the "Số:" before a number is no
// reference for that (its mark rises above the digits).
func looksHandwritten(value, printed []ocr.Word, byTop bool) bool {
	if len(value) == 0 || len(printed) == 0 {
		return false
	}
	var hs, tops []int
	for _, w := range printed {
		hs = append(hs, w.Box.Dy())
		tops = append(tops, w.Box.Min.Y)
	}
	h, top := median(hs), median(tops)
	if h <= 0 {
		return false
	}
	for _, w := range value {
		if float64(w.Box.Dy()) > 1.3*float64(h) || (byTop && float64(abs(w.Box.Min.Y-top)) > 0.35*float64(h)) {
			return true
		}
	}
	return false
}

func median(xs []int) int {
	s := append([]int(nil), xs...)
	sort.Ints(s)
	return s[len(s)/2]
}

func minConfOf(ws []ocr.Word) float64 {
	if len(ws) == 0 {
		return 0
	}
	m := 1.0
	for _, w := range ws {
		m = min(m, clamp01(w.Confidence))
	}
	return m
}

// textConf is the confidence of a text value: the mean of its words, but
// a single word Tesseract barely read caps it at 0.25 above that word, so
// one wrong word in a long subject still gets it reviewed.
func textConf(ws []ocr.Word) float64 {
	if len(ws) == 0 {
		return 0
	}
	sum := 0.0
	for _, w := range ws {
		sum += clamp01(w.Confidence)
	}
	return min(sum/float64(len(ws)), minConf(ws)+0.25)
}

func clamp01(f float64) float64 {
	if math.IsNaN(f) {
		return 0
	}
	return min(max(f, 0), 1)
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}
