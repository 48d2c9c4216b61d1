package signer_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/sohoa/sohoa/signer"
)

// Sign an approved document as a certified copy ("sao y") at PAdES B-LT,
// with a visible stamp.
func ExampleSign() {
	p12, err := os.ReadFile("org.p12")
	if err != nil {
		log.Fatal(err)
	}
	key, err := signer.OpenPKCS12(p12, os.Getenv("SOHOA_P12_PASSWORD"))
	if err != nil {
		log.Fatal(err) // errors.Is(err, signer.ErrWrongPassword) etc.
	}
	in, err := os.Open("approved.pdf")
	if err != nil {
		log.Fatal(err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		log.Fatal(err)
	}
	out, err := os.Create("signed.pdf.tmp")
	if err != nil {
		log.Fatal(err)
	}
	res, err := signer.Sign(context.Background(), in, st.Size(), out, key, signer.Options{
		Level:  signer.LevelBLT,
		TSAURL: "http://tsa.example.vn/tsa",
		Time:   time.Now(),
		Reason: "Sao y bản chính",
		Stamp:  &signer.Stamp{FormOfCopy: "SAO Y"},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Level, res.FieldName, res.TimestampTime)
}
