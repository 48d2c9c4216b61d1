// Package signertest is a test PKI with real servers for signing tests: a
// root and an intermediate CA, signer certificates of every kind the signer
// must accept or refuse, a time-stamping authority (RFC 3161), an OCSP
// responder and CRLs, all served over HTTP on a loopback address.
//
//	pki := signertest.Start(t)              // servers stop when t ends
//	key := pki.MustSigner(t, signertest.RSA2048)
//	// key satisfies signer.Key; pki.URL+"/tsa" is the TSA; pki.RootPEM() the trust anchor
//
// Signer certificates carry an AIA OCSP URL and a CRL distribution point
// that point at the servers, so revocation checking works without any
// configuration. Keys are made when first asked for: RSA-3072 takes a second.
package signertest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"

	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// Kind names a signer certificate of the test PKI.
type Kind string

// The signer certificates. The last four must be refused by a signer.
const (
	RSA2048        Kind = "rsa2048"
	RSA3072        Kind = "rsa3072"
	ECDSAP256      Kind = "ecdsa-p256"
	ECDSAP384      Kind = "ecdsa-p384"
	Revoked        Kind = "revoked"          // ECDSA P-256, revoked an hour before now
	Expired        Kind = "expired"          // ECDSA P-256, expired a year ago
	NoSigningUsage Kind = "no-signing-usage" // RSA-2048 with key usage keyEncipherment only
	RSA1024        Kind = "rsa1024"          // too weak
)

// Kinds lists every signer kind.
func Kinds() []Kind {
	return []Kind{RSA2048, RSA3072, ECDSAP256, ECDSAP384, Revoked, Expired, NoSigningUsage, RSA1024}
}

// TSAPolicy is the policy OID of the test TSA's tokens.
var TSAPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55555, 1, 1}

var (
	oidEKU          = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidOCSPNoCheck  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
)

// Cert is a certificate with its private key and its chain (issuers up to,
// not including, the root). It satisfies signer.Key.
type Cert struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	Issuers []*x509.Certificate
}

// Public returns the public key.
func (c *Cert) Public() crypto.PublicKey { return c.Key.Public() }

// Sign signs with the private key.
func (c *Cert) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return c.Key.Sign(r, digest, opts)
}

// Certificate returns the certificate.
func (c *Cert) Certificate() *x509.Certificate { return c.Cert }

// Chain returns the issuers, nearest first, without the root.
func (c *Cert) Chain() []*x509.Certificate { return c.Issuers }

// PKCS12 encodes key, certificate and chain as a PKCS#12 file (modern
// encryption: AES-256 and PBKDF2).
func (c *Cert) PKCS12(password string) ([]byte, error) {
	return pkcs12.Modern.Encode(c.Key, c.Cert, c.Issuers, password)
}

// CertPEM is the certificate in PEM.
func (c *Cert) CertPEM() []byte { return PEM(c.Cert) }

// KeyPEM is the private key as PKCS#8 PEM.
func (c *Cert) KeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// PEM encodes certificates as concatenated PEM blocks.
func PEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// PKI is the test PKI and its HTTP server. Its methods are safe for
// concurrent use.
type PKI struct {
	// URL is the server's base URL: URL+"/tsa" is the TSA, URL+"/ocsp" the
	// OCSP responder, URL+"/crl/root.crl" and URL+"/crl/intermediate.crl"
	// the CRLs.
	URL          string
	Root         *Cert
	Intermediate *Cert
	TSA          *Cert // EKU timeStamping (critical), issued by Intermediate
	OCSP         *Cert // EKU OCSPSigning with ocsp-nocheck, issued by Intermediate

	server *http.Server
	done   chan struct{}

	mu        sync.Mutex
	serial    int64
	signers   map[Kind]*Cert
	revoked   map[string]time.Time // serial (decimal) → revocation time
	tsaSerial int64
	counts    map[string]int // requests per endpoint
}

// Start makes a PKI served on 127.0.0.1 for the duration of a test.
func Start(tb testing.TB) *PKI {
	tb.Helper()
	p, err := New("127.0.0.1:0")
	if err != nil {
		tb.Fatalf("signertest: %v", err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

// New makes a PKI and serves it on addr (a loopback "host:port"; port 0
// picks a free one) until Close.
func New(addr string) (*PKI, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("signertest: listen: %w", err)
	}
	p := &PKI{
		URL:     "http://" + ln.Addr().String(),
		signers: map[Kind]*Cert{},
		revoked: map[string]time.Time{},
		counts:  map[string]int{},
		done:    make(chan struct{}),
	}
	if err := p.makeAuthorities(); err != nil {
		ln.Close()
		return nil, err
	}
	p.server = &http.Server{Handler: p.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(p.done)
		p.server.Serve(ln)
	}()
	return p, nil
}

// Close stops the server.
func (p *PKI) Close() error {
	err := p.server.Close()
	<-p.done
	return err
}

// RootPEM is the root certificate in PEM: the trust anchor.
func (p *PKI) RootPEM() []byte { return PEM(p.Root.Cert) }

// Requests tells how many requests an endpoint ("tsa", "ocsp", "crl") has
// served.
func (p *PKI) Requests(endpoint string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[endpoint]
}

// Revoke marks a certificate revoked (keyCompromise) as of at.
func (p *PKI) Revoke(c *x509.Certificate, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.revoked[c.SerialNumber.String()] = at
}

// MustSigner is Signer for tests.
func (p *PKI) MustSigner(tb testing.TB, k Kind) *Cert {
	tb.Helper()
	c, err := p.Signer(k)
	if err != nil {
		tb.Fatalf("signertest: %v", err)
	}
	return c
}

// Signer returns the signer certificate of a kind, making it the first time.
func (p *PKI) Signer(k Kind) (*Cert, error) {
	p.mu.Lock()
	c, ok := p.signers[k]
	p.mu.Unlock()
	if ok {
		return c, nil
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		Subject: pkix.Name{
			CommonName:   "Signer " + string(k),
			Organization: []string{"UBND xã Tân Phú"},
			Country:      []string{"VN"},
		},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
		OCSPServer:            []string{p.URL + "/ocsp"},
		CRLDistributionPoints: []string{p.URL + "/crl/intermediate.crl"},
	}
	var key crypto.Signer
	var err error
	switch k {
	case RSA2048:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case RSA3072:
		key, err = rsa.GenerateKey(rand.Reader, 3072)
	case ECDSAP256, Revoked:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case Expired:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl.NotBefore, tmpl.NotAfter = now.AddDate(-2, 0, 0), now.AddDate(-1, 0, 0)
	case NoSigningUsage:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
		tmpl.KeyUsage = x509.KeyUsageKeyEncipherment
	case RSA1024:
		key, err = rsa.GenerateKey(rand.Reader, 1024)
	default:
		return nil, fmt.Errorf("signertest: unknown signer kind %q", k)
	}
	if err != nil {
		return nil, fmt.Errorf("signertest: key for %s: %w", k, err)
	}
	c, err = p.issue(tmpl, key, p.Intermediate)
	if err != nil {
		return nil, fmt.Errorf("signertest: certificate for %s: %w", k, err)
	}
	if k == Revoked {
		p.Revoke(c.Cert, now.Add(-time.Hour))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.signers[k]; ok { // made concurrently; keep the first
		return prev, nil
	}
	p.signers[k] = c
	return c, nil
}

func (p *PKI) nextSerial() *big.Int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.serial++
	// A time prefix keeps serials of PKIs made at different times apart.
	return new(big.Int).Add(new(big.Int).Lsh(big.NewInt(time.Now().UnixNano()), 16), big.NewInt(p.serial))
}

// issue signs tmpl with issuer (nil: self-signed).
func (p *PKI) issue(tmpl *x509.Certificate, key crypto.Signer, issuer *Cert) (*Cert, error) {
	tmpl.SerialNumber = p.nextSerial()
	parent, signKey := tmpl, key
	var chain []*x509.Certificate
	if issuer != nil {
		parent, signKey = issuer.Cert, issuer.Key
		chain = append([]*x509.Certificate{issuer.Cert}, issuer.Issuers...)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if issuer == nil {
		chain = nil
	} else if issuer.Issuers == nil && issuer.Cert.Equal(p.Root.Cert) {
		chain = nil // the root is not part of a chain
	}
	return &Cert{Cert: cert, Key: key, Issuers: chain}, nil
}

func (p *PKI) makeAuthorities() error {
	now := time.Now()
	rootKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return err
	}
	p.Root, err = p.issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "sohoa Test Root CA", Organization: []string{"sohoa test"}, Country: []string{"VN"}},
		NotBefore:             now.AddDate(0, 0, -7),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}, rootKey, nil)
	if err != nil {
		return fmt.Errorf("signertest: root: %w", err)
	}
	interKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	p.Intermediate, err = p.issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "sohoa Test Issuing CA", Organization: []string{"sohoa test"}, Country: []string{"VN"}},
		NotBefore:             now.AddDate(0, 0, -7),
		NotAfter:              now.AddDate(5, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		CRLDistributionPoints: []string{p.URL + "/crl/root.crl"},
	}, interKey, p.Root)
	if err != nil {
		return fmt.Errorf("signertest: intermediate: %w", err)
	}
	p.Intermediate.Issuers = nil

	ekuTS, _ := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
	tsaKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	p.TSA, err = p.issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "sohoa Test TSA", Organization: []string{"sohoa test"}, Country: []string{"VN"}},
		NotBefore:             now.AddDate(0, 0, -1),
		NotAfter:              now.AddDate(2, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		// RFC 3161 2.3: the only EKU, and critical; Go's ExtKeyUsage field
		// would make it non-critical.
		ExtraExtensions:       []pkix.Extension{{Id: oidEKU, Critical: true, Value: ekuTS}},
		OCSPServer:            []string{p.URL + "/ocsp"},
		CRLDistributionPoints: []string{p.URL + "/crl/intermediate.crl"},
	}, tsaKey, p.Intermediate)
	if err != nil {
		return fmt.Errorf("signertest: TSA: %w", err)
	}
	ocspKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	p.OCSP, err = p.issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "sohoa Test OCSP Responder", Organization: []string{"sohoa test"}, Country: []string{"VN"}},
		NotBefore:             now.AddDate(0, 0, -1),
		NotAfter:              now.AddDate(2, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
		BasicConstraintsValid: true,
		// Validators need not check the responder's own revocation.
		ExtraExtensions: []pkix.Extension{{Id: oidOCSPNoCheck, Value: []byte{0x05, 0x00}}},
	}, ocspKey, p.Intermediate)
	if err != nil {
		return fmt.Errorf("signertest: OCSP responder: %w", err)
	}
	return nil
}

// WriteDir writes the PKI to dir: root.pem, intermediate.pem, tsa.pem,
// ocsp.pem, and for every signer kind KIND.pem, KIND.key.pem and KIND.p12
// (encrypted with password), plus urls.txt naming the servers.
func (p *PKI) WriteDir(dir, password string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string][]byte{
		"root.pem":         p.RootPEM(),
		"intermediate.pem": p.Intermediate.CertPEM(),
		"tsa.pem":          p.TSA.CertPEM(),
		"ocsp.pem":         p.OCSP.CertPEM(),
		"urls.txt": fmt.Appendf(nil, "tsa %s/tsa\nocsp %s/ocsp\ncrl %s/crl/intermediate.crl\ncrl %s/crl/root.crl\n",
			p.URL, p.URL, p.URL, p.URL),
	}
	for _, k := range Kinds() {
		c, err := p.Signer(k)
		if err != nil {
			return err
		}
		keyPEM, err := c.KeyPEM()
		if err != nil {
			return err
		}
		p12, err := c.PKCS12(password)
		if err != nil {
			return fmt.Errorf("signertest: PKCS#12 of %s: %w", k, err)
		}
		files[string(k)+".pem"] = PEM(append([]*x509.Certificate{c.Cert}, c.Issuers...)...)
		files[string(k)+".key.pem"] = keyPEM
		files[string(k)+".p12"] = p12
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
