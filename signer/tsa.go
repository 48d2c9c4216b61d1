package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"time"

	"github.com/sohoa/sohoa/signer/internal/cms"
)

// timestamp is a verified RFC 3161 time-stamp token.
type timestamp struct {
	token []byte // DER ContentInfo
	time  time.Time
	certs []*x509.Certificate // the token's certificates, signer first
}

// requestTimestamp asks the TSA at url to time-stamp digest (made with h)
// and verifies the answer: granted status, the message imprint and nonce
// sent, a valid token signature by a certificate allowed to time-stamp.
func requestTimestamp(ctx context.Context, client *http.Client, url string, h crypto.Hash, digest []byte) (*timestamp, error) {
	hashOID, err := cms.HashOID(h)
	if err != nil {
		return nil, err
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, err
	}
	req, err := asn1.Marshal(cms.TimeStampReq{
		Version:        1,
		MessageImprint: cms.MessageImprint{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: hashOID}, HashedMessage: digest},
		Nonce:          nonce,
		CertReq:        true,
	})
	if err != nil {
		return nil, fmt.Errorf("time-stamp request: %w", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(req))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrTSAUnavailable, url, err)
	}
	hreq.Header.Set("Content-Type", "application/timestamp-query")
	resp, err := client.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrTSAUnavailable, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrTSAUnavailable, url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s: HTTP %s", ErrTSAUnavailable, url, resp.Status)
	}
	var tsr cms.TimeStampResp
	if _, err := asn1.Unmarshal(body, &tsr); err != nil {
		return nil, fmt.Errorf("%w: %s: response: %v", ErrTimestampInvalid, url, err)
	}
	if s := tsr.Status.Status; s != 0 && s != 1 { // granted, grantedWithMods
		return nil, fmt.Errorf("%w: %s: request refused (PKI status %d)", ErrTimestampInvalid, url, s)
	}
	ts, err := verifyTimestampToken(tsr.TimeStampToken.FullBytes, h, digest)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrTimestampInvalid, url, err)
	}
	if info, _ := parseToken(ts.token); info == nil || info.Nonce == nil || info.Nonce.Cmp(nonce) != 0 {
		return nil, fmt.Errorf("%w: %s: the nonce does not match the request", ErrTimestampInvalid, url)
	}
	return ts, nil
}

func parseToken(token []byte) (*cms.TSTInfo, *cms.SignedData) {
	sd, err := cms.Parse(token)
	if err != nil {
		return nil, nil
	}
	info, err := cms.ParseTSTInfo(sd)
	if err != nil {
		return nil, nil
	}
	return info, sd
}

// verifyTimestampToken checks a token's signature, imprint and signer.
func verifyTimestampToken(token []byte, h crypto.Hash, digest []byte) (*timestamp, error) {
	if len(token) == 0 {
		return nil, fmt.Errorf("no token in the response")
	}
	sd, err := cms.Parse(token)
	if err != nil {
		return nil, err
	}
	info, err := cms.ParseTSTInfo(sd)
	if err != nil {
		return nil, err
	}
	if ih, err := cms.HashFromOID(info.MessageImprint.HashAlgorithm.Algorithm); err != nil || ih != h ||
		!bytes.Equal(info.MessageImprint.HashedMessage, digest) {
		return nil, fmt.Errorf("the message imprint is not what was sent")
	}
	cert, err := sd.Verify(nil)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) {
		return nil, fmt.Errorf("certificate %q may not time-stamp (no timeStamping extended key usage)", cert.Subject.CommonName)
	}
	if info.GenTime.Before(cert.NotBefore) || info.GenTime.After(cert.NotAfter) {
		return nil, fmt.Errorf("TSA certificate %q is not valid at %s", cert.Subject.CommonName, info.GenTime)
	}
	certs := []*x509.Certificate{cert}
	for _, c := range sd.Certificates {
		if !c.Equal(cert) {
			certs = append(certs, c)
		}
	}
	return &timestamp{token: token, time: info.GenTime, certs: certs}, nil
}
