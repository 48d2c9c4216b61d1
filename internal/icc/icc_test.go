package icc

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"testing"
)

// TestSRGBUnchanged pins the sRGB profile's bytes: every PDF/A sohoa has
// written carries them in its OutputIntent, so a change here is a change
// to the archive's output and must be deliberate. The digest is that of
// the profile pipeline/pdfa wrote before the builder moved here.
func TestSRGBUnchanged(t *testing.T) {
	const want = "86ab27816811324fe493856efbf07938419ea6c154690aeacf99ca33d6e1e1dd"
	p := SRGB()
	sum := sha256.Sum256(p)
	if got := hex.EncodeToString(sum[:]); got != want || len(p) != 2532 {
		t.Errorf("sRGB profile: %d bytes, SHA-256 %s; want 2532 bytes, %s", len(p), got, want)
	}
}

// parsed is what a reader needs of a profile: header fields and tags.
type parsed struct {
	size         uint32
	class, space string
	tags         map[string][]byte
	offsets      map[string]uint32
}

func parse(t *testing.T, p []byte) parsed {
	t.Helper()
	be := binary.BigEndian
	if len(p) < HeaderSize+4 || string(p[36:40]) != "acsp" {
		t.Fatalf("not an ICC profile (%d bytes)", len(p))
	}
	out := parsed{size: be.Uint32(p), class: string(p[12:16]), space: string(p[16:20]),
		tags: map[string][]byte{}, offsets: map[string]uint32{}}
	if int(out.size) != len(p) {
		t.Errorf("header size %d, profile %d bytes", out.size, len(p))
	}
	if string(p[20:24]) != "XYZ " || be.Uint32(p[8:]) != 0x02100000 {
		t.Errorf("connection space %q, version %08x; want XYZ, 2.1", p[20:24], be.Uint32(p[8:]))
	}
	n := int(be.Uint32(p[HeaderSize:]))
	for i := range n {
		rec := HeaderSize + 4 + 12*i
		if rec+12 > len(p) {
			t.Fatalf("tag table runs past the end")
		}
		sig, off, size := string(p[rec:rec+4]), be.Uint32(p[rec+4:]), be.Uint32(p[rec+8:])
		if off%4 != 0 || int(off+size) > len(p) {
			t.Fatalf("tag %s at %d+%d: unaligned or past the end", sig, off, size)
		}
		out.tags[sig], out.offsets[sig] = p[off:off+size], off
	}
	return out
}

func s15(b []byte) float64 { return float64(int32(binary.BigEndian.Uint32(b))) / 65536 }

func TestBuild(t *testing.T) {
	adobe := AdobeRGBPrimaries()
	cases := []struct {
		name      string
		spec      Spec
		space     string
		tags      []string
		primaries *Primaries
		gamma     float64 // 0: a table
	}{
		{"RGB input, gamma", Spec{Class: ClassInput, Description: "scanner", Primaries: &adobe, Gamma: 2.2},
			"RGB ", []string{"desc", "cprt", "wtpt", "rXYZ", "gXYZ", "bXYZ", "rTRC", "gTRC", "bTRC"}, &adobe, 2.2},
		{"grey display, gamma", Spec{Class: ClassDisplay, Description: "grey", Gamma: 1.8},
			"GRAY", []string{"desc", "cprt", "wtpt", "kTRC"}, nil, 1.8},
		{"grey, table", Spec{Class: ClassDisplay, Description: "grey table", ToneCurve: []uint16{0, 30000, 65535}},
			"GRAY", []string{"desc", "cprt", "wtpt", "kTRC"}, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := parse(t, Build(tc.spec))
			if p.class != tc.spec.Class || p.space != tc.space {
				t.Errorf("class %q space %q, want %q %q", p.class, p.space, tc.spec.Class, tc.space)
			}
			if len(p.tags) != len(tc.tags) {
				t.Errorf("%d tags, want %v", len(p.tags), tc.tags)
			}
			for _, sig := range tc.tags {
				if p.tags[sig] == nil {
					t.Errorf("tag %s missing", sig)
				}
			}
			if desc := p.tags["desc"]; len(desc) < 12 || string(desc[12:12+len(tc.spec.Description)]) != tc.spec.Description {
				t.Errorf("desc tag %q does not hold %q", desc, tc.spec.Description)
			}
			if pr := tc.primaries; pr != nil {
				for sig, want := range map[string]XYZ{"rXYZ": pr.Red, "gXYZ": pr.Green, "bXYZ": pr.Blue} {
					b := p.tags[sig]
					if got := (XYZ{s15(b[8:]), s15(b[12:]), s15(b[16:])}); math.Abs(got.X-want.X)+math.Abs(got.Y-want.Y)+math.Abs(got.Z-want.Z) > 1e-4 {
						t.Errorf("%s = %v, want %v", sig, got, want)
					}
				}
				if p.offsets["rTRC"] != p.offsets["gTRC"] || p.offsets["rTRC"] != p.offsets["bTRC"] {
					t.Errorf("the three curves are not one copy: %v", p.offsets)
				}
			}
			curve := p.tags[map[bool]string{true: "rTRC", false: "kTRC"}[tc.primaries != nil]]
			count := binary.BigEndian.Uint32(curve[8:])
			switch {
			case tc.gamma > 0:
				if got := float64(binary.BigEndian.Uint16(curve[12:])) / 256; count != 1 || math.Abs(got-tc.gamma) > 1.0/256 {
					t.Errorf("curve: %d entries, gamma %.3f; want one entry, %.3f", count, got, tc.gamma)
				}
			default:
				if int(count) != len(tc.spec.ToneCurve) || binary.BigEndian.Uint16(curve[12+2:]) != tc.spec.ToneCurve[1] {
					t.Errorf("curve: %d entries, want the table %v", count, tc.spec.ToneCurve)
				}
			}
		})
	}
}

func TestSRGBToneCurve(t *testing.T) {
	p := parse(t, SRGB())
	if p.class != ClassDisplay || p.space != "RGB " {
		t.Fatalf("class %q space %q", p.class, p.space)
	}
	curve := p.tags["rTRC"]
	n := int(binary.BigEndian.Uint32(curve[8:]))
	at := func(i int) float64 { return float64(binary.BigEndian.Uint16(curve[12+2*i:])) / 65535 }
	// sRGB's mid-grey (input 0.5) is 21.4% of the light of white.
	if n != srgbCurvePoints || at(0) != 0 || at(n-1) != 1 || math.Abs(at(n/2)-0.214) > 0.002 {
		t.Errorf("curve of %d points, %.3f..%.3f, mid %.3f; want 1024, 0..1, ≈ 0.214", n, at(0), at(n-1), at(n/2))
	}
}

func TestBuildRefusesBadSpecs(t *testing.T) {
	cases := []struct {
		name string
		spec Spec
	}{
		{"class of three letters", Spec{Class: "mnt", Gamma: 2.2}},
		{"no tone curve", Spec{Class: ClassDisplay}},
		{"a one-entry table", Spec{Class: ClassDisplay, ToneCurve: []uint16{5}}},
		{"non-ASCII description", Spec{Class: ClassDisplay, Gamma: 2.2, Description: "máy quét"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Build did not panic")
				}
			}()
			Build(tc.spec)
		})
	}
}
