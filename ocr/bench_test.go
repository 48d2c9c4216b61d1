package ocr

import (
	"context"
	"image"
	"image/draw"
	"syscall"
	"testing"
	"time"

	"github.com/sohoa/sohoa/fixtures"
)

// a4Page renders a dense A4 page at 300 dpi: 40 lines of 12 pt body text.
func a4Page(b *testing.B) *image.Gray {
	b.Helper()
	var lines []string
	for i := 0; len(lines) < 40; i++ {
		lines = append(lines, testLines[i%len(testLines)]+" "+testLines[(i+3)%len(testLines)])
	}
	return renderPage(b, lines, 2480, 3508, 12).img
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRecognizeA4 measures one full page per op, by the format that
// carries the pixels to Leptonica; cpu-s/page is what the page costs the
// machine (with OMP_THREAD_LIMIT=1 it is close to wall time).
func BenchmarkRecognizeA4(b *testing.B) {
	page := a4Page(b)
	rgb := image.NewRGBA(page.Bounds())
	draw.Draw(rgb, rgb.Bounds(), page, image.Point{}, draw.Src)
	eng := newTestEngine(b)
	for _, img := range []struct {
		name string
		img  image.Image
	}{{"gray", page}, {"rgb", rgb}} {
		for _, f := range []struct {
			name   string
			format imageFormat
		}{{"raw", formatRaw}, {"pnm", formatPNM}, {"bmp", formatBMP}, {"png", formatPNG}} {
			b.Run(img.name+"/"+f.name, func(b *testing.B) {
				eng.format = f.format
				defer func() { eng.format = formatRaw }()
				start := cpuTime()
				for b.Loop() {
					if _, err := eng.RecognizeWithOptions(context.Background(), img.img, RecognizeOptions{DPI: 300}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/page")
			})
		}
	}
}

// BenchmarkEncodeA4 isolates the cost of preparing the pixels for
// Leptonica.
func BenchmarkEncodeA4(b *testing.B) {
	page := a4Page(b)
	rgb := image.NewRGBA(page.Bounds())
	draw.Draw(rgb, rgb.Bounds(), page, image.Point{}, draw.Src)
	for _, img := range []struct {
		name string
		img  image.Image
	}{{"gray", page}, {"rgb", rgb}} {
		for _, f := range []struct {
			name   string
			format imageFormat
		}{{"raw", formatRaw}, {"pnm", formatPNM}, {"bmp", formatBMP}, {"png", formatPNG}} {
			b.Run(img.name+"/"+f.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := encodeFor(img.img, f.format, 300); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDetectOrientationA4 measures orientation detection of a dense
// page turned upside down (OSD decides) and of a two-line page (OSD gives
// up, the four-way reading decides).
func BenchmarkDetectOrientationA4(b *testing.B) {
	eng := newTestEngine(b)
	dense := Rotate(a4Page(b), 180)
	sparse := Rotate(renderPage(b, testLines[:2], 2480, 3508, 14).img, 90)
	for _, c := range []struct {
		name string
		img  image.Image
		want int
	}{{"osd", dense, 180}, {"reading", sparse, 270}} {
		b.Run(c.name, func(b *testing.B) {
			start := cpuTime()
			for b.Loop() {
				rot, _, err := eng.DetectOrientation(context.Background(), c.img)
				if err != nil {
					b.Fatal(err)
				}
				if rot != c.want {
					b.Fatalf("rotate %d, want %d", rot, c.want)
				}
			}
			b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/page")
		})
	}
}

// BenchmarkProcessPage runs ProcessPage, as the pipeline does, on one
// rendered fixture page of each kind that costs differently: clean,
// skewed, upside down, sealed and low-resolution. Profile it with
//
//	go test -run '^$' -bench ProcessPage -benchtime 4x -cpuprofile cpu.out ./ocr
func BenchmarkProcessPage(b *testing.B) {
	r := newRenderer(b)
	eng := newTestEngine(b)
	ctx := context.Background()
	for i, v := range []fixtures.Variant{fixtures.VariantClean, fixtures.VariantSkew, fixtures.VariantRotate180, fixtures.VariantSeal, fixtures.VariantDPI200} {
		doc := renderDoc(b, r, 4242, i, v)
		b.Run(string(v), func(b *testing.B) {
			start := cpuTime()
			for b.Loop() {
				if _, err := ProcessPage(ctx, eng, doc.Pages[0], RecognizeOptions{DPI: doc.Doc.DPI}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/page")
		})
	}
}
