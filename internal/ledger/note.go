package ledger

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Signed notes (C2SP signed-note, the format of Go's checksum database and
// of tlog checkpoints): a text of lines ending in "\n", a blank line, and
// signature lines "— <key name> <base64(key hash || signature)>\n". The key
// hash is the first 4 bytes (big-endian uint32) of SHA-256(key name ||
// "\n" || 0x01 || 32-byte Ed25519 public key); 0x01 identifies Ed25519. The
// signature is Ed25519 over the text, including its final newline but not
// the blank line.

// algEd25519 is the signed-note algorithm identifier of Ed25519.
const algEd25519 = 0x01

// noteKeyHash returns the signed-note key hash of an Ed25519 key.
func noteKeyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', algEd25519})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// VerifierKey returns the signed-note verifier key of the log,
// "<name>+<key hash, 8 hex digits>+<base64(0x01 || public key)>", the form
// that signed-note tools (golang.org/x/mod/sumdb/note) accept.
func VerifierKey(name string, pub ed25519.PublicKey) string {
	return fmt.Sprintf("%s+%08x+%s", name, noteKeyHash(name, pub),
		base64.StdEncoding.EncodeToString(append([]byte{algEd25519}, pub...)))
}

// validKeyName reports whether name may name a note key: non-empty UTF-8
// without spaces or '+'.
func validKeyName(name string) bool {
	if name == "" || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if unicode.IsSpace(r) || r == '+' || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// signNote signs text (which must end in "\n") under name and returns the
// signed note and the raw signature.
func signNote(text, name string, priv ed25519.PrivateKey) (string, []byte) {
	sig := ed25519.Sign(priv, []byte(text))
	var kh [4]byte
	binary.BigEndian.PutUint32(kh[:], noteKeyHash(name, priv.Public().(ed25519.PublicKey)))
	line := "— " + name + " " + base64.StdEncoding.EncodeToString(append(kh[:], sig...)) + "\n"
	return text + "\n" + line, sig
}

// openNote checks a signed note and returns its text and the signature of
// key (name, pub). It fails when the note is malformed or carries no valid
// signature by that key; signatures by other keys are ignored.
func openNote(msg []byte, name string, pub ed25519.PublicKey) (string, []byte, error) {
	if !utf8.Valid(msg) {
		return "", nil, errors.New("signed note is not UTF-8")
	}
	for _, c := range msg {
		if c < 0x20 && c != '\n' {
			return "", nil, errors.New("signed note contains control characters")
		}
	}
	split := bytes.LastIndex(msg, []byte("\n\n"))
	if split < 0 {
		return "", nil, errors.New("signed note has no signature block")
	}
	text, sigs := msg[:split+1], msg[split+2:]
	if len(sigs) == 0 || sigs[len(sigs)-1] != '\n' {
		return "", nil, errors.New("signed note: signature block must end in a newline")
	}
	want := noteKeyHash(name, pub)
	for _, line := range strings.Split(strings.TrimSuffix(string(sigs), "\n"), "\n") {
		rest, ok := strings.CutPrefix(line, "— ")
		if !ok {
			return "", nil, fmt.Errorf("signed note: malformed signature line %q", line)
		}
		lname, b64, ok := strings.Cut(rest, " ")
		if !ok || lname == "" || b64 == "" {
			return "", nil, fmt.Errorf("signed note: malformed signature line %q", line)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) < 5 {
			return "", nil, fmt.Errorf("signed note: malformed signature for %s", lname)
		}
		if lname != name || binary.BigEndian.Uint32(raw[:4]) != want {
			continue
		}
		sig := raw[4:]
		if len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, text, sig) {
			return "", nil, errSignature
		}
		return string(text), sig, nil
	}
	return "", nil, errNoSignature
}

var (
	errSignature   = errors.New("the signature does not verify with the public key")
	errNoSignature = errors.New("no signature by the given key (another key signed it, or the log's name differs)")
)
