// Package icc writes small ICC version 2 colour profiles of the
// matrix/TRC kind: an RGB profile (three primaries and a tone curve) or a
// grey one (a tone curve alone).
//
// sohoa writes its own profiles rather than ship someone else's bytes: the
// PDF/A writer needs an sRGB profile for its OutputIntent (SRGB), and the
// tests and fixtures need scanner profiles that differ from sRGB (Build).
// The bytes are deterministic: the same Spec always gives the same profile.
package icc

import (
	"encoding/binary"
	"math"
)

// Device classes a Spec may name (ICC.1 header field "profile/device
// class").
const (
	// ClassDisplay ('mntr') is a monitor profile; sRGB is one.
	ClassDisplay = "mntr"
	// ClassInput ('scnr') is an input device's profile, as scanners write.
	ClassInput = "scnr"
)

// HeaderSize is the fixed header every ICC profile starts with; the tag
// count follows it.
const HeaderSize = 128

// MaxSourceProfile bounds the size of a profile sohoa takes from a scan:
// far above any scanner's LUT profile, and a guard against a zlib bomb in
// a PNG iCCP chunk or a PDF profile stream.
const MaxSourceProfile = 16 << 20

// SRGBDescription is the description SRGB writes in its 'desc' tag.
const SRGBDescription = "sohoa sRGB IEC61966-2.1"

const (
	copyright = "No copyright, use freely"
	// srgbCurvePoints samples the sRGB tone curve finely enough that the
	// table's steps stay below one 8-bit level.
	srgbCurvePoints = 1024
)

// XYZ is a CIE XYZ colour relative to the profile connection space's D50
// illuminant.
type XYZ struct{ X, Y, Z float64 }

// The white of the profile connection space, D50.
const d50X, d50Y, d50Z = 0.9642, 1.0, 0.8249

// Primaries are the XYZ (D50) colorants of an RGB device's red, green and
// blue.
type Primaries struct{ Red, Green, Blue XYZ }

// SRGBPrimaries are the sRGB (IEC 61966-2.1) primaries adapted to D50 with
// the Bradford transform, as published.
func SRGBPrimaries() Primaries {
	return Primaries{
		Red:   XYZ{0.4360747, 0.2225045, 0.0139322},
		Green: XYZ{0.3850649, 0.7168786, 0.0971045},
		Blue:  XYZ{0.1430804, 0.0606169, 0.7141733},
	}
}

// AdobeRGBPrimaries are the Adobe RGB (1998) primaries adapted to D50
// (Bradford): a wider gamut than sRGB, far enough from it that reading one
// as the other shows, particularly in saturated reds and greens.
func AdobeRGBPrimaries() Primaries {
	return Primaries{
		Red:   XYZ{0.6097559, 0.3111242, 0.0194811},
		Green: XYZ{0.2052401, 0.6256560, 0.0608902},
		Blue:  XYZ{0.1492240, 0.0632197, 0.7448387},
	}
}

// Spec describes a profile for Build. The media white point is D50, as
// version 2 display profiles give it.
type Spec struct {
	// Class is the four-character device class: ClassDisplay, ClassInput
	// or another ICC class signature.
	Class string
	// Description is the profile's name (ASCII) in its 'desc' tag.
	Description string
	// Primaries makes an RGB profile; nil makes a grey one.
	Primaries *Primaries
	// Gamma is the tone curve as a pure power law (stored to 1/256), used
	// when ToneCurve is nil.
	Gamma float64
	// ToneCurve, when it has two entries or more, is the tone curve
	// sampled at evenly spaced inputs from 0 to 1, outputs scaled to
	// 0..65535. Every channel shares the one curve.
	ToneCurve []uint16
}

// SRGB returns sohoa's sRGB display profile: the sRGB primaries and the
// sRGB tone curve sampled at 1024 points, described as SRGBDescription.
func SRGB() []byte {
	curve := make([]uint16, srgbCurvePoints)
	for i := range curve {
		curve[i] = uint16(math.Round(srgbToLinear(float64(i)/(srgbCurvePoints-1)) * 65535))
	}
	p := SRGBPrimaries()
	return Build(Spec{Class: ClassDisplay, Description: SRGBDescription, Primaries: &p, ToneCurve: curve})
}

// srgbToLinear is the sRGB electro-optical transfer function.
func srgbToLinear(v float64) float64 {
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

// Build lays out the header, tag table and tags of the profile s
// describes: 'desc', 'cprt', 'wtpt', then rXYZ, gXYZ, bXYZ and the three
// TRCs of an RGB profile, or the kTRC of a grey one; the TRCs share one
// copy of the curve. It panics when s is not a profile it can write (a
// class that is not four characters, no tone curve, a non-ASCII
// description): those are mistakes in the caller's code, not input.
func Build(s Spec) []byte {
	if len(s.Class) != 4 {
		panic("icc: device class " + s.Class + " is not four characters")
	}
	for _, r := range s.Description {
		if r >= 0x80 {
			panic("icc: description " + s.Description + " is not ASCII")
		}
	}
	curve := toneCurve(s)
	type tag struct {
		sig  string
		data []byte
	}
	tags := []tag{
		{"desc", textDescription(s.Description)},
		{"cprt", text(copyright)},
		{"wtpt", xyzTag(XYZ{d50X, d50Y, d50Z})},
	}
	space := "GRAY"
	if p := s.Primaries; p != nil {
		space = "RGB "
		tags = append(tags,
			tag{"rXYZ", xyzTag(p.Red)}, tag{"gXYZ", xyzTag(p.Green)}, tag{"bXYZ", xyzTag(p.Blue)},
			tag{"rTRC", curve}, tag{"gTRC", curve}, tag{"bTRC", curve})
	} else {
		tags = append(tags, tag{"kTRC", curve})
	}
	// Tag data follows the header and tag table, each tag on a 4-byte
	// boundary; the curves point at one copy.
	offset := HeaderSize + 4 + 12*len(tags)
	type entry struct{ off, size int }
	entries := make([]entry, len(tags))
	var data []byte
	curveAt := -1
	for i, t := range tags {
		isCurve := t.sig[1:] == "TRC"
		if isCurve && curveAt >= 0 {
			entries[i] = entry{curveAt, len(t.data)}
			continue
		}
		entries[i] = entry{offset + len(data), len(t.data)}
		if isCurve {
			curveAt = entries[i].off
		}
		data = append(data, t.data...)
		data = append(data, make([]byte, (4-len(data)%4)%4)...)
	}
	size := offset + len(data)

	be := binary.BigEndian
	out := make([]byte, 0, size)
	out = be.AppendUint32(out, uint32(size))
	out = be.AppendUint32(out, 0)          // preferred CMM
	out = be.AppendUint32(out, 0x02100000) // version 2.1
	out = append(out, s.Class...)
	out = append(out, space...)
	out = append(out, "XYZ "...)
	for _, v := range []uint16{2025, 1, 1, 0, 0, 0} { // fixed creation date: the bytes stay deterministic
		out = be.AppendUint16(out, v)
	}
	out = append(out, "acsp"...)
	out = be.AppendUint32(out, 0)               // primary platform
	out = be.AppendUint32(out, 0)               // flags
	out = be.AppendUint32(out, 0)               // manufacturer
	out = be.AppendUint32(out, 0)               // model
	out = be.AppendUint64(out, 0)               // attributes
	out = be.AppendUint32(out, 0)               // rendering intent: perceptual
	out = appendXYZ(out, XYZ{d50X, d50Y, d50Z}) // the connection space's illuminant
	out = be.AppendUint32(out, 0)               // creator
	out = append(out, make([]byte, 44)...)
	out = be.AppendUint32(out, uint32(len(tags)))
	for i, t := range tags {
		out = append(out, t.sig...)
		out = be.AppendUint32(out, uint32(entries[i].off))
		out = be.AppendUint32(out, uint32(entries[i].size))
	}
	out = append(out, data...)
	if len(out) != size {
		panic("icc: profile layout is inconsistent") // a bug in this file, not bad input
	}
	return out
}

// toneCurve is the 'curv' tag of s: a table, or one u8Fixed8 gamma.
func toneCurve(s Spec) []byte {
	be := binary.BigEndian
	out := append([]byte("curv"), 0, 0, 0, 0)
	switch {
	case len(s.ToneCurve) >= 2:
		out = be.AppendUint32(out, uint32(len(s.ToneCurve)))
		for _, v := range s.ToneCurve {
			out = be.AppendUint16(out, v)
		}
	case s.Gamma > 0 && s.Gamma < 256:
		out = be.AppendUint32(out, 1)
		out = be.AppendUint16(out, uint16(s.Gamma*256+0.5))
	default:
		panic("icc: the spec has no tone curve (Gamma in (0, 256) or a ToneCurve of two entries or more)")
	}
	return out
}

// s15Fixed16 encodes a number as ICC s15Fixed16Number.
func s15Fixed16(v float64) uint32 { return uint32(int32(math.Round(v * 65536))) }

func appendXYZ(out []byte, c XYZ) []byte {
	be := binary.BigEndian
	out = be.AppendUint32(out, s15Fixed16(c.X))
	out = be.AppendUint32(out, s15Fixed16(c.Y))
	return be.AppendUint32(out, s15Fixed16(c.Z))
}

func xyzTag(c XYZ) []byte {
	return appendXYZ(append([]byte("XYZ "), 0, 0, 0, 0), c)
}

// textDescription is the version 2 'desc' tag: ASCII, with empty Unicode
// and ScriptCode parts.
func textDescription(s string) []byte {
	be := binary.BigEndian
	out := append([]byte("desc"), 0, 0, 0, 0)
	out = be.AppendUint32(out, uint32(len(s)+1))
	out = append(out, s...)
	out = append(out, 0)
	out = be.AppendUint32(out, 0)           // Unicode language code
	out = be.AppendUint32(out, 0)           // Unicode count
	out = be.AppendUint16(out, 0)           // ScriptCode code
	out = append(out, 0)                    // ScriptCode count
	return append(out, make([]byte, 67)...) // ScriptCode string
}

func text(s string) []byte {
	out := append([]byte("text"), 0, 0, 0, 0)
	out = append(out, s...)
	return append(out, 0)
}
