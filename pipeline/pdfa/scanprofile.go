package pdfa

// A scan's own colour profile. A scanner that tags its output (PNG iCCP,
// JPEG APP2 "ICC_PROFILE", TIFF InterColorProfile, a PDF's ICCBased space)
// says how its samples are to be read; labelling them DeviceRGB under the
// document's sRGB OutputIntent would show an Adobe RGB scan in the wrong
// colours. The image therefore keeps such a profile as an ICCBased colour
// space, one stream per distinct profile in a document. A profile that is
// unreadable, or that PDF/A-2 (ISO 19005-2, 6.2.4.2) would refuse, is
// dropped and the image stays Device colour under the OutputIntent: a bad
// tag never costs the page.

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/sohoa/sohoa/internal/icc"
)

// checkScanProfile reports why profile cannot be the colour space of an
// image of components (1 or 3) samples in a PDF/A-2 or -3 file, or nil.
// Besides what veraPDF checks (device class, colour space, version below
// 5), the header must give the data's length and the tag table must lie
// inside the data and hold the tags that map the samples to the profile
// connection space, so that a reader can actually use the profile.
func checkScanProfile(profile []byte, components int) error {
	if len(profile) < icc.HeaderSize+4 {
		return fmt.Errorf("%d bytes are shorter than an ICC header", len(profile))
	}
	if size := binary.BigEndian.Uint32(profile); uint64(size) != uint64(len(profile)) {
		return fmt.Errorf("header gives %d bytes, the profile has %d", size, len(profile))
	}
	if string(profile[36:40]) != "acsp" {
		return errors.New("no 'acsp' signature")
	}
	if major := profile[8]; major < 2 || major > 4 {
		return fmt.Errorf("ICC version %d.%d (PDF/A takes 2 to 4)", major, profile[9]>>4)
	}
	switch class := string(profile[12:16]); class {
	case "scnr", "mntr", "spac", "prtr": // input, display, colour space, output
	default:
		return fmt.Errorf("device class %q is not one a PDF colour space may use", class)
	}
	var space string
	switch components {
	case 1:
		space = "GRAY"
	case 3:
		space = "RGB "
	default:
		return fmt.Errorf("no profile for %d components", components)
	}
	if got := string(profile[16:20]); got != space {
		return fmt.Errorf("profile colour space %q for an image of %d components", got, components)
	}
	if pcs := string(profile[20:24]); pcs != "XYZ " && pcs != "Lab " {
		return fmt.Errorf("connection space %q", pcs)
	}
	count := uint64(binary.BigEndian.Uint32(profile[icc.HeaderSize:]))
	if count > uint64(len(profile)-icc.HeaderSize-4)/12 {
		return fmt.Errorf("tag table of %d entries runs past the profile", count)
	}
	tags := make(map[string]bool, count)
	for i := range int(count) {
		e := profile[icc.HeaderSize+4+12*i:]
		off, size := uint64(binary.BigEndian.Uint32(e[4:])), uint64(binary.BigEndian.Uint32(e[8:]))
		if off < icc.HeaderSize || off+size > uint64(len(profile)) {
			return fmt.Errorf("tag %q lies outside the profile", e[:4])
		}
		tags[string(e[:4])] = true
	}
	if tags["A2B0"] {
		return nil // a lookup table maps the samples
	}
	need := []string{"kTRC"}
	if components == 3 {
		need = []string{"rXYZ", "gXYZ", "bXYZ", "rTRC", "gTRC", "bTRC"}
	}
	for _, t := range need {
		if !tags[t] {
			return fmt.Errorf("neither A2B0 nor %s: the samples have no colorimetry", t)
		}
	}
	return nil
}

// pngProfile decompresses the body of an iCCP chunk: a profile name of 1 to
// 79 bytes, a NUL, compression method 0 and a zlib stream.
func pngProfile(iccp []byte) ([]byte, error) {
	nul := bytes.IndexByte(iccp, 0)
	if nul < 1 || nul > 79 || nul+2 > len(iccp) {
		return nil, errors.New("bad iCCP profile name")
	}
	if iccp[nul+1] != 0 {
		return nil, fmt.Errorf("iCCP compression method %d", iccp[nul+1])
	}
	zr, err := zlib.NewReader(bytes.NewReader(iccp[nul+2:]))
	if err != nil {
		return nil, fmt.Errorf("iCCP: %w", err)
	}
	// Reading to the end checks the Adler-32 sum: a damaged stream fails.
	profile, err := io.ReadAll(io.LimitReader(zr, icc.MaxSourceProfile+1))
	if err != nil {
		return nil, fmt.Errorf("iCCP: %w", err)
	}
	if len(profile) > icc.MaxSourceProfile {
		return nil, fmt.Errorf("iCCP profile over %d bytes", icc.MaxSourceProfile)
	}
	return profile, nil
}

// jpegProfileMarker starts the payload of an APP2 segment holding a part of
// an ICC profile; a sequence number (from 1) and the count of parts follow.
const jpegProfileMarker = "ICC_PROFILE\x00"

// jpegProfile reassembles the ICC profile carried in a JPEG's APP2
// segments before the first scan. It returns nil and no error when there is
// none, and an error when the parts are inconsistent or incomplete.
func jpegProfile(data []byte) ([]byte, error) {
	if len(data) < 2 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, errors.New("not a JPEG")
	}
	var parts [][]byte // by sequence number - 1
	for i := 2; ; {
		if i >= len(data) || data[i] != 0xFF {
			return nil, errors.New("truncated or damaged JPEG header")
		}
		for i < len(data) && data[i] == 0xFF { // fill bytes
			i++
		}
		if i >= len(data) {
			return nil, errors.New("truncated JPEG header")
		}
		marker := data[i]
		i++
		if marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) {
			continue // markers without a length
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			break
		}
		if i+2 > len(data) {
			return nil, errors.New("truncated JPEG segment")
		}
		n := int(binary.BigEndian.Uint16(data[i:]))
		if n < 2 || i+n > len(data) {
			return nil, fmt.Errorf("JPEG segment %#x of %d bytes runs past the data", marker, n)
		}
		seg := data[i+2 : i+n]
		i += n
		if marker != 0xE2 || !bytes.HasPrefix(seg, []byte(jpegProfileMarker)) {
			continue
		}
		if len(seg) < len(jpegProfileMarker)+2 {
			return nil, errors.New("ICC_PROFILE segment without sequence numbers")
		}
		seq, count := int(seg[len(jpegProfileMarker)]), int(seg[len(jpegProfileMarker)+1])
		switch {
		case count == 0 || seq == 0 || seq > count:
			return nil, fmt.Errorf("ICC_PROFILE part %d of %d", seq, count)
		case parts == nil:
			parts = make([][]byte, count)
		case len(parts) != count:
			return nil, fmt.Errorf("ICC_PROFILE parts say %d and %d parts", len(parts), count)
		}
		if parts[seq-1] != nil {
			return nil, fmt.Errorf("ICC_PROFILE part %d given twice", seq)
		}
		parts[seq-1] = seg[len(jpegProfileMarker)+2:]
	}
	if parts == nil {
		return nil, nil
	}
	var profile []byte
	for k, part := range parts {
		if part == nil {
			return nil, fmt.Errorf("ICC_PROFILE part %d of %d is missing", k+1, len(parts))
		}
		profile = append(profile, part...)
	}
	return profile, nil
}

// usableProfile returns the first of candidates that can be the colour
// space of an image of components samples (checkScanProfile), or nil.
func usableProfile(components int, candidates ...[]byte) []byte {
	for _, profile := range candidates {
		if profile != nil && checkScanProfile(profile, components) == nil {
			return profile
		}
	}
	return nil
}

// profileStreams writes the scan profiles of one document, each distinct
// profile once: every page of a batch from one scanner carries the same one.
type profileStreams struct {
	objs *objectWriter
	nums map[[sha256.Size]byte]int // object number by SHA-256 of the profile
}

// colorSpace returns the colour space of an image of components samples
// tagged with profile: [/ICCBased …] when the profile passes
// checkScanProfile, device (the colour space without it) otherwise,
// including when profile is nil. Only a failed write is an error.
func (s *profileStreams) colorSpace(profile []byte, components int, device string) (string, error) {
	if profile == nil || checkScanProfile(profile, components) != nil {
		return device, nil
	}
	key := sha256.Sum256(profile)
	num, ok := s.nums[key]
	if !ok {
		num = s.objs.reserve()
		d := (&dict{}).set("N", strconv.Itoa(components)).set("Filter", "/FlateDecode")
		if err := s.objs.stream(num, d, flate(profile)); err != nil {
			return "", fmt.Errorf("write ICC profile: %w", err)
		}
		if s.nums == nil {
			s.nums = map[[sha256.Size]byte]int{}
		}
		s.nums[key] = num
	}
	return array("/ICCBased", ref(num)), nil
}
