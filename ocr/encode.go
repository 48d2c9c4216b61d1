package ocr

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
)

// encodeFor serialises img in the given format for Leptonica's pixReadMem.
func encodeFor(img image.Image, format imageFormat, dpi int) ([]byte, error) {
	switch format {
	case formatPNM:
		return flatten(img).pnm(), nil
	case formatBMP:
		return flatten(img).bmp(dpi), nil
	case formatPNG:
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return nil, fmt.Errorf("encode png: %w", err)
		}
		return buf.Bytes(), nil
	}
	return nil, fmt.Errorf("unknown image format %d", format)
}
