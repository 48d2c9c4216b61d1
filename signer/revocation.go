package signer

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"
)

// revocationInfo is validation material for the DSS.
type revocationInfo struct {
	certs    []*x509.Certificate
	ocsps    [][]byte
	crls     [][]byte
	checked  map[string]bool                 // certificates (DER) already looked up
	crlByURL map[string]*x509.RevocationList // CRLs fetched, one request per URL
}

func (ri *revocationInfo) addCRL(der []byte) {
	for _, have := range ri.crls {
		if bytes.Equal(have, der) {
			return
		}
	}
	ri.crls = append(ri.crls, der)
}

func (ri *revocationInfo) addCert(c *x509.Certificate) {
	for _, have := range ri.certs {
		if have.Equal(c) {
			return
		}
	}
	ri.certs = append(ri.certs, c)
}

// findIssuer returns the certificate in pool that signed c.
func findIssuer(c *x509.Certificate, pool []*x509.Certificate) *x509.Certificate {
	for _, p := range pool {
		if bytes.Equal(c.RawIssuer, p.RawSubject) && c.CheckSignatureFrom(p) == nil {
			return p
		}
	}
	return nil
}

func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

// collectRevocation fetches OCSP responses and CRLs for every certificate
// in targets that is not a root, adding them and the certificates to ri.
// A revoked certificate is ErrRevoked. Strict targets (the signer's) must
// get a verified answer or the result is ErrRevocationUnknown; for the
// others the material is gathered as far as it can be.
func collectRevocation(ctx context.Context, client *http.Client, ri *revocationInfo, targets, pool []*x509.Certificate, strict *x509.Certificate) error {
	for _, c := range append(append([]*x509.Certificate(nil), targets...), pool...) {
		ri.addCert(c)
	}
	if ri.checked == nil {
		ri.checked = map[string]bool{}
		ri.crlByURL = map[string]*x509.RevocationList{}
	}
	for _, c := range targets {
		if selfSigned(c) || ri.checked[string(c.Raw)] {
			continue
		}
		ri.checked[string(c.Raw)] = true
		issuer := findIssuer(c, pool)
		known := false
		if issuer != nil {
			for _, url := range c.OCSPServer {
				der, resp, err := fetchOCSP(ctx, client, url, c, issuer)
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					continue
				}
				switch resp.Status {
				case ocsp.Revoked:
					return fmt.Errorf("%w: %q (serial %X) revoked on %s, said %s", ErrRevoked,
						c.Subject.CommonName, c.SerialNumber, resp.RevokedAt.Format(time.RFC3339), url)
				case ocsp.Good:
					ri.ocsps = append(ri.ocsps, der)
					if resp.Certificate != nil {
						ri.addCert(resp.Certificate)
					}
					known = true
				}
				break
			}
		}
		for _, url := range c.CRLDistributionPoints {
			if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
				continue
			}
			crl, ok := ri.crlByURL[url]
			if !ok {
				var err error
				if _, crl, err = fetchCRL(ctx, client, url); err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					continue
				}
				ri.crlByURL[url] = crl
			}
			der := crl.Raw
			verified := issuer != nil && crl.CheckSignatureFrom(issuer) == nil
			if issuer != nil && !verified {
				continue // not this certificate's CRL
			}
			for _, e := range crl.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(c.SerialNumber) == 0 && verified {
					return fmt.Errorf("%w: %q (serial %X) revoked on %s, says the CRL %s", ErrRevoked,
						c.Subject.CommonName, c.SerialNumber, e.RevocationTime.Format(time.RFC3339), url)
				}
			}
			ri.addCRL(der)
			known = known || verified
			break
		}
		if !known && c == strict {
			return fmt.Errorf("%w: %q", ErrRevocationUnknown, c.Subject.CommonName)
		}
	}
	return nil
}

func fetchOCSP(ctx context.Context, client *http.Client, url string, c, issuer *x509.Certificate) ([]byte, *ocsp.Response, error) {
	req, err := ocsp.CreateRequest(c, issuer, nil)
	if err != nil {
		return nil, nil, err
	}
	body, err := httpDo(ctx, client, http.MethodPost, url, "application/ocsp-request", req)
	if err != nil {
		return nil, nil, err
	}
	resp, err := ocsp.ParseResponseForCert(body, c, issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("OCSP %s: %w", url, err)
	}
	return body, resp, nil
}

func fetchCRL(ctx context.Context, client *http.Client, url string) ([]byte, *x509.RevocationList, error) {
	body, err := httpDo(ctx, client, http.MethodGet, url, "", nil)
	if err != nil {
		return nil, nil, err
	}
	crl, err := x509.ParseRevocationList(body)
	if err != nil {
		return nil, nil, fmt.Errorf("CRL %s: %w", url, err)
	}
	return body, crl, nil
}

func httpDo(ctx context.Context, client *http.Client, method, url, contentType string, body []byte) ([]byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: HTTP %s", method, url, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 32<<20))
}
