package index_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/sohoa/sohoa/storage"
	"github.com/sohoa/sohoa/storage/index"
)

func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "sohoa-index-example")
	defer os.RemoveAll(dir)
	store, err := storage.NewLocal(filepath.Join(dir, "store"))
	if err != nil {
		log.Fatal(err)
	}
	// A digitization run indexes what it stored, in one segment.
	err = index.Append(ctx, store, []index.Entry{{
		Batch: "2024-05", DocID: "0001", Status: "digitized",
		TypeName: "Quyết định", CodeNumber: "125", CodeNotation: "QĐ-UBND", IssuedDate: "2024-05-12",
		OrganName: "Ủy ban nhân dân tỉnh Quảng Nam", Subject: "Về việc phê duyệt kế hoạch phòng chống thiên tai",
		Text: "QUYẾT ĐỊNH Về việc phê duyệt kế hoạch phòng chống thiên tai năm 2024",
	}})
	if err != nil {
		log.Fatal(err)
	}
	// Searching syncs a local cache with the store's segments first.
	ix, err := index.Open(ctx, store, filepath.Join(dir, "cache", "index.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer ix.Close()
	hits, err := ix.Search(ctx, index.Query{OrganName: "quang nam", Words: "thien tai"})
	if err != nil {
		log.Fatal(err)
	}
	for _, h := range hits {
		fmt.Println(h.CodeNumber+"/"+h.CodeNotation, h.IssuedDate, "|", h.Snippet)
	}
	// Output: 125/QĐ-UBND 2024-05-12 | QUYẾT ĐỊNH Về việc phê duyệt kế hoạch phòng chống «thiên» «tai» năm 2024
}
