package main

import (
	"bufio"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/signer"
	"github.com/sohoa/sohoa/signer/pkcs11"
	"github.com/sohoa/sohoa/storage"
)

func runSign(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sign", "sohoa sign BATCH (--p12 FILE | --pkcs11-module PATH --token-label L (--key-label K | --key-id HEX)) [--level B-B|B-T|B-LT|B-LTA] [--tsa URL] [--approve]", stdout)
	store := fs.String("store", defaultStore(), "store `URL` (default ./sohoa-data)")
	p12 := fs.String("p12", "", "sign with the key in this PKCS#12 `FILE` (password from SOHOA_PIN, --pin-file or a prompt)")
	module := fs.String("pkcs11-module", "", "sign with a PKCS#11 token through this module `PATH` (the token vendor's library)")
	tokenLabel := fs.String("token-label", "", "PKCS#11 token `LABEL`")
	keyLabel := fs.String("key-label", "", "PKCS#11 key `LABEL`")
	keyID := fs.String("key-id", "", "PKCS#11 key id in `HEX`")
	pinFile := fs.String("pin-file", "", "read the PIN or password from `FILE` (else SOHOA_PIN, else a prompt on a terminal)")
	levelFlag := fs.String("level", "", "PAdES level: B-B, B-T, B-LT or B-LTA (default B-B, or B-LT with --tsa)")
	tsa := fs.String("tsa", "", "RFC 3161 time-stamping authority `URL` (required from B-T)")
	hashFlag := fs.String("hash", "sha256", "digest: sha256, sha384 or sha512")
	pss := fs.Bool("pss", false, "RSA keys: sign with RSASSA-PSS instead of PKCS#1 v1.5")
	stamp := fs.String("stamp", "", "form of copy shown in the visible stamp, e.g. \"SAO Y\"")
	noStamp := fs.Bool("no-stamp", false, "make the signature invisible (no stamp on page 1)")
	rootsFile := fs.String("roots", "", "PEM `FILE` of trust anchors, used to check revocation data of the chain's top")
	approve := fs.Bool("approve", false, "approve the batch as summarised and sign it without asking")
	includeFlagged := fs.Bool("include-flagged", false, "also sign documents still flagged for review")
	user := fs.String("user", "", "who approves, recorded with the approval (default: the OS user)")
	retention := fs.String("retention", "", "on S3 stores with object lock, keep signed copies for this long (e.g. 10y, 180d)")
	retentionMode := fs.String("retention-mode", "governance", "object-lock mode: governance or compliance")
	legalHold := fs.Bool("legal-hold", false, "on S3 stores with object lock, put a legal hold on signed copies")
	asJSON := fs.Bool("json", false, "print the outcome as JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("name exactly one BATCH")
	}
	if (*p12 == "") == (*module == "") {
		return usagef("give exactly one key source: --p12 FILE or --pkcs11-module PATH")
	}
	if *p12 != "" && (*tokenLabel != "" || *keyLabel != "" || *keyID != "") {
		return usagef("--token-label, --key-label and --key-id go with --pkcs11-module, not --p12")
	}
	if *noStamp && *stamp != "" {
		return usagef("--stamp and --no-stamp exclude each other")
	}
	opts := signer.Options{TSAURL: *tsa, PSS: *pss, Reason: "Sao y bản chính"}
	switch {
	case *levelFlag != "":
		if opts.Level, err = signer.ParseLevel(*levelFlag); err != nil {
			return usagef("--level: %v", err)
		}
	case *tsa != "":
		opts.Level = signer.LevelBLT
	default:
		opts.Level = signer.LevelBB
	}
	if opts.Level != signer.LevelBB && *tsa == "" {
		return usagef("--level %s needs a time-stamping authority: --tsa URL", opts.Level)
	}
	switch strings.ToLower(*hashFlag) {
	case "sha256":
		opts.Hash = crypto.SHA256
	case "sha384":
		opts.Hash = crypto.SHA384
	case "sha512":
		opts.Hash = crypto.SHA512
	default:
		return usagef("--hash %q: use sha256, sha384 or sha512", *hashFlag)
	}
	if !*noStamp {
		opts.Stamp = &signer.Stamp{FormOfCopy: *stamp}
	}
	if *rootsFile != "" {
		if opts.Roots, err = readCertificates(*rootsFile); err != nil {
			return usagef("--roots: %v", err)
		}
	}
	cfg := pipeline.SignConfig{Who: *user, LegalHold: *legalHold}
	if cfg.Who == "" {
		cfg.Who = pipeline.CurrentUser()
	}
	if *retention != "" {
		if cfg.Retention, err = parseRetention(*retention); err != nil {
			return usagef("--retention: %v", err)
		}
	}
	switch strings.ToLower(*retentionMode) {
	case "governance":
		cfg.RetentionMode = storage.RetentionGovernance
	case "compliance":
		cfg.RetentionMode = storage.RetentionCompliance
	default:
		return usagef("--retention-mode %q: use governance or compliance", *retentionMode)
	}
	batch := rest[0]
	st, err := openBatch(ctx, *store, batch)
	if err != nil {
		return err
	}

	pin, err := readPIN(*pinFile, stderr)
	if err != nil {
		return err
	}
	var key signer.Key
	if *p12 != "" {
		data, err := os.ReadFile(*p12)
		if err != nil {
			return usagef("--p12: %v", err)
		}
		if key, err = signer.OpenPKCS12(data, pin); err != nil {
			return fmt.Errorf("open %s: %w", *p12, err)
		}
	} else {
		tok, err := pkcs11.Open(pkcs11.Options{ModulePath: *module, TokenLabel: *tokenLabel, PIN: pin, KeyLabel: *keyLabel, KeyID: *keyID})
		if err != nil {
			return fmt.Errorf("open token: %w", err)
		}
		defer tok.Close()
		if key, err = tok.Key(); err != nil {
			return fmt.Errorf("token %s: %w", tok.Label(), err)
		}
	}
	// Refuse a certificate that cannot sign before asking for approval.
	if err := signer.CheckKey(key, time.Now()); err != nil {
		return fmt.Errorf("cannot sign with this certificate: %w", err)
	}

	plan, err := pipeline.PlanSigning(ctx, st, batch, key, *includeFlagged)
	if err != nil {
		return err
	}
	printPlan(stderr, plan, opts.Level)
	if plan.ToSignCount == 0 {
		// A run killed after its last signature may have left the
		// manifest and the index behind.
		if err := pipeline.FinishBatch(ctx, st, batch, time.Now()); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "Nothing to sign.")
		return nil
	}
	if !*approve {
		ok, err := confirm(stderr, fmt.Sprintf("Approve and sign %d document(s)? [y/N] ", plan.ToSignCount))
		if err != nil {
			return err
		}
		if !ok {
			return usagef("not approved: nothing was signed (add --approve to approve without a prompt)")
		}
	}
	cfg.Options = opts
	cfg.Reporter = newProgressReporter(stderr, "sign")
	sum, err := pipeline.SignApproved(ctx, st, plan, key, cfg)
	if sum != nil {
		if *asJSON {
			if err := writeJSON(stdout, sum); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(stdout, "Signed %d document(s), %d failed. Approval recorded at %s.\n", sum.Signed, sum.Failed, sum.ApprovalKey)
			for _, r := range sum.Results {
				if r.Outcome != "signed" {
					fmt.Fprintf(stdout, "  FAILED %s\n", r.Error)
				}
			}
		}
	}
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		return errFailures
	}
	return nil
}

func printPlan(w io.Writer, p *pipeline.SignPlan, level signer.Level) {
	c := p.Certificate
	fmt.Fprintf(w, "Batch %s: %d document(s); %d to sign at PAdES %s, %d already signed, %d failed digitization, %d need review",
		p.Batch, p.Documents, p.ToSignCount, level, p.AlreadySigned, p.Failed, p.NeedReview)
	if p.NeedReview > 0 && !p.IncludeFlagged {
		fmt.Fprint(w, " (held back: review them with 'sohoa review', or add --include-flagged)")
	}
	fmt.Fprintf(w, "\nCertificate: %s\n  issuer:    %s\n  valid:     %s to %s\n  key usage: %s\n  sha256:    %s\n",
		c.Subject, c.Issuer, c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly), strings.Join(c.KeyUsage, ", "), c.SHA256)
}

// readPIN takes the PIN or password from --pin-file, SOHOA_PIN, or a prompt
// on the terminal — never from a flag's value, so it stays out of shell
// history and process lists.
func readPIN(pinFile string, prompt io.Writer) (string, error) {
	if pinFile != "" {
		b, err := os.ReadFile(pinFile)
		if err != nil {
			return "", usagef("--pin-file: %v", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if pin, ok := os.LookupEnv("SOHOA_PIN"); ok {
		return pin, nil
	}
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return "", usagef("no PIN or password: set SOHOA_PIN or use --pin-file FILE")
	}
	fmt.Fprint(prompt, "PIN or password: ")
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(prompt)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func confirm(prompt io.Writer, question string) (bool, error) {
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return false, nil
	}
	fmt.Fprint(prompt, question)
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes" || answer == "c" || answer == "có", nil
}

// parseRetention reads "10y", "180d" or a Go duration.
func parseRetention(s string) (time.Duration, error) {
	if n := len(s); n > 1 && (s[n-1] == 'y' || s[n-1] == 'd') {
		v, err := strconv.Atoi(s[:n-1])
		if err != nil || v <= 0 {
			return 0, fmt.Errorf("%q: use e.g. 10y or 180d", s)
		}
		day := 24 * time.Hour
		if s[n-1] == 'y' {
			return time.Duration(v) * 365 * day, nil
		}
		return time.Duration(v) * day, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: use e.g. 10y or 180d", s)
	}
	return d, nil
}

func readCertificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no PEM certificate", path)
	}
	return certs, nil
}
