package metadata

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxLengths are the schema's maxLength limits of the extracted fields.
var maxLengths = map[string]int{
	FieldTypeName: 100, FieldCodeNumber: 11, FieldCodeNotation: 30,
	FieldPlace: 100, FieldOrganName: 200, FieldParentOrganName: 200,
	FieldSubject: 500, FieldSignerAuthority: 100, FieldSignerPosition: 100,
	FieldSignerFullName: 50,
}

// Document builds the metadata.json content of a document from what
// Extract read. docID, src and pages come from the pipeline; ocrInfo may
// be nil. The result satisfies document.schema.json when docID and the
// source hashes do: a value too long for the schema is dropped and
// flagged rather than cut, and status follows NeedsReview.
func (e Extraction) Document(docID string, src Source, pages int, ocrInfo *OCRInfo) Document {
	reasons := append([]string(nil), e.ReviewReasons...)
	conf := make(map[string]float64, len(e.Confidence))
	for k, v := range e.Confidence {
		conf[k] = clamp01(v)
	}
	values := map[string]*string{}
	d := Document{
		SchemaVersion:   SchemaVersion,
		DocID:           docID,
		TypeName:        e.TypeName,
		CodeNumber:      e.CodeNumber,
		CodeNotation:    e.CodeNotation,
		IssuedDate:      e.IssuedDate,
		Place:           e.Place,
		OrganName:       e.OrganName,
		ParentOrganName: e.ParentOrganName,
		Subject:         e.Subject,
		SignerAuthority: e.SignerAuthority,
		SignerPosition:  e.SignerPosition,
		SignerFullName:  e.SignerFullName,
		NumberOfPage:    pages,
		Language:        "vi",
		ConfidenceLevel: "02",
		FieldConfidence: conf,
		Source:          src,
		OCR:             ocrInfo,
	}
	values[FieldTypeName], values[FieldCodeNumber], values[FieldCodeNotation] = &d.TypeName, &d.CodeNumber, &d.CodeNotation
	values[FieldPlace], values[FieldOrganName], values[FieldParentOrganName] = &d.Place, &d.OrganName, &d.ParentOrganName
	values[FieldSubject], values[FieldSignerAuthority] = &d.Subject, &d.SignerAuthority
	values[FieldSignerPosition], values[FieldSignerFullName] = &d.SignerPosition, &d.SignerFullName
	for _, name := range fieldOrder {
		v, limit := values[name], maxLengths[name]
		if v == nil || limit == 0 {
			continue
		}
		*v = cleanText(*v)
		if n := utf8.RuneCountInString(*v); n > limit {
			reasons = append(reasons, fmt.Sprintf("%s: %d characters, more than the %d allowed", name, n, limit))
			*v = ""
			conf[name] = 0
		}
	}
	if d.NumberOfPage < 1 {
		reasons = append(reasons, fmt.Sprintf("numberOfPage: %d pages reported", pages))
		d.NumberOfPage = 1
	}
	if d.Source.Files == nil {
		d.Source.Files = []SourceFile{}
	}
	if len(e.Handwriting) > 0 {
		d.Autograph = strings.Join(e.Handwriting, "; ")
	}
	d.NeedsReview = e.NeedsReview || len(reasons) > 0
	if len(reasons) > 0 {
		d.ReviewReasons = reasons
	}
	d.Status = StatusDigitized
	if d.NeedsReview {
		d.Status = StatusNeedsReview
	}
	return d
}
