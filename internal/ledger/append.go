package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// MaxBatch bounds the entries of one AppendBatch or AppendTx call.
const MaxBatch = 10_000

// Append logs one entry and returns its leaf. It is idempotent: an entry
// whose kind and ref are already logged with the same SHA-256 returns the
// existing leaf and changes nothing. It returns an errs.Invalid error for a
// malformed entry (field errors name kind, ref, court_id, sha256) and
// errs.Conflict (ledger.error.ref_taken) when the kind and ref are logged
// with a different SHA-256: a logged item's content never changes.
//
// The leaf is in the log once Append returns, but proofs for it can be
// downloaded only after the next signed tree head (SignTreeHead, or the
// tree-head job within its interval).
func (s *Service) Append(ctx context.Context, e Entry) (Leaf, error) {
	var c errs.Collector
	e.validate("", &c)
	if err := c.Err(); err != nil {
		return Leaf{}, err
	}
	// A repeated append needs no write transaction (and no log lock).
	if got, err := leavesByRef(ctx, s.db, []Entry{e}); err != nil {
		return Leaf{}, err
	} else if l, ok := got[kindRef{e.Kind, e.Ref}]; ok {
		if l.SHA256 != e.SHA256 {
			return Leaf{}, refTaken(e)
		}
		return l, nil
	}
	var out []Leaf
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		out, err = s.AppendTx(ctx, tx, e)
		return err
	})
	if err != nil {
		return Leaf{}, err
	}
	return out[0], nil
}

// AppendBatch logs entries in one transaction, in order, and returns their
// leaves in the same order. Entries already logged (or repeated within the
// batch) are idempotent as in Append; if any entry is invalid or conflicts,
// nothing is logged. At most MaxBatch entries.
func (s *Service) AppendBatch(ctx context.Context, entries []Entry) ([]Leaf, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	var out []Leaf
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		out, err = s.AppendTx(ctx, tx, entries...)
		return err
	})
	return out, err
}

// AppendTx logs entries inside the caller's transaction, so that, for
// example, an evidence upload and its ledger entry commit or roll back
// together. It behaves as AppendBatch. On PostgreSQL it locks the log's
// state row until tx ends, which serialises every append: keep such a
// transaction short, or log through an event consumer with Append instead.
// When it returns an error the caller must roll tx back (return the error
// from its transaction function): the log may be half-written.
func (s *Service) AppendTx(ctx context.Context, tx *sqldb.Tx, entries ...Entry) ([]Leaf, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	if len(entries) > MaxBatch {
		return nil, errs.Fields(errs.Field("entries", "ledger_batch", MaxBatch))
	}
	var c errs.Collector
	for i, e := range entries {
		prefix := ""
		if len(entries) > 1 {
			prefix = fmt.Sprintf("entries[%d].", i)
		}
		e.validate(prefix, &c)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	// Lock first, then look: on PostgreSQL a concurrent append of the same
	// item has committed (or not) by the time the lock is granted, and the
	// next statement sees it.
	st, err := loadState(ctx, tx, true)
	if err != nil {
		return nil, err
	}
	if tx.Dialect() == sqldb.Postgres && len(entries) > 1 {
		// A young ledger grows faster than autovacuum analyzes it, and a
		// generic plan made while it was tiny (a sequential scan) would
		// stay cached until the next ANALYZE, making each batch slower
		// than the last (measured: 38 ms → 620 ms per 1,000 entries over
		// 15 batches). Plan these statements for the table as it is. (A
		// single entry is looked up by unique key, which is always planned
		// as an index scan.)
		if _, err := tx.Exec(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
			return nil, err
		}
	}
	logged, err := leavesByRef(ctx, tx, entries)
	if err != nil {
		return nil, err
	}
	// Leaf data carries whole milliseconds, so the stored time is truncated
	// to what the leaf hash covers.
	at := tx.Now.UTC().Truncate(time.Millisecond)
	out := make([]Leaf, len(entries))
	fresh := make([]Leaf, 0, len(entries))
	inBatch := map[kindRef]int{}
	for i, e := range entries {
		k := kindRef{e.Kind, e.Ref}
		if l, ok := logged[k]; ok {
			if l.SHA256 != e.SHA256 {
				return nil, refTaken(e)
			}
			out[i] = l
			continue
		}
		if j, ok := inBatch[k]; ok {
			if fresh[j].SHA256 != e.SHA256 {
				return nil, refTaken(e)
			}
			out[i] = fresh[j]
			continue
		}
		l := Leaf{Index: st.size + uint64(len(fresh)), Kind: e.Kind, Ref: e.Ref, CourtID: e.CourtID, SHA256: e.SHA256, AppendedAt: at}
		l.LeafHash = LeafHash(l.LeafData())
		inBatch[k] = len(fresh)
		fresh = append(fresh, l)
		out[i] = l
	}
	if len(fresh) == 0 {
		return out, nil
	}
	if err := insertLeaves(ctx, tx, fresh); err != nil {
		return nil, err
	}
	hashes := make([][]byte, len(fresh))
	for i := range fresh {
		hashes[i] = fresh[i].LeafHash[:]
	}
	if err := appendLeafHashes(ctx, tx, &st, hashes); err != nil {
		return nil, err
	}
	return out, nil
}

func refTaken(e Entry) error {
	return errs.Wrap(errs.Conflict, "ledger.error.ref_taken",
		fmt.Errorf("ledger: %s %q is already logged with another SHA-256", e.Kind, e.Ref))
}

// Lookup returns the entries whose content hash is sum (a file may be
// logged more than once, e.g. the same PDF filed as evidence in two cases),
// oldest first; none is an empty list. A sum that is not 32 bytes is an
// errs.Invalid error.
func (s *Service) Lookup(ctx context.Context, sum []byte) ([]Leaf, error) {
	h, err := sum32("sha256", sum)
	if err != nil {
		return nil, err
	}
	return leavesBySHA(ctx, s.db, h)
}

// Size returns the number of leaves in the log.
func (s *Service) Size(ctx context.Context) (uint64, error) {
	var n int64
	if err := s.db.QueryRow(ctx, `SELECT tree_size FROM ledger_state WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("ledger: size: %w", err)
	}
	return uint64(n), nil
}

func sum32(field string, b []byte) ([32]byte, error) {
	var h [32]byte
	if len(b) != 32 {
		return h, errs.Fields(errs.FieldError{Field: field, Code: "ledger_sha256"})
	}
	copy(h[:], b)
	return h, nil
}
