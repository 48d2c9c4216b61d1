package ocr

import (
	"image"
	"math"
)

// pageLayout is what one cheap pass over a reduced grey copy of a page
// tells about it, before any OCR: the direction of its text lines, their
// skew, and which way up they are.
type pageLayout struct {
	// Skew is the lean of horizontal text lines, in degrees clockwise, to
	// 0.1° (as MeasureSkew); 0 on a page without ink.
	Skew float64
	// Horizontal reports that the text lines run across the page (the
	// page is upright or upside down); Vertical that they run along it
	// (the page is turned by 90° one way or the other). Neither: unclear.
	Horizontal, Vertical bool
	// RowPeak and ColumnPeak are how peaked the ink's projection is
	// across rows and across columns, normalised so that 1 is ink spread
	// evenly; text lines make their direction's profile peaked.
	RowPeak, ColumnPeak float64
	// Above and Below are the ink above the x-height band of the text
	// lines (ascenders, capitals, Vietnamese diacritics) and below it
	// (descenders), summed over lines. Upright Vietnamese print has far
	// more above than below; a page upside down, the reverse. On a
	// Vertical page, "above" is the right-hand side of the lines.
	Above, Below float64
}

// Orientation thresholds, tuned on the fixtures (every variant) so that
// no rotated page passes as upright: ProcessPage still confirms the guess
// by the confidence of what it reads.
const (
	// minLinePeakRatio: rows must be this much more peaked than columns
	// for the lines to count as horizontal.
	minLinePeakRatio = 1.5
	// minUpDownRatio: Above/Below (or Below/Above) from which the page is
	// taken as upright (or upside down).
	minUpDownRatio = 1.6
)

// upright guesses from the layout alone by how many degrees clockwise
// the page must be turned to be upright; sure is false when the layout
// does not tell.
func (l pageLayout) upright() (rotate int, sure bool) {
	if (!l.Horizontal && !l.Vertical) || l.Above+l.Below == 0 {
		return 0, false
	}
	topFirst := l.Above >= minUpDownRatio*l.Below
	if !topFirst && l.Below < minUpDownRatio*l.Above {
		return 0, false
	}
	switch {
	case l.Horizontal && topFirst:
		return 0, true
	case l.Horizontal:
		return 180, true
	case topFirst: // letters' tops point right: the page was turned clockwise
		return 270, true
	default:
		return 90, true
	}
}

// reducedGray is img as grey with coloured ink turned to paper (inkGray),
// halved until at most 2×skewSampleWidth wide, so that seals and
// signatures neither sway the skew nor read as text lines.
func reducedGray(img image.Image) *image.Gray { return reduce(inkGray(img)) }

// reduce halves g until it is at most 2×skewSampleWidth wide; g itself
// when it already is.
func reduce(g *image.Gray) *image.Gray {
	for g.Bounds().Dx() > 2*skewSampleWidth {
		g = halve(g)
	}
	return g
}

// analyseLayout measures g's text lines: skew, direction and which way up
// (see pageLayout).
func analyseLayout(g *image.Gray) pageLayout {
	b := g.Bounds()
	var xs, ys []float32
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := g.Pix[g.PixOffset(b.Min.X, y) : g.PixOffset(b.Min.X, y)+b.Dx()]
		for x, v := range row {
			if v < inkThreshold {
				xs = append(xs, float32(x))
				ys = append(ys, float32(y-b.Min.Y))
			}
		}
	}
	if len(xs) == 0 {
		return pageLayout{}
	}
	diag := math.Hypot(float64(b.Dx()), float64(b.Dy()))
	bins := make([]float64, 2*int(diag)+2)
	// project fills bins with the ink counted along lines leaning deg
	// clockwise from horizontal and returns the sum of squared counts.
	project := func(deg float64) float64 {
		sin, cos := math.Sincos(deg * math.Pi / 180)
		s32, c32, d32 := float32(sin), float32(cos), float32(diag)
		clear(bins)
		for i := range xs {
			bins[int(ys[i]*c32-xs[i]*s32+d32)]++
		}
		var s float64
		for _, n := range bins {
			s += n * n
		}
		return s
	}
	search := func(center float64) (best, bestScore float64) {
		best, bestScore = center, project(center)
		for deg := center - maxSkew; deg <= center+maxSkew+1e-9; deg += coarseStep {
			if s := project(deg); s > bestScore {
				best, bestScore = deg, s
			}
		}
		c := best
		for deg := c - coarseStep; deg <= c+coarseStep+1e-9; deg += fineStep {
			if s := project(deg); s > bestScore {
				best, bestScore = deg, s
			}
		}
		return best, bestScore
	}
	// Evenly spread ink scores n²/bins over the bins it can fall in; the
	// peak ratio compares with that.
	even := func(extent int) float64 { return float64(len(xs)) * float64(len(xs)) / float64(max(extent, 1)) }
	// Columns need no fine angle: only their peak is compared.
	colDeg, colScore := 90.0, project(90)
	for deg := 90 - maxSkew; deg <= 90+maxSkew+1e-9; deg += 1 {
		if s := project(deg); s > colScore {
			colDeg, colScore = deg, s
		}
	}
	skew, rowScore := search(0)
	l := pageLayout{
		Skew:       math.Round(skew*10) / 10,
		RowPeak:    rowScore / even(b.Dy()),
		ColumnPeak: colScore / even(b.Dx()),
	}
	l.Horizontal = l.RowPeak >= minLinePeakRatio*l.ColumnPeak
	l.Vertical = l.ColumnPeak >= minLinePeakRatio*l.RowPeak
	if l.Vertical {
		// Projected at ~90°, bins run from the right edge (low) to the
		// left: "above" is the side the letters' tops point to.
		project(colDeg)
	} else {
		project(skew)
	}
	l.Above, l.Below = aboveBelow(bins)
	return l
}

// aboveBelow splits a row profile of text into lines (runs of bins with
// ink) and sums, over lines, the ink above and below each line's core: the
// bins holding at least half its peak count.
func aboveBelow(bins []float64) (above, below float64) {
	peak := 0.0
	for _, n := range bins {
		peak = max(peak, n)
	}
	floor := 0.02 * peak // specks between lines are not text
	for i := 0; i < len(bins); {
		if bins[i] <= floor {
			i++
			continue
		}
		j := i
		m := 0.0
		for j < len(bins) && bins[j] > floor {
			m = max(m, bins[j])
			j++
		}
		first, last := -1, -1
		for k := i; k < j; k++ {
			if bins[k] >= m/2 {
				if first < 0 {
					first = k
				}
				last = k
			}
		}
		if j-i >= 4 { // a line, not a rule or a speck band
			for k := i; k < first; k++ {
				above += bins[k]
			}
			for k := last + 1; k < j; k++ {
				below += bins[k]
			}
		}
		i = j
	}
	return above, below
}
