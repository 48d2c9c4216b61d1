package ocr

import (
	"context"
	"fmt"
	"image"
	"math"
)

// MinSkewDegrees is the smallest measured skew worth correcting: below it
// OCR is unaffected and the page is shown as scanned.
const MinSkewDegrees = 0.3

// Page is a page made ready for the archive and read.
//
// The archive keeps the scan's own pixels: the correction found (Rotation,
// then SkewDegrees) is recorded for the viewer to apply, and only the grey
// copy OCR reads is resampled.
type Page struct {
	// Image is the input image itself, never resampled.
	Image image.Image
	// Rotation is the clockwise rotation that turns Image upright,
	// 0/90/180/270 (as Rotate applies it).
	Rotation int
	// SkewDegrees is the skew corrected after the rotation (as Deskew
	// applies it), 0 when none was.
	SkewDegrees float64
	// Result is what was read. Word boxes are in the coordinates of the
	// corrected page (Image through Rotate and Deskew, origin (0,0), of
	// Size), or of Image itself when no correction was needed.
	Result *Result
}

// Corrected reports whether the page is shown turned or deskewed.
func (p *Page) Corrected() bool { return p.Rotation != 0 || p.SkewDegrees != 0 }

// Size is the size of the page as shown: Image's, sides swapped when it is
// turned sideways (a deskew keeps the size).
func (p *Page) Size() image.Point {
	s := p.Image.Bounds().Size()
	if p.Rotation == 90 || p.Rotation == 270 {
		s.X, s.Y = s.Y, s.X
	}
	return s
}

// ProcessPage runs everything a scanned page needs before it is archived
// and read: orientation and deskew (recorded in the Page for the archive to
// show, so the text layer lies on the lines people see, and applied to the
// grey copy OCR reads), then OCR on that cleaned copy (RecognizePage).
//
// Orientation costs little on most pages: one pass over a reduced copy
// (analyseLayout) tells the direction of the text lines and which way up
// they are, and when the page read that way comes back confident
// (confidentReading) that is the answer. Only when the layout is unclear or
// the reading doubtful does the engine's own orientation detection (OSD,
// about 0.3 CPU s a page) decide, and the page is read again if it turns
// it differently.
func ProcessPage(ctx context.Context, engine Engine, img image.Image, opts RecognizeOptions) (page *Page, err error) {
	// Whatever way the page was read, the number and day written by hand
	// in colour ink (removed from the copy OCR reads) are read last.
	defer func() {
		if err == nil {
			err = readHandwriting(ctx, engine, page, opts)
		}
	}()
	if img.Bounds().Empty() {
		return nil, fmt.Errorf("process page: empty image %v", img.Bounds())
	}
	// The grey copy with colour ink removed serves the layout analysis
	// (reduced) and, when the page needs no resampling, OCR itself.
	ink := inkGray(img)
	layout := analyseLayout(reduce(ink))
	detector, canDetect := engine.(OrientationDetector)
	if !canDetect {
		return readTurned(ctx, engine, img, &ink, 0, layout, opts)
	}
	var guess *Page
	if rotation, sure := layout.upright(); sure {
		page, err := readTurned(ctx, engine, img, &ink, rotation, layout, opts)
		if err != nil {
			return nil, err
		}
		if confidentReading(page.Result) {
			return page, nil
		}
		guess = page
	}
	rotation, _, err := detector.DetectOrientation(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("orientation: %w", err)
	}
	if guess != nil && guess.Rotation == rotation {
		return guess, nil
	}
	return readTurned(ctx, engine, img, &ink, rotation, layout, opts)
}

// readTurned reads img turned clockwise by rotation and deskewed, and
// records that correction; img itself is left as it is. layout is img's;
// its skew holds for a page turned by 0 or 180°, and is measured again on
// one turned sideways. *ink is img through inkGray, or nil (then it is made
// again); only that grey copy is turned and resampled for OCR, which costs
// a quarter of resampling the colour page. *ink is set to nil when it was
// cleaned in place.
func readTurned(ctx context.Context, engine Engine, img image.Image, ink **image.Gray, rotation int, layout pageLayout, opts RecognizeOptions) (*Page, error) {
	g := *ink
	if g == nil {
		g = inkGray(img)
	}
	g = Rotate(g, rotation).(*image.Gray)
	skew := layout.Skew
	if rotation == 90 || rotation == 270 {
		skew = analyseLayout(reduce(g)).Skew
	}
	if math.Abs(skew) >= MinSkewDegrees {
		g = Deskew(g, skew).(*image.Gray)
	} else {
		skew = 0
	}
	if g == *ink {
		*ink = nil // about to be cleaned in place
	}
	frame := img.Bounds()
	if rotation != 0 || skew != 0 {
		frame = g.Bounds() // starts at (0,0), upright size
	}
	res, err := recognizeGray(ctx, engine, g, frame, opts)
	if err != nil {
		return nil, fmt.Errorf("ocr: %w", err)
	}
	return &Page{Image: img, Rotation: rotation, SkewDegrees: skew, Result: res}, nil
}

// What a reading of a page the right way up looks like. On the fixtures
// every upright page reads with a mean word confidence of 0.91 or more
// and under 8 % doubtful words; upside down, 0.43–0.47 and over 60 %.
const (
	minConfidentWords    = 20
	minConfidentMean     = 0.75
	maxDoubtfulWordShare = 0.25
)

// confidentReading tells whether res looks like text read the right way
// up: enough words, read with confidence.
func confidentReading(res *Result) bool {
	n := len(res.Words)
	return n >= minConfidentWords && res.MeanConfidence >= minConfidentMean &&
		float64(res.LowConfidenceWords) <= maxDoubtfulWordShare*float64(n)
}
