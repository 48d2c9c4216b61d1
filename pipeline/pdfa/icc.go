package pdfa

// PDF/A needs an OutputIntent with an ICC profile for device colour. We
// generate a small ICC v2 display profile for sRGB (IEC 61966-2.1) here
// rather than ship someone's profile bytes: the sRGB primaries adapted to the
// D50 profile connection space (the published Bradford-adapted values) and
// the sRGB tone curve sampled at 1024 points.

import "math"

const (
	outputConditionID = "sRGB IEC61966-2.1"
	iccDescription    = "sohoa sRGB IEC61966-2.1"
	iccCopyright      = "No copyright, use freely"
	iccCurvePoints    = 1024
)

// s15Fixed16 encodes a number as ICC s15Fixed16Number.
func s15Fixed16(v float64) uint32 { return uint32(int32(math.Round(v * 65536))) }

// srgbToLinear is the sRGB electro-optical transfer function.
func srgbToLinear(v float64) float64 {
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

func iccXYZ(x, y, z float64) []byte {
	var b be
	b.tag("XYZ ")
	b.u32(0)
	b.u32(s15Fixed16(x))
	b.u32(s15Fixed16(y))
	b.u32(s15Fixed16(z))
	return b.Bytes()
}

// iccTextDescription is the v2 'desc' tag: ASCII, with empty Unicode and
// ScriptCode parts.
func iccTextDescription(s string) []byte {
	var b be
	b.tag("desc")
	b.u32(0)
	b.u32(uint32(len(s) + 1))
	b.WriteString(s)
	b.u8(0)
	b.u32(0)                  // Unicode language code
	b.u32(0)                  // Unicode count
	b.u16(0)                  // ScriptCode code
	b.u8(0)                   // ScriptCode count
	b.Write(make([]byte, 67)) // ScriptCode string
	return b.Bytes()
}

func iccText(s string) []byte {
	var b be
	b.tag("text")
	b.u32(0)
	b.WriteString(s)
	b.u8(0)
	return b.Bytes()
}

func iccCurve() []byte {
	var b be
	b.tag("curv")
	b.u32(0)
	b.u32(iccCurvePoints)
	for i := range iccCurvePoints {
		v := srgbToLinear(float64(i) / (iccCurvePoints - 1))
		b.u16(uint16(math.Round(v * 65535)))
	}
	return b.Bytes()
}

// iccSpec describes a v2 matrix/TRC profile: RGB when it has colorants,
// grey otherwise.
type iccSpec struct {
	class       string // device class: "mntr", "scnr", ...
	description string
	colorants   *[3][3]float64 // XYZ (D50) of the red, green and blue primaries
	curve       []byte         // the tone curve tag, shared by every channel
}

// srgbColorants are the sRGB primaries adapted to D50 (Bradford).
var srgbColorants = [3][3]float64{
	{0.4360747, 0.2225045, 0.0139322},
	{0.3850649, 0.7168786, 0.0971045},
	{0.1430804, 0.0606169, 0.7141733},
}

// buildSRGBProfile returns the bytes of the document's sRGB profile.
func buildSRGBProfile() []byte {
	return buildICCProfile(iccSpec{class: "mntr", description: iccDescription, colorants: &srgbColorants, curve: iccCurve()})
}

// buildICCProfile lays out the header, tag table and tags of s.
func buildICCProfile(s iccSpec) []byte {
	type tag struct {
		sig  string
		data []byte
	}
	tags := []tag{
		{"desc", iccTextDescription(s.description)},
		{"cprt", iccText(iccCopyright)},
		{"wtpt", iccXYZ(0.9642, 1.0, 0.8249)}, // D50, as v2 display profiles give it
	}
	space := "GRAY"
	if c := s.colorants; c != nil {
		space = "RGB "
		tags = append(tags,
			tag{"rXYZ", iccXYZ(c[0][0], c[0][1], c[0][2])},
			tag{"gXYZ", iccXYZ(c[1][0], c[1][1], c[1][2])},
			tag{"bXYZ", iccXYZ(c[2][0], c[2][1], c[2][2])},
			tag{"rTRC", s.curve}, tag{"gTRC", s.curve}, tag{"bTRC", s.curve})
	} else {
		tags = append(tags, tag{"kTRC", s.curve})
	}
	// Lay out tag data after the header and tag table; the curves share
	// one copy.
	offset := 128 + 4 + 12*len(tags)
	type entry struct{ off, size int }
	entries := make([]entry, len(tags))
	var data be
	curveAt := -1
	for i, t := range tags {
		if t.sig[1:] == "TRC" && curveAt >= 0 {
			entries[i] = entry{curveAt, len(t.data)}
			continue
		}
		entries[i] = entry{offset + data.Len(), len(t.data)}
		if t.sig[1:] == "TRC" {
			curveAt = entries[i].off
		}
		data.Write(t.data)
		data.Write(make([]byte, (4-data.Len()%4)%4))
	}
	size := offset + data.Len()

	var b be
	b.u32(uint32(size))
	b.u32(0)          // preferred CMM
	b.u32(0x02100000) // version 2.1
	b.tag(s.class)
	b.tag(space)
	b.tag("XYZ ")
	for _, v := range []uint16{2025, 1, 1, 0, 0, 0} { // fixed creation date
		b.u16(v)
	}
	b.tag("acsp")
	b.u32(0) // primary platform
	b.u32(0) // flags
	b.u32(0) // manufacturer
	b.u32(0) // model
	b.u32(0) // attributes
	b.u32(0)
	b.u32(0) // rendering intent: perceptual
	b.u32(s15Fixed16(0.9642))
	b.u32(s15Fixed16(1.0))
	b.u32(s15Fixed16(0.8249))
	b.u32(0)                  // creator
	b.Write(make([]byte, 44)) // reserved
	b.u32(uint32(len(tags)))
	for i, t := range tags {
		b.tag(t.sig)
		b.u32(uint32(entries[i].off))
		b.u32(uint32(entries[i].size))
	}
	b.Write(data.Bytes())
	out := b.Bytes()
	if len(out) != size {
		panic("pdfa: ICC profile layout is inconsistent") // a bug in this file, not bad input
	}
	return out
}

// writeOutputIntent writes the ICC profile stream and the PDF/A OutputIntent.
func (w *Writer) writeOutputIntent() error {
	o := &w.objs
	profileNum := o.reserve()
	if err := o.stream(profileNum, (&dict{}).set("N", "3").set("Filter", "/FlateDecode"), flate(buildSRGBProfile())); err != nil {
		return err
	}
	w.outputIntentNum = o.reserve()
	return o.object(w.outputIntentNum, (&dict{}).set("Type", "/OutputIntent").set("S", "/GTS_PDFA1").
		set("OutputConditionIdentifier", literalString(outputConditionID)).
		set("RegistryName", literalString("http://www.color.org")).
		set("Info", literalString(iccDescription)).
		set("DestOutputProfile", ref(profileNum)).String())
}
