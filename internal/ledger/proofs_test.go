package ledger

import (
	"context"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/transparency-dev/merkle/proof"
)

// TestProofsEveryPair checks, on a 33-leaf log (appended in uneven
// batches), every inclusion proof (index, size) and every consistency proof
// (m, n) against roots recomputed from scratch by RFC 6962's recursive
// definition.
func TestProofsEveryPair(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		var leaves []Leaf
		for _, cut := range [][2]int{{0, 1}, {1, 6}, {6, 7}, {7, 20}, {20, 33}} {
			leaves = append(leaves, f.fill(t, cut[0], cut[1])...)
		}
		const n = 33
		hashes := make([][]byte, n)
		for i, l := range leaves {
			hashes[i] = append([]byte(nil), l.LeafHash[:]...)
		}
		roots := make([][]byte, n+1)
		for size := 0; size <= n; size++ {
			roots[size] = refRoot(hashes[:size])
			got, err := f.s.RootAt(ctx, uint64(size))
			if err != nil {
				t.Fatal(err)
			}
			if string(got[:]) != string(roots[size]) {
				t.Errorf("RootAt(%d) = %x, want %x", size, got, roots[size])
			}
		}
		pairs := 0
		for size := uint64(1); size <= n; size++ {
			for i := uint64(0); i < size; i++ {
				p, err := f.s.InclusionProof(ctx, i, size)
				if err != nil {
					t.Fatalf("InclusionProof(%d, %d): %v", i, size, err)
				}
				if err := proof.VerifyInclusion(hasher, i, size, hashes[i], p, roots[size]); err != nil {
					t.Errorf("inclusion (%d, %d): %v", i, size, err)
				}
				pairs++
			}
			for m := uint64(1); m <= size; m++ {
				p, err := f.s.ConsistencyProof(ctx, m, size)
				if err != nil {
					t.Fatalf("ConsistencyProof(%d, %d): %v", m, size, err)
				}
				if err := proof.VerifyConsistency(hasher, m, size, p, roots[m], roots[size]); err != nil {
					t.Errorf("consistency (%d, %d): %v", m, size, err)
				}
			}
		}
		if pairs != n*(n+1)/2 {
			t.Errorf("%d inclusion pairs checked", pairs)
		}
		// Out of range: clear field errors.
		for _, tc := range []struct {
			name  string
			fn    func() error
			field string
		}{
			{"index ≥ size", func() error { _, err := f.s.InclusionProof(ctx, 5, 5); return err }, "leaf_index"},
			{"size beyond the log", func() error { _, err := f.s.InclusionProof(ctx, 0, 34); return err }, "tree_size"},
			{"first 0", func() error { _, err := f.s.ConsistencyProof(ctx, 0, 5); return err }, "first"},
			{"first > second", func() error { _, err := f.s.ConsistencyProof(ctx, 6, 5); return err }, "second"},
			{"second beyond", func() error { _, err := f.s.ConsistencyProof(ctx, 1, 40); return err }, "second"},
		} {
			e, ok := errs.As(tc.fn())
			if !ok || e.Code != errs.Invalid || e.Fields[0].Field != tc.field {
				t.Errorf("%s: %v, want invalid %s", tc.name, e, tc.field)
			}
		}
	})
}

func TestInclusionStatus(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.fill(t, 0, 10)
		sum := content(3)
		st, err := f.s.Inclusion(ctx, sum[:])
		if err != nil || st.State != Pending || st.Leaf.Index != 3 || st.TreeHead != nil {
			t.Fatalf("before any head: %+v, %v", st, err)
		}
		if _, err := f.s.InclusionBundle(ctx, sum[:], 0); !errorsIsKey(err, "ledger.error.pending") {
			t.Errorf("bundle before any head: %v", err)
		}
		h10 := f.sign(t)
		f.fill(t, 10, 12)
		st, err = f.s.Inclusion(ctx, sum[:])
		if err != nil || st.State != Included || st.TreeSize != 10 || st.TreeHead.TreeSize != 10 {
			t.Fatalf("after the head of 10: %+v, %v", st, err)
		}
		if err := proof.VerifyInclusion(hasher, 3, 10, st.Leaf.LeafHash[:], fromHashes(st.AuditPath), h10.RootHash[:]); err != nil {
			t.Error(err)
		}
		late := content(11)
		if st, err := f.s.Inclusion(ctx, late[:]); err != nil || st.State != Pending {
			t.Errorf("entry after the newest head: %+v, %v", st, err)
		}
		f.sign(t)
		if st, err := f.s.Inclusion(ctx, late[:]); err != nil || st.State != Included || st.TreeSize != 12 {
			t.Errorf("after the head of 12: %+v, %v", st, err)
		}
		// The old entry is now reported against the newest head.
		if st, _ := f.s.Inclusion(ctx, sum[:]); st.TreeSize != 12 {
			t.Errorf("old entry against head %d, want 12", st.TreeSize)
		}
		unknown := content(1000)
		if _, err := f.s.Inclusion(ctx, unknown[:]); !errorsIsKey(err, "ledger.error.not_logged") {
			t.Errorf("unknown hash: %v", err)
		}
		if _, err := f.s.Inclusion(ctx, []byte("short")); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("short hash: %v", err)
		}
		// Bundles against a named head.
		b, err := f.s.InclusionBundle(ctx, sum[:], 10)
		if err != nil || b.TreeSize != 10 || b.TreeHead.TreeSize != 10 || b.LeafIndex != 3 {
			t.Errorf("bundle at 10: %+v, %v", b, err)
		}
		if _, err := f.s.InclusionBundle(ctx, late[:], 10); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("bundle at a head before the entry: %v", err)
		}
		if _, err := f.s.InclusionBundle(ctx, sum[:], 11); !errorsIsKey(err, "ledger.error.no_tree_head") {
			t.Errorf("bundle at an unsigned size: %v", err)
		}
	})
}

func errorsIsKey(err error, key string) bool {
	e, ok := errs.As(err)
	return ok && e.Key == key
}
