package ocr

import (
	"context"
	"fmt"
	"image"
	"strings"
	"unicode"
)

// The document number token after "Số:" ("879/SCT-QLTM") sits on the
// line Tesseract joins with the place and date of the right column. Read
// there, it sometimes gains or changes a letter of its notation
// ("SCT-QLUTM", "SGDĐT-GDTTH") and says so with a confidence (0.84–0.86)
// no lower than right readings get. Read again on its own, "Số:" and the
// token alone as one word, it comes out right on those, though with no
// higher confidence; so confidence cannot choose. Two re-readings of
// different pixels (the crop as it is, and enlarged twice) that agree
// with each other and not with the first reading are taken instead.

// wordReader is an engine that can read a small crop laid out as one
// word or line instead of as a page.
type wordReader interface {
	recognizeAs(ctx context.Context, img image.Image, opts RecognizeOptions, seg segmentation) (*Result, error)
}

// rereadNumber reads the "Số:" word and the number token after it on
// res's header again, alone (see above), and puts the re-reading in res
// when two re-readings agree on it. Only the notation may change: the
// digits before the first '/' must stay as first read. A page without a
// printed "Số: …/…" costs nothing more; one with it, two crops of about
// 400 × 60 pixels.
func rereadNumber(ctx context.Context, engine wordReader, img *image.Gray, res *Result, opts RecognizeOptions) error {
	i, ok := numberToken(res)
	if !ok {
		return nil
	}
	so, tok := res.Words[i-1], res.Words[i]
	m := tok.Box.Dy() / 4
	box := so.Box.Union(tok.Box)
	crop := image.Rect(box.Min.X-m, box.Min.Y-m, box.Max.X+m, box.Max.Y+m).Intersect(img.Bounds())
	sub, ok := img.SubImage(crop).(*image.Gray)
	if !ok || crop.Dx() < 8 || crop.Dy() < 8 {
		return nil
	}
	first, conf1, err := readNumberCrop(ctx, engine, sub, opts)
	if err != nil {
		return err
	}
	// The enlarged crop (four times the pixels) is read only when the
	// first re-reading would change the token.
	if first == "" || first == tok.Text || !sameNumberDigits(first, tok.Text) || !notationChars(first) {
		return nil
	}
	big := opts
	big.DPI *= 2
	second, conf2, err := readNumberCrop(ctx, engine, upscale(sub, 2), big)
	if err != nil {
		return err
	}
	if first != second {
		return nil
	}
	res.Words[i].Text = first
	res.Words[i].Confidence = max(conf1, conf2)
	res.refresh()
	return nil
}

// readNumberCrop reads img, "Số:" and the number token, as one word and
// returns the token as read (empty when the reading has no "Số:" word
// followed by exactly one word holding a '/') and its confidence.
func readNumberCrop(ctx context.Context, engine wordReader, img image.Image, opts RecognizeOptions) (string, float64, error) {
	r, err := engine.recognizeAs(ctx, img, opts, asWord)
	if err != nil {
		return "", 0, fmt.Errorf("number: %w", err)
	}
	if len(r.Words) != 2 || !isNumberWord(r.Words[0].Text) || !strings.Contains(r.Words[1].Text, "/") {
		return "", 0, nil
	}
	return r.Words[1].Text, r.Words[1].Confidence, nil
}

// numberToken returns the index in res.Words of the number token: the
// word after the first "Số:" in the upper left quarter of the page,
// on the same line, holding a '/'.
func numberToken(res *Result) (int, bool) {
	for i := 1; i < len(res.Words); i++ {
		so, tok := res.Words[i-1], res.Words[i]
		if so.Box.Min.Y > res.Height/2 {
			break
		}
		if so.Line != tok.Line || so.Box.Min.X > res.Width/2 || !isNumberWord(so.Text) {
			continue
		}
		if strings.Contains(tok.Text, "/") && !tok.Handwritten {
			return i, true
		}
	}
	return 0, false
}

// isNumberWord reports whether s reads as "Số:" (or "Số") on its own.
func isNumberWord(s string) bool {
	f := foldWord(s)
	return f == "so:" || reBareNumberWord.MatchString(f) || f == "s0:" || f == "s6:"
}

// sameNumberDigits reports whether a and b, two readings of a number token,
// have the same digits before their first '/' (the number itself, which
// the page reading gets right; only the notation after it is in doubt).
func sameNumberDigits(a, b string) bool {
	na, _, _ := strings.Cut(a, "/")
	nb, _, _ := strings.Cut(b, "/")
	return na == nb && strings.IndexFunc(na, func(r rune) bool { return !unicode.IsDigit(r) }) < 0
}

// notationChars reports whether s holds only what a number token is
// written with: digits, '/', '-' and the letters of Vietnamese
// notations (Latin without marks, and Đ). Two re-readings of a noisy
// 200-dpi scan once agreed on "BNV-CCVCŒ".
func notationChars(s string) bool {
	for _, r := range s {
		ok := r >= '0' && r <= '9' || r == '/' || r == '-' || r == 'Đ' || r == 'đ' ||
			r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'
		if !ok {
			return false
		}
	}
	return true
}
