package seal

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Algorithm is the key type of the root and the seals.
type Algorithm string

// The supported algorithms. Both are validated by poppler's pdfsig (NSS)
// and by Adobe Reader; ECDSA P-256 signs about twenty times faster.
const (
	ECDSAP256 Algorithm = "ecdsa-p256"
	RSA2048   Algorithm = "rsa-2048"
)

func (a Algorithm) generate() (crypto.Signer, error) {
	switch a {
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return nil, fmt.Errorf("seal: unknown algorithm %q", a)
}

// keyDir is the directory holding the private keys, one PEM file per
// certificate with the PKCS #8 key and the certificate: "root.pem" for the
// platform root, "court-<serial>.pem" for each court seal.
type keyDir struct{ path string }

// openKeyDir creates dir with mode 0700 when missing and refuses a
// directory that group or others may read, write or enter.
func openKeyDir(dir string) (keyDir, error) {
	if dir == "" {
		return keyDir{}, errors.New("seal: no key directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return keyDir{}, fmt.Errorf("seal: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return keyDir{}, fmt.Errorf("seal: create key directory: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return keyDir{}, fmt.Errorf("seal: %w", err)
	}
	if !fi.IsDir() {
		return keyDir{}, fmt.Errorf("seal: %s is not a directory", abs)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return keyDir{}, fmt.Errorf("seal: key directory %s has mode %#o; it must not be accessible to group or others (chmod 700)", abs, perm)
	}
	return keyDir{path: abs}, nil
}

func (d keyDir) file(name string) string { return filepath.Join(d.path, name) }

func courtKeyFile(serial string) string { return "court-" + serial + ".pem" }

const rootKeyFile = "root.pem"

// keyPair is a private key with its certificate.
type keyPair struct {
	key  crypto.Signer
	cert *x509.Certificate
}

// encodeKeyPair returns the PEM file content of kp.
func encodeKeyPair(kp keyPair) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(kp.key)
	if err != nil {
		return nil, fmt.Errorf("seal: marshal key: %w", err)
	}
	var b bytes.Buffer
	pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: kp.cert.Raw})
	return b.Bytes(), nil
}

// errExists reports that a key file is already there (another process
// created it first).
var errExists = errors.New("seal: key file exists")

// write stores kp under name, atomically and never over an existing file:
// the content goes to a temporary file (0600, synced) that is then
// hard-linked to its name, which fails with errExists if the name is taken.
func (d keyDir) write(name string, kp keyPair) error {
	data, err := encodeKeyPair(kp)
	if err != nil {
		return err
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := d.file(".tmp-" + hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("seal: write key: %w", err)
	}
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("seal: write key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("seal: write key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("seal: write key: %w", err)
	}
	if err := os.Link(tmp, d.file(name)); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errExists
		}
		return fmt.Errorf("seal: write key: %w", err)
	}
	if dir, err := os.Open(d.path); err == nil {
		dir.Sync() //nolint:errcheck // best effort: make the new name durable
		dir.Close()
	}
	return nil
}

// read loads the key pair stored under name. It refuses a file that group
// or others may access, and one whose key does not match its certificate.
// A missing file gives an error for which errors.Is(err, fs.ErrNotExist).
func (d keyDir) read(name string) (keyPair, error) {
	path := d.file(name)
	fi, err := os.Stat(path)
	if err != nil {
		return keyPair{}, fmt.Errorf("seal: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return keyPair{}, fmt.Errorf("seal: key file %s has mode %#o; it must be readable by its owner only (chmod 600)", path, perm)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return keyPair{}, fmt.Errorf("seal: %w", err)
	}
	var kp keyPair
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			break
		}
		switch blk.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
			if err != nil {
				return keyPair{}, fmt.Errorf("seal: %s: %w", path, err)
			}
			s, ok := k.(crypto.Signer)
			if !ok {
				return keyPair{}, fmt.Errorf("seal: %s: unsupported key type %T", path, k)
			}
			kp.key = s
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return keyPair{}, fmt.Errorf("seal: %s: %w", path, err)
			}
			kp.cert = c
		}
	}
	if kp.key == nil || kp.cert == nil {
		return keyPair{}, fmt.Errorf("seal: %s: want a private key and a certificate", path)
	}
	if !samePublicKey(kp.key.Public(), kp.cert.PublicKey) {
		return keyPair{}, fmt.Errorf("seal: %s: the key does not match the certificate", path)
	}
	return kp, nil
}

func samePublicKey(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

// remove deletes a key file written by a creation that lost a race.
func (d keyDir) remove(name string) { os.Remove(d.file(name)) }
