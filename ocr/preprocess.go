package ocr

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"math"
)

// OCRInput is the image that is actually given to the engine for one page:
// a cleaned grey copy of the archived page, possibly enlarged. It is built
// by PrepareForOCR and thrown away after recognition; the archived page is
// never changed.
type OCRInput struct {
	// Image is the cleaned page, origin (0,0).
	Image *image.Gray
	// Scale is the size of Image over the size of the source page (1, or
	// 1.5–2 when a low-resolution scan was enlarged).
	Scale float64
	// DPI is the resolution of Image (0 when the source's is unknown).
	DPI int
	// Specks is the number of isolated specks removed (0 when the page
	// showed no speck noise).
	Specks int
}

// Tuning of the cleaning, chosen on the fixtures' scans (see the eval
// harness in preprocess_eval_test.go).
const (
	// Chroma (max−min channel) from which a pixel starts to count as
	// coloured ink, and from which it fully does.
	chromaLow  = 24
	chromaHigh = 72
	// A connected group of at most maxSpeckPixels dark pixels is a speck.
	// Printed marks are larger: the dot of an i or of "ạ" is about 10 px
	// at 200 dpi and 20 px at 300 dpi.
	maxSpeckPixels = 4
	// minSpecksPerMegapixel is the speck density from which a page is
	// taken as noisy; a clean page has almost none.
	minSpecksPerMegapixel = 40
	// lowDPI is the resolution below which pages are enlarged for OCR:
	// Tesseract's models are trained on text about 30 px high.
	lowDPI = 250
)

// PrepareForOCR builds the image to recognise from a page image of the given
// resolution (0: unknown):
//   - grey, with coloured ink (red seals, blue signatures and handwriting)
//     turned to paper, while black print under a seal stays black: a pixel
//     is as dark as its brightest channel, which red or blue ink does not
//     darken but toner does;
//   - paper brought to white, so that a tinted or greyed scan thresholds
//     like a clean one;
//   - isolated specks removed, when the page shows salt-and-pepper noise;
//   - enlarged to about 300 dpi when scanned below 250 dpi.
func PrepareForOCR(img image.Image, dpi int) *OCRInput {
	return prepareGray(inkGray(img), dpi)
}

// prepareGray is PrepareForOCR on the page already through inkGray; it
// cleans g in place.
func prepareGray(g *image.Gray, dpi int) *OCRInput {
	normalizePaper(g)
	in := &OCRInput{Image: g, Scale: 1, DPI: dpi}
	in.Specks = removeSpecks(g)
	if in.Specks > 0 {
		// Specks that touch print survive removeSpecks and read as
		// accents; a 3×3 median takes them and the salt inside strokes.
		g = median3(g)
		in.Image = g
	}
	if dpi > 0 && dpi < lowDPI {
		scale := math.Min(2, math.Max(1.5, 300/float64(dpi)))
		in.Image = upscale(g, scale)
		in.Scale = float64(in.Image.Bounds().Dx()) / float64(g.Bounds().Dx())
		in.DPI = int(math.Round(float64(dpi) * in.Scale))
	}
	return in
}

// RecognizePage reads a page the way the pipeline should: it recognises a
// cleaned copy of img (see PrepareForOCR; opts.DPI is img's resolution)
// and maps every word box back onto img, so the text layer lies on the
// archived image. Width and Height of the result are img's.
func RecognizePage(ctx context.Context, engine Engine, img image.Image, opts RecognizeOptions) (*Result, error) {
	b := img.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("recognize page: empty image %v", b)
	}
	return recognizeGray(ctx, engine, inkGray(img), b, opts)
}

// recognizeGray is RecognizePage on g, the page through inkGray (cleaned in
// place); bounds are the page's, which word boxes are mapped onto. The
// left column of an ND 30 header and the recipients column beside the
// signer's block are read again on their own (readHeaderApart,
// readFooterApart) before the boxes are mapped.
func recognizeGray(ctx context.Context, engine Engine, g *image.Gray, b image.Rectangle, opts RecognizeOptions) (*Result, error) {
	in := prepareGray(g, opts.DPI)
	inner := opts
	inner.DPI = in.DPI
	res, err := RecognizeWithOptions(ctx, engine, in.Image, inner)
	if err != nil {
		return nil, fmt.Errorf("recognize page: %w", err)
	}
	if err := readHeaderApart(ctx, engine, in.Image, res, inner); err != nil {
		return nil, fmt.Errorf("recognize page: %w", err)
	}
	if err := readFooterApart(ctx, engine, in.Image, res, inner); err != nil {
		return nil, fmt.Errorf("recognize page: %w", err)
	}
	mapBack(res, in.Scale, b)
	return res, nil
}

// mapBack turns a result on an image scale times the size of bounds
// (origin 0,0) into one on bounds.
func mapBack(res *Result, scale float64, bounds image.Rectangle) {
	res.Width, res.Height = bounds.Dx(), bounds.Dy()
	for i := range res.Words {
		r := res.Words[i].Box
		if scale != 1 {
			r = image.Rect(
				int(math.Floor(float64(r.Min.X)/scale)), int(math.Floor(float64(r.Min.Y)/scale)),
				int(math.Ceil(float64(r.Max.X)/scale)), int(math.Ceil(float64(r.Max.Y)/scale)))
		}
		res.Words[i].Box = r.Add(bounds.Min).Intersect(bounds)
	}
}

// inkGray returns img as a grey image in which coloured ink is paper.
func inkGray(img image.Image) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	switch src := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			off := src.PixOffset(b.Min.X, b.Min.Y+y)
			copy(out.Pix[y*w:(y+1)*w], src.Pix[off:off+w])
		}
		return out
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := out.Pix[y*w : (y+1)*w]
			for x := range dst {
				dst[x] = inkLevel(row[4*x], row[4*x+1], row[4*x+2])
			}
		}
		return out
	case *image.NRGBA:
		if src.Opaque() {
			for y := 0; y < h; y++ {
				row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
				dst := out.Pix[y*w : (y+1)*w]
				for x := range dst {
					dst[x] = inkLevel(row[4*x], row[4*x+1], row[4*x+2])
				}
			}
			return out
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			dst := out.Pix[y*w : (y+1)*w]
			for x := range dst {
				yi := src.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := src.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bl := color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
				dst[x] = inkLevel(r, g, bl)
			}
		}
		return out
	}
	// Anything else (paletted, 16-bit, CMYK, with alpha) through the
	// generic flattening, which composites over white.
	p := flatten(img)
	if p.channels == 1 {
		copy(out.Pix, p.data)
		return out
	}
	for i := range out.Pix {
		out.Pix[i] = inkLevel(p.data[3*i], p.data[3*i+1], p.data[3*i+2])
	}
	return out
}

// inkLevel is the grey level OCR should see for one RGB pixel. Neutral
// pixels keep their luma. Coloured ones take their brightest channel:
// red or blue ink laid over paper leaves that channel almost as bright as
// the paper, while black print under it stays dark in every channel. Blue
// ink, still mid-grey in its brightest channel (ballpoint is only about
// 60 % bright in blue), is lifted the rest of the way to paper.
func inkLevel(r, g, b uint8) uint8 {
	mx, mn := max(r, g, b), min(r, g, b)
	chroma := int(mx) - int(mn)
	luma := (299*int(r) + 587*int(g) + 114*int(b) + 500) / 1000
	if chroma <= chromaLow {
		return uint8(luma)
	}
	// Weight of "this is coloured ink", 0..256.
	t := min(256, (chroma-chromaLow)*256/(chromaHigh-chromaLow))
	v := (luma*(256-t) + int(mx)*t) >> 8
	if t == 256 && b == mx && mx > 80 {
		// Strongly blue and not dark: blue ink alone, nothing under it.
		// (Red ink needs no lift: its brightest channel, red, is nearly
		// paper-bright already.)
		v += (255 - v) * min(chroma-chromaHigh, 32) / 32
	}
	return uint8(v)
}

// normalizePaper stretches g so that its paper is white: the paper level is
// the brightest common grey (the median, since most of a page is paper) and
// everything is scaled by 255/paper.
func normalizePaper(g *image.Gray) {
	var hist [256]int
	for _, v := range g.Pix {
		hist[v]++
	}
	paper, seen := 255, 0
	for v := range 256 {
		seen += hist[v]
		if 2*seen >= len(g.Pix) {
			paper = v
			break
		}
	}
	if paper >= 250 || paper < 128 {
		// Already white, or not a page of dark print on paper: leave it.
		return
	}
	var lut [256]uint8
	for v := range lut {
		lut[v] = uint8(min(255, (v*255+paper/2)/paper))
	}
	for i, v := range g.Pix {
		g.Pix[i] = lut[v]
	}
}

// removeSpecks whitens groups of at most maxSpeckPixels dark pixels
// (8-connected) when the page has enough of them to be speck noise, and
// returns how many it removed. Specks that touch print are left: they
// cannot be told from it cheaply.
func removeSpecks(g *image.Gray) int {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	if w < 3 || h < 3 {
		return 0
	}
	// Ink mask with a one-pixel white frame, so neighbours need no bounds
	// checks.
	mw := w + 2
	mask := make([]byte, mw*(h+2))
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		m := mask[(y+1)*mw+1:]
		for x, v := range row {
			if v < inkThreshold {
				m[x] = 1
			}
		}
	}
	neighbours := [8]int{-mw - 1, -mw, -mw + 1, -1, 1, mw - 1, mw, mw + 1}
	var specks []int32 // mask offsets of the pixels of all specks found
	count := 0
	stack := make([]int32, 0, 1024)
	group := make([]int32, 0, maxSpeckPixels+1)
	for i, v := range mask {
		if v != 1 {
			continue
		}
		// Flood the component, marking it 2; remember up to one pixel
		// more than a speck may have.
		mask[i] = 2
		stack = append(stack[:0], int32(i))
		group = group[:0]
		size := 0
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			size++
			if len(group) <= maxSpeckPixels {
				group = append(group, p)
			}
			for _, d := range neighbours {
				if q := int(p) + d; mask[q] == 1 {
					mask[q] = 2
					stack = append(stack, int32(q))
				}
			}
		}
		if size <= maxSpeckPixels {
			count++
			specks = append(specks, group...)
		}
	}
	if float64(count)*1e6 < minSpecksPerMegapixel*float64(w*h) {
		return 0
	}
	for _, p := range specks {
		x, y := int(p)%mw-1, int(p)/mw-1
		g.Pix[y*g.Stride+x] = 255
	}
	return count
}

// upscale enlarges g by scale with bilinear interpolation.
func upscale(g *image.Gray, scale float64) *image.Gray {
	sw, sh := g.Bounds().Dx(), g.Bounds().Dy()
	if sw < 2 || sh < 2 {
		return g
	}
	dw, dh := int(math.Round(float64(sw)*scale)), int(math.Round(float64(sh)*scale))
	out := image.NewGray(image.Rect(0, 0, dw, dh))
	// Source x of each destination column, as index and 8-bit fraction.
	xi := make([]int, dw)
	xf := make([]int, dw)
	for x := range dw {
		sx := (float64(x)+0.5)/scale - 0.5
		sx = math.Max(0, math.Min(float64(sw-1), sx))
		i := min(int(sx), sw-2)
		xi[x], xf[x] = i, int((sx-float64(i))*256+0.5)
	}
	for y := range dh {
		sy := (float64(y)+0.5)/scale - 0.5
		sy = math.Max(0, math.Min(float64(sh-1), sy))
		j := min(int(sy), sh-2)
		fy := int((sy-float64(j))*256 + 0.5)
		r0 := g.Pix[j*g.Stride:]
		r1 := g.Pix[(j+1)*g.Stride:]
		dst := out.Pix[y*out.Stride : y*out.Stride+dw]
		for x := range dst {
			i, fx := xi[x], xf[x]
			top := int(r0[i])*(256-fx) + int(r0[i+1])*fx
			bot := int(r1[i])*(256-fx) + int(r1[i+1])*fx
			dst[x] = uint8((top*(256-fy) + bot*fy + 1<<15) >> 16)
		}
	}
	return out
}

// median3 returns g filtered by a 3×3 median (edges replicated). Each
// column of three is sorted once and shared by the three windows that
// hold it; the median of nine is then the median of the columns' minimum
// maximum, median of medians and minimum of maxima.
func median3(g *image.Gray) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	lo, mid, hi := make([]uint8, w), make([]uint8, w), make([]uint8, w)
	for y := 0; y < h; y++ {
		r0 := g.Pix[max(y-1, 0)*g.Stride:]
		r1 := g.Pix[y*g.Stride:]
		r2 := g.Pix[min(y+1, h-1)*g.Stride:]
		for x := 0; x < w; x++ {
			a, b, c := r0[x], r1[x], r2[x]
			if a > b {
				a, b = b, a
			}
			if b > c {
				b, c = c, b
			}
			if a > b {
				a, b = b, a
			}
			lo[x], mid[x], hi[x] = a, b, c
		}
		dst := out.Pix[y*out.Stride : y*out.Stride+w]
		for x := 0; x < w; x++ {
			l, r := max(x-1, 0), min(x+1, w-1)
			maxLo := max(lo[l], lo[x], lo[r])
			minHi := min(hi[l], hi[x], hi[r])
			m0, m1, m2 := mid[l], mid[x], mid[r]
			medMid := max(min(m0, m1), min(max(m0, m1), m2))
			dst[x] = max(min(maxLo, medMid), min(max(maxLo, medMid), minHi))
		}
	}
	return out
}
