package metadata

import (
	"image"
	"strings"
	"testing"

	"github.com/sohoa/sohoa/ocr"
)

// No two vocabulary phrases may share their letters: a restoration must
// have one answer.
func TestVocabularyHasNoCollisions(t *testing.T) {
	seen := map[string]string{}
	for _, p := range headerVocabulary {
		k := vocabularyKey(p)
		if other, ok := seen[k]; ok && other != p {
			t.Errorf("%q and %q both fold to %q", other, p, k)
		}
		seen[k] = p
	}
	if len(headerIndex.phrases) < len(headerVocabulary) {
		t.Errorf("index holds %d phrases, fewer than the %d listed", len(headerIndex.phrases), len(headerVocabulary))
	}
}

// The readings are Tesseract's on the metabench set (seed 4).
func TestRestoreUpper(t *testing.T) {
	tests := []struct{ read, want string }{
		{"SƠ KE HOẠCH VÀ ĐẦU TƯ", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ"},
		{"ỦY BAN NHÂN DÂN THANH PHO HÀ NỌI", "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"},
		{"UBND THÀNH PHỐ ĐÀ NẰNG", "UBND THÀNH PHỐ ĐÀ NẴNG"},
		{"UBND THÀNH PHỐ CÂN THƠ", "UBND THÀNH PHỐ CẦN THƠ"},
		{"CHI NHANH VAN PHONG ĐANG KÝ ĐẤT ĐAI", "CHI NHÁNH VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI"},
		{"SỞXÂY DỰNG", "SỞ XÂY DỰNG"},
		{"PHÓ GI ÁM ĐỐC", "PHÓ GIÁM ĐỐC"},
		{"PHÒNG TÀI CHÍNH - KE HOẠCH", "PHÒNG TÀI CHÍNH - KẾ HOẠCH"},
		// Outside the vocabulary: as read.
		{"ỦY BAN NHÂN DÂN PHƯỜNG THẠCH THANG", "ỦY BAN NHÂN DÂN PHƯỜNG THẠCH THANG"},
		{"SƠ Y TI", "SỞ Y TI"},
		// QUAN alone has three spellings: left as read.
		{"PHÒNG QUAN LÝ NHÀ", "PHÒNG QUAN LÝ NHÀ"},
		// Lower-case words are not names of the vocabulary.
		{"Sở Y tế", "Sở Y tế"},
	}
	for _, tt := range tests {
		t.Run(tt.read, func(t *testing.T) {
			if got, _ := restoreUpper(strings.Fields(tt.read)); got != tt.want {
				t.Errorf("restoreUpper(%q) = %q, want %q", tt.read, got, tt.want)
			}
		})
	}
}

func words(text string, conf float64) []ocr.Word {
	var ws []ocr.Word
	x := 0
	for _, w := range strings.Fields(text) {
		ws = append(ws, ocr.Word{Text: w, Confidence: conf, Box: image.Rect(x, 100, x+40, 136)})
		x += 50
	}
	return ws
}

func TestDoubtfulWords(t *testing.T) {
	tests := []struct {
		name string
		ws   []ocr.Word
		want string
	}{
		{"all in the vocabulary", words("SƠ KE HOẠCH VÀ ĐẦU TƯ", 0.5), ""},
		{"short words outside", words("SƠ Y TI", 0.95), "Y, TI"},
		{"doubtful proper name", append(words("ĐẤT ĐAI QUẬN", 0.95), words("LIÊN CHIẾU", 0.86)...), "LIÊN, CHIẾU"},
		{"sure proper name", words("ỦY BAN NHÂN DÂN PHƯỜNG THẠCH THANG", 0.95), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(doubtfulWords(tt.ws), ", "); got != tt.want {
				t.Errorf("doubtfulWords = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSignerTitle(t *testing.T) {
	tests := []struct{ read, want string }{
		{"- PHÓ GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"},
		{"-GIÁM ĐỐC", "GIÁM ĐỐC"},
		{"_— PHÓ GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"},
		{"KT.GIÁM ĐỐC", "KT. GIÁM ĐỐC"},
		{"Q.GIÁM ĐỐC", "Q. GIÁM ĐỐC"},
		{"CHỦ TICH", "CHỦ TỊCH"},
		{"PHÓ CUC TRƯỞNG", "PHÓ CỤC TRƯỞNG"},
	}
	for _, tt := range tests {
		t.Run(tt.read, func(t *testing.T) {
			if got, _ := signerTitle(words(tt.read, 0.93)); got != tt.want {
				t.Errorf("signerTitle(%q) = %q, want %q", tt.read, got, tt.want)
			}
		})
	}
}

func TestFixText(t *testing.T) {
	tests := []struct{ read, want string }{
		{"Về việc công nhận kết quả tuyến dụng viên chức", "Về việc công nhận kết quả tuyển dụng viên chức"},
		{"Đăng ký hoạt động chỉ nhánh", "Đăng ký hoạt động chi nhánh"},
		{"Lịch tiếp công dần định kỳ", "Lịch tiếp công dân định kỳ"},
		// Only whole words.
		{"tuyến dụngx", "tuyến dụngx"},
		{"chỉ đạo", "chỉ đạo"},
	}
	for _, tt := range tests {
		if got := fixText(tt.read); got != tt.want {
			t.Errorf("fixText(%q) = %q, want %q", tt.read, got, tt.want)
		}
	}
}

// Boxes from the metabench set: a handwritten day read as "27", 54 px
// tall with its top at 405, beside printed words 37 px tall at 422.
func TestLooksHandwritten(t *testing.T) {
	printed := []ocr.Word{{Text: "5", Box: image.Rect(1921, 423, 1940, 459)}, {Text: "năm", Box: image.Rect(1964, 422, 2050, 459)}}
	tests := []struct {
		name  string
		value ocr.Word
		byTop bool
		want  bool
	}{
		{"handwritten day", ocr.Word{Text: "27", Box: image.Rect(1706, 405, 1760, 459)}, true, true},
		{"printed day", ocr.Word{Text: "21", Box: image.Rect(1674, 423, 1710, 459)}, true, false},
		{"raised but same size, tops ignored", ocr.Word{Text: "21", Box: image.Rect(1674, 400, 1710, 436)}, false, false},
		{"raised, tops compared", ocr.Word{Text: "21", Box: image.Rect(1674, 400, 1710, 436)}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := looksHandwritten([]ocr.Word{tt.value}, printed, tt.byTop); got != tt.want {
				t.Errorf("looksHandwritten = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHoldsTwoNames(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"UBND TỈNH QUẢNG NAM SỞ XÂY DỰNG", true},
		{"BỘ GIÁO DỤC VÀ ĐÀO TẠO CỤC QUẢN LÝ CHẤT LƯỢNG", true},
		{"SỞ XÂY DỰNG", false},
		{"CỤC QUẢN LÝ CHẤT LƯỢNG", false},
		{"ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", false},
	}
	for _, tt := range tests {
		if got := holdsTwoNames(tt.name); got != tt.want {
			t.Errorf("holdsTwoNames(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRestoreFromPlace(t *testing.T) {
	tests := []struct{ name, place, want string }{
		{"CHI NHÁNH VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI QUẬN LIÊN CHIẾU", "Liên Chiểu", "CHI NHÁNH VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI QUẬN LIÊN CHIỂU"},
		{"UBND HUYỆN THANH TRI", "Thanh Trì", "UBND HUYỆN THANH TRÌ"},
		// Other letters: a different place, left alone.
		{"UBND QUẬN HẢI CHÂU", "Liên Chiểu", "UBND QUẬN HẢI CHÂU"},
		// Only whole words, only upper case.
		{"UBND QUẬN LIÊN CHIẾUX", "Liên Chiểu", "UBND QUẬN LIÊN CHIẾUX"},
		{"Phòng Liên Chiếu", "Liên Chiểu", "Phòng Liên Chiếu"},
		// No place, or one too short or not a name, changes nothing.
		{"SỞ Y TI", "", "SỞ Y TI"},
		{"SỞ Y TI", "Ti", "SỞ Y TI"},
		{"SỞ Y TẾ", "y tế 12", "SỞ Y TẾ"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.place, func(t *testing.T) {
			if got := restoreFromPlace(tt.name, tt.place); got != tt.want {
				t.Errorf("restoreFromPlace(%q, %q) = %q, want %q", tt.name, tt.place, got, tt.want)
			}
		})
	}
}
