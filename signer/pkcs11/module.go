package pkcs11

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/miekg/pkcs11"
)

// module is one loaded PKCS#11 library. C_Initialize and C_Finalize act on
// the whole process, so two Tokens from the same library must share one
// initialisation and only the last Close may finalise it.
type module struct {
	path     string
	ctx      *pkcs11.Ctx
	users    int
	openSlot map[uint]bool // slots with a logged-in Token in this process
}

// loadedModules is the process-wide table of initialised libraries. It is
// package state because the state it mirrors, the library's own, is
// process-wide too.
var loadedModules = struct {
	sync.Mutex
	byPath map[string]*module
}{byPath: map[string]*module{}}

// acquireModule loads and initialises the library at path, or returns the
// already initialised one.
func acquireModule(path string) (*module, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: no PKCS#11 module path given", ErrModuleNotFound)
	}
	// A bare file name is left to the dynamic loader's search path; anything
	// with a directory is checked first for a clearer message than dlopen's.
	if strings.ContainsRune(path, filepath.Separator) {
		path = filepath.Clean(path)
		info, err := os.Stat(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("%w: %s does not exist", ErrModuleNotFound, path)
		case err != nil:
			return nil, fmt.Errorf("%w: %s: %v", ErrModuleNotFound, path, err)
		case info.IsDir():
			return nil, fmt.Errorf("%w: %s is a directory, not a library", ErrModuleNotFound, path)
		}
	}

	loadedModules.Lock()
	defer loadedModules.Unlock()
	if m, ok := loadedModules.byPath[path]; ok {
		m.users++
		return m, nil
	}
	ctx := pkcs11.New(path)
	if ctx == nil {
		return nil, fmt.Errorf("%w: %s cannot be loaded (not a PKCS#11 library, wrong architecture, or a library it needs is missing)", ErrModuleNotLoadable, path)
	}
	if err := ctx.Initialize(); err != nil && !isCode(err, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		ctx.Destroy()
		return nil, fmt.Errorf("%w: %s: C_Initialize: %w", ErrModuleNotLoadable, path, err)
	}
	m := &module{path: path, ctx: ctx, users: 1, openSlot: map[uint]bool{}}
	loadedModules.byPath[path] = m
	return m, nil
}

// release drops one user; the last one finalises and unloads the library.
func (m *module) release() error {
	loadedModules.Lock()
	defer loadedModules.Unlock()
	m.users--
	if m.users > 0 {
		return nil
	}
	delete(loadedModules.byPath, m.path)
	err := m.ctx.Finalize()
	m.ctx.Destroy()
	if err != nil {
		return fmt.Errorf("pkcs11 module %s: C_Finalize: %w", m.path, err)
	}
	return nil
}

// claimSlot records that a Token logs in to slot. Login state in PKCS#11 is
// shared by every session of the process, so a second Token on the same slot
// would skip the PIN check and be logged out by the first one's Close.
func (m *module) claimSlot(slot uint, label string) error {
	loadedModules.Lock()
	defer loadedModules.Unlock()
	if m.openSlot[slot] {
		return fmt.Errorf("%w: token %q (slot %d) is already open in this process; share that Token", ErrTokenBusy, label, slot)
	}
	m.openSlot[slot] = true
	return nil
}

func (m *module) releaseSlot(slot uint) {
	loadedModules.Lock()
	defer loadedModules.Unlock()
	delete(m.openSlot, slot)
}

// isCode reports whether err is the PKCS#11 return value code.
func isCode(err error, code uint) bool {
	var e pkcs11.Error
	return errors.As(err, &e) && uint(e) == code
}
