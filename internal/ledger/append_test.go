package ledger

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

func TestLeafData(t *testing.T) {
	// The documented encoding, byte for byte; the leaf hash is what
	// `printf '\000…' | sha256sum` gives for it.
	sum := sha256.Sum256([]byte("hello"))
	at := time.Date(2026, 3, 2, 2, 0, 0, 123_456_789, time.UTC)
	got := string(LeafData("evidence", "E1", sum, at))
	want := "ecourt-ledger/v1 leaf\nkind evidence\nref E1\n" +
		"sha256 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\nappended_at 1772416800123\n"
	if got != want {
		t.Errorf("LeafData:\n got %q\nwant %q", got, want)
	}
	h := sha256.Sum256(append([]byte{0}, want...))
	if lh := LeafHash([]byte(want)); lh != h {
		t.Errorf("LeafHash = %x, want %x", lh, h)
	}
}

func TestAppendIdempotent(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		l1, err := f.s.Append(ctx, entry(1))
		if err != nil {
			t.Fatal(err)
		}
		if l1.Index != 0 || l1.Kind != KindEvidence || l1.Ref != "E1" || l1.SHA256 != content(1) || !l1.AppendedAt.Equal(t0) {
			t.Errorf("first leaf = %+v", l1)
		}
		if l1.LeafHash != LeafHash(l1.LeafData()) {
			t.Error("leaf hash does not cover the leaf data")
		}
		f.clk.Advance(time.Hour)
		again, err := f.s.Append(ctx, entry(1))
		if err != nil {
			t.Fatal(err)
		}
		if again != l1 {
			t.Errorf("repeated Append = %+v, want the first leaf %+v", again, l1)
		}
		// Also through the transactional path (no pre-check).
		err = f.db.Tx(ctx, func(tx *sqldb.Tx) error {
			got, err := f.s.AppendTx(ctx, tx, entry(1))
			if err == nil && got[0] != l1 {
				err = fmt.Errorf("AppendTx = %+v", got[0])
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		l2, err := f.s.Append(ctx, entry(2))
		if err != nil || l2.Index != 1 {
			t.Fatalf("second entry: %+v, %v", l2, err)
		}
		// Same item, other content: refused, nothing changed.
		bad := entry(1)
		bad.SHA256 = content(99)
		if _, err := f.s.Append(ctx, bad); !errors.Is(err, &errs.Error{Code: errs.Conflict, Key: "ledger.error.ref_taken"}) {
			t.Errorf("Append with another hash: %v, want ref_taken", err)
		}
		if _, err := f.s.AppendBatch(ctx, []Entry{entry(3), bad}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("AppendBatch with a conflict: %v", err)
		}
		if n, _ := f.s.Size(ctx); n != 2 {
			t.Errorf("size %d after refused appends, want 2", n)
		}
		// The same file under another reference is a second entry.
		other := entry(1)
		other.Ref = "E1-copy"
		l3, err := f.s.Append(ctx, other)
		if err != nil || l3.Index != 2 {
			t.Fatalf("copy: %+v %v", l3, err)
		}
		got, err := f.s.Lookup(ctx, l1.SHA256[:])
		if err != nil || len(got) != 2 || got[0].Ref != "E1" || got[1].Ref != "E1-copy" {
			t.Errorf("Lookup = %+v, %v", got, err)
		}
		if got, err := f.s.Lookup(ctx, make([]byte, 32)); err != nil || len(got) != 0 {
			t.Errorf("Lookup of an unknown hash = %v, %v", got, err)
		}
		if _, err := f.s.Lookup(ctx, []byte{1, 2}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("Lookup of a short hash: %v", err)
		}
	})
}

func TestAppendValidation(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		ok := entry(1)
		tests := []struct {
			name  string
			edit  func(e *Entry)
			field string
			code  string
		}{
			{"no kind", func(e *Entry) { e.Kind = "" }, "kind", "required"},
			{"bad kind", func(e *Entry) { e.Kind = "Evidence!" }, "kind", "ledger_kind"},
			{"no ref", func(e *Entry) { e.Ref = "" }, "ref", "required"},
			{"long ref", func(e *Entry) { e.Ref = strings.Repeat("x", MaxRef+1) }, "ref", "too_long"},
			{"newline in ref", func(e *Entry) { e.Ref = "E1\nkind document" }, "ref", "ledger_text"},
			{"bad court", func(e *Entry) { e.CourtID = "c\x00" }, "court_id", "ledger_text"},
			{"zero hash", func(e *Entry) { e.SHA256 = [32]byte{} }, "sha256", "ledger_sha256"},
		}
		for _, tt := range tests {
			e := ok
			tt.edit(&e)
			_, err := f.s.Append(ctx, e)
			ee, isErr := errs.As(err)
			if !isErr || ee.Code != errs.Invalid || len(ee.Fields) != 1 || ee.Fields[0].Field != tt.field || ee.Fields[0].Code != tt.code {
				t.Errorf("%s: %v, want %s/%s", tt.name, err, tt.field, tt.code)
			}
		}
		bad := ok
		bad.Kind = ""
		_, err := f.s.AppendBatch(ctx, []Entry{entry(1), bad})
		if ee, _ := errs.As(err); ee == nil || ee.Fields[0].Field != "entries[1].kind" {
			t.Errorf("batch error %v, want entries[1].kind", err)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM ledger_entry`); n != 0 {
			t.Errorf("%d entries after invalid input", n)
		}
	})
}

func TestAppendBatch(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.fill(t, 0, 5)
		// A batch mixing logged entries, new ones and repeats.
		batch := []Entry{entry(3), entry(5), entry(6), entry(5), entry(0)}
		leaves, err := f.s.AppendBatch(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		wantIdx := []uint64{3, 5, 6, 5, 0}
		for i, l := range leaves {
			if l.Index != wantIdx[i] || l.Ref != batch[i].Ref {
				t.Errorf("leaf %d = %d %s, want %d %s", i, l.Index, l.Ref, wantIdx[i], batch[i].Ref)
			}
		}
		// 700 entries in one call: several multi-row chunks.
		f.fill(t, 7, 707)
		if n, _ := f.s.Size(ctx); n != 707 {
			t.Errorf("size %d, want 707", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM ledger_entry`); n != 707 {
			t.Errorf("%d entries, want 707", n)
		}
		// A perfect subtree per level per completed block: 2n - popcount(n) nodes.
		if n := f.count(t, `SELECT COUNT(*) FROM ledger_node`); n != 2*707-5 {
			t.Errorf("%d nodes, want %d", n, 2*707-5)
		}
		checkAgainstScratch(t, f)
	})
}

// checkAgainstScratch checks that the log's indexes are 0..n-1 and that
// the stored root equals a from-scratch recomputation over its entries.
func checkAgainstScratch(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	leaves, err := queryLeaves(ctx, f.db, `SELECT `+entryColumns+` FROM ledger_entry ORDER BY leaf_index`)
	if err != nil {
		t.Fatal(err)
	}
	hashes := make([][]byte, len(leaves))
	for i, l := range leaves {
		if l.Index != uint64(i) {
			t.Fatalf("leaf %d has index %d: the log has a gap", i, l.Index)
		}
		lh := LeafHash(l.LeafData())
		hashes[i] = lh[:]
	}
	n, _ := f.s.Size(ctx)
	if n != uint64(len(leaves)) {
		t.Fatalf("size %d, %d entries", n, len(leaves))
	}
	root, err := f.s.RootAt(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if want := refRoot(hashes); string(root[:]) != string(want) {
		t.Errorf("root %x, recomputed from scratch %x", root, want)
	}
}

func TestConcurrentAppends(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		const workers, each = 50, 4
		var wg sync.WaitGroup
		errc := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					n := w*each + i
					// Every other call repeats an earlier item: idempotent under contention.
					if _, err := f.s.Append(ctx, entry(n)); err != nil {
						errc <- err
						return
					}
					if _, err := f.s.Append(ctx, entry(n/2)); err != nil {
						errc <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		if n, _ := f.s.Size(ctx); n != workers*each {
			t.Errorf("size %d, want %d", n, workers*each)
		}
		checkAgainstScratch(t, f)
		rep, err := f.s.CheckIntegrity(ctx)
		if err != nil || !rep.OK() {
			t.Errorf("CheckIntegrity = %+v, %v", rep, err)
		}
	})
}
