package pkcs11

import (
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/pkcs11"
)

// Errors callers may test for with errors.Is. The messages that wrap them
// carry the details (which labels exist, which keys are on the token).
var (
	ErrModuleNotFound    = errors.New("PKCS#11 module not found")
	ErrModuleNotLoadable = errors.New("PKCS#11 module cannot be loaded")
	ErrTokenNotFound     = errors.New("token not found")
	ErrTokenBusy         = errors.New("token already in use")
	ErrPINRequired       = errors.New("PIN required")
	ErrWrongPIN          = errors.New("wrong PIN")
	ErrPINLocked         = errors.New("PIN locked")
	ErrKeyNotFound       = errors.New("key not found")
	ErrNoCertificate     = errors.New("no certificate for the key")
	ErrKeyMismatch       = errors.New("certificate does not match the key")
	ErrClosed            = errors.New("token closed")
)

// Options say which token and key to use.
type Options struct {
	// ModulePath is the vendor's PKCS#11 library, e.g.
	// /usr/lib/softhsm/libsofthsm2.so.
	ModulePath string
	// TokenLabel selects the token by its label. SlotID selects it by slot
	// instead; give at most one. With neither, the only token present is used.
	TokenLabel string
	SlotID     *uint
	// PIN is the user PIN. It may be empty only for tokens with a PIN pad.
	// The Token keeps it until Close because keys marked
	// CKA_ALWAYS_AUTHENTICATE need it again for every signature; it never
	// appears in an error.
	PIN string
	// KeyLabel (CKA_LABEL) and KeyID (CKA_ID, hex such as "01ab", "01:ab" or
	// "0x01ab") select the private key; when both are given both must match.
	// With neither, the only private key on the token is used.
	KeyLabel string
	KeyID    string
	// ExtraChain adds CA certificates the token lacks; they are used, like the
	// CA certificates on the token, to build the key's chain.
	ExtraChain []*x509.Certificate
}

// Token is a logged-in session with one token. Its methods are safe for
// concurrent use; operations are serialised on the one session.
type Token struct {
	mod   *module
	slot  uint
	label string
	opts  Options
	keyID []byte

	mu      sync.Mutex // guards everything below and the session's operation state
	session pkcs11.SessionHandle
	closed  bool
	logins  int // C_Login calls made, for tests: a batch must log in once
}

// Open loads the module, finds the token, opens a session and logs in. The
// login lasts until Close, however many signatures are made.
func Open(opts Options) (*Token, error) {
	if opts.TokenLabel != "" && opts.SlotID != nil {
		return nil, errors.New("pkcs11: give a token label or a slot ID, not both")
	}
	keyID, err := parseKeyID(opts.KeyID)
	if err != nil {
		return nil, err
	}
	mod, err := acquireModule(opts.ModulePath)
	if err != nil {
		return nil, fmt.Errorf("pkcs11: %w", err)
	}
	t := &Token{mod: mod, opts: opts, keyID: keyID}
	if err := t.open(); err != nil {
		_ = mod.release()
		return nil, fmt.Errorf("pkcs11: %w", err)
	}
	return t, nil
}

func (t *Token) open() error {
	slot, info, err := findSlot(t.mod, t.opts)
	if err != nil {
		return err
	}
	t.slot, t.label = slot, info.Label
	if err := t.mod.claimSlot(slot, info.Label); err != nil {
		return err
	}
	if err := t.login(info); err != nil {
		t.mod.releaseSlot(slot)
		return err
	}
	return nil
}

// findSlot returns the slot whose token the options select.
func findSlot(mod *module, opts Options) (uint, pkcs11.TokenInfo, error) {
	slots, err := mod.ctx.GetSlotList(true)
	if err != nil {
		return 0, pkcs11.TokenInfo{}, fmt.Errorf("list slots of %s: %w", mod.path, err)
	}
	type found struct {
		slot uint
		info pkcs11.TokenInfo
	}
	var tokens []found
	for _, s := range slots {
		info, err := mod.ctx.GetTokenInfo(s)
		if err != nil {
			continue // a token being removed or broken: not one we can use
		}
		if info.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
			continue // SoftHSM and some HSMs show an empty slot for new tokens
		}
		info.Label = cleanLabel(info.Label)
		tokens = append(tokens, found{s, info})
	}
	describe := func() string {
		if len(tokens) == 0 {
			return "no initialised token is present"
		}
		var names []string
		for _, f := range tokens {
			names = append(names, fmt.Sprintf("%q (slot %d)", f.info.Label, f.slot))
		}
		return "tokens present: " + strings.Join(names, ", ")
	}
	switch {
	case opts.SlotID != nil:
		for _, f := range tokens {
			if f.slot == *opts.SlotID {
				return f.slot, f.info, nil
			}
		}
		return 0, pkcs11.TokenInfo{}, fmt.Errorf("%w: no token in slot %d of %s; %s", ErrTokenNotFound, *opts.SlotID, mod.path, describe())
	case opts.TokenLabel != "":
		var match []found
		for _, f := range tokens {
			if f.info.Label == opts.TokenLabel {
				match = append(match, f)
			}
		}
		switch len(match) {
		case 1:
			return match[0].slot, match[0].info, nil
		case 0:
			return 0, pkcs11.TokenInfo{}, fmt.Errorf("%w: no token labelled %q in %s; %s", ErrTokenNotFound, opts.TokenLabel, mod.path, describe())
		default:
			return 0, pkcs11.TokenInfo{}, fmt.Errorf("%d tokens are labelled %q; select one by slot ID; %s", len(match), opts.TokenLabel, describe())
		}
	default:
		if len(tokens) == 1 {
			return tokens[0].slot, tokens[0].info, nil
		}
		if len(tokens) == 0 {
			return 0, pkcs11.TokenInfo{}, fmt.Errorf("%w: %s in %s", ErrTokenNotFound, describe(), mod.path)
		}
		return 0, pkcs11.TokenInfo{}, fmt.Errorf("several tokens present, give a token label; %s", describe())
	}
}

// login opens the session and logs the user in. Errors never mention the PIN.
func (t *Token) login(info pkcs11.TokenInfo) error {
	ctx := t.mod.ctx
	if info.Flags&pkcs11.CKF_USER_PIN_LOCKED != 0 {
		return fmt.Errorf("%w: token %q: the user PIN is locked; unlock it with the token's administration tool", ErrPINLocked, t.label)
	}
	pinPad := info.Flags&pkcs11.CKF_PROTECTED_AUTHENTICATION_PATH != 0
	if t.opts.PIN == "" && !pinPad {
		return fmt.Errorf("%w: token %q", ErrPINRequired, t.label)
	}
	session, err := ctx.OpenSession(t.slot, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		return fmt.Errorf("token %q: open session: %w", t.label, err)
	}
	t.logins++
	err = ctx.Login(session, pkcs11.CKU_USER, t.opts.PIN)
	if err != nil && !isCode(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		_ = ctx.CloseSession(session)
		return t.loginError(err)
	}
	t.session = session
	return nil
}

func (t *Token) loginError(err error) error {
	switch {
	case isCode(err, pkcs11.CKR_PIN_INCORRECT), isCode(err, pkcs11.CKR_PIN_INVALID), isCode(err, pkcs11.CKR_PIN_LEN_RANGE):
		hint := ""
		// Tokens that count failures say so in their flags; worth telling the
		// user before the next try locks the token.
		if info, ierr := t.mod.ctx.GetTokenInfo(t.slot); ierr == nil {
			switch {
			case info.Flags&pkcs11.CKF_USER_PIN_LOCKED != 0:
				return fmt.Errorf("%w: token %q: the user PIN is now locked", ErrPINLocked, t.label)
			case info.Flags&pkcs11.CKF_USER_PIN_FINAL_TRY != 0:
				hint = " (one attempt left before the PIN locks)"
			case info.Flags&pkcs11.CKF_USER_PIN_COUNT_LOW != 0:
				hint = " (few attempts left before the PIN locks)"
			}
		}
		return fmt.Errorf("%w for token %q%s", ErrWrongPIN, t.label, hint)
	case isCode(err, pkcs11.CKR_PIN_LOCKED):
		return fmt.Errorf("%w: token %q: unlock it with the token's administration tool", ErrPINLocked, t.label)
	case isCode(err, pkcs11.CKR_PIN_EXPIRED):
		return fmt.Errorf("token %q: the PIN has expired; change it with the token's administration tool: %w", t.label, err)
	default:
		return fmt.Errorf("token %q: login: %w", t.label, err)
	}
}

// Label is the token's label.
func (t *Token) Label() string { return t.label }

// Close logs out, closes the session and, when no other Token uses it,
// unloads the module. Keys from this Token stop working. Close is idempotent.
func (t *Token) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	var errs []error
	ctx := t.mod.ctx
	if err := ctx.Logout(t.session); err != nil && !isCode(err, pkcs11.CKR_USER_NOT_LOGGED_IN) && !isCode(err, pkcs11.CKR_SESSION_HANDLE_INVALID) {
		errs = append(errs, fmt.Errorf("logout: %w", err))
	}
	if err := ctx.CloseSession(t.session); err != nil && !isCode(err, pkcs11.CKR_SESSION_HANDLE_INVALID) {
		errs = append(errs, fmt.Errorf("close session: %w", err))
	}
	t.mod.releaseSlot(t.slot)
	if err := t.mod.release(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pkcs11: close token %q: %w", t.label, err)
	}
	return nil
}

// parseKeyID reads a CKA_ID written as hex, allowing a 0x prefix and
// colon or space separators as vendor tools print them.
func parseKeyID(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	clean := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	clean = strings.NewReplacer(":", "", " ", "", "-", "").Replace(clean)
	id, err := hex.DecodeString(clean)
	if err != nil || len(id) == 0 {
		return nil, fmt.Errorf("pkcs11: key ID %q is not hex (want e.g. 01ab or 01:ab)", s)
	}
	return id, nil
}

// cleanLabel trims the blank and NUL padding of PKCS#11 fixed-size labels.
func cleanLabel(s string) string {
	return strings.TrimRight(s, " \x00")
}

func sortedUnique(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
