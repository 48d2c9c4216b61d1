package ocr

import (
	"context"
	"image"
)

// RecognizeOptions are hints about a page that help an engine read it.
// The zero value means "nothing known".
type RecognizeOptions struct {
	// DPI is the scan resolution in dots per inch, 0 if unknown. Tesseract
	// sizes its layout analysis by it; without it, it guesses from the
	// text height.
	DPI int
}

// OptionsRecognizer is an optional capability of an Engine: recognition
// with hints about the page.
type OptionsRecognizer interface {
	RecognizeWithOptions(ctx context.Context, img image.Image, opts RecognizeOptions) (*Result, error)
}

// RecognizeWithOptions reads img with engine, passing opts when the engine
// understands them and ignoring them otherwise.
func RecognizeWithOptions(ctx context.Context, engine Engine, img image.Image, opts RecognizeOptions) (*Result, error) {
	if r, ok := engine.(OptionsRecognizer); ok {
		return r.RecognizeWithOptions(ctx, img, opts)
	}
	return engine.Recognize(ctx, img)
}
