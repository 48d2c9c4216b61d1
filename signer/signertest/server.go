package signertest

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/sohoa/sohoa/signer/internal/cms"
)

func (p *PKI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /tsa", p.serveTSA)
	mux.HandleFunc("POST /ocsp", p.serveOCSP)
	mux.HandleFunc("GET /ocsp/", p.serveOCSP)
	mux.HandleFunc("GET /crl/{name}", p.serveCRL)
	return mux
}

func (p *PKI) count(endpoint string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts[endpoint]++
}

// serveTSA answers an RFC 3161 TimeStampReq with a token signed by the
// TSA certificate: policy TSAPolicy, a serial number, genTime, accuracy of
// one second, the nonce echoed and the certificate when asked for.
func (p *PKI) serveTSA(w http.ResponseWriter, r *http.Request) {
	p.count("tsa")
	if ct := r.Header.Get("Content-Type"); ct != "application/timestamp-query" {
		http.Error(w, "content type must be application/timestamp-query", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req cms.TimeStampReq
	if _, err := asn1.Unmarshal(body, &req); err != nil {
		writeTSPFailure(w, 2, 5) // rejection, badDataFormat
		return
	}
	if _, err := cms.HashFromOID(req.MessageImprint.HashAlgorithm.Algorithm); err != nil {
		writeTSPFailure(w, 2, 0) // badAlg
		return
	}
	p.mu.Lock()
	p.tsaSerial++
	serial := big.NewInt(p.tsaSerial)
	p.mu.Unlock()
	info := cms.EncodeTSTInfo(cms.TSTInfo{
		Policy:         TSAPolicy,
		MessageImprint: req.MessageImprint,
		SerialNumber:   serial,
		GenTime:        time.Now().Truncate(time.Second),
		Accuracy:       cms.Accuracy{Seconds: 1},
		Nonce:          req.Nonce,
	})
	token, err := cms.Sign(cms.Params{
		Signer:           p.TSA.Key,
		Certificate:      p.TSA.Cert,
		Certificates:     p.TSA.Issuers,
		OmitCertificates: !req.CertReq,
		Hash:             crypto.SHA256,
		ContentType:      cms.OIDTSTInfo,
		Content:          info,
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(cms.Seq(cms.Seq(cms.Integer(big.NewInt(0))), token))
}

func writeTSPFailure(w http.ResponseWriter, status int, failBit int) {
	bits := asn1.BitString{Bytes: make([]byte, 4), BitLength: failBit + 1}
	bits.Bytes[failBit/8] |= 0x80 >> (failBit % 8)
	failInfo, _ := asn1.Marshal(bits)
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(cms.Seq(cms.Seq(cms.Integer(big.NewInt(int64(status))), failInfo)))
}

// serveOCSP answers for certificates issued by the intermediate CA,
// signed by the delegated responder certificate.
func (p *PKI) serveOCSP(w http.ResponseWriter, r *http.Request) {
	p.count("ocsp")
	var body []byte
	var err error
	if r.Method == http.MethodGet {
		body, err = base64.StdEncoding.DecodeString(strings.TrimPrefix(r.URL.Path, "/ocsp/"))
	} else {
		body, err = io.ReadAll(io.LimitReader(r.Body, 1<<16))
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req, err := ocsp.ParseRequest(body)
	if err != nil {
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	now := time.Now()
	tmpl := ocsp.Response{
		Status:       ocsp.Good,
		SerialNumber: req.SerialNumber,
		ThisUpdate:   now.Add(-time.Minute).Truncate(time.Second),
		NextUpdate:   now.Add(24 * time.Hour).Truncate(time.Second),
		ProducedAt:   now.Truncate(time.Second),
		Certificate:  p.OCSP.Cert,
		IssuerHash:   req.HashAlgorithm,
	}
	if !p.issuedByIntermediate(req) {
		tmpl.Status = ocsp.Unknown
	} else if at, ok := p.revokedAt(req.SerialNumber); ok {
		tmpl.Status = ocsp.Revoked
		tmpl.RevokedAt = at.Truncate(time.Second)
		tmpl.RevocationReason = ocsp.KeyCompromise
	}
	resp, err := ocsp.CreateResponse(p.Intermediate.Cert, p.OCSP.Cert, tmpl, p.OCSP.Key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(resp)
}

func (p *PKI) issuedByIntermediate(req *ocsp.Request) bool {
	h := req.HashAlgorithm.New()
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(p.Intermediate.Cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		return false
	}
	h.Write(spki.PublicKey.RightAlign())
	return string(h.Sum(nil)) == string(req.IssuerKeyHash)
}

func (p *PKI) revokedAt(serial *big.Int) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at, ok := p.revoked[serial.String()]
	return at, ok
}

// serveCRL serves a fresh CRL of the root (root.crl) or the intermediate
// (intermediate.crl).
func (p *PKI) serveCRL(w http.ResponseWriter, r *http.Request) {
	p.count("crl")
	var issuer *Cert
	switch r.PathValue("name") {
	case "root.crl":
		issuer = p.Root
	case "intermediate.crl":
		issuer = p.Intermediate
	default:
		http.NotFound(w, r)
		return
	}
	now := time.Now()
	tmpl := &x509.RevocationList{
		Number:     big.NewInt(now.Unix()),
		ThisUpdate: now.Add(-time.Minute),
		NextUpdate: now.Add(24 * time.Hour),
	}
	if issuer == p.Intermediate {
		p.mu.Lock()
		for serial, at := range p.revoked {
			n, _ := new(big.Int).SetString(serial, 10)
			tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
				SerialNumber: n, RevocationTime: at, ReasonCode: 1, // keyCompromise
			})
		}
		p.mu.Unlock()
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, issuer.Cert, issuer.Key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Write(der)
}
