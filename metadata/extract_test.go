package metadata

import (
	"encoding/json"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/ocr"
)

// fixedNow makes "in the future" checks independent of the test date.
func fixedNow() time.Time { return time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC) }

func extract(pages []*ocr.Result) Extraction {
	return Extractor{Now: fixedNow}.Extract(pages)
}

// quyetDinh is a clean one-page quyết định; cases change parts of it.
func quyetDinh() ndDoc {
	return ndDoc{
		organLines: []string{"UBND THÀNH PHỐ ĐÀ NẴNG", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"},
		number:     "Số: 1595/QĐ-SGDĐT",
		date:       "Đà Nẵng, ngày 8 tháng 4 năm 2020",
		mergeRows:  true,
		title:      "QUYẾT ĐỊNH",
		subject:    []string{"Về việc ban hành Kế hoạch tuyển sinh", "vào lớp 10 năm học 2020-2021"},
		authority:  []string{"KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"},
		name:       "Nguyễn Văn An",
		bodyPage1:  8,
		pages:      1,
	}
}

// want lists expected field values; fields not named must be empty.
type want map[string]string

func fieldsOf(e Extraction) map[string]string {
	return map[string]string{
		FieldTypeName: e.TypeName, FieldCodeNumber: e.CodeNumber, FieldCodeNotation: e.CodeNotation,
		FieldIssuedDate: e.IssuedDate, FieldPlace: e.Place, FieldOrganName: e.OrganName,
		FieldParentOrganName: e.ParentOrganName, FieldSubject: e.Subject,
		FieldSignerAuthority: e.SignerAuthority, FieldSignerPosition: e.SignerPosition,
		FieldSignerFullName: e.SignerFullName,
	}
}

func TestExtract(t *testing.T) {
	full := want{
		FieldTypeName: "Quyết định", FieldCodeNumber: "1595", FieldCodeNotation: "QĐ-SGDĐT",
		FieldIssuedDate: "2020-04-08", FieldPlace: "Đà Nẵng", FieldOrganName: "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
		FieldParentOrganName: "UBND THÀNH PHỐ ĐÀ NẴNG",
		FieldSubject:         "Về việc ban hành Kế hoạch tuyển sinh vào lớp 10 năm học 2020-2021",
		FieldSignerAuthority: "KT. GIÁM ĐỐC", FieldSignerPosition: "PHÓ GIÁM ĐỐC", FieldSignerFullName: "Nguyễn Văn An",
	}
	with := func(w want, changes want) want {
		out := want{}
		for k, v := range w {
			out[k] = v
		}
		for k, v := range changes {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name    string
		doc     func() ndDoc
		want    want
		review  bool
		reasons []string // substrings each expected in some reason
		// notReasons are substrings no reason may contain.
		notReasons []string
	}{
		{
			name: "quyết định, merged header rows",
			doc:  quyetDinh,
			want: full,
		},
		{
			name: "quyết định, columns on separate lines",
			doc:  func() ndDoc { d := quyetDinh(); d.mergeRows = false; return d },
			want: full,
		},
		{
			name: "công văn with V/v, parent organ over two lines",
			doc: func() ndDoc {
				d := quyetDinh()
				d.organLines = []string{"ỦY BAN NHÂN DÂN", "THÀNH PHỐ ĐÀ NẴNG", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"}
				d.number = "Số: 0595/SGDĐT-CTrTT"
				d.vv = []string{"V/v triển khai công tác tuyển sinh", "năm học 2020-2021"}
				d.title, d.subject = "", nil
				d.authority = []string{"GIÁM ĐỐC"}
				d.name = "Lê Thị Thu Hà"
				return d
			},
			want: with(full, want{
				FieldTypeName: "Công văn", FieldCodeNumber: "0595", FieldCodeNotation: "SGDĐT-CTrTT",
				FieldParentOrganName: "ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG",
				FieldSubject:         "V/v triển khai công tác tuyển sinh năm học 2020-2021",
				FieldSignerAuthority: "", FieldSignerPosition: "GIÁM ĐỐC", FieldSignerFullName: "Lê Thị Thu Hà",
			}),
		},
		{
			name: "giấy phép of a provincial committee, double authority",
			doc: func() ndDoc {
				d := quyetDinh()
				d.organLines = []string{"ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NAM"}
				d.number = "Số: 125/GP-UBND"
				d.date = "Quảng Nam, ngày 15 tháng 10 năm 2021"
				d.title = "GIẤY PHÉP"
				d.subject = []string{"Tổ chức biểu diễn nghệ thuật"}
				d.authority = []string{"TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"}
				d.name = "Trần Văn Bình"
				return d
			},
			want: want{
				FieldTypeName: "Giấy phép", FieldCodeNumber: "125", FieldCodeNotation: "GP-UBND",
				FieldIssuedDate: "2021-10-15", FieldPlace: "Quảng Nam", FieldOrganName: "ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM",
				FieldSubject:         "Tổ chức biểu diễn nghệ thuật",
				FieldSignerAuthority: "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH", FieldSignerPosition: "PHÓ CHỦ TỊCH",
				FieldSignerFullName: "Trần Văn Bình",
			},
		},
		{
			name: "thông báo with a date in slashes",
			doc: func() ndDoc {
				d := quyetDinh()
				d.organLines = []string{"UBND QUẬN HẢI CHÂU", "PHÒNG TÀI CHÍNH - KẾ HOẠCH"}
				d.number = "Số: 12/TB-TCKH"
				d.date = "Hải Châu, ngày 05/3/2019"
				d.title = "THÔNG BÁO"
				d.subject = []string{"Kết luận của Trưởng phòng tại cuộc họp giao ban"}
				d.authority = []string{"TRƯỞNG PHÒNG"}
				d.name = "Phạm Minh Đức"
				return d
			},
			want: want{
				FieldTypeName: "Thông báo", FieldCodeNumber: "12", FieldCodeNotation: "TB-TCKH",
				FieldIssuedDate: "2019-03-05", FieldPlace: "Hải Châu", FieldOrganName: "PHÒNG TÀI CHÍNH - KẾ HOẠCH",
				FieldParentOrganName: "UBND QUẬN HẢI CHÂU",
				FieldSubject:         "Kết luận của Trưởng phòng tại cuộc họp giao ban",
				FieldSignerPosition:  "TRƯỞNG PHÒNG", FieldSignerFullName: "Phạm Minh Đức",
			},
		},
		{
			name: "thông tư: the year stays in the notation",
			doc: func() ndDoc {
				d := quyetDinh()
				d.organLines = []string{"BỘ NỘI VỤ"}
				d.number = "Số: 02/2019/TT-BNV"
				d.date = "Hà Nội, ngày 24 tháng 01 năm 2019"
				d.title = "THÔNG TƯ"
				d.subject = []string{"Quy định tiêu chuẩn dữ liệu thông tin đầu vào", "và yêu cầu bảo quản tài liệu lưu trữ điện tử"}
				d.authority = []string{"BỘ TRƯỞNG"}
				d.name = "Lê Vĩnh Tân"
				return d
			},
			want: want{
				FieldTypeName: "Thông tư", FieldCodeNumber: "02", FieldCodeNotation: "2019/TT-BNV",
				FieldIssuedDate: "2019-01-24", FieldPlace: "Hà Nội", FieldOrganName: "BỘ NỘI VỤ",
				FieldSubject:        "Quy định tiêu chuẩn dữ liệu thông tin đầu vào và yêu cầu bảo quản tài liệu lưu trữ điện tử",
				FieldSignerPosition: "BỘ TRƯỞNG", FieldSignerFullName: "Lê Vĩnh Tân",
			},
		},
		{
			name:    "blank number left for handwriting",
			doc:     func() ndDoc { d := quyetDinh(); d.number = "Số:          /QĐ-SGDĐT"; return d },
			want:    with(full, want{FieldCodeNumber: ""}),
			review:  true,
			reasons: []string{"codeNumber: no printed number after 'Số:'"},
		},
		{
			name:    "handwritten number read as garbage",
			doc:     func() ndDoc { d := quyetDinh(); d.number = "Số: 4Z@0.31 /QĐ-SGDĐT"; return d },
			want:    with(full, want{FieldCodeNumber: ""}),
			review:  true,
			reasons: []string{`codeNumber: looks handwritten or garbled (read "4Z" after 'Số:')`},
		},
		{
			name:    "handwritten day",
			doc:     func() ndDoc { d := quyetDinh(); d.date = "Đà Nẵng, ngày ,/@0.2 tháng 4 năm 2020"; return d },
			want:    with(full, want{FieldIssuedDate: ""}),
			review:  true,
			reasons: []string{"issuedDate: day looks handwritten"},
		},
		{
			name:    "blank day",
			doc:     func() ndDoc { d := quyetDinh(); d.date = "Đà Nẵng, ngày       tháng 4 năm 2020"; return d },
			want:    with(full, want{FieldIssuedDate: ""}),
			review:  true,
			reasons: []string{"issuedDate: no printed day after 'ngày'"},
		},
		{
			name:    "low confidence day is kept and flagged",
			doc:     func() ndDoc { d := quyetDinh(); d.date = "Đà Nẵng, ngày 8@0.62 tháng 4 năm 2020"; return d },
			want:    full,
			review:  true,
			reasons: []string{"issuedDate: low OCR confidence 0.62"},
		},
		{
			name:    "very low confidence day is dropped",
			doc:     func() ndDoc { d := quyetDinh(); d.date = "Đà Nẵng, ngày 8@0.41 tháng 4 năm 2020"; return d },
			want:    with(full, want{FieldIssuedDate: ""}),
			review:  true,
			reasons: []string{"issuedDate: OCR confidence 0.41 too low"},
		},
		{
			name: "multi-page: signature on page 2",
			doc:  func() ndDoc { d := quyetDinh(); d.pages = 2; d.bodyPage1 = 30; return d },
			want: full,
		},
		{
			name: "Ð (eth) read for Đ",
			doc: func() ndDoc {
				d := quyetDinh()
				d.organLines = []string{"UBND THÀNH PHỐ ÐÀ NẴNG", "SỞ GIÁO DỤC VÀ ÐÀO TẠO"}
				d.number = "Số: 1595/QÐ-SGDÐT"
				d.date = "Ðà Nẵng, ngày 8 tháng 4 năm 2020"
				d.title = "QUYẾT ÐỊNH"
				return d
			},
			want: full,
		},
		{
			name: "OCR variants of Số and split notation",
			doc:  func() ndDoc { d := quyetDinh(); d.number = "Sô : 1595 / QĐ- SGDĐT"; return d },
			want: full,
		},
		{
			name: "S6: for Số",
			doc:  func() ndDoc { d := quyetDinh(); d.number = "S6: 1595/QĐ-SGDĐT"; return d },
			want: full,
		},
		{
			name: "diacritics lost on a keyword or two",
			doc: func() ndDoc {
				d := quyetDinh()
				d.date = "Đà Nẵng, ngay 8 thang 4 nam 2020"
				d.quocHieu = "CONG HOA XA HOI CHU NGHIA VIET NAM"
				d.title = "QUYET ĐỊNH"
				return d
			},
			want: full,
		},
		{
			name: "lower-case letters in the notation are kept",
			doc:  func() ndDoc { d := quyetDinh(); d.number = "Số: 45/QyĐ-SGDĐT"; d.title = "QUY ĐỊNH"; return d },
			want: with(full, want{FieldCodeNumber: "45", FieldCodeNotation: "QyĐ-SGDĐT", FieldTypeName: "Quy định"}),
		},
		{
			name:    "date in the future",
			doc:     func() ndDoc { d := quyetDinh(); d.date = "Đà Nẵng, ngày 8 tháng 4 năm 2029"; return d },
			want:    with(full, want{FieldIssuedDate: ""}),
			review:  true,
			reasons: []string{"issuedDate: in the future"},
		},
		{
			name:    "not a calendar date",
			doc:     func() ndDoc { d := quyetDinh(); d.date = "Đà Nẵng, ngày 31 tháng 2 năm 2020"; return d },
			want:    with(full, want{FieldIssuedDate: ""}),
			review:  true,
			reasons: []string{"issuedDate: not a calendar date"},
		},
		{
			name:    "type name contradicts the notation",
			doc:     func() ndDoc { d := quyetDinh(); d.title = "THÔNG BÁO"; return d },
			want:    with(full, want{FieldTypeName: "Thông báo"}),
			review:  true,
			reasons: []string{`typeName: "Thông báo" contradicts the number "QĐ-SGDĐT"`},
		},
		{
			name:    "year in the notation contradicts the date",
			doc:     func() ndDoc { d := quyetDinh(); d.number = "Số: 07/2019/QĐ-UBND"; return d },
			want:    with(full, want{FieldCodeNumber: "07", FieldCodeNotation: "2019/QĐ-UBND"}),
			review:  true,
			reasons: []string{"issuedDate: year 2020 differs from the year in the number (2019)"},
		},
		{
			name:    "no signer name",
			doc:     func() ndDoc { d := quyetDinh(); d.name = ""; return d },
			want:    with(full, want{FieldSignerAuthority: "", FieldSignerPosition: "", FieldSignerFullName: ""}),
			review:  true,
			reasons: []string{"signerFullName: not found"},
		},
		{
			// Real readings (metabench seed 4): every word is in the
			// vocabulary, so the printed spelling is certain.
			name: "organ name with marks OCR dropped, restored from the vocabulary",
			doc: func() ndDoc {
				d := quyetDinh()
				d.organLines = []string{"UBND THÀNH PHỐ ĐÀ NẰNG", "SƠ GIAO DỤC VÀ ĐÀO TẠO"}
				return d
			},
			want: full,
		},
		{
			name: "organ kind glued to its name, noise before it",
			doc: func() ndDoc {
				d := quyetDinh()
				d.organLines = []string{"UBND THÀNH PHỐ ĐÀ NẴNG", "- SỞGIÁO DỤC VÀ ĐÀO TẠO"}
				return d
			},
			want: full,
		},
		{
			name: "misread word outside the vocabulary stays flagged",
			doc: func() ndDoc {
				d := quyetDinh()
				d.organLines = []string{"UBND THÀNH PHỐ ĐÀ NẴNG", "PHONG QUAN LÝ NHÀ"}
				return d
			},
			want:    with(full, want{FieldOrganName: "PHÒNG QUAN LÝ NHÀ"}),
			review:  true,
			reasons: []string{"organName: looks misread: QUAN (QUẬN/QUẢN/QUÂN?)"},
		},
		{
			// Real readings (metabench seed 4): Tesseract doubles the Đ of
			// "QĐ"; the title says which abbreviation it is.
			name:    "doubled letter in the type part, corrected from the title",
			doc:     func() ndDoc { d := quyetDinh(); d.number = "Số: 1595/QĐĐ-SGDĐT"; return d },
			want:    full,
			review:  true,
			reasons: []string{`codeNotation: read "QĐĐ-SGDĐT", corrected to "QĐ-SGDĐT"`},
		},
		{
			name: "stroke of Đ lost in the organ part, restored from the organ name",
			doc: func() ndDoc {
				d := quyetDinh()
				d.organLines = []string{"UBND TỈNH BÌNH DƯƠNG", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ"}
				d.number = "Số: 88/QĐ-SKHDT"
				return d
			},
			want: with(full, want{FieldCodeNumber: "88", FieldCodeNotation: "QĐ-SKHĐT",
				FieldOrganName: "SỞ KẾ HOẠCH VÀ ĐẦU TƯ", FieldParentOrganName: "UBND TỈNH BÌNH DƯƠNG"}),
			review:  true,
			reasons: []string{`the organ "SỞ KẾ HOẠCH VÀ ĐẦU TƯ" gives "SKHĐT"`},
		},
		{
			name:    "ink of a handwritten number read with slashes",
			doc:     func() ndDoc { d := quyetDinh(); d.number = "Số: - 1/2 /QĐ-SGDĐT"; return d },
			want:    with(full, want{FieldCodeNumber: ""}),
			review:  true,
			reasons: []string{`codeNumber: looks handwritten or garbled (read "-1/2" after 'Số:')`},
		},
		{
			name:    "speck word before Số:",
			doc:     func() ndDoc { d := quyetDinh(); d.number = "vn@0.15 Số: ”@0.18 /QĐ-SGDĐT"; return d },
			want:    with(full, want{FieldCodeNumber: ""}),
			review:  true,
			reasons: []string{"codeNumber: looks handwritten or garbled"},
		},
		{
			name: "title words glued together, read with a doubt the ký hiệu removes",
			doc: func() ndDoc {
				d := quyetDinh()
				d.number, d.title, d.subject = "Số: 397/GCN-SGDĐT", "GIẤY CHỨNGNHẬN@0.55", []string{"Đăng ký hoạt động giáo dục nghề nghiệp"}
				return d
			},
			want: with(full, want{FieldTypeName: "Giấy chứng nhận", FieldCodeNumber: "397", FieldCodeNotation: "GCN-SGDĐT",
				FieldSubject: "Đăng ký hoạt động giáo dục nghề nghiệp"}),
			review:  true,
			reasons: []string{"typeName: low OCR confidence 0.74, kept for review: another reading agrees"},
		},
		{
			name:    "type name not read: taken from the ký hiệu",
			doc:     func() ndDoc { d := quyetDinh(); d.title, d.subject = "", nil; return d },
			want:    with(full, want{FieldSubject: ""}),
			review:  true,
			reasons: []string{`typeName: not read from the title; taken from the number "QĐ-SGDĐT"`},
		},
		{
			name:    "surname with a wrong mark",
			doc:     func() ndDoc { d := quyetDinh(); d.name = "Đỉnh@0.77 Xuân Trường"; return d },
			want:    with(full, want{FieldSignerFullName: "Đinh Xuân Trường"}),
			review:  true,
			reasons: []string{`signerFullName: read "Đỉnh Xuân Trường": "Đỉnh" is no common Vietnamese surname, "Đinh" the only one with its letters`},
		},
		{
			name: "I read as L in the signer title, specks after it",
			doc: func() ndDoc {
				d := quyetDinh()
				d.authority = []string{"KT: GLIÁM ĐỐC", "PHÓ GIÁM ĐỐC Ỉ@0.2 ZZY@0.1"}
				return d
			},
			want:    full,
			review:  true,
			reasons: []string{`signerAuthority: read "KT: GLIÁM ĐỐC", restored to "KT. GIÁM ĐỐC"`, `signerPosition: left out "Ỉ ZZY" after the title`},
		},
		{
			name:    "speck before the signer name",
			doc:     func() ndDoc { d := quyetDinh(); d.name = "¬. Nguyễn Văn An"; return d },
			want:    full,
			review:  true,
			reasons: []string{`signerFullName: left out "¬."`},
		},
		{
			// Issue #4: marks taken from the place line are another
			// reading, flagged; the doubtful word is reported as stored.
			name: "organ marks restored from the place line are flagged",
			doc: func() ndDoc {
				d := quyetDinh()
				d.organLines = []string{"UBND QUẬN LIÊN CHIẾU@0.7", "PHÒNG TÀI CHÍNH - KẾ HOẠCH"}
				d.number = "Số: 12/QĐ-TCKH"
				d.date = "Liên Chiểu, ngày 8 tháng 4 năm 2020"
				return d
			},
			want: with(full, want{FieldCodeNumber: "12", FieldCodeNotation: "QĐ-TCKH", FieldPlace: "Liên Chiểu",
				FieldParentOrganName: "UBND QUẬN LIÊN CHIỂU", FieldOrganName: "PHÒNG TÀI CHÍNH - KẾ HOẠCH"}),
			review: true,
			reasons: []string{`parentOrganName: read "UBND QUẬN LIÊN CHIẾU", marks restored from the place line "Liên Chiểu"`,
				"parentOrganName: words outside the vocabulary may be misread: CHIỂU"},
		},
		{
			name:    "trailing slash after the ký hiệu is cut",
			doc:     func() ndDoc { d := quyetDinh(); d.number = "Số: 1595/QĐ-SGDĐT /"; return d },
			want:    full,
			review:  false,
			reasons: nil,
		},
		{
			name:    "one-letter organ part is no agreement",
			doc:     func() ndDoc { d := quyetDinh(); d.number = "Số: 12/QĐ-S"; return d },
			want:    with(full, want{FieldCodeNumber: "12", FieldCodeNotation: "QĐ-S"}),
			review:  true,
			reasons: []string{`codeNotation: organ part "S" is only a piece of the organ's initials "SGDĐT"`},
		},
		{
			// The type part corrected from the title cannot then confirm
			// the title.
			name: "type part corrected from the title does not confirm it",
			doc: func() ndDoc {
				d := quyetDinh()
				d.number, d.title = "Số: 1595/QĐĐ-SGDĐT", "QUYẾT@0.62 ĐỊNH@0.62"
				return d
			},
			want:       with(full, want{FieldTypeName: "Quyết định"}),
			review:     true,
			reasons:    []string{`codeNotation: read "QĐĐ-SGDĐT", corrected to "QĐ-SGDĐT"`, "typeName: low OCR confidence"},
			notReasons: []string{"another reading agrees"},
		},
		{
			name:    "surname outside the list read with certainty is kept, suggestion flagged",
			doc:     func() ndDoc { d := quyetDinh(); d.name = "Đỉnh@0.95 Xuân Trường"; return d },
			want:    with(full, want{FieldSignerFullName: "Đỉnh Xuân Trường"}),
			review:  true,
			reasons: []string{`signerFullName: surname "Đỉnh" is not on the list of common surnames; "Đinh" has the same letters`},
		},
		{
			name:       "surname of the northern minorities is kept",
			doc:        func() ndDoc { d := quyetDinh(); d.name = "Lường@0.85 Văn Sáng"; return d },
			want:       with(full, want{FieldSignerFullName: "Lường Văn Sáng"}),
			review:     true,
			reasons:    []string{"signerFullName: a word read with confidence 0.85"},
			notReasons: []string{"Lương"},
		},
		{
			name: "letters dropped before the signer title are flagged",
			doc: func() ndDoc {
				d := quyetDinh()
				d.authority = []string{"KT. GIÁM ĐỐC", "ø- PHÓ GIÁM ĐỐC"}
				return d
			},
			want:    full,
			review:  true,
			reasons: []string{`signerPosition: read "ø- PHÓ GIÁM ĐỐC", stored "PHÓ GIÁM ĐỐC": letters differ`},
		},
		{
			name: "authority punctuation normalised without a flag",
			doc: func() ndDoc {
				d := quyetDinh()
				d.authority = []string{"KT, GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"}
				return d
			},
			want:    full,
			review:  false,
			reasons: nil,
		},
		{
			name:    "low confidence word in the subject",
			doc:     func() ndDoc { d := quyetDinh(); d.subject[1] = "vào lớp 10 năm@0.45 học 2020-2021"; return d },
			want:    with(full, want{}),
			review:  true,
			reasons: []string{"subject: low OCR confidence 0.70"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages := tc.doc().build()
			e := extract(pages)
			got := fieldsOf(e)
			for _, name := range fieldOrder {
				if got[name] != tc.want[name] {
					t.Errorf("%s = %q, want %q", name, got[name], tc.want[name])
				}
			}
			if e.NeedsReview != tc.review {
				t.Errorf("NeedsReview = %v, want %v; reasons %q", e.NeedsReview, tc.review, e.ReviewReasons)
			}
			for _, sub := range tc.reasons {
				if !containsSub(e.ReviewReasons, sub) {
					t.Errorf("no review reason containing %q in %q", sub, e.ReviewReasons)
				}
			}
			for _, sub := range tc.notReasons {
				if containsSub(e.ReviewReasons, sub) {
					t.Errorf("a review reason contains %q: %q", sub, e.ReviewReasons)
				}
			}
			for name, v := range got {
				if v != "" && (e.Confidence[name] < 0.5 || e.Confidence[name] > 1) {
					t.Errorf("confidence of %s = %v for value %q", name, e.Confidence[name], v)
				}
			}
			doc := e.Document("doc-000001", testSource(), len(pages), nil)
			data, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			if err := Validate(data); err != nil {
				t.Errorf("Document() is not schema-valid: %v", err)
			}
		})
	}
}

func containsSub(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func testSource() Source {
	return Source{Files: []SourceFile{{Name: "qd-1595.tif", SHA256: strings.Repeat("ab", 32), Pages: 1}}}
}

// TestExtractBulkyDayKeptForReview: a day read in dark ink but taller than
// the printed line (written by hand, or bloated by specks) keeps its
// reading and is flagged, instead of being dropped.
func TestExtractBulkyDayKeptForReview(t *testing.T) {
	pages := quyetDinh().build()
	found := false
	for i, w := range pages[0].Words {
		if w.Text == "8" {
			b := &pages[0].Words[i].Box
			b.Min.Y -= 2 * b.Dy() // three times the line height, reaching above it
			found = true
			break
		}
	}
	if !found {
		t.Fatal("no day word on the built page")
	}
	e := extract(pages)
	if e.IssuedDate != "2020-04-08" {
		t.Errorf("IssuedDate = %q, want the reading kept", e.IssuedDate)
	}
	if !e.NeedsReview || !containsSub(e.ReviewReasons, "issuedDate: day looks handwritten") {
		t.Errorf("not flagged: NeedsReview %v, reasons %q", e.NeedsReview, e.ReviewReasons)
	}
}

// TestExtractNumberBoxes changes the scanned box of the "1595/…" word:
// its height (a number taller than the printed line) or its width (a
// correction checked against the width on paper).
func TestExtractNumberBoxes(t *testing.T) {
	pxPerEm := numberFontPt / 72.0 * 300
	tests := []struct {
		name, number, word string
		box                func(b *image.Rectangle)
		wantNumber         string
		reasons            []string
	}{
		{
			// Issue #4: as wide as print but taller: kept, flagged.
			name: "number taller than the printed line", number: "Số: 1595/QĐ-SGDĐT", word: "1595/QĐ-SGDĐT",
			box:        func(b *image.Rectangle) { b.Min.Y -= b.Dy() * 3 / 5 },
			wantNumber: "1595",
			reasons:    []string{`codeNumber: number larger than or off the printed line (read "1595")`},
		},
		{
			// Printed "1595/QĐ-SGDĐT" at 91 % of its Times width: the
			// correction of "QĐĐ" still leaves a reading wider than print.
			name: "corrected ký hiệu still wider in print", number: "Số: 1595/QĐĐ-SGDĐT", word: "1595/QĐĐ-SGDĐT",
			box:        func(b *image.Rectangle) { b.Max.X = b.Min.X + int(0.91*timesWidth("1595/QĐ-SGDĐT")*pxPerEm) },
			wantNumber: "1595",
			reasons:    []string{`codeNotation: "QĐ-SGDĐT" is wider in print than on paper (91 %)`},
		},
		{
			name: "corrected ký hiệu fits the paper", number: "Số: 1595/QĐĐ-SGDĐT", word: "1595/QĐĐ-SGDĐT",
			box:        func(b *image.Rectangle) { b.Max.X = b.Min.X + int(1.09*timesWidth("1595/QĐ-SGDĐT")*pxPerEm) },
			wantNumber: "1595",
			reasons:    []string{"its width on paper fits"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := quyetDinh()
			d.number = tc.number
			pages := d.build()
			found := false
			for i, w := range pages[0].Words {
				if w.Text == tc.word {
					tc.box(&pages[0].Words[i].Box)
					found = true
				}
			}
			if !found {
				t.Fatalf("no word %q on the built page", tc.word)
			}
			e := extract(pages)
			if e.CodeNumber != tc.wantNumber {
				t.Errorf("CodeNumber = %q, want %q", e.CodeNumber, tc.wantNumber)
			}
			if !e.NeedsReview {
				t.Error("not flagged for review")
			}
			for _, sub := range tc.reasons {
				if !containsSub(e.ReviewReasons, sub) {
					t.Errorf("no review reason containing %q in %q", sub, e.ReviewReasons)
				}
			}
		})
	}
}

// TestExtractMissingAuthorityQuestioned: an authority line lost by OCR is
// no silent "none" when the position shows a deputy, who signs KT.
func TestExtractMissingAuthorityQuestioned(t *testing.T) {
	tests := []struct {
		name      string
		authority []string
		flagged   bool
	}{
		{"deputy without KT.", []string{"PHÓ GIÁM ĐỐC"}, true},
		{"head signs for himself", []string{"GIÁM ĐỐC"}, false},
		{"deputy with KT.", []string{"KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := quyetDinh()
			d.authority = tt.authority
			e := extract(d.build())
			got := containsSub(e.ReviewReasons, "signerAuthority: none read")
			if got != tt.flagged {
				t.Errorf("authority questioned = %v, want %v (reasons %q)", got, tt.flagged, e.ReviewReasons)
			}
		})
	}
}

// TestExtractCutPositionQuestioned: a position that holds no known title
// (the rest of it went to another OCR line) is flagged; known ones are not.
func TestExtractCutPositionQuestioned(t *testing.T) {
	tests := []struct {
		name      string
		authority []string
		flagged   bool
	}{
		{"cut title", []string{"TRƯỞNG"}, true},
		{"title with its unit", []string{"TRƯỞNG PHÒNG ĐĂNG KÝ KINH DOANH"}, false},
		{"deputy", []string{"KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := quyetDinh()
			d.authority = tt.authority
			e := extract(d.build())
			got := containsSub(e.ReviewReasons, "holds no known title")
			if got != tt.flagged {
				t.Errorf("position questioned = %v, want %v (reasons %q)", got, tt.flagged, e.ReviewReasons)
			}
		})
	}
}
