package pkcs11_test

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"

	"github.com/sohoa/sohoa/signer/pkcs11"
)

// Open a token once for a whole batch and sign with the key stored on it.
func ExampleOpen() {
	tok, err := pkcs11.Open(pkcs11.Options{
		ModulePath: "/usr/lib/softhsm/libsofthsm2.so",
		TokenLabel: "my token",
		PIN:        os.Getenv("SOHOA_PIN"),
		KeyID:      "01",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // e.g. "pkcs11: wrong PIN for token ..."
		return
	}
	defer tok.Close()

	key, err := tok.Key()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println("signing as", key.Certificate().Subject)
	for _, doc := range []string{"first document", "second document"} {
		digest := sha256.Sum256([]byte(doc))
		sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return
		}
		fmt.Println(len(sig) > 0)
	}
}
