package signer_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"log"
	"os"

	"github.com/sohoa/sohoa/signer"
)

// Verify a signed copy for an auditor, offline, and print each finding in
// Vietnamese.
func ExampleVerify() {
	rootsPEM, err := os.ReadFile("roots.pem")
	if err != nil {
		log.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(rootsPEM)
	f, err := os.Open("signed.pdf")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	rep, err := signer.Verify(context.Background(), f, st.Size(), signer.VerifyOptions{
		Roots:        roots,
		RequireLevel: signer.LevelBLT, // what the archive signed at
	})
	if err != nil {
		log.Fatal(err) // the file could not be read
	}
	for _, s := range rep.Signatures {
		fmt.Println(s.FieldName, s.Status, s.Level, s.Signer.CommonName, s.Signer.Issuer, s.ValidationTime, s.TimeSource)
		for _, r := range s.Reasons {
			fmt.Println("  ", r.Code, r.Text("vi"))
		}
	}
	fmt.Println(rep.Status, rep.Warnings())
}
