package ocr

import (
	"context"
	"fmt"
	"image"
	"math"
)

// MinSkewDegrees is the smallest measured skew worth resampling a page for:
// below it OCR is unaffected and the scan stays untouched.
const MinSkewDegrees = 0.3

// Page is a page made ready for the archive and read.
type Page struct {
	// Image is the page to archive: turned upright and deskewed when
	// needed (Rotation, SkewDegrees), otherwise the input image itself.
	Image image.Image
	// Rotation is the clockwise rotation applied, 0/90/180/270.
	Rotation int
	// SkewDegrees is the skew corrected, 0 when none was.
	SkewDegrees float64
	// Result is what was read; word boxes are in Image's coordinates.
	Result *Result
}

// Changed reports whether Image differs from the input pixels.
func (p *Page) Changed() bool { return p.Rotation != 0 || p.SkewDegrees != 0 }

// ProcessPage runs everything a scanned page needs before it is archived
// and read: orientation, deskew (both applied to the archived page, as
// OCRmyPDF does, so the text layer lies on the lines people see), then OCR
// on a cleaned copy (RecognizePage).
func ProcessPage(ctx context.Context, engine Engine, img image.Image, opts RecognizeOptions) (*Page, error) {
	upright, rotation, err := Prepare(ctx, engine, img)
	if err != nil {
		return nil, fmt.Errorf("orientation: %w", err)
	}
	skew := MeasureSkew(upright)
	if math.Abs(skew) >= MinSkewDegrees {
		upright = Deskew(upright, skew)
	} else {
		skew = 0
	}
	res, err := RecognizePage(ctx, engine, upright, opts)
	if err != nil {
		return nil, fmt.Errorf("ocr: %w", err)
	}
	return &Page{Image: upright, Rotation: rotation, SkewDegrees: skew, Result: res}, nil
}
