package pdfa

// PDF/A needs an OutputIntent with an ICC profile for device colour: the
// sRGB display profile internal/icc writes (the sRGB primaries adapted to
// D50 and the sRGB tone curve), rather than someone else's profile bytes.

import "github.com/sohoa/sohoa/internal/icc"

// outputConditionID names the OutputIntent's condition.
const outputConditionID = "sRGB IEC61966-2.1"

// writeOutputIntent writes the ICC profile stream and the PDF/A OutputIntent.
func (w *Writer) writeOutputIntent() error {
	o := &w.objs
	profileNum := o.reserve()
	if err := o.stream(profileNum, (&dict{}).set("N", "3").set("Filter", "/FlateDecode"), flate(icc.SRGB())); err != nil {
		return err
	}
	w.outputIntentNum = o.reserve()
	return o.object(w.outputIntentNum, (&dict{}).set("Type", "/OutputIntent").set("S", "/GTS_PDFA1").
		set("OutputConditionIdentifier", literalString(outputConditionID)).
		set("RegistryName", literalString("http://www.color.org")).
		set("Info", literalString(icc.SRGBDescription)).
		set("DestOutputProfile", ref(profileNum)).String())
}
