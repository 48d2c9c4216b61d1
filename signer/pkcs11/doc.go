// Package pkcs11 gives sohoa signing keys that live on a PKCS#11 token: a USB
// token or smart card issued by a certification authority, or an HSM.
//
// Open loads the vendor's PKCS#11 module, finds the token, logs in once and
// keeps that session for the whole batch; Key finds the private key, the
// certificate stored next to it and the CA certificates that lead up to the
// root, and returns a signer.Key whose Sign runs on the token:
//
//	tok, err := pkcs11.Open(pkcs11.Options{
//		ModulePath: "/usr/lib/softhsm/libsofthsm2.so",
//		TokenLabel: "my token",
//		PIN:        pin,
//		KeyLabel:   "signing key",
//	})
//	if err != nil { ... }
//	defer tok.Close()
//	key, err := tok.Key()
//
// RSA keys sign with PKCS#1 v1.5 or, when the options are *rsa.PSSOptions,
// RSA-PSS; ECDSA keys return ASN.1 DER signatures, as crypto.Signer requires.
// A Token is safe for concurrent use: signatures are serialised on its one
// session, which is what a USB token does in hardware anyway.
//
// # Pointing sohoa at a real token
//
// Three things identify a key on a token:
//
//   - the module: the PKCS#11 library (.so on Linux, .dll on Windows,
//     .dylib on macOS) installed with the token's driver, given as
//     --pkcs11-module PATH;
//   - the token: --token-label LABEL (the name the token shows in its
//     vendor tool; an unknown label makes the error list the labels present);
//   - the key: --key-label LABEL or --key-id HEX (the CKA_ID, the same for the
//     key and its certificate). With only one key on the token neither is
//     needed; otherwise an unknown key makes the error list the keys present.
//
// The PIN comes from the SOHOA_PIN environment variable, from --pin-file
// FILE, or from a prompt; it is never written to a log or an error message.
// A token with a PIN pad (protected authentication path) needs no PIN: the
// holder types it on the device. Several wrong PINs in a row lock most
// tokens, so after ErrWrongPIN ask again rather than retry automatically.
//
// The certificate must be stored on the token with the same CKA_ID (or label)
// as the key, which is how CA tools write it. Intermediate certificates that
// the token lacks can be supplied in Options.ExtraChain.
//
// # Testing
//
// The tests run against SoftHSM2 (Debian package softhsm2), each in its own
// token directory made by scripts/softhsm-setup.sh. They skip when
// /usr/lib/softhsm/libsofthsm2.so is absent, unless CI is set, in which case
// they fail.
package pkcs11
