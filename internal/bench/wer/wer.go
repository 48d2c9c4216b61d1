// Package wer is the word-error metric every OCR accuracy test and
// benchmark of sohoa uses (package ocr's eval harness, internal/bench's
// ocrbench). It imports nothing of sohoa, so that package ocr's own tests
// can use it.
package wer

import (
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Normalizer puts recognised or ground-truth text into the form words are
// compared in; sohoa passes ocr.Normalize (NFC plus Vietnamese look-alike
// fixes). Nil means NFC only.
type Normalizer func(string) string

// WordError compares a page's (or document's) ground truth with the text
// a tool read on it and returns how many ground-truth words it missed, out
// of how many.
//
// The definition, shared by the ocr accuracy harness and ocrbench: both
// texts are put in Unicode NFC and through normalize, then split on white
// space into words; punctuation stays part of the word it is printed
// against, exactly as Tesseract returns it ("Số:" and "25/TB-SKHĐT" are
// words). Each text is a multiset of words and order does not matter. A
// ground-truth word is missing for every occurrence that the OCR text
// lacks: missing = Σ over distinct words w of max(0, count_truth(w) −
// count_ocr(w)). The word error rate is missing/total; extra OCR words
// (seal text, signature scribbles) do not count.
func WordError(truth, got string, normalize Normalizer) (missing, total int) {
	missed := missingWords(truth, got, normalize)
	return len(missed), len(words(truth, normalize))
}

// MissingWords lists the ground-truth words that got lacks, in truth's
// order, quoted, for diagnosis.
func MissingWords(truth, got string, normalize Normalizer) string {
	missed := missingWords(truth, got, normalize)
	for i, w := range missed {
		missed[i] = strconv.Quote(w)
	}
	return strings.Join(missed, " ")
}

func missingWords(truth, got string, normalize Normalizer) []string {
	counts := make(map[string]int)
	for _, w := range words(got, normalize) {
		counts[w]++
	}
	var missed []string
	for _, w := range words(truth, normalize) {
		if counts[w] > 0 {
			counts[w]--
		} else {
			missed = append(missed, w)
		}
	}
	return missed
}

func words(s string, normalize Normalizer) []string {
	s = norm.NFC.String(s)
	if normalize != nil {
		s = normalize(s)
	}
	return strings.Fields(s)
}

// Tally adds up word errors over pages or documents.
type Tally struct {
	Missing, Total, Pages int
}

// Add counts one page or document.
func (t *Tally) Add(missing, total, pages int) {
	t.Missing += missing
	t.Total += total
	t.Pages += pages
}

// Merge adds another tally.
func (t *Tally) Merge(o Tally) { t.Add(o.Missing, o.Total, o.Pages) }

// Rate is the word error in percent, 0 for an empty tally.
func (t Tally) Rate() float64 {
	if t.Total == 0 {
		return 0
	}
	return 100 * float64(t.Missing) / float64(t.Total)
}

// String is the rate with two decimals and a percent sign, "-" when empty.
func (t Tally) String() string {
	if t.Total == 0 {
		return "-"
	}
	return strconv.FormatFloat(t.Rate(), 'f', 2, 64) + "%"
}
