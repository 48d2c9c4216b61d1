// Package ocr turns page images into words with positions and confidences.
//
// The Engine interface is the only thing the pipeline knows about OCR; the
// Tesseract adapter (NewTesseract) is the production engine. Engines are not
// safe for concurrent use: run one engine per worker.
package ocr

import (
	"context"
	"image"
)

// Word is one recognised word. Box is in pixel coordinates of the page image
// that was recognised (after any orientation correction the engine reports).
type Word struct {
	Text       string          `json:"text"`
	Box        image.Rectangle `json:"box"`
	Confidence float64         `json:"confidence"` // 0..1
	// Line numbers words on the same text line, in reading order, from 0.
	Line int `json:"line"`
	// Handwritten marks a word read from handwriting (a document number or
	// day written in ink beside the printed "Số:" or "ngày", see
	// ProcessPage), possibly joined with the printed notation that follows
	// ("2826/QĐ-STP"). Its Confidence is capped; whatever is built from it
	// must be flagged for review.
	Handwritten bool `json:"handwritten,omitempty"`
}

// Result is what an engine read on one page.
type Result struct {
	// Text is the page text in reading order, lines separated by '\n',
	// Unicode NFC.
	Text  string `json:"text"`
	Words []Word `json:"words"`
	// Width and Height are the size of the recognised image in pixels.
	Width  int `json:"width"`
	Height int `json:"height"`
	// MeanConfidence is the mean word confidence, 0..1.
	MeanConfidence float64 `json:"meanConfidence"`
	// LowConfidenceWords counts words below LowConfidence.
	LowConfidenceWords int `json:"lowConfidenceWords"`
}

// LowConfidence is the word confidence below which a word counts as doubtful.
const LowConfidence = 0.6

// Engine recognises text on page images.
type Engine interface {
	// Recognize reads the text of img, which must be upright.
	Recognize(ctx context.Context, img image.Image) (*Result, error)
	// Close frees the engine's resources.
	Close() error
}

// OrientationDetector is an optional capability of an Engine: it tells by
// how many degrees clockwise (0, 90, 180 or 270) the page must be rotated to
// be upright.
type OrientationDetector interface {
	DetectOrientation(ctx context.Context, img image.Image) (rotate int, confidence float64, err error)
}
