package ledger

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// proofFixture is a log of 10 entries with a signed head, the downloaded
// bundle of entry 3 and the log's key.
type proofFixture struct {
	bundle InclusionBundle
	raw    []byte
	head   []byte // JSON of the head of size 10
	later  []byte // JSON of the head of size 12
	pub    ed25519.PublicKey
}

func newProofFixture(t *testing.T, f *fixture) proofFixture {
	t.Helper()
	ctx := context.Background()
	f.fill(t, 0, 10)
	h10 := f.sign(t)
	f.fill(t, 10, 12)
	h12 := f.sign(t)
	sum := content(3)
	b, err := f.s.InclusionBundle(ctx, sum[:], 10)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(b)
	head, _ := json.Marshal(h10)
	later, _ := json.Marshal(h12)
	return proofFixture{bundle: b, raw: raw, head: head, later: later, pub: f.s.PublicKey()}
}

// edit returns the bundle's JSON after fn changed a copy of it.
func (p proofFixture) edit(fn func(b *InclusionBundle)) []byte {
	var b InclusionBundle
	json.Unmarshal(p.raw, &b)
	fn(&b)
	out, _ := json.Marshal(b)
	return out
}

func TestVerifyFile(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		p := newProofFixture(t, f)
		file := func() *bytes.Reader { return bytes.NewReader(fileBytes(3)) }

		rep, err := VerifyFile(file(), p.raw, p.head, p.pub)
		if err != nil {
			t.Fatalf("VerifyFile: %v", err)
		}
		if rep.TreeSize != 10 || rep.Entry.Ref != "E3" || rep.Entry.Index != 3 || !rep.KeyPinned ||
			rep.File != Hash(content(3)) || rep.KeyID != Hash(f.s.KeyID()) || rep.Origin != "test.ecourt/ledger" {
			t.Errorf("report = %+v", rep)
		}
		// The head inside the bundle; the checkpoint text alone; no key.
		if _, err := VerifyFile(file(), p.raw, nil, p.pub); err != nil {
			t.Errorf("with the bundle's head: %v", err)
		}
		if _, err := VerifyFile(file(), p.raw, []byte(p.bundle.TreeHead.Checkpoint), p.pub); err != nil {
			t.Errorf("with the checkpoint text: %v", err)
		}
		if rep, err := VerifyFile(file(), p.raw, nil, nil); err != nil || rep.KeyPinned {
			t.Errorf("without a key: %+v, %v", rep, err)
		}
		if _, err := VerifyFile(file(), p.raw, []byte(p.bundle.TreeHead.Checkpoint), nil); !errors.Is(err, ErrMalformed) {
			t.Errorf("checkpoint without any key: %v", err)
		}

		other, _, _ := ed25519.GenerateKey(nil)
		sigFlipped := func(b *InclusionBundle) {
			th := &b.TreeHead
			i := strings.LastIndex(th.Checkpoint, " ") + 1
			raw, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(th.Checkpoint[i:]))
			raw[10] ^= 1
			th.Checkpoint = th.Checkpoint[:i] + base64.StdEncoding.EncodeToString(raw) + "\n"
			th.Signature = raw[4:]
		}
		tests := []struct {
			name  string
			file  []byte
			proof []byte
			head  []byte
			key   ed25519.PublicKey
			want  error
		}{
			{"another file", fileBytes(4), p.raw, p.head, p.pub, ErrFileMismatch},
			{"entry edited, leaf hash kept", fileBytes(3), p.edit(func(b *InclusionBundle) { b.Entry.Ref = "E4" }), p.head, p.pub, ErrLeafHash},
			{"entry edited, leaf hash recomputed", fileBytes(3), p.edit(func(b *InclusionBundle) {
				b.Entry.Ref = "E4"
				b.Entry.LeafHash = LeafHash(b.Entry.LeafData())
			}), p.head, p.pub, ErrInclusion},
			{"audit path edited", fileBytes(3), p.edit(func(b *InclusionBundle) { b.AuditPath[1][0] ^= 1 }), p.head, p.pub, ErrInclusion},
			{"audit path shortened", fileBytes(3), p.edit(func(b *InclusionBundle) { b.AuditPath = b.AuditPath[1:] }), p.head, p.pub, ErrInclusion},
			{"leaf index edited", fileBytes(3), p.edit(func(b *InclusionBundle) {
				b.LeafIndex, b.Entry.Index = 2, 2
			}), p.head, p.pub, ErrInclusion},
			{"head of another size", fileBytes(3), p.raw, p.later, p.pub, ErrTreeHeadMismatch},
			{"signature edited", fileBytes(3), p.edit(sigFlipped), nil, p.pub, ErrSignature},
			{"head JSON edited", fileBytes(3), p.edit(func(b *InclusionBundle) { b.TreeHead.Origin = "evil/ledger" }), nil, p.pub, ErrTreeHeadMismatch},
			{"another key", fileBytes(3), p.raw, p.head, other, ErrKeyMismatch},
			{"not JSON", fileBytes(3), []byte("{"), p.head, p.pub, ErrMalformed},
			{"wrong format", fileBytes(3), p.edit(func(b *InclusionBundle) { b.Format = "x" }), p.head, p.pub, ErrMalformed},
			{"head not JSON", fileBytes(3), p.raw, []byte("{nope"), p.pub, ErrMalformed},
		}
		for _, tt := range tests {
			_, err := VerifyFile(bytes.NewReader(tt.file), tt.proof, tt.head, tt.key)
			if !errors.Is(err, tt.want) {
				t.Errorf("%s: %v, want %v", tt.name, err, tt.want.Error())
			}
		}
	})
}

func TestVerifyCLI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		p := newProofFixture(t, f)
		dir := t.TempDir()
		write := func(name string, b []byte) string {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return path
		}
		file := write("evidence.pdf", fileBytes(3))
		wrong := write("other.pdf", fileBytes(4))
		proofPath := write("proof.json", p.raw)
		headPath := write("head.json", p.head)
		keyPath := write("ledger.pem", PublicKeyPEM(p.pub))

		run := func(args ...string) (int, string, string) {
			var out, errb bytes.Buffer
			code := RunVerifyCLI(args, &out, &errb)
			return code, out.String(), errb.String()
		}
		code, out, _ := run(file, proofPath, headPath, "--key", keyPath, "--lang", "en")
		if code != ExitVerified || !strings.Contains(out, "VERIFIED: this file is the file logged") || strings.Contains(out, "compare this key ID") {
			t.Errorf("verify: %d\n%s", code, out)
		}
		code, out, _ = run("--lang=zh-CN", file, proofPath)
		if code != ExitVerified || !strings.Contains(out, "核验通过") || !strings.Contains(out, "请将该密钥标识与法院公布的密钥标识比对") {
			t.Errorf("verify without key, Chinese: %d\n%s", code, out)
		}
		code, out, _ = run(wrong, proofPath, headPath, "--key", keyPath, "--lang", "en")
		if code != ExitFailed || !strings.Contains(out, "its SHA-256 differs from the logged one") || !strings.Contains(out, "NOT VERIFIED") {
			t.Errorf("wrong file: %d\n%s", code, out)
		}
		code, _, errOut := run(file, "--lang", "en")
		if code != ExitUsage || !strings.Contains(errOut, "Usage: ecourt ledger verify") {
			t.Errorf("missing argument: %d %s", code, errOut)
		}
		if code, _, _ := run(file, proofPath, "--key"); code != ExitUsage {
			t.Errorf("--key without value: %d", code)
		}
		if code, _, _ := run(file, proofPath, "--frobnicate"); code != ExitUsage {
			t.Errorf("unknown flag: %d", code)
		}
		if code, _, _ := run(file, filepath.Join(dir, "missing.json")); code != ExitUsage {
			t.Errorf("missing proof file: %d", code)
		}
		if code, _, _ := run(file, proofPath, "--key", proofPath); code != ExitUsage {
			t.Errorf("not a key: %d", code)
		}
	})
}
