package ledger

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/jobs"
)

// TestSignedNoteVector checks the signed-note implementation against the
// example published with golang.org/x/mod/sumdb/note (package note's doc
// comment): the same key and text give the same signature line, and the
// published note opens with the published verifier key.
func TestSignedNoteVector(t *testing.T) {
	const skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
	const vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
	const text = "If you think cryptography is the answer to your problem,\n" +
		"then you don't know what your problem is.\n"
	const msg = text + "\n" +
		"— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
	seed, err := base64.StdEncoding.DecodeString(strings.SplitN(skey, "+", 5)[4])
	if err != nil || seed[0] != algEd25519 {
		t.Fatal("bad key vector")
	}
	priv := ed25519.NewKeyFromSeed(seed[1:])
	pub := priv.Public().(ed25519.PublicKey)
	if got := VerifierKey("PeterNeumann", pub); got != vkey {
		t.Errorf("VerifierKey = %s, want %s", got, vkey)
	}
	if got, _ := signNote(text, "PeterNeumann", priv); got != msg {
		t.Errorf("signNote:\n got %q\nwant %q", got, msg)
	}
	if got, _, err := openNote([]byte(msg), "PeterNeumann", pub); err != nil || got != text {
		t.Errorf("openNote = %q, %v", got, err)
	}
	tampered := strings.Replace(msg, "problem,", "problem;", 1)
	if _, _, err := openNote([]byte(tampered), "PeterNeumann", pub); err != errSignature {
		t.Errorf("tampered note: %v", err)
	}
	parsed, err := ParsePublicKey([]byte(vkey))
	if err != nil || !parsed.Equal(pub) {
		t.Errorf("ParsePublicKey(verifier key) = %x, %v", parsed, err)
	}
}

func TestSignTreeHead(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		if _, err := f.s.LatestTreeHead(ctx); !errorsIsKey(err, "ledger.error.no_tree_head") {
			t.Fatalf("latest before signing: %v", err)
		}
		empty := f.sign(t)
		if empty.TreeSize != 0 || hex.EncodeToString(empty.RootHash[:]) != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
			t.Errorf("empty head: %+v", empty)
		}
		f.clk.Advance(time.Minute)
		if again := f.sign(t); again.TreeSize != 0 || !again.Timestamp.Equal(empty.Timestamp) {
			t.Errorf("unchanged tree signed again: %+v", again)
		}
		f.fill(t, 0, 5)
		f.clk.Advance(1500 * time.Millisecond)
		th := f.sign(t)
		root, _ := f.s.RootAt(ctx, 5)
		if th.TreeSize != 5 || th.RootHash != root || !th.Timestamp.Equal(t0.Add(61500*time.Millisecond)) {
			t.Errorf("head = %+v", th)
		}
		kid := f.s.KeyID()
		wantText := fmt.Sprintf("test.ecourt/ledger\n5\n%s\ntimestamp %d\nkey-id %s\n",
			base64.StdEncoding.EncodeToString(root[:]), t0.Add(61500*time.Millisecond).UnixMilli(), hex.EncodeToString(kid[:]))
		if !strings.HasPrefix(th.Checkpoint, wantText+"\n— test.ecourt/ledger ") {
			t.Errorf("checkpoint:\n%s\nwant text:\n%s", th.Checkpoint, wantText)
		}
		got, err := VerifyTreeHead(th, f.s.PublicKey())
		if err != nil || got.TreeSize != 5 || got.RootHash != root {
			t.Fatalf("VerifyTreeHead = %+v, %v", got, err)
		}
		// The JSON form round-trips and still verifies.
		b, _ := json.Marshal(th)
		var back TreeHead
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if _, err := VerifyTreeHead(back, f.s.PublicKey()); err != nil {
			t.Errorf("after JSON: %v", err)
		}
		// Stored and read back identically.
		stored, err := f.s.TreeHeadAt(ctx, 5)
		if err != nil || stored.Checkpoint != th.Checkpoint || stored.KeyID != kid || !stored.PublicKey.Equal(f.s.PublicKey()) {
			t.Errorf("TreeHeadAt(5) = %+v, %v", stored, err)
		}
		latest, _ := f.s.LatestTreeHead(ctx)
		if latest.TreeSize != 5 {
			t.Errorf("latest = %d", latest.TreeSize)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM bus_outbox WHERE type = 'ecourt.ledger.tree_head.signed'`); n != 2 {
			t.Errorf("%d tree-head events, want 2", n)
		}
		// A clock that steps back does not make heads go back in time.
		f.fill(t, 5, 6)
		f.clk.Set(t0)
		if th6 := f.sign(t); th6.Timestamp.Before(th.Timestamp) {
			t.Errorf("head 6 at %s, before head 5 at %s", th6.Timestamp, th.Timestamp)
		}
		// Editing a field of the JSON, or using another key, is caught.
		edited := th
		edited.TreeSize = 4
		if _, err := VerifyTreeHead(edited, f.s.PublicKey()); !errors.Is(err, ErrTreeHeadMismatch) {
			t.Errorf("edited tree size: %v", err)
		}
		other, _, _ := ed25519.GenerateKey(nil)
		if _, err := VerifyTreeHead(th, other); !errors.Is(err, ErrKeyMismatch) {
			t.Errorf("other key: %v", err)
		}
		forged := th
		forged.Checkpoint = strings.Replace(th.Checkpoint, "\n5\n", "\n6\n", 1)
		forged.TreeSize = 6
		if _, err := VerifyTreeHead(forged, f.s.PublicKey()); !errors.Is(err, ErrSignature) {
			t.Errorf("forged checkpoint: %v", err)
		}
	})
}

func TestTreeHeadJob(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		s, err := New(f.db, f.keyDir, WithOrigin("test.ecourt/ledger"), WithInterval(5*time.Minute), WithLogger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		r := jobs.NewRunner(f.db, jobs.RunnerOptions{Logger: quiet})
		s.RegisterJobs(r)
		if err := s.ScheduleTreeHeads(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.ScheduleTreeHeads(ctx); err != nil { // a second process starting
			t.Fatal(err)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM jobs_job WHERE kind = ?`, JobTreeHead); n != 1 {
			t.Fatalf("%d tree-head jobs, want 1", n)
		}
		f.fill(t, 0, 3)
		if n, err := r.RunDue(ctx); n != 1 || err != nil {
			t.Fatalf("RunDue = %d, %v", n, err)
		}
		th, err := s.LatestTreeHead(ctx)
		if err != nil || th.TreeSize != 3 {
			t.Fatalf("after the first run: %+v, %v", th, err)
		}
		j, err := jobs.FindByKey(ctx, f.db, JobTreeHead, "ledger")
		if err != nil || j.State != jobs.StateScheduled || !j.RunAt.Equal(t0.Add(5*time.Minute)) {
			t.Fatalf("job after the run: %+v, %v", j, err)
		}
		// Not due yet.
		f.fill(t, 3, 4)
		if n, _ := r.RunDue(ctx); n != 0 {
			t.Errorf("%d runs before the interval", n)
		}
		// Due: the tree grew, so a head is signed.
		f.clk.Advance(5 * time.Minute)
		if n, _ := r.RunDue(ctx); n != 1 {
			t.Errorf("%d runs after the interval", n)
		}
		if th, _ := s.LatestTreeHead(ctx); th.TreeSize != 4 {
			t.Errorf("latest = %d, want 4", th.TreeSize)
		}
		// Due again, but no growth: nothing signed, still rescheduled.
		f.clk.Advance(5 * time.Minute)
		if n, _ := r.RunDue(ctx); n != 1 {
			t.Errorf("%d runs", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM ledger_tree_head`); n != 2 {
			t.Errorf("%d heads, want 2 (signed only on growth)", n)
		}
		if j, _ := jobs.FindByKey(ctx, f.db, JobTreeHead, "ledger"); j.State != jobs.StateScheduled || !j.RunAt.Equal(t0.Add(15*time.Minute)) {
			t.Errorf("job = %s at %s", j.State, j.RunAt)
		}
		// A shorter interval brings a far-away run forward.
		short, _ := New(f.db, f.keyDir, WithOrigin("test.ecourt/ledger"), WithInterval(time.Minute), WithLogger(quiet))
		if err := short.ScheduleTreeHeads(ctx); err != nil {
			t.Fatal(err)
		}
		if j, _ := jobs.FindByKey(ctx, f.db, JobTreeHead, "ledger"); !j.RunAt.Equal(f.clk.Now().Add(time.Minute)) {
			t.Errorf("job at %s after shortening the interval", j.RunAt)
		}
	})
}

func TestKeyPermissions(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "keys")
	k1, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(dir)
	ki, _ := os.Stat(filepath.Join(dir, KeyFile))
	if fi.Mode().Perm() != 0o700 || ki.Mode().Perm() != 0o600 {
		t.Errorf("modes: dir %o, key %o; want 700, 600", fi.Mode().Perm(), ki.Mode().Perm())
	}
	k2, err := LoadOrCreateKey(dir)
	if err != nil || !k1.Equal(k2) {
		t.Fatalf("second start: another key or %v", err)
	}
	// Looser modes are refused.
	os.Chmod(filepath.Join(dir, KeyFile), 0o644)
	if _, err := LoadOrCreateKey(dir); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("key file 0644: %v", err)
	}
	os.Chmod(filepath.Join(dir, KeyFile), 0o600)
	os.Chmod(dir, 0o750)
	if _, err := LoadOrCreateKey(dir); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("directory 0750: %v", err)
	}
	if _, err := New(nil, dir); err == nil {
		t.Error("New accepted a key directory open to its group")
	}
	os.Chmod(dir, 0o700)
	// A key that is a symlink is refused.
	dir2 := filepath.Join(base, "keys2")
	os.Mkdir(dir2, 0o700)
	os.Symlink(filepath.Join(dir, KeyFile), filepath.Join(dir2, KeyFile))
	if _, err := LoadOrCreateKey(dir2); err == nil {
		t.Error("symlinked key accepted")
	}
	// Garbage is refused, not replaced.
	dir3 := filepath.Join(base, "keys3")
	os.Mkdir(dir3, 0o700)
	os.WriteFile(filepath.Join(dir3, KeyFile), []byte("not a key"), 0o600)
	if _, err := LoadOrCreateKey(dir3); err == nil {
		t.Error("malformed key accepted")
	}
	if _, err := LoadOrCreateKey(""); err == nil {
		t.Error("empty directory accepted")
	}
}

func TestParsePublicKey(t *testing.T) {
	// Every form parses back, also for keys whose base64 holds '+'.
	for i := range 300 {
		seed := make([]byte, ed25519.SeedSize)
		seed[0], seed[1] = byte(i), byte(i>>8)
		pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
		for _, form := range [][]byte{PublicKeyPEM(pub), []byte(base64.StdEncoding.EncodeToString(pub)), []byte(VerifierKey("court.example/ledger", pub))} {
			if got, err := ParsePublicKey(form); err != nil || !got.Equal(pub) {
				t.Fatalf("ParsePublicKey(%q) = %v", form, err)
			}
		}
	}
	for _, bad := range []string{"", "abc", "x+0000000+AQ==", "court+00000000+" + base64.StdEncoding.EncodeToString(append([]byte{1}, make([]byte, 32)...))} {
		if _, err := ParsePublicKey([]byte(bad)); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted", bad)
		}
	}
}
