package metadata

import (
	"regexp"
	"strings"
)

// header is the two-column block at the top of the first page (Nghị định
// 30/2020 Phụ lục I): organ names, "Số:" and "V/v" on the left; Quốc hiệu,
// tiêu ngữ and the place-and-date line on the right.
type header struct {
	organLines []textLine // upper-case left lines above "Số:"
	numberLine *textLine  // left part of the "Số:" line
	vvLines    []textLine // "V/v ..." and its continuation lines
	dateLine   *textLine  // right part of the place-and-date line
	end        int        // index of the first line after the header
}

var reVV = regexp.MustCompile(`^(v\s*[/|l1i\\]\s*[vy](?:[\s:.,]|$)|ve viec)`)

func startsVV(text string) bool { return reVV.MatchString(strings.TrimSpace(fold(text))) }

func startsKinhGui(text string) bool {
	return strings.HasPrefix(strings.TrimSpace(fold(text)), "kinh gui")
}

// isQuocHieu / isTieuNgu recognise the right header's fixed lines, also
// with a diacritic or two lost.
func isQuocHieu(text string) bool {
	f := fold(text)
	return strings.Contains(f, "cong hoa") || strings.Contains(f, "chu nghia")
}

func isTieuNgu(text string) bool {
	f := fold(text)
	return strings.Contains(f, "doc lap") || strings.Contains(f, "hanh phuc")
}

// isTypeLine reports an upper-case line starting with a known type name.
func isTypeLine(text string) bool {
	_, _, _, ok := matchTypeName(text)
	return ok && isUpperText(text)
}

// columnBoundary finds the x that separates the left and right header
// columns: just left of the Quốc hiệu, which starts the right column, or
// estimated from the tiêu ngữ under it, or a fixed fraction of the width.
func columnBoundary(lines []textLine, g geometry) int {
	clamp := func(x int) int { return min(max(x, g.fx(0.30)), g.fx(0.62)) }
	tn := -1
	for _, l := range lines {
		if l.box.Min.Y > g.fy(0.4) {
			break
		}
		for i, w := range l.words {
			f := fold(w.Text)
			next := ""
			if i+1 < len(l.words) {
				next = fold(l.words[i+1].Text)
			}
			switch {
			case f == "conghoa" || (f == "cong" && strings.HasPrefix(next, "hoa")):
				return clamp(w.Box.Min.X - g.fx(0.01))
			case tn < 0 && f == "doc" && strings.HasPrefix(next, "lap"):
				// The tiêu ngữ is centred under the wider Quốc hiệu.
				tn = w.Box.Min.X - g.fx(0.06)
			}
		}
	}
	if tn >= 0 {
		return clamp(tn)
	}
	return g.fx(0.47)
}

// analyseHeader walks the lines of the first page from the top, splitting
// each into its left and right column by x (Tesseract may merge the two
// columns into one line), until the first line that is clearly not part
// of the header: a centred or full-width line, a type name, "Kính gửi",
// right-column text below the date, or left-column text below the number
// that is not a "V/v".
func analyseHeader(lines []textLine, g geometry) header {
	b := columnBoundary(lines, g)
	h := header{end: len(lines)}
	var left []textLine
	numberAt := -1
	seenRight, seenDate, inVV := false, false, false
	for i, l := range lines {
		if l.box.Min.Y > g.fy(0.5) {
			h.end = i
			break
		}
		lt, rt, spanning := g.splitColumns(l, b)
		anchor := isQuocHieu(l.text) || isTieuNgu(l.text) || findDate(rt.text) != nil
		if _, ok := matchNumberPrefix(lt.text); ok {
			anchor = true
		}
		started := len(left) > 0 || seenRight
		if !anchor && (spanning || isTypeLine(l.text) || startsKinhGui(l.text)) {
			if started {
				h.end = i
				break
			}
			continue // a note above the header ("Mẫu số 01", "DỰ THẢO")
		}
		if !rt.empty() && seenDate && !isQuocHieu(rt.text) && !isTieuNgu(rt.text) {
			h.end = i
			break
		}
		if !lt.empty() && numberAt >= 0 {
			prev := left[len(left)-1]
			switch {
			case len(h.vvLines) == 0 && startsVV(lt.text):
				inVV = true
			case inVV && g.tightBelow(prev, lt) && !startsKinhGui(lt.text) && !strings.HasPrefix(lt.text, "-"):
			default:
				h.end = i
				inVV = false
			}
			if h.end == i {
				break
			}
			h.vvLines = append(h.vvLines, lt)
		}
		if !rt.empty() {
			seenRight = true
			if h.dateLine == nil && findDate(rt.text) != nil {
				rt := rt
				h.dateLine = &rt
				seenDate = true
			}
		}
		if !lt.empty() && numberAt < 0 {
			left = append(left, lt)
			if _, ok := matchNumberPrefix(lt.text); ok {
				numberAt = len(left) - 1
				lt := lt
				h.numberLine = &lt
			}
		} else if !lt.empty() {
			left = append(left, lt)
		}
	}
	organEnd := len(left)
	if numberAt >= 0 {
		organEnd = numberAt
	}
	for _, l := range left[:organEnd] {
		if letters, _ := letterStats(l.text); letters >= 2 && isUpperText(l.text) {
			h.organLines = append(h.organLines, l)
		}
	}
	return h
}
