package index

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// ErrQuery reports a query that cannot be run (bad date, no words).
var ErrQuery = errors.New("invalid index query")

// Snippet markers around the matched words of Hit.Snippet.
const (
	SnippetOpen  = "«"
	SnippetClose = "»"
)

// fold makes a string comparable regardless of case and diacritics:
// "Ủy ban nhân dân Đà Nẵng" → "uy ban nhan dan da nang". Vietnamese đ is a
// letter of its own in Unicode, not d plus a mark, so it is mapped by hand,
// as is Ð (U+00D0), which Tesseract sometimes emits for Đ.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ' || r == 'Ð' || r == 'ð':
			r = 'd'
		default:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// ftsText prepares text for the FTS5 table. FTS5's unicode61 tokenizer with
// remove_diacritics 2 folds case and every combining mark, but not đ (see
// fold); mapping only those letters keeps the change small and the text
// NFC, as the tokenizer expects.
var ftsReplacer = strings.NewReplacer("đ", "d", "Đ", "D", "Ð", "D", "ð", "d")

func ftsText(s string) string { return ftsReplacer.Replace(norm.NFC.String(s)) }

// term is one searched word or phrase, folded, split into words.
type term struct {
	words  []string
	prefix bool // last word matches as a prefix ("quyet*")
}

// parseWords turns what a person typed into terms: words separated by
// spaces or punctuation must all match; "double quoted" words must match as
// a phrase; a trailing * matches a prefix. Nothing the user types reaches
// FTS5's query syntax unquoted.
func parseWords(q string) []term {
	var terms []term
	for i, part := range strings.Split(q, `"`) {
		if i%2 == 1 { // inside quotes: one phrase
			if t := splitTerm(part); len(t.words) > 0 {
				terms = append(terms, t)
			}
			continue
		}
		for _, f := range strings.Fields(part) {
			// "QĐ-UBND" stays one term, matched as the phrase "qd ubnd".
			if t := splitTerm(f); len(t.words) > 0 {
				terms = append(terms, t)
			}
		}
	}
	return terms
}

func splitTerm(s string) term {
	s = strings.TrimSpace(s)
	t := term{prefix: strings.HasSuffix(s, "*")}
	t.words = words(fold(s))
	return t
}

// words splits s into runs of letters and digits, as unicode61 does.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) })
}

// ftsQuery renders terms in FTS5 query syntax: every term quoted, implicit AND.
func ftsQuery(terms []term) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, `"%s"`, strings.Join(t.words, " "))
		if t.prefix {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// snippet returns about width words of text around the first place where
// the most terms match, with matched words between SnippetOpen and
// SnippetClose, or "" when no term matches.
func snippet(text string, terms []term, width int) string {
	type word struct {
		start, end int
		hit        int // index of the term+1 it belongs to, 0 if none
	}
	var ws []word
	inWord := false
	for i, r := range text {
		isW := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		switch {
		case isW && !inWord:
			ws = append(ws, word{start: i})
			inWord = true
		case !isW && inWord:
			ws[len(ws)-1].end = i
			inWord = false
		}
	}
	if inWord {
		ws[len(ws)-1].end = len(text)
	}
	folded := make([]string, len(ws))
	for i, w := range ws {
		folded[i] = fold(text[w.start:w.end])
	}
	// Mark every occurrence of every term (all words of a phrase).
	found := false
	for ti, t := range terms {
		n := len(t.words)
		for i := 0; i+n <= len(ws); i++ {
			ok := true
			for j, tw := range t.words {
				last := j == n-1
				if folded[i+j] != tw && !(last && t.prefix && strings.HasPrefix(folded[i+j], tw)) {
					ok = false
					break
				}
			}
			if ok {
				for j := range n {
					ws[i+j].hit = ti + 1
				}
				found = true
			}
		}
	}
	if !found {
		return ""
	}
	// Pick the window with the most distinct terms; the earliest wins ties.
	best, bestN := 0, -1
	for s := 0; s < len(ws); s++ {
		if ws[s].hit == 0 {
			continue
		}
		seen := map[int]bool{}
		for i := s; i < len(ws) && i < s+width; i++ {
			if ws[i].hit > 0 {
				seen[ws[i].hit] = true
			}
		}
		if len(seen) > bestN {
			best, bestN = s, len(seen)
		}
	}
	// Some context before the first match; a full window when the text ends early.
	from := max(0, min(best-width/4, len(ws)-width))
	to := min(len(ws), from+width)
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	for i := from; i < to; i++ {
		if i > from {
			b.WriteString(collapseSpace(text[ws[i-1].end:ws[i].start]))
		}
		w := text[ws[i].start:ws[i].end]
		if ws[i].hit > 0 {
			b.WriteString(SnippetOpen + w + SnippetClose)
		} else {
			b.WriteString(w)
		}
	}
	if to < len(ws) {
		b.WriteString("…")
	} else { // the text's closing punctuation
		b.WriteString(collapseSpace(strings.TrimRightFunc(text[ws[to-1].end:], unicode.IsSpace)))
	}
	return b.String()
}

// collapseSpace turns every run of white space into one space, so a snippet
// stays on one line but keeps its punctuation.
func collapseSpace(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}
