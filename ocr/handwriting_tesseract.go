package ocr

// #include <tesseract/capi.h>
import "C"

import (
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"strconv"
	"strings"
)

// digitModel is the model handwritten digits are read with. Measured on
// 50 handwritten numbers and days of the fixtures, one line each, digits
// only: Tesseract's "eng" reads 44 right, "vie" 25 (its digits were
// trained on print alone). Debian's tesseract-ocr package always brings
// it (tesseract-ocr-eng).
const digitModel = "eng"

// HandwritingReady tells whether ReadDigits can work: the digit model is
// installed beside the page model. Without it digitizing still works, but
// every handwritten number and day stays unread (and flagged for review),
// which staff should hear about once, before a long batch, not discover in
// the review file.
func (t *Tesseract) HandwritingReady() error {
	if t.tess == nil {
		return errors.New("tesseract: engine is closed")
	}
	if slices.Contains(t.tess.availableLanguages(), digitModel) {
		return nil
	}
	return fmt.Errorf("Tesseract model %q is not installed: handwritten numbers and days will not be read and stay flagged for review (install Debian's tesseract-ocr-%s)", digitModel, digitModel)
}

// ReadDigits reads one short line of digits on a clean black-on-white
// image (see DigitReader) with the "eng" model restricted to digits.
//
// It reads the line twice, as one text line (PSM_SINGLE_LINE) and as one
// word (PSM_SINGLE_WORD): Tesseract's own confidence says little about
// handwriting (it gave 0.95 to "686" for a written 688), while two
// layouts that agree are rarely wrong together. When they disagree it
// returns the first reading with confidence 0. The model is loaded on the
// first call (about 10 MB), with its own Tesseract instance so that the
// page reader's settings never change.
func (t *Tesseract) ReadDigits(ctx context.Context, img *image.Gray, dpi int) (string, float64, error) {
	if t.tess == nil {
		return "", 0, errors.New("tesseract: engine is closed")
	}
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	if img.Bounds().Empty() {
		return "", 0, fmt.Errorf("tesseract: read digits: empty image %v", img.Bounds())
	}
	if t.digitsErr != nil {
		return "", 0, t.digitsErr
	}
	if t.digits == nil {
		d, err := newTessAPI([]string{digitModel}, t.opts.TessdataPrefix, map[string]string{
			"debug_file":              "/dev/null",
			"tessedit_char_whitelist": "0123456789",
		})
		if err != nil {
			// Remembered: a missing model is not retried on every page.
			t.digitsErr = fmt.Errorf("tesseract: read digits with the %s model: %w", digitModel, err)
			return "", 0, t.digitsErr
		}
		t.digits = d
	}
	pix := flatten(img)
	var texts [2]string
	var confs [2]float64
	for i, mode := range []C.TessPageSegMode{C.PSM_SINGLE_LINE, C.PSM_SINGLE_WORD} {
		text, conf, err := t.readDigitsOnce(pix, dpi, mode)
		if err != nil {
			return "", 0, err
		}
		texts[i], confs[i] = text, conf
	}
	if texts[0] != texts[1] {
		return texts[0], 0, nil
	}
	return texts[0], min(confs[0], confs[1]), nil
}

// readDigitsOnce reads pix with the digit model in page layout mode.
func (t *Tesseract) readDigitsOnce(pix pixels, dpi int, mode C.TessPageSegMode) (string, float64, error) {
	t.digits.setPageSegMode(mode)
	t.digits.setPixels(pix, max(dpi, 0))
	if err := t.digits.setVariable("user_defined_dpi", strconv.Itoa(max(dpi, 0))); err != nil {
		return "", 0, fmt.Errorf("tesseract: read digits: %w", err)
	}
	words, err := t.digits.recognize()
	if err != nil {
		return "", 0, fmt.Errorf("tesseract: read digits: %w", err)
	}
	// Several words mean the engine saw a gap inside the number: the
	// digits are joined and the weakest word stands for all.
	var text strings.Builder
	conf := 1.0
	for _, w := range words {
		s := strings.TrimSpace(w.text)
		if s == "" {
			continue
		}
		text.WriteString(s)
		conf = min(conf, w.confidence/100)
	}
	if text.Len() == 0 {
		return "", 0, nil
	}
	return text.String(), min(max(conf, 0), 1), nil
}

var _ DigitReader = (*Tesseract)(nil)
