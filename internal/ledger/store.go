package ledger

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

const entryColumns = `leaf_index, kind, ref, court_id, sha256, leaf_hash, appended_at`

type scanner interface{ Scan(dest ...any) error }

func scanLeaf(r scanner) (Leaf, error) {
	var l Leaf
	var idx int64
	var sum, lh string
	if err := r.Scan(&idx, &l.Kind, &l.Ref, &l.CourtID, &sum, &lh, &l.AppendedAt); err != nil {
		return Leaf{}, err
	}
	var err error
	if l.SHA256, err = decodeHash32(sum); err != nil {
		return Leaf{}, fmt.Errorf("ledger: entry %d sha256: %w", idx, err)
	}
	if l.LeafHash, err = decodeHash32(lh); err != nil {
		return Leaf{}, fmt.Errorf("ledger: entry %d leaf hash: %w", idx, err)
	}
	l.Index = uint64(idx)
	l.AppendedAt = l.AppendedAt.UTC()
	return l, nil
}

func queryLeaves(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]Leaf, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Leaf
	for rows.Next() {
		l, err := scanLeaf(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// leavesBySHA returns the entries with content hash sum, oldest first.
func leavesBySHA(ctx context.Context, q sqldb.Querier, sum [32]byte) ([]Leaf, error) {
	return queryLeaves(ctx, q, `SELECT `+entryColumns+` FROM ledger_entry WHERE sha256_key = ? AND sha256 = ? ORDER BY leaf_index`,
		shaKey(sum), hex.EncodeToString(sum[:]))
}

// leafAt returns the entry at index.
func leafAt(ctx context.Context, q sqldb.Querier, index uint64) (Leaf, error) {
	l, err := scanLeaf(q.QueryRow(ctx, `SELECT `+entryColumns+` FROM ledger_entry WHERE leaf_index = ?`, int64(index)))
	if errs.CodeOf(err) == errs.NotFound {
		return Leaf{}, errs.Wrap(errs.NotFound, "ledger.error.not_logged", err)
	}
	return l, err
}

type kindRef struct{ kind, ref string }

// leavesByRef returns the logged entries among the (kind, ref) pairs of
// entries, keyed by pair.
func leavesByRef(ctx context.Context, q sqldb.Querier, entries []Entry) (map[kindRef]Leaf, error) {
	byKind := map[string][]string{}
	seen := map[kindRef]bool{}
	for _, e := range entries {
		k := kindRef{e.Kind, e.Ref}
		if !seen[k] {
			seen[k] = true
			byKind[e.Kind] = append(byKind[e.Kind], e.Ref)
		}
	}
	out := map[kindRef]Leaf{}
	for kind, refs := range byKind {
		for lo := 0; lo < len(refs); lo += 256 {
			chunk := refs[lo:min(lo+256, len(refs))]
			n := padded(len(chunk))
			args := make([]any, 0, n+1)
			args = append(args, kind)
			for i := range n {
				args = append(args, chunk[min(i, len(chunk)-1)])
			}
			leaves, err := queryLeaves(ctx, q, `SELECT `+entryColumns+` FROM ledger_entry WHERE kind = ? AND ref IN (`+placeholders(n)+`)`, args...)
			if err != nil {
				return nil, fmt.Errorf("ledger: find entries: %w", err)
			}
			for _, l := range leaves {
				out[kindRef{l.Kind, l.Ref}] = l
			}
		}
	}
	return out, nil
}

// padded returns the statement size for n ≤ 256 values: 1, 4, 16, 64 or 256.
func padded(n int) int {
	p := 1
	for p < n {
		p *= 4
	}
	return p
}

// shaKey is the indexed prefix of a content hash (ledger_entry.sha256_key).
func shaKey(sum [32]byte) int64 { return int64(binary.BigEndian.Uint64(sum[:8])) }

func insertLeaves(ctx context.Context, tx *sqldb.Tx, leaves []Leaf) error {
	return inChunks(len(leaves), func(lo, n int) error {
		args := make([]any, 0, 8*n)
		for _, l := range leaves[lo : lo+n] {
			args = append(args, int64(l.Index), l.Kind, l.Ref, l.CourtID, hex.EncodeToString(l.SHA256[:]),
				hex.EncodeToString(l.LeafHash[:]), l.AppendedAt, shaKey(l.SHA256))
		}
		_, err := tx.Exec(ctx, `INSERT INTO ledger_entry (`+entryColumns+`, sha256_key) VALUES `+valuesList(n, 8), args...)
		if err != nil {
			return fmt.Errorf("ledger: insert entries: %w", err)
		}
		return nil
	})
}

const headColumns = `h.tree_size, h.origin, h.root_hash, h.signed_at, h.key_id, k.public_key, h.signature, h.checkpoint`

func scanHead(r scanner) (TreeHead, error) {
	var th TreeHead
	var size int64
	var root, keyID, pub, sig string
	if err := r.Scan(&size, &th.Origin, &root, &th.Timestamp, &keyID, &pub, &sig, &th.Checkpoint); err != nil {
		return TreeHead{}, err
	}
	th.TreeSize = uint64(size)
	th.Timestamp = th.Timestamp.UTC()
	var err error
	if th.RootHash, err = decodeHash32(root); err != nil {
		return TreeHead{}, fmt.Errorf("ledger: tree head %d root: %w", size, err)
	}
	if th.KeyID, err = decodeHash32(keyID); err != nil {
		return TreeHead{}, fmt.Errorf("ledger: tree head %d key id: %w", size, err)
	}
	p, err := base64.StdEncoding.DecodeString(pub)
	if err != nil || len(p) != ed25519.PublicKeySize {
		return TreeHead{}, fmt.Errorf("ledger: key %s: malformed public key", keyID)
	}
	th.PublicKey = ed25519.PublicKey(p)
	if th.Signature, err = base64.StdEncoding.DecodeString(sig); err != nil {
		return TreeHead{}, fmt.Errorf("ledger: tree head %d signature: %w", size, err)
	}
	return th, nil
}

func noHead() error { return errs.New(errs.NotFound, "ledger.error.no_tree_head") }

// latestHead returns the newest signed tree head (the largest; heads grow
// with the tree), or a not-found error.
func latestHead(ctx context.Context, q sqldb.Querier) (TreeHead, error) {
	th, err := scanHead(q.QueryRow(ctx, `SELECT `+headColumns+` FROM ledger_tree_head h
		JOIN ledger_key k ON k.key_id = h.key_id ORDER BY h.tree_size DESC LIMIT 1`))
	if errs.CodeOf(err) == errs.NotFound {
		return TreeHead{}, noHead()
	}
	return th, err
}

// headAt returns the signed tree head of size leaves, or a not-found error.
func headAt(ctx context.Context, q sqldb.Querier, size uint64) (TreeHead, error) {
	th, err := scanHead(q.QueryRow(ctx, `SELECT `+headColumns+` FROM ledger_tree_head h
		JOIN ledger_key k ON k.key_id = h.key_id WHERE h.tree_size = ?`, int64(size)))
	if errs.CodeOf(err) == errs.NotFound {
		return TreeHead{}, noHead()
	}
	return th, err
}

func insertHead(ctx context.Context, tx *sqldb.Tx, th TreeHead) error {
	_, err := tx.Exec(ctx, `INSERT INTO ledger_key (key_id, public_key, created_at) VALUES (?, ?, ?)
		ON CONFLICT (key_id) DO NOTHING`,
		hex.EncodeToString(th.KeyID[:]), base64.StdEncoding.EncodeToString(th.PublicKey), tx.Now)
	if err != nil {
		return fmt.Errorf("ledger: insert key: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO ledger_tree_head (tree_size, origin, root_hash, signed_at, key_id, signature, checkpoint)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		int64(th.TreeSize), th.Origin, hex.EncodeToString(th.RootHash[:]), th.Timestamp,
		hex.EncodeToString(th.KeyID[:]), base64.StdEncoding.EncodeToString(th.Signature), th.Checkpoint)
	if err != nil {
		return fmt.Errorf("ledger: insert tree head: %w", err)
	}
	return nil
}

// publicKeyByID returns a key that has signed a tree head.
func publicKeyByID(ctx context.Context, q sqldb.Querier, keyID [32]byte) (ed25519.PublicKey, time.Time, error) {
	var pub string
	var created time.Time
	err := q.QueryRow(ctx, `SELECT public_key, created_at FROM ledger_key WHERE key_id = ?`, hex.EncodeToString(keyID[:])).Scan(&pub, &created)
	if errs.CodeOf(err) == errs.NotFound {
		return nil, time.Time{}, errs.New(errs.NotFound, "ledger.error.no_key")
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	p, err := base64.StdEncoding.DecodeString(pub)
	if err != nil || len(p) != ed25519.PublicKeySize {
		return nil, time.Time{}, fmt.Errorf("ledger: key %x: malformed public key", keyID)
	}
	return ed25519.PublicKey(p), created.UTC(), nil
}
