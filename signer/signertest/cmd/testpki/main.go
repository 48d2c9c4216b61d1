// Command testpki writes the signer test PKI to a folder and serves its
// time-stamping authority, OCSP responder and CRLs on a loopback port until
// interrupted. For scripts and benchmarks that sign outside of go test.
//
//	go run ./signer/signertest/cmd/testpki -dir /tmp/pki -addr 127.0.0.1:8089
//
// The folder gets root.pem (the trust anchor), intermediate.pem, tsa.pem,
// ocsp.pem, urls.txt and, for every signer kind, KIND.p12 (password from
// -password), KIND.pem (certificate and chain) and KIND.key.pem.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/sohoa/sohoa/signer/signertest"
)

func main() {
	dir := flag.String("dir", "testpki", "folder to write the PKI to")
	addr := flag.String("addr", "127.0.0.1:8089", "loopback address to serve TSA, OCSP and CRLs on")
	password := flag.String("password", "test", "password of the PKCS#12 files")
	flag.Parse()
	if err := run(*dir, *addr, *password); err != nil {
		fmt.Fprintln(os.Stderr, "testpki:", err)
		os.Exit(1)
	}
}

func run(dir, addr, password string) error {
	pki, err := signertest.New(addr)
	if err != nil {
		return err
	}
	defer pki.Close()
	if err := pki.WriteDir(dir, password); err != nil {
		return fmt.Errorf("write %s: %w", dir, err)
	}
	fmt.Printf("testpki: wrote %s; serving %s (TSA %s/tsa); Ctrl-C to stop\n", dir, pki.URL, pki.URL)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}
