package ocr

// #include <tesseract/capi.h>
import "C"

import (
	"context"
	"errors"
	"fmt"
	"image"
)

// segmentation is how Tesseract is told to lay out a small crop.
type segmentation int

const (
	asWord  segmentation = C.PSM_SINGLE_WORD
	asLine  segmentation = C.PSM_SINGLE_LINE
	asBlock segmentation = C.PSM_SINGLE_BLOCK
)

// recognizeAs reads img, a small crop, laid out as seg says instead of
// as the engine reads pages, then sets the page layout back.
func (t *Tesseract) recognizeAs(ctx context.Context, img image.Image, opts RecognizeOptions, seg segmentation) (*Result, error) {
	if t.tess == nil {
		return nil, errors.New("tesseract: engine is closed")
	}
	t.tess.setPageSegMode(C.TessPageSegMode(seg))
	defer t.setLayout(t.opts.AutoLayout)
	res, err := t.RecognizeWithOptions(ctx, img, opts)
	if err != nil {
		return nil, fmt.Errorf("read %v: %w", seg, err)
	}
	return res, nil
}
