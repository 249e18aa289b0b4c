package ledger

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFile is the name of the log's private key in the key directory: an
// Ed25519 key in a PKCS #8 PEM block ("PRIVATE KEY").
const KeyFile = "ledger-ed25519.pem"

// LoadOrCreateKey returns the log's signing key from dir, creating the
// directory (mode 0700) and a new key (mode 0600) on first start. It
// refuses a directory or key file that group or others may access, or a
// key file that is not a regular file: whoever can read the key can sign
// tree heads in the court's name. Two processes starting at once end up
// with the same key (the second one loads the file the first wrote).
func LoadOrCreateKey(dir string) (ed25519.PrivateKey, error) {
	if dir == "" {
		return nil, errors.New("ledger: no key directory configured")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ledger: key directory: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("ledger: key directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("ledger: key directory %s is not a directory", dir)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("ledger: key directory %s has mode %04o; refusing to use it (it must not be accessible to group or others: chmod 700 %s)", dir, perm, dir)
	}
	path := filepath.Join(dir, KeyFile)
	key, err := readKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createKey(dir, path); err != nil {
		return nil, err
	}
	return readKey(path)
}

func readKey(path string) (ed25519.PrivateKey, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("ledger: key %s is not a regular file; refusing to use it", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("ledger: key %s has mode %04o; refusing to use it (chmod 600 %s)", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ledger: key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("ledger: key %s: no PRIVATE KEY PEM block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("ledger: key %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("ledger: key %s is %T, want Ed25519", path, k)
	}
	return priv, nil
}

// createKey writes a new key to a temporary file and links it into place,
// which fails if another process created the key meanwhile (that key wins).
func createKey(dir, path string) error {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("ledger: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".ledger-key-*")
	if err != nil {
		return fmt.Errorf("ledger: key: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("ledger: key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return fmt.Errorf("ledger: key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("ledger: key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("ledger: key: %w", err)
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("ledger: key: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // make the new name durable; best effort
		d.Close()
	}
	return nil
}

// KeyID returns the log key's ID: the SHA-256 of the raw 32-byte Ed25519
// public key.
func KeyID(pub ed25519.PublicKey) [32]byte { return sha256.Sum256(pub) }

// PublicKeyPEM returns pub as a PKIX "PUBLIC KEY" PEM block.
func PublicKeyPEM(pub ed25519.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err) // an Ed25519 key always marshals
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// ParsePublicKey reads an Ed25519 public key given as a PKIX PEM block
// ("PUBLIC KEY"), as the base64 of the raw 32 bytes, or as a signed-note
// verifier key ("<name>+<hash>+<base64>").
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("PEM block %q, want PUBLIC KEY", blk.Type)
		}
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, err
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("public key is %T, want Ed25519", k)
		}
		return pub, nil
	}
	s := strings.TrimSpace(string(b))
	if raw, err := base64.StdEncoding.DecodeString(s); err == nil && len(raw) == ed25519.PublicKeySize {
		return ed25519.PublicKey(raw), nil
	}
	// "<name>+<8 hex digits>+<base64>": the name has no '+', the base64 may.
	if parts := strings.SplitN(s, "+", 3); len(parts) == 3 && len(parts[1]) == 8 {
		raw, err := base64.StdEncoding.DecodeString(parts[2])
		if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != algEd25519 {
			return nil, errors.New("malformed verifier key")
		}
		pub := ed25519.PublicKey(raw[1:])
		if fmt.Sprintf("%08x", noteKeyHash(parts[0], pub)) != parts[1] {
			return nil, errors.New("verifier key: the key hash does not match the key")
		}
		return pub, nil
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, errors.New("not a PEM public key, a base64 Ed25519 key or a verifier key")
	}
	return ed25519.PublicKey(raw), nil
}
