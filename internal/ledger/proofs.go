package ledger

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/transparency-dev/merkle/proof"
)

// Hash is a SHA-256 value; its JSON form is 64 lowercase hex digits.
type Hash [32]byte

// MarshalText encodes h in lowercase hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h[:])), nil }

// UnmarshalText decodes 64 hex digits.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := decodeHash32(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

func toHashes(p [][]byte) []Hash {
	out := make([]Hash, len(p))
	for i, b := range p {
		copy(out[i][:], b)
	}
	return out
}

func fromHashes(p []Hash) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = p[i][:]
	}
	return out
}

// Formats of the downloadable proof bundles.
const (
	InclusionFormat   = "ecourt-ledger-inclusion/v1"
	ConsistencyFormat = "ecourt-ledger-consistency/v1"
)

// InclusionBundle is the downloadable proof that a file's hash is in the
// log: the entry, its leaf index, the audit path (RFC 6962 §2.1.1) into the
// tree of TreeSize leaves, and the signed tree head of that size. VerifyFile
// checks one offline.
type InclusionBundle struct {
	Format    string   `json:"format"`
	Entry     Leaf     `json:"entry"`
	LeafIndex uint64   `json:"leaf_index"`
	TreeSize  uint64   `json:"tree_size"`
	AuditPath []Hash   `json:"audit_path"`
	TreeHead  TreeHead `json:"tree_head"`
}

// ConsistencyBundle is the proof (RFC 6962 §2.1.2) that the tree of Second
// leaves extends the tree of First leaves, with the signed heads of those
// sizes when the log signed heads of exactly those sizes.
type ConsistencyBundle struct {
	Format         string    `json:"format"`
	First          uint64    `json:"first"`
	Second         uint64    `json:"second"`
	Proof          []Hash    `json:"proof"`
	FirstTreeHead  *TreeHead `json:"first_tree_head,omitempty"`
	SecondTreeHead *TreeHead `json:"second_tree_head,omitempty"`
}

// checkSize fails with an errs.Invalid error on field when size exceeds
// the log's size.
func (s *Service) checkSize(ctx context.Context, field string, size uint64) error {
	n, err := s.Size(ctx)
	if err != nil {
		return err
	}
	if size > n {
		return errs.Fields(errs.Field(field, "ledger_tree_size", n))
	}
	return nil
}

// InclusionProof returns the audit path of the leaf at leafIndex in the
// tree of treeSize leaves (RFC 6962 §2.1.1), assembled from O(log n)
// stored nodes. It returns an errs.Invalid error when treeSize exceeds the
// log's size (field tree_size) or leafIndex is not below treeSize (field
// leaf_index).
func (s *Service) InclusionProof(ctx context.Context, leafIndex, treeSize uint64) ([][]byte, error) {
	if leafIndex >= treeSize {
		return nil, errs.Fields(errs.Field("leaf_index", "ledger_leaf_index"))
	}
	if err := s.checkSize(ctx, "tree_size", treeSize); err != nil {
		return nil, err
	}
	return inclusionProof(ctx, s.db, leafIndex, treeSize)
}

// ConsistencyProof returns the proof that the tree of size2 leaves extends
// the tree of size1 leaves (RFC 6962 §2.1.2). It needs 1 ≤ size1 ≤ size2 ≤
// the log's size, else an errs.Invalid error (fields first, second).
func (s *Service) ConsistencyProof(ctx context.Context, size1, size2 uint64) ([][]byte, error) {
	switch {
	case size1 == 0:
		return nil, errs.Fields(errs.Field("first", "ledger_first"))
	case size1 > size2:
		return nil, errs.Fields(errs.Field("second", "ledger_second"))
	}
	if err := s.checkSize(ctx, "second", size2); err != nil {
		return nil, err
	}
	return consistencyProof(ctx, s.db, size1, size2)
}

// RootAt returns the root hash of the tree of the log's first size leaves
// (errs.Invalid when size exceeds the log's size).
func (s *Service) RootAt(ctx context.Context, size uint64) ([32]byte, error) {
	var root [32]byte
	if err := s.checkSize(ctx, "tree_size", size); err != nil {
		return root, err
	}
	b, err := rootAt(ctx, s.db, size)
	if err != nil {
		return root, err
	}
	copy(root[:], b)
	return root, nil
}

// InclusionState says whether a logged entry is covered by a signed tree
// head yet.
type InclusionState string

// The inclusion states.
const (
	// Included: a signed tree head covers the entry and its inclusion proof
	// against that head's root checked out.
	Included InclusionState = "included"
	// Pending: logged, but appended after the newest signed head; the
	// tree-head job covers it within its interval.
	Pending InclusionState = "pending"
)

// Status is the answer of Inclusion.
type Status struct {
	State InclusionState `json:"state"`
	// Leaf is the oldest entry with the hash; Leaf.Index is its leaf index.
	Leaf Leaf `json:"entry"`
	// TreeSize is the size of the newest signed head (which covers the
	// leaf), 0 when pending.
	TreeSize uint64 `json:"tree_size,omitempty"`
	// TreeHead is that head, nil when pending.
	TreeHead *TreeHead `json:"tree_head,omitempty"`
	// AuditPath is the leaf's inclusion proof into TreeHead's tree.
	AuditPath []Hash `json:"audit_path,omitempty"`
}

// Inclusion tells the document verifier whether a file with content hash
// sum is in the log: included (with the newest signed head that covers it,
// after checking the inclusion proof against that head's root) or pending.
// It returns an errs.NotFound error (ledger.error.not_logged) when the hash
// was never logged, errs.Invalid when sum is not 32 bytes, and an
// errs.Internal error ledger.error.inconsistent when the stored log does
// not prove the entry (tampering; the error is also logged).
func (s *Service) Inclusion(ctx context.Context, sum []byte) (Status, error) {
	l, err := s.oldest(ctx, sum)
	if err != nil {
		return Status{}, err
	}
	th, err := latestHead(ctx, s.db)
	if errs.CodeOf(err) == errs.NotFound || (err == nil && th.TreeSize <= l.Index) {
		return Status{State: Pending, Leaf: l}, nil
	}
	if err != nil {
		return Status{}, err
	}
	p, err := s.prove(ctx, s.db, l, th)
	if err != nil {
		return Status{}, err
	}
	return Status{State: Included, Leaf: l, TreeSize: th.TreeSize, TreeHead: &th, AuditPath: toHashes(p)}, nil
}

// oldest returns the first entry logged with content hash sum.
func (s *Service) oldest(ctx context.Context, sum []byte) (Leaf, error) {
	h, err := sum32("sha256", sum)
	if err != nil {
		return Leaf{}, err
	}
	leaves, err := leavesBySHA(ctx, s.db, h)
	if err != nil {
		return Leaf{}, err
	}
	if len(leaves) == 0 {
		return Leaf{}, errs.New(errs.NotFound, "ledger.error.not_logged")
	}
	return leaves[0], nil
}

// prove returns the inclusion proof of l into the tree of th, after
// checking that the entry matches its leaf hash and that the proof leads
// to th's root: the server never hands out a proof that does not verify.
func (s *Service) prove(ctx context.Context, q sqldb.Querier, l Leaf, th TreeHead) ([][]byte, error) {
	if LeafHash(l.LeafData()) != l.LeafHash {
		return nil, s.alarm(fmt.Errorf("ledger: entry %d does not match its leaf hash", l.Index))
	}
	p, err := inclusionProof(ctx, q, l.Index, th.TreeSize)
	if err != nil {
		return nil, err
	}
	if err := proof.VerifyInclusion(hasher, l.Index, th.TreeSize, l.LeafHash[:], p, th.RootHash[:]); err != nil {
		return nil, s.alarm(fmt.Errorf("ledger: entry %d is not proven by the signed head of size %d: %w", l.Index, th.TreeSize, err))
	}
	return p, nil
}

// InclusionBundle returns the downloadable inclusion proof of the oldest
// entry with content hash sum, against the signed head of treeSize leaves,
// or the newest signed head when treeSize is 0. Errors: errs.NotFound
// (ledger.error.not_logged) for a hash never logged, errs.NotFound
// (ledger.error.no_tree_head) when no head of treeSize was signed,
// errs.Conflict (ledger.error.pending) when no signed head covers the
// entry yet, errs.Invalid (field tree_size) when the given head predates
// the entry.
func (s *Service) InclusionBundle(ctx context.Context, sum []byte, treeSize uint64) (InclusionBundle, error) {
	l, err := s.oldest(ctx, sum)
	if err != nil {
		return InclusionBundle{}, err
	}
	var th TreeHead
	if treeSize == 0 {
		th, err = latestHead(ctx, s.db)
		if errs.CodeOf(err) == errs.NotFound || (err == nil && th.TreeSize <= l.Index) {
			return InclusionBundle{}, errs.New(errs.Conflict, "ledger.error.pending")
		}
	} else {
		th, err = headAt(ctx, s.db, treeSize)
		if err == nil && th.TreeSize <= l.Index {
			return InclusionBundle{}, errs.Fields(errs.Field("tree_size", "ledger_not_covered", l.Index+1))
		}
	}
	if err != nil {
		return InclusionBundle{}, err
	}
	p, err := s.prove(ctx, s.db, l, th)
	if err != nil {
		return InclusionBundle{}, err
	}
	return InclusionBundle{Format: InclusionFormat, Entry: l, LeafIndex: l.Index, TreeSize: th.TreeSize,
		AuditPath: toHashes(p), TreeHead: th}, nil
}

// ConsistencyBundle returns the consistency proof between the trees of
// first and second leaves (as ConsistencyProof) with the signed heads of
// those sizes, where they exist.
func (s *Service) ConsistencyBundle(ctx context.Context, first, second uint64) (ConsistencyBundle, error) {
	p, err := s.ConsistencyProof(ctx, first, second)
	if err != nil {
		return ConsistencyBundle{}, err
	}
	b := ConsistencyBundle{Format: ConsistencyFormat, First: first, Second: second, Proof: toHashes(p)}
	for _, x := range []struct {
		size uint64
		dst  **TreeHead
	}{{first, &b.FirstTreeHead}, {second, &b.SecondTreeHead}} {
		th, err := headAt(ctx, s.db, x.size)
		switch {
		case err == nil:
			*x.dst = &th
		case errs.CodeOf(err) != errs.NotFound:
			return ConsistencyBundle{}, err
		}
	}
	return b, nil
}
