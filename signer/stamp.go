package signer

import (
	"fmt"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/text/unicode/norm"
)

// Stamp layout, in points.
const (
	stampFontSize = 10
	stampLeading  = 12
	stampPadX     = 6
	stampPadY     = 5
	// The stamp sits in the top margin, which Nghị định 30 sets at 20–25 mm
	// (57–71 pt): 6 pt from the top, its three lines end above the
	// document's own header instead of covering the Quốc hiệu.
	stampTop   = 6  // from the top edge of the page
	stampRight = 20 // from the right edge
)

// stampAppearance writes the appearance stream (and its font) of a visible
// signature at the top right of the page and returns the widget's /Rect.
// Everything is opaque black on the page: PDF/A allows no transparency.
func stampAppearance(u *update, apRef types.IndirectRef, box types.Rectangle, spec *signatureSpec) (string, error) {
	s := spec.stamp
	f, err := loadStampFont(s.FontFile)
	if err != nil {
		return "", err
	}
	var lines []string
	if s.FormOfCopy != "" {
		lines = append(lines, s.FormOfCopy)
	}
	lines = append(lines, s.Organisation, s.TimeLabel+spec.time.Format("2006-01-02T15:04:05-07:00"))
	encoded := make([][]byte, len(lines))
	widest := 0
	for i, l := range lines {
		e, w, err := f.encode(norm.NFC.String(l))
		if err != nil {
			return "", err
		}
		encoded[i] = e
		widest = max(widest, w)
	}
	width := float64(widest)*stampFontSize/float64(f.upem) + 2*stampPadX
	height := float64(len(lines)*stampLeading) + 2*stampPadY
	var c strings.Builder
	// A thin frame, then the lines, the first one (form of copy) centred.
	fmt.Fprintf(&c, "q 0 0 0 RG 0.75 w 0.375 0.375 %.2f %.2f re S Q\n", width-0.75, height-0.75)
	c.WriteString("q BT 0 0 0 rg\n")
	for i, e := range encoded {
		y := height - stampPadY - float64(i+1)*stampLeading + 2.5
		x := float64(stampPadX)
		if i == 0 && s.FormOfCopy != "" {
			_, w, _ := f.encode(norm.NFC.String(lines[0]))
			x = (width - float64(w)*stampFontSize/float64(f.upem)) / 2
		}
		fmt.Fprintf(&c, "/F1 %d Tf 1 0 0 1 %.2f %.2f Tm <%X> Tj\n", stampFontSize, x, y, e)
	}
	c.WriteString("ET Q\n")
	fontRef, err := f.objects(u)
	if err != nil {
		return "", err
	}
	u.stream(apRef, fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 %.2f %.2f] /Resources <</Font <</F1 %s>>>> ",
		width, height, fontRef), []byte(c.String()))
	urx, ury := box.UR.X-stampRight, box.UR.Y-stampTop
	return fmt.Sprintf("[%.2f %.2f %.2f %.2f]", urx-width, ury-height, urx, ury), nil
}
