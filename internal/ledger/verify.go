package ledger

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/transparency-dev/merkle/proof"
)

// The failures of offline verification (VerifyFile, VerifyTreeHead,
// VerifyConsistency). Each is an errs.Invalid error with its own message
// key; the returned errors wrap them with the detail, so test with
// errors.Is(err, ledger.ErrFileMismatch).
var (
	// ErrMalformed: the proof or tree head cannot be read.
	ErrMalformed = &errs.Error{Code: errs.Invalid, Key: "ledger.verify.malformed"}
	// ErrFileMismatch: the file's SHA-256 is not the one in the proof.
	ErrFileMismatch = &errs.Error{Code: errs.Invalid, Key: "ledger.verify.file_mismatch"}
	// ErrLeafHash: the proof's entry does not hash to its leaf hash.
	ErrLeafHash = &errs.Error{Code: errs.Invalid, Key: "ledger.verify.leaf_hash"}
	// ErrInclusion: the audit path does not lead to the tree head's root.
	ErrInclusion = &errs.Error{Code: errs.Invalid, Key: "ledger.verify.inclusion"}
	// ErrTreeHeadMismatch: the proof is for another tree size, or a tree
	// head's fields differ from its signed checkpoint.
	ErrTreeHeadMismatch = &errs.Error{Code: errs.Invalid, Key: "ledger.verify.tree_head_mismatch"}
	// ErrKeyMismatch: the tree head was signed by another key than the one
	// given.
	ErrKeyMismatch = &errs.Error{Code: errs.Invalid, Key: "ledger.verify.key_mismatch"}
	// ErrSignature: the tree head's signature does not verify.
	ErrSignature = &errs.Error{Code: errs.Invalid, Key: "ledger.verify.signature"}
	// ErrConsistency: the newer tree does not extend the older one.
	ErrConsistency = &errs.Error{Code: errs.Invalid, Key: "ledger.verify.consistency"}
)

// fail returns sentinel with a detail as its cause.
func fail(sentinel *errs.Error, format string, args ...any) error {
	return &errs.Error{Code: sentinel.Code, Key: sentinel.Key, Cause: fmt.Errorf(format, args...)}
}

// Report is what VerifyFile established.
type Report struct {
	// File is the SHA-256 of the file as read.
	File Hash
	// Entry is the logged entry (kind, ref, court, time appended).
	Entry Leaf
	// TreeSize, RootHash, Timestamp, Origin and KeyID are those of the
	// signed tree head the file was proven against.
	TreeSize  uint64
	RootHash  Hash
	Timestamp time.Time
	Origin    string
	KeyID     Hash
	// KeyPinned is true when the signature was checked with a public key
	// the caller gave; false when only with the key inside the tree head
	// (then compare KeyID with the key ID the court publishes).
	KeyPinned bool
}

// ParseTreeHead reads a tree head given as the JSON of TreeHead (as served
// by /api/v1/ledger/tree-heads/…) or as its signed checkpoint text alone.
// It verifies nothing.
func ParseTreeHead(b []byte) (TreeHead, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var th TreeHead
		if err := json.Unmarshal(b, &th); err != nil {
			return TreeHead{}, fail(ErrMalformed, "tree head: %v", err)
		}
		return th, nil
	}
	note := string(b) + "\n"
	split := bytes.LastIndex([]byte(note), []byte("\n\n"))
	if split < 0 {
		return TreeHead{}, fail(ErrMalformed, "tree head: neither JSON nor a signed checkpoint")
	}
	th, err := parseCheckpoint(note[:split+1])
	if err != nil {
		return TreeHead{}, fail(ErrMalformed, "tree head: %v", err)
	}
	th.Checkpoint = note
	return th, nil
}

// VerifyFile checks offline that file is the file a court logged: it
// recomputes the file's SHA-256 and compares it with the proof's entry
// (ErrFileMismatch), recomputes the entry's leaf hash (ErrLeafHash),
// verifies the audit path against the root of the signed tree head
// (ErrInclusion; ErrTreeHeadMismatch when the proof is for another tree
// size) and the tree head's signature (ErrSignature, ErrKeyMismatch).
//
// proofJSON is an InclusionBundle as downloaded from
// /api/v1/ledger/proofs/inclusion. treeHeadJSON is the signed tree head
// (TreeHead JSON or checkpoint text); when empty, the head inside the
// bundle is used. publicKey is the log's key as the verifier obtained it
// (e.g. from the court's website); when nil, the key the tree head carries
// is used and Report.KeyPinned is false. Unreadable input is ErrMalformed.
func VerifyFile(file io.Reader, proofJSON, treeHeadJSON []byte, publicKey ed25519.PublicKey) (Report, error) {
	var b InclusionBundle
	if err := json.Unmarshal(proofJSON, &b); err != nil {
		return Report{}, fail(ErrMalformed, "proof: %v", err)
	}
	if b.Format != InclusionFormat {
		return Report{}, fail(ErrMalformed, "proof format %q, want %q", b.Format, InclusionFormat)
	}
	th := b.TreeHead
	if len(bytes.TrimSpace(treeHeadJSON)) > 0 {
		var err error
		if th, err = ParseTreeHead(treeHeadJSON); err != nil {
			return Report{}, err
		}
	}
	// The checkpoint, not the JSON around it, states the root.
	origin, _, _ := bytes.Cut([]byte(th.Checkpoint), []byte("\n"))
	split := bytes.LastIndex([]byte(th.Checkpoint), []byte("\n\n"))
	if split < 0 || len(origin) == 0 {
		return Report{}, fail(ErrMalformed, "tree head: no signed checkpoint")
	}
	signed, err := parseCheckpoint(th.Checkpoint[:split+1])
	if err != nil {
		return Report{}, fail(ErrMalformed, "tree head: %v", err)
	}

	h := sha256.New()
	if _, err := io.Copy(h, file); err != nil {
		return Report{}, fmt.Errorf("ledger: read file: %w", err)
	}
	var sum Hash
	copy(sum[:], h.Sum(nil))
	if sum != b.Entry.SHA256 {
		return Report{}, fail(ErrFileMismatch, "the file's SHA-256 is %x, the proof is for %x", sum[:], b.Entry.SHA256[:])
	}
	leafHash := LeafHash(b.Entry.LeafData())
	if leafHash != b.Entry.LeafHash {
		return Report{}, fail(ErrLeafHash, "the entry hashes to %x, the proof says %x", leafHash[:], b.Entry.LeafHash[:])
	}
	if b.LeafIndex != b.Entry.Index {
		return Report{}, fail(ErrMalformed, "proof: leaf_index %d differs from the entry's %d", b.LeafIndex, b.Entry.Index)
	}
	if b.TreeSize != signed.TreeSize {
		return Report{}, fail(ErrTreeHeadMismatch, "the proof is for a tree of %d leaves, the tree head for %d; download the proof with tree_size=%d",
			b.TreeSize, signed.TreeSize, signed.TreeSize)
	}
	if err := proof.VerifyInclusion(hasher, b.LeafIndex, b.TreeSize, leafHash[:], fromHashes(b.AuditPath), signed.RootHash[:]); err != nil {
		return Report{}, fail(ErrInclusion, "%v", err)
	}
	got, err := VerifyTreeHead(th, publicKey)
	if err != nil {
		return Report{}, err
	}
	return Report{File: sum, Entry: b.Entry, TreeSize: got.TreeSize, RootHash: got.RootHash, Timestamp: got.Timestamp,
		Origin: got.Origin, KeyID: got.KeyID, KeyPinned: publicKey != nil}, nil
}

// VerifyConsistency checks that the signed head newer extends the signed
// head older: both signatures (with pub, or each head's own key when nil)
// and the consistency proof p between their roots (ErrConsistency). This is
// how a monitor that kept an earlier head detects a log rewritten since.
func VerifyConsistency(older, newer TreeHead, p [][]byte, pub ed25519.PublicKey) error {
	o, err := VerifyTreeHead(older, pub)
	if err != nil {
		return err
	}
	n, err := VerifyTreeHead(newer, pub)
	if err != nil {
		return err
	}
	if o.Origin != n.Origin {
		return fail(ErrConsistency, "the heads are of different logs (%q, %q)", o.Origin, n.Origin)
	}
	if o.TreeSize > n.TreeSize {
		return fail(ErrConsistency, "the older head has %d leaves, the newer %d", o.TreeSize, n.TreeSize)
	}
	if o.TreeSize == 0 {
		return nil // every tree extends the empty one
	}
	if err := proof.VerifyConsistency(hasher, o.TreeSize, n.TreeSize, p, o.RootHash[:], n.RootHash[:]); err != nil {
		return fail(ErrConsistency, "%v", err)
	}
	return nil
}
