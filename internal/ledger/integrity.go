package ledger

import (
	"context"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
)

// IntegrityReport is the result of CheckIntegrity.
type IntegrityReport struct {
	TreeSize     uint64   // leaves in the log
	HeadsChecked int      // signed tree heads checked
	Problems     []string // empty when everything checked out (at most 100)
}

// OK reports whether no problem was found.
func (r IntegrityReport) OK() bool { return len(r.Problems) == 0 }

const maxProblems = 100

func (r *IntegrityReport) add(format string, args ...any) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// CheckIntegrity re-verifies the whole log from its entries, as an auditor
// would (Online Litigation Rules Art. 17 (四): the technical process of
// storage and verification must be checkable): every entry must hash to
// its stored leaf hash, the indexes must be gap-free, the tree rebuilt
// from the recomputed leaf hashes must have the root of every signed tree
// head, each head's signature must verify, and the stored nodes and the
// log state must give the same roots. It reads every entry once (O(n)) and
// is meant for a periodic audit or an investigation, not the request path.
// An error means the check could not run; problems found are in the report.
func (s *Service) CheckIntegrity(ctx context.Context) (IntegrityReport, error) {
	var rep IntegrityReport
	st, err := loadState(ctx, s.db, false)
	if err != nil {
		return rep, err
	}
	rep.TreeSize = st.size
	// Heads and entries are read side by side, both in order, so memory
	// stays constant however long the log.
	heads, err := s.db.Query(ctx, `SELECT `+headColumns+` FROM ledger_tree_head h
		JOIN ledger_key k ON k.key_id = h.key_id ORDER BY h.tree_size`)
	if err != nil {
		return rep, err
	}
	defer heads.Close()
	var head *TreeHead
	nextHead := func() error {
		head = nil
		if !heads.Next() {
			return heads.Err()
		}
		th, err := scanHead(heads)
		if err != nil {
			return err
		}
		rep.HeadsChecked++
		if _, err := VerifyTreeHead(th, th.PublicKey); err != nil {
			rep.add("tree head %d: %v", th.TreeSize, err)
		}
		if th.TreeSize > st.size {
			rep.add("tree head %d is larger than the log (%d leaves)", th.TreeSize, st.size)
			return nil
		}
		root, err := rootAt(ctx, s.db, th.TreeSize)
		if err != nil {
			rep.add("tree head %d: stored nodes: %v", th.TreeSize, err)
		} else if [32]byte(root) != th.RootHash {
			rep.add("tree head %d: the stored nodes give root %x, the head signed %x", th.TreeSize, root, th.RootHash[:])
		}
		head = &th
		return nil
	}
	if err := nextHead(); err != nil {
		return rep, err
	}

	rows, err := s.db.Query(ctx, `SELECT `+entryColumns+` FROM ledger_entry WHERE leaf_index < ? ORDER BY leaf_index`, int64(st.size))
	if err != nil {
		return rep, err
	}
	defer rows.Close()
	r := rangeFactory.NewEmptyRange(0)
	// checkHeads compares the rebuilt tree with every head of its size.
	checkHeads := func() error {
		for head != nil && head.TreeSize <= r.End() {
			if head.TreeSize == r.End() {
				root := hasher.EmptyRoot()
				if r.End() > 0 {
					var err error
					if root, err = r.GetRootHash(nil); err != nil {
						return err
					}
				}
				if [32]byte(root) != head.RootHash {
					rep.add("tree head %d: the entries give root %x, the head signed %x", head.TreeSize, root, head.RootHash[:])
				}
			}
			if err := nextHead(); err != nil {
				return err
			}
		}
		return nil
	}
	if err := checkHeads(); err != nil {
		return rep, err
	}
	for rows.Next() {
		l, err := scanLeaf(rows)
		if err != nil {
			return rep, err
		}
		if l.Index != r.End() {
			rep.add("entry %d follows %d entries: the log has a gap", l.Index, r.End())
			return rep, nil
		}
		lh := LeafHash(l.LeafData())
		if lh != l.LeafHash {
			rep.add("entry %d (%s %s): its fields hash to %x, the stored leaf hash is %x", l.Index, l.Kind, l.Ref, lh[:], l.LeafHash[:])
		}
		if err := r.Append(lh[:], nil); err != nil {
			return rep, err
		}
		if err := checkHeads(); err != nil {
			return rep, err
		}
	}
	if err := rows.Err(); err != nil {
		return rep, err
	}
	for head != nil { // heads beyond the log were reported by nextHead
		if err := nextHead(); err != nil {
			return rep, err
		}
	}
	if r.End() != st.size {
		rep.add("the log state has %d leaves, the entries %d", st.size, r.End())
		return rep, nil
	}
	if st.size > 0 {
		want, err := r.GetRootHash(nil)
		if err != nil {
			return rep, err
		}
		got, err := st.root()
		if err != nil {
			return rep, err
		}
		if [32]byte(got) != [32]byte(want) {
			rep.add("the log state's root is %x, the entries give %x", got, want)
		}
		if stored, err := fetchNodes(ctx, s.db, compact.RangeNodes(0, st.size, nil)); err != nil {
			rep.add("stored nodes: %v", err)
		} else if r2, err := rangeFactory.NewRange(0, st.size, stored); err != nil {
			rep.add("stored nodes: %v", err)
		} else if root, _ := r2.GetRootHash(nil); [32]byte(root) != [32]byte(want) {
			rep.add("the stored nodes give root %x, the entries %x", root, want)
		}
	}
	return rep, nil
}
