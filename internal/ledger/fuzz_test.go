package ledger

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"
)

// FuzzParseCheckpoint: the checkpoint parser never panics, and whatever it
// accepts is exactly what checkpointText writes for the parsed values
// (one encoding per head, so a signature covers one meaning).
func FuzzParseCheckpoint(f *testing.F) {
	var root, kid [32]byte
	root[0], kid[31] = 7, 9
	f.Add(checkpointText("ecourt/ledger", 12, root, time.UnixMilli(1772416800123), kid))
	f.Add("ecourt/ledger\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\ntimestamp 0\nkey-id " + string(bytes.Repeat([]byte("a"), 64)) + "\n")
	f.Add("x\n01\nAA==\ntimestamp 1\nkey-id 00\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		th, err := parseCheckpoint(text)
		if err != nil {
			return
		}
		if back := checkpointText(th.Origin, th.TreeSize, th.RootHash, th.Timestamp, th.KeyID); back != text {
			t.Errorf("accepted %q, which re-encodes as %q", text, back)
		}
	})
}

// FuzzOpenNote: opening an arbitrary note never panics and never accepts
// a note the key did not sign.
func FuzzOpenNote(f *testing.F) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	pub := priv.Public().(ed25519.PublicKey)
	note, _ := signNote("ecourt/ledger\n1\nAA==\n", "ecourt/ledger", priv)
	f.Add([]byte(note))
	f.Add([]byte("text\n\n— ecourt/ledger AAAA\n"))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		text, sig, err := openNote(msg, "ecourt/ledger", pub)
		if err == nil && !ed25519.Verify(pub, []byte(text), sig) {
			t.Errorf("accepted an unsigned note %q", msg)
		}
	})
}

// FuzzParseTreeHead and FuzzParsePublicKey: outside input never panics.
func FuzzParseTreeHead(f *testing.F) {
	f.Add([]byte(`{"origin":"o","tree_size":1,"root_hash":"00","key_id":"00","signature":"","checkpoint":""}`))
	f.Add([]byte("o\n1\nAA==\ntimestamp 1\nkey-id 00\n\n— o AAAA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if th, err := ParseTreeHead(b); err == nil {
			VerifyTreeHead(th, nil)
		}
		ParsePublicKey(b)
		VerifyFile(bytes.NewReader(nil), b, b, nil)
	})
}
