package ocr

import (
	"context"
	"errors"
	"fmt"
	"image"
)

// osdReliable is the OSD confidence from which its answer is taken as is.
// It is Tesseract's own min_orientation_margin, the margin it requires
// before it turns a page by itself in PSM_AUTO_OSD.
const osdReliable = 7.0

// DetectOrientation tells by how many degrees clockwise (0, 90, 180, 270)
// img must be turned to be upright, with a confidence in 0..1 (0.5 and
// above: trust it).
//
// It asks Tesseract's orientation detector (OSD) first. When OSD is unsure
// (confidence below Tesseract's own margin of 7) or finds too little text,
// it reads a downscaled crop of the page in all four orientations and keeps
// the one that yields the most confidently recognised letters; confidence
// is then the share of the runner-up's score that the winner beats it by.
// A page with no readable text gives (0, 0, nil).
func (t *Tesseract) DetectOrientation(ctx context.Context, img image.Image) (rotate int, confidence float64, err error) {
	if t.tess == nil {
		return 0, 0, errors.New("tesseract: engine is closed")
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	if img.Bounds().Empty() {
		return 0, 0, fmt.Errorf("detect orientation: empty image %v", img.Bounds())
	}
	if t.osd == nil {
		osd, err := newOSDEngine(t.opts.TessdataPrefix)
		if err != nil {
			return 0, 0, fmt.Errorf("detect orientation: %w", err)
		}
		t.osd = osd
	}
	deg, conf, err := t.osd.detect(flatten(img), 0)
	switch {
	case err == nil && conf >= osdReliable:
		return (360 - deg) % 360, min(1, conf/(2*osdReliable)), nil
	case err != nil && !errors.Is(err, errTooLittleText):
		return 0, 0, fmt.Errorf("detect orientation: %w", err)
	}
	return t.orientationByReading(ctx, img)
}

// orientationByReading reads a crop of the page in each orientation and
// returns the rotation under which Tesseract reads the most letters with
// confidence.
func (t *Tesseract) orientationByReading(ctx context.Context, img image.Image) (int, float64, error) {
	crop := orientationSample(img)
	if crop == nil {
		return 0, 0, nil // blank page: nothing to turn
	}
	// Read as one block: with layout analysis Tesseract finds sideways
	// lines and reads them turned, and every orientation would score alike.
	if t.opts.AutoLayout {
		t.setLayout(false)
		defer t.setLayout(true)
	}
	var scores [4]float64
	for i := range scores {
		res, err := t.Recognize(ctx, Rotate(crop, 90*i))
		if err != nil {
			return 0, 0, fmt.Errorf("detect orientation: read at %d°: %w", 90*i, err)
		}
		scores[i] = readingScore(res)
	}
	best, second := 0, -1
	for i := 1; i < 4; i++ {
		if scores[i] > scores[best] {
			best = i
		}
	}
	for i := range scores {
		if i != best && (second < 0 || scores[i] > scores[second]) {
			second = i
		}
	}
	if scores[best] == 0 {
		return 0, 0, nil
	}
	return 90 * best, (scores[best] - scores[second]) / scores[best], nil
}

// readingScore is the number of letters and digits in words Tesseract is
// at least LowConfidence sure of, weighted by that confidence. Text read
// upside down or sideways yields short, doubtful fragments and scores low.
func readingScore(res *Result) float64 {
	var score float64
	for _, w := range res.Words {
		if w.Confidence < LowConfidence {
			continue
		}
		n := 0
		for _, r := range w.Text {
			if isLetterOrDigit(r) {
				n++
			}
		}
		score += float64(n) * w.Confidence
	}
	return score
}

// maxSampleSide bounds the crop read in each orientation: at half
// resolution, about 1000 px holds a dozen lines of body text.
const maxSampleSide = 1000

// orientationSample returns a grey crop of img around its ink, at most
// maxSampleSide pixels a side after halving the resolution of large
// pages, or nil when the page has no ink.
func orientationSample(img image.Image) *image.Gray {
	g := toGray(flatten(img))
	if b := g.Bounds(); b.Dx() > 2*maxSampleSide || b.Dy() > 2*maxSampleSide {
		g = halve(g)
	}
	ink := inkBounds(g)
	if ink.Empty() {
		return nil
	}
	// A square around the centre of the ink, so that text lines of any
	// direction pass through it.
	c := image.Pt((ink.Min.X+ink.Max.X)/2, (ink.Min.Y+ink.Max.Y)/2)
	half := maxSampleSide / 2
	r := image.Rect(c.X-half, c.Y-half, c.X+half, c.Y+half).Intersect(ink.Inset(-20)).Intersect(g.Bounds())
	return g.SubImage(r).(*image.Gray)
}

// Prepare makes a page upright for recognition: when engine can detect
// orientation it does, and the page is turned accordingly. It returns the
// upright image and the clockwise rotation applied (0 when unknown), which
// the pipeline records and applies to the archived page.
func Prepare(ctx context.Context, engine Engine, img image.Image) (upright image.Image, rotation int, err error) {
	detector, ok := engine.(OrientationDetector)
	if !ok {
		return img, 0, nil
	}
	rotation, _, err = detector.DetectOrientation(ctx, img)
	if err != nil {
		return nil, 0, fmt.Errorf("prepare page: %w", err)
	}
	return Rotate(img, rotation), rotation, nil
}
