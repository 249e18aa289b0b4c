package ledger

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/transparency-dev/merkle/proof"
)

// TreeHead is a signed tree head: the log's commitment, at Timestamp, to
// the tree of its first TreeSize leaves, whose RFC 6962 root is RootHash.
//
// Checkpoint is what was signed, a C2SP signed note (c2sp.org/signed-note)
// whose text is a C2SP checkpoint (c2sp.org/tlog-checkpoint) with two
// extension lines:
//
//	<origin>
//	<tree size, decimal>
//	<root hash, standard base64>
//	timestamp <Unix time in milliseconds, decimal>
//	key-id <SHA-256 of the raw Ed25519 public key, 64 lowercase hex digits>
//
//	— <origin> <base64(4-byte key hash || 64-byte Ed25519 signature)>
//
// Every line ends in "\n"; the signature covers the five text lines. The
// checkpoint spec allows extension lines but discourages them; they are
// used here because the timestamp and the key ID must be signed too, and
// checkpoint tools still read the first three lines as usual. The
// key hash is the first 4 bytes of SHA-256(origin || "\n" || 0x01 ||
// public key). The other fields repeat the checkpoint's content for
// convenience; verifiers trust only the checkpoint (VerifyTreeHead checks
// that they agree with it).
type TreeHead struct {
	Origin     string
	TreeSize   uint64
	RootHash   [32]byte
	Timestamp  time.Time // UTC, whole milliseconds
	KeyID      [32]byte
	PublicKey  ed25519.PublicKey
	Signature  []byte
	Checkpoint string
}

// checkpointText returns the signed text of a tree head.
func checkpointText(origin string, size uint64, root [32]byte, ts time.Time, keyID [32]byte) string {
	return fmt.Sprintf("%s\n%d\n%s\ntimestamp %d\nkey-id %s\n", origin, size,
		base64.StdEncoding.EncodeToString(root[:]), ts.UnixMilli(), hex.EncodeToString(keyID[:]))
}

// parseCheckpoint parses the text checkpointText writes, strictly.
func parseCheckpoint(text string) (TreeHead, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if !strings.HasSuffix(text, "\n") || len(lines) != 5 {
		return TreeHead{}, fmt.Errorf("checkpoint has %d lines, want 5", len(lines))
	}
	var th TreeHead
	th.Origin = lines[0]
	if !validKeyName(th.Origin) {
		return TreeHead{}, fmt.Errorf("checkpoint origin %q is not valid", th.Origin)
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return TreeHead{}, fmt.Errorf("checkpoint tree size %q is not a decimal number", lines[1])
	}
	th.TreeSize = size
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		return TreeHead{}, fmt.Errorf("checkpoint root hash %q is not 32 bytes of base64", lines[2])
	}
	copy(th.RootHash[:], root)
	ms, ok := strings.CutPrefix(lines[3], "timestamp ")
	msv, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || msv < 0 || strconv.FormatInt(msv, 10) != ms {
		return TreeHead{}, fmt.Errorf("checkpoint timestamp line %q is malformed", lines[3])
	}
	th.Timestamp = time.UnixMilli(msv).UTC()
	kid, ok := strings.CutPrefix(lines[4], "key-id ")
	if th.KeyID, err = decodeHash32(kid); !ok || err != nil || kid != strings.ToLower(kid) {
		return TreeHead{}, fmt.Errorf("checkpoint key-id line %q is malformed", lines[4])
	}
	return th, nil
}

// treeHeadJSON is the JSON form of a TreeHead.
type treeHeadJSON struct {
	Origin     string    `json:"origin"`
	TreeSize   uint64    `json:"tree_size"`
	RootHash   string    `json:"root_hash"`
	Timestamp  time.Time `json:"timestamp"`
	KeyID      string    `json:"key_id"`
	PublicKey  string    `json:"public_key"`
	Signature  string    `json:"signature"`
	Checkpoint string    `json:"checkpoint"`
}

// MarshalJSON encodes the head: root_hash and key_id in hex, public_key
// (raw 32 bytes) and signature (64 bytes) in standard base64, timestamp in
// RFC 3339, checkpoint as the signed note text.
func (th TreeHead) MarshalJSON() ([]byte, error) {
	return json.Marshal(treeHeadJSON{Origin: th.Origin, TreeSize: th.TreeSize,
		RootHash: hex.EncodeToString(th.RootHash[:]), Timestamp: th.Timestamp.UTC(),
		KeyID: hex.EncodeToString(th.KeyID[:]), PublicKey: base64.StdEncoding.EncodeToString(th.PublicKey),
		Signature: base64.StdEncoding.EncodeToString(th.Signature), Checkpoint: th.Checkpoint})
}

// UnmarshalJSON decodes the form MarshalJSON writes. It does not verify
// anything; use VerifyTreeHead.
func (th *TreeHead) UnmarshalJSON(b []byte) error {
	var j treeHeadJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	out := TreeHead{Origin: j.Origin, TreeSize: j.TreeSize, Timestamp: j.Timestamp.UTC(), Checkpoint: j.Checkpoint}
	var err error
	if out.RootHash, err = decodeHash32(j.RootHash); err != nil {
		return fmt.Errorf("tree head root_hash: %w", err)
	}
	if out.KeyID, err = decodeHash32(j.KeyID); err != nil {
		return fmt.Errorf("tree head key_id: %w", err)
	}
	if j.PublicKey != "" {
		p, err := base64.StdEncoding.DecodeString(j.PublicKey)
		if err != nil || len(p) != ed25519.PublicKeySize {
			return fmt.Errorf("tree head public_key: not 32 bytes of base64")
		}
		out.PublicKey = p
	}
	if out.Signature, err = base64.StdEncoding.DecodeString(j.Signature); err != nil {
		return fmt.Errorf("tree head signature: %w", err)
	}
	*th = out
	return nil
}

// VerifyTreeHead checks a tree head's signature and returns the head as
// its checkpoint states it. pub is the log's public key as the verifier
// knows it; when nil, the key the head carries is used (which proves only
// that the head is intact, not who signed it: compare its KeyID with the
// court's published key ID). Errors: ErrKeyMismatch when the head names
// another key, ErrSignature when the signature does not verify,
// ErrTreeHeadMismatch when the head's fields disagree with its checkpoint,
// ErrMalformed when the checkpoint cannot be read.
func VerifyTreeHead(th TreeHead, pub ed25519.PublicKey) (TreeHead, error) {
	if pub == nil {
		if len(th.PublicKey) != ed25519.PublicKeySize {
			return TreeHead{}, fail(ErrMalformed, "the tree head carries no public key and none was given")
		}
		pub = th.PublicKey
	}
	origin, _, _ := strings.Cut(th.Checkpoint, "\n")
	text, sig, err := openNote([]byte(th.Checkpoint), origin, pub)
	if err != nil {
		if err == errSignature || err == errNoSignature {
			if kid := KeyID(pub); kid != th.KeyID {
				return TreeHead{}, fail(ErrKeyMismatch, "the tree head names key %x, the public key is %x", th.KeyID, kid)
			}
			return TreeHead{}, fail(ErrSignature, "%v", err)
		}
		return TreeHead{}, fail(ErrMalformed, "%v", err)
	}
	got, err := parseCheckpoint(text)
	if err != nil {
		return TreeHead{}, fail(ErrMalformed, "%v", err)
	}
	if kid := KeyID(pub); got.KeyID != kid {
		return TreeHead{}, fail(ErrKeyMismatch, "the checkpoint names key %x, the public key is %x", got.KeyID, kid)
	}
	got.PublicKey, got.Signature, got.Checkpoint = append(ed25519.PublicKey(nil), pub...), sig, th.Checkpoint
	switch {
	case th.Origin != got.Origin, th.TreeSize != got.TreeSize, th.RootHash != got.RootHash,
		!th.Timestamp.Equal(got.Timestamp), th.KeyID != got.KeyID,
		len(th.Signature) > 0 && !bytes.Equal(th.Signature, sig):
		return TreeHead{}, fail(ErrTreeHeadMismatch, "the tree head's fields differ from its signed checkpoint")
	}
	return got, nil
}

// SignTreeHead signs the current tree if it grew since the newest signed
// head and returns the new head; otherwise it returns the newest head
// unchanged. An empty log gets a head of size 0 once. Before signing, it
// checks that the current tree extends the previous head (an RFC 6962
// consistency proof from the stored nodes, verified against both roots);
// if not, the log has been tampered with, nothing is signed and the error
// is an errs.Internal error ledger.error.inconsistent. Each new head
// enqueues the event ecourt.ledger.tree_head.signed.
func (s *Service) SignTreeHead(ctx context.Context) (TreeHead, error) {
	var th TreeHead
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		th, _, err = s.signTx(ctx, tx)
		return err
	})
	return th, err
}

// signTx is SignTreeHead inside tx; signed reports whether a head was made.
func (s *Service) signTx(ctx context.Context, tx *sqldb.Tx) (th TreeHead, signed bool, err error) {
	st, err := loadState(ctx, tx, true)
	if err != nil {
		return TreeHead{}, false, err
	}
	prev, err := latestHead(ctx, tx)
	hasPrev := err == nil
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return TreeHead{}, false, err
	}
	if hasPrev && prev.TreeSize == st.size {
		return prev, false, nil
	}
	rootB, err := st.root()
	if err != nil {
		return TreeHead{}, false, err
	}
	var root [32]byte
	copy(root[:], rootB)
	if hasPrev {
		if err := s.checkExtends(ctx, tx, prev, st.size, root); err != nil {
			return TreeHead{}, false, err
		}
	}
	ts := tx.Now.UTC().Truncate(time.Millisecond)
	if hasPrev && ts.Before(prev.Timestamp) {
		ts = prev.Timestamp // a clock step back must not make heads go back in time
	}
	text := checkpointText(s.origin, st.size, root, ts, s.keyID)
	note, sig := signNote(text, s.origin, s.priv)
	th = TreeHead{Origin: s.origin, TreeSize: st.size, RootHash: root, Timestamp: ts, KeyID: s.keyID,
		PublicKey: s.PublicKey(), Signature: sig, Checkpoint: note}
	if err := insertHead(ctx, tx, th); err != nil {
		return TreeHead{}, false, err
	}
	ev := bus.NewEvent("ecourt.ledger.tree_head.signed", map[string]any{
		"origin": th.Origin, "tree_size": th.TreeSize, "root_hash": hex.EncodeToString(root[:]),
		"timestamp": ts, "key_id": hex.EncodeToString(s.keyID[:]),
	})
	ev.Actor = "system:ledger"
	if err := bus.Enqueue(ctx, tx, ev); err != nil {
		return TreeHead{}, false, err
	}
	return th, true, nil
}

// checkExtends verifies that the tree of size leaves with root extends the
// signed head prev.
func (s *Service) checkExtends(ctx context.Context, q sqldb.Querier, prev TreeHead, size uint64, root [32]byte) error {
	if prev.TreeSize > size {
		return s.alarm(fmt.Errorf("ledger: the log has %d leaves but a head of size %d was signed", size, prev.TreeSize))
	}
	if prev.TreeSize == 0 {
		return nil
	}
	p, err := consistencyProof(ctx, q, prev.TreeSize, size)
	if err != nil {
		return err
	}
	if err := proof.VerifyConsistency(hasher, prev.TreeSize, size, p, prev.RootHash[:], root[:]); err != nil {
		return s.alarm(fmt.Errorf("ledger: the tree of size %d does not extend the signed head of size %d: %w", size, prev.TreeSize, err))
	}
	return nil
}

// alarm logs an integrity failure and returns it as ledger.error.inconsistent.
func (s *Service) alarm(err error) error {
	s.log.Error("ledger integrity check failed", "err", err)
	return errs.Wrap(errs.Internal, "ledger.error.inconsistent", err)
}

// LatestTreeHead returns the newest signed tree head, or an errs.NotFound
// error (ledger.error.no_tree_head) before the first one.
func (s *Service) LatestTreeHead(ctx context.Context) (TreeHead, error) {
	return latestHead(ctx, s.db)
}

// TreeHeadAt returns the signed tree head of size leaves, or an
// errs.NotFound error when no head of that size was signed (heads are
// signed only for the sizes the log had when the job ran).
func (s *Service) TreeHeadAt(ctx context.Context, size uint64) (TreeHead, error) {
	return headAt(ctx, s.db, size)
}

// PublicKeyByID returns a public key that has signed tree heads (the
// current one, or one used before a key change) and when it was first
// used, or an errs.NotFound error.
func (s *Service) PublicKeyByID(ctx context.Context, keyID [32]byte) (ed25519.PublicKey, time.Time, error) {
	return publicKeyByID(ctx, s.db, keyID)
}
