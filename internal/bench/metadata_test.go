package bench

import (
	"errors"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/fixtures"
	"github.com/sohoa/sohoa/metadata"
	"github.com/sohoa/sohoa/ocr"
)

func TestJudge(t *testing.T) {
	truth := fixtures.Document{ID: "doc-0001", Fields: fixtures.Fields{
		CodeNumber: "15", TypeName: "Quyết định", Subject: "Về việc  ban hành", IssuedDate: "2020-04-08",
	}, Variants: []fixtures.Variant{fixtures.VariantClean}}
	hand := truth
	hand.HandwrittenNumber, hand.Variants = true, []fixtures.Variant{fixtures.VariantHandwrittenNumber}
	tests := []struct {
		name  string
		truth fixtures.Document
		got   metadata.Document
		err   error
		field string
		want  Verdict
	}{
		{"equal", truth, metadata.Document{CodeNumber: "15"}, nil, metadata.FieldCodeNumber, Correct},
		{"case and spaces folded", truth, metadata.Document{Subject: "VỀ VIỆC BAN\tHÀNH"}, nil, metadata.FieldSubject, Correct},
		{"NFD equals NFC", truth, metadata.Document{TypeName: "Quye\u0302\u0301t đi\u0323nh"}, nil, metadata.FieldTypeName, Correct},
		{"wrong, flagged", truth, metadata.Document{CodeNumber: "16", ReviewReasons: []string{"codeNumber: low OCR confidence"}}, nil, metadata.FieldCodeNumber, WrongFlagged},
		{"wrong, another field flagged", truth, metadata.Document{CodeNumber: "16", ReviewReasons: []string{"codeNotation: garbled"}}, nil, metadata.FieldCodeNumber, WrongUnflagged},
		{"missing, flagged", truth, metadata.Document{ReviewReasons: []string{"codeNumber: not found"}}, nil, metadata.FieldCodeNumber, WrongFlagged},
		{"handwritten, empty and flagged", hand, metadata.Document{ReviewReasons: []string{"codeNumber: no printed number"}}, nil, metadata.FieldCodeNumber, Correct},
		{"handwritten, right and flagged", hand, metadata.Document{CodeNumber: "15", ReviewReasons: []string{"codeNumber: handwritten"}}, nil, metadata.FieldCodeNumber, Correct},
		{"handwritten, right but not flagged", hand, metadata.Document{CodeNumber: "15"}, nil, metadata.FieldCodeNumber, WrongUnflagged},
		{"handwritten, wrong and flagged", hand, metadata.Document{CodeNumber: "75", ReviewReasons: []string{"codeNumber: handwritten"}}, nil, metadata.FieldCodeNumber, WrongFlagged},
		{"failed document", truth, metadata.Document{}, errors.New("corrupt"), metadata.FieldTypeName, WrongUnflagged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Judge(MetaCase{Truth: tt.truth, Got: tt.got, Err: tt.err}, tt.field); got != tt.want {
				t.Errorf("Judge = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestScoreMetadataTable(t *testing.T) {
	truth := fixtures.Document{ID: "d1", Fields: fixtures.Fields{CodeNumber: "15", CodeNotation: "QĐ-UBND"},
		Variants: []fixtures.Variant{fixtures.VariantHandwrittenNumber}, HandwrittenNumber: true}
	cases := []MetaCase{
		// The number read although handwritten, not flagged: wrong.
		{Truth: truth, Got: metadata.Document{CodeNumber: "15", CodeNotation: "QĐ-UBND"}},
	}
	s := ScoreMetadata(cases)
	if s.Docs != 1 || s.HandDocs != 1 || s.Values != len(MetadataFields) {
		t.Fatalf("counts: %+v", s)
	}
	if s.Unflagged != 1 || s.HandUnflagged != 1 {
		t.Errorf("unflagged = %d (hand %d), want 1 (1)", s.Unflagged, s.HandUnflagged)
	}
	var b strings.Builder
	if err := s.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| codeNumber | 0.0 % | 0 | 1 |", "| codeNotation | 100.0 % | 0 | 0 |", "| codeNumber+codeNotation | 0.0 % | 0 | 1 |", "| handwritten-number | 1 |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

func TestOCRCacheRoundTrip(t *testing.T) {
	c := OCRCache{Dir: t.TempDir(), Key: "k1"}
	if _, ok, err := c.Load("doc-0001"); ok || err != nil {
		t.Fatalf("empty cache: ok %v err %v", ok, err)
	}
	pages := []*ocr.Result{{Text: "Số: 15", Words: []ocr.Word{{Text: "Số:", Confidence: 0.9, Line: 2}}, Width: 10, Height: 20}}
	if err := c.Store("doc-0001", pages); err != nil {
		t.Fatal(err)
	}
	got, ok, err := c.Load("doc-0001")
	if err != nil || !ok || len(got) != 1 || got[0].Words[0].Text != "Số:" || got[0].Words[0].Line != 2 || got[0].Height != 20 {
		t.Fatalf("Load = %+v, %v, %v", got, ok, err)
	}
	if _, ok, _ := (OCRCache{Dir: c.Dir, Key: "k2"}).Load("doc-0001"); ok {
		t.Error("another key found the entry")
	}
}
