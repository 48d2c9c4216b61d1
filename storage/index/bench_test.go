package index

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sohoa/sohoa/storage"
)

// Synthetic archive for the benchmark: realistic Vietnamese fields, ~200
// words of text per document drawn from a word list with a Zipf
// distribution (a few words in almost every document, most in few).
var (
	benchProvinces = []string{"Quảng Nam", "Đà Nẵng", "Hà Nội", "Thừa Thiên Huế", "Nghệ An", "Thanh Hóa", "Bình Định",
		"Khánh Hòa", "Lâm Đồng", "Cần Thơ", "Hải Phòng", "Quảng Ninh", "Đắk Lắk", "An Giang", "Bắc Ninh"}
	benchOrganKinds = []string{"Ủy ban nhân dân tỉnh", "Sở Nội vụ tỉnh", "Sở Tài chính tỉnh", "Sở Tư pháp tỉnh",
		"Sở Xây dựng tỉnh", "Sở Y tế tỉnh", "Sở Giáo dục và Đào tạo tỉnh", "Văn phòng Ủy ban nhân dân tỉnh"}
	benchTypes = [][2]string{{"Quyết định", "QĐ"}, {"Công văn", "CV"}, {"Thông báo", "TB"}, {"Tờ trình", "TTr"},
		{"Báo cáo", "BC"}, {"Kế hoạch", "KH"}, {"Chỉ thị", "CT"}, {"Giấy mời", "GM"}}
	benchFamily  = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"}
	benchMiddle  = []string{"Văn", "Thị", "Đình", "Minh", "Quang", "Thanh", "Ngọc", "Hữu", "Xuân", "Đức"}
	benchGiven   = []string{"An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hùng", "Lan", "Long", "Mai", "Nam", "Phong", "Quân", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Vy"}
	benchStatus  = []string{"digitized", "digitized", "digitized", "needs_review", "approved", "signed", "signed"}
	benchWordsVi = strings.Fields(`quyết định ủy ban nhân dân tỉnh căn cứ luật tổ chức chính quyền địa phương ngày tháng năm
		xét đề nghị của giám đốc sở nội vụ tài chính điều khoản thi hành kể từ ký ban hành chánh văn phòng các
		cơ quan đơn vị cá nhân có liên quan chịu trách nhiệm này nơi nhận như lưu vt kế hoạch phòng chống thiên tai
		bão lũ hạn hán xây dựng công trình giao thông thủy lợi trường học bệnh viện trạm y tế dân cư nông thôn mới
		phê duyệt dự án đầu tư công vốn ngân sách nhà nước địa phương trung ương hỗ trợ kinh phí thực hiện năm
		bổ nhiệm miễn nhiệm điều động luân chuyển cán bộ công chức viên chức người lao động hợp đồng lương phụ cấp
		thi đua khen thưởng kỷ luật cảnh cáo khiển trách tặng bằng khen giấy khen tập thể hoàn thành xuất sắc nhiệm vụ
		đất đai giao đất cho thuê thu hồi bồi thường giải phóng mặt bằng tái định cư quy hoạch sử dụng kế hoạch
		môi trường đánh giá tác động xả thải nước sạch rác thải sinh hoạt khu công nghiệp cụm làng nghề doanh nghiệp
		giấy phép kinh doanh đăng ký thành lập giải thể sáp nhập chia tách thanh tra kiểm tra giám sát khiếu nại tố cáo
		tiếp công dân giải quyết đơn thư hồ sơ thủ tục hành chính một cửa liên thông dịch vụ công trực tuyến chuyển đổi
		số chữ ký điện tử văn bản lưu trữ tài liệu số hóa bản sao điện tử chứng thực xác nhận báo cáo định kỳ quý
		tổng kết sơ kết triển khai hướng dẫn tăng cường chấn chỉnh quản lý an ninh trật tự an toàn giao thông phòng cháy
		chữa cháy dịch bệnh tiêm chủng vắc xin giáo dục đào tạo tuyển sinh học sinh sinh viên giáo viên văn hóa thể thao
		du lịch lễ hội di tích bảo tồn tôn giáo tín ngưỡng dân tộc thiểu số miền núi biên giới hải đảo ngư dân tàu cá`)
)

func benchEntry(r *rand.Rand, zipf *rand.Zipf, i int) Entry {
	typ := benchTypes[r.IntN(len(benchTypes))]
	province := benchProvinces[r.IntN(len(benchProvinces))]
	organ := benchOrganKinds[r.IntN(len(benchOrganKinds))] + " " + province
	day := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(26*365))
	var text strings.Builder
	for w := range 200 {
		if w > 0 {
			if w%15 == 0 {
				text.WriteString(".\n")
			} else {
				text.WriteByte(' ')
			}
		}
		text.WriteString(benchWordsVi[zipf.Uint64()])
	}
	var subject strings.Builder
	subject.WriteString("Về việc")
	for range 8 {
		subject.WriteString(" " + benchWordsVi[zipf.Uint64()])
	}
	sum := func() string {
		var b [32]byte
		for k := range b {
			b[k] = byte(r.Uint32())
		}
		return hex.EncodeToString(b[:])
	}
	batch := fmt.Sprintf("batch-%03d", i/1000)
	id := fmt.Sprintf("doc-%06d", i)
	prefix := "batches/" + batch + "/docs/" + id + "/"
	return Entry{
		DocID: id, Batch: batch, Name: fmt.Sprintf("scan-%06d.tif", i), Status: benchStatus[r.IntN(len(benchStatus))],
		TypeName: typ[0], CodeNumber: strconv.Itoa(1 + r.IntN(2000)), CodeNotation: typ[1] + "-UBND",
		IssuedDate: day.Format("2006-01-02"), OrganName: organ,
		SignerFullName: benchFamily[r.IntN(len(benchFamily))] + " " + benchMiddle[r.IntN(len(benchMiddle))] + " " + benchGiven[r.IntN(len(benchGiven))],
		Subject:        subject.String(), Text: text.String(), NeedsReview: r.IntN(10) == 0,
		Objects: []Object{
			{Role: "original", Key: prefix + "original/001-scan.tif", SHA256: sum(), Size: 2_000_000 + r.Int64N(1_000_000)},
			{Role: "pdf", Key: prefix + "digitized.pdf", SHA256: sum(), Size: 400_000 + r.Int64N(200_000)},
			{Role: "metadata", Key: prefix + "metadata.json", SHA256: sum(), Size: 2_000 + r.Int64N(1_000)},
		},
		Updated: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
	}
}

// writeBenchStore appends n synthetic entries in segments of perSegment.
func writeBenchStore(tb testing.TB, s storage.Store, n, perSegment int) {
	r := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(benchWordsVi)-1))
	for start := 0; start < n; start += perSegment {
		seg := make([]Entry, 0, perSegment)
		for i := start; i < min(n, start+perSegment); i++ {
			seg = append(seg, benchEntry(r, zipf, i))
		}
		if err := Append(context.Background(), s, seg); err != nil {
			tb.Fatal(err)
		}
	}
}

// benchQueries are the query types an archivist runs.
var benchQueries = []struct {
	name string
	q    Query
}{
	{"browse", Query{}},
	{"number", Query{CodeNumber: "1234"}},
	{"notation", Query{CodeNotation: "qd-ubnd"}},
	{"organ", Query{OrganName: "so tu phap tinh quang nam"}},
	{"type", Query{TypeName: "Tờ trình"}},
	{"date-range", Query{IssuedFrom: "2019-03", IssuedTo: "2019-04"}},
	{"signer", Query{Signer: "Phạm Đức Hùng"}},
	{"status", Query{Status: "needs_review"}},
	{"words-rare", Query{Words: "tàu cá ngư dân"}},
	{"words-common", Query{Words: "quyet dinh"}},
	{"words-phrase", Query{Words: `"ủy ban nhân dân"`}},
	{"words+organ+year", Query{Words: "phê duyệt", OrganName: "Đà Nẵng", IssuedFrom: "2020", IssuedTo: "2020"}},
	{"number+notation+organ", Query{CodeNumber: "125", CodeNotation: "QĐ-UBND", OrganName: "ủy ban nhân dân"}},
}

const benchDocs = 100_000

// BenchmarkSearch measures each query type over 100,000 documents, and the
// peak RSS of a separate process that syncs a fresh cache and then searches.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	s, err := storage.NewLocal(filepath.Join(dir, "store"))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	writeBenchStore(b, s, benchDocs, 10_000)
	b.Logf("wrote %d entries in %d segments in %v", benchDocs, len(segmentKeys(b, s)), time.Since(start).Round(time.Millisecond))

	cache := filepath.Join(dir, "cache.db")
	start = time.Now()
	ix, err := Open(ctx, s, cache)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	b.Logf("first sync (fresh cache): %v", time.Since(start).Round(time.Millisecond))
	if st, err := os.Stat(cache); err == nil {
		b.Logf("cache size: %.0f MB", float64(st.Size())/1e6)
	}
	start = time.Now()
	if err := ix.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("sync with nothing new: %v", time.Since(start).Round(time.Microsecond))

	for _, bq := range benchQueries {
		b.Run(bq.name, func(b *testing.B) {
			var hits int
			for b.Loop() {
				h, err := ix.Search(ctx, bq.q)
				if err != nil {
					b.Fatal(err)
				}
				hits = len(h)
			}
			b.ReportMetric(float64(hits), "hits")
		})
	}
	b.Run("get", func(b *testing.B) {
		for b.Loop() {
			if _, err := ix.Get(ctx, "batch-042", "doc-042424"); err != nil {
				b.Fatal(err)
			}
		}
	})

	// Peak RSS of a separate process: one syncing a fresh cache and then
	// searching, one only searching the cache built above. Each runs once;
	// the sub-benchmarks only report what was measured.
	for _, mode := range []struct{ name, cache string }{
		{"rss/sync+search", filepath.Join(dir, "fresh.db")},
		{"rss/search", cache},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBenchProcess$", "-test.v")
		cmd.Env = append(os.Environ(), "SOHOA_INDEX_BENCH_STORE="+s.Location(), "SOHOA_INDEX_BENCH_CACHE="+mode.cache)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		var kb float64
		for _, l := range strings.Split(string(out), "\n") {
			if f := strings.Fields(l); len(f) >= 3 && f[1] == "VmHWM:" {
				kb, _ = strconv.ParseFloat(f[2], 64)
			}
			if strings.HasPrefix(l, "bench-process:") {
				b.Logf("%s: %s", mode.name, strings.TrimPrefix(l, "bench-process: "))
			}
		}
		if kb == 0 {
			b.Fatalf("no VmHWM in output:\n%s", out)
		}
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
			}
			b.ReportMetric(kb/1024, "peakRSS-MB")
		})
	}
}

// TestBenchProcess is BenchmarkSearch's subprocess: it opens the index named
// by the environment (syncing it), runs every benchmark query and prints its
// peak RSS. Without the environment it does nothing.
func TestBenchProcess(t *testing.T) {
	store, cache := os.Getenv("SOHOA_INDEX_BENCH_STORE"), os.Getenv("SOHOA_INDEX_BENCH_CACHE")
	if store == "" || cache == "" {
		t.Skip("run by BenchmarkSearch")
	}
	ctx := context.Background()
	s, err := storage.NewLocal(store)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ix, err := Open(ctx, s, cache)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	fmt.Printf("bench-process: open+sync %v\n", time.Since(start).Round(time.Millisecond))
	for _, bq := range benchQueries {
		start := time.Now()
		hits, err := ix.Search(ctx, bq.q)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("bench-process: %-22s %3d hits in %v (cold)\n", bq.name, len(hits), time.Since(start).Round(time.Microsecond))
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			fmt.Println("bench-process:", l)
		}
	}
}
