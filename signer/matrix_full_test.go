//go:build signmatrix

package signer

import (
	"crypto"
	"testing"

	"github.com/sohoa/sohoa/signer/signertest"
)

// TestSignFullMatrix runs every combination of level, key type, hash,
// xref kind and stamp (192 signatures, several minutes with pyHanko):
//
//	go test -tags signmatrix -run FullMatrix ./signer/
func TestSignFullMatrix(t *testing.T) {
	var cases []signCase
	for _, level := range []Level{LevelBB, LevelBT, LevelBLT, LevelBLTA} {
		for _, kind := range []signertest.Kind{signertest.RSA2048, signertest.RSA3072, signertest.ECDSAP256, signertest.ECDSAP384} {
			for _, hash := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
				for _, xs := range []bool{false, true} {
					for _, stamp := range []bool{false, true} {
						pss := kind == signertest.RSA3072 && hash != crypto.SHA256
						cases = append(cases, signCase{kind, level, hash, pss, xs, stamp})
					}
				}
			}
		}
	}
	runMatrix(t, cases)
}
