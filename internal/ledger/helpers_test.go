package ledger

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

var sets = []sqldb.MigrationSet{bus.Migrations, jobs.Migrations, Migrations}

// t0 is Monday 2026-03-02 10:00 China time.
var t0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

type fixture struct {
	db     *sqldb.DB
	clk    *clock.Fixed
	s      *Service
	keyDir string
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// forEachDB runs fn on a fresh ledger on SQLite and, when configured,
// PostgreSQL, with a fixed clock at t0 and a key in a temporary directory.
func forEachDB(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	clk := clock.NewFixed(t0)
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, sets, func(t *testing.T, db *sqldb.DB) {
		clk.Set(t0)
		dir := t.TempDir() + "/keys"
		s, err := New(db, dir, WithOrigin("test.ecourt/ledger"), WithLogger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		fn(t, &fixture{db: db, clk: clk, s: s, keyDir: dir})
	})
}

// entry returns the i-th test entry: evidence "E<i>" whose content is
// "file <i>".
func entry(i int) Entry {
	return Entry{Kind: KindEvidence, Ref: fmt.Sprintf("E%d", i), CourtID: "court-1", SHA256: content(i)}
}

func content(i int) [32]byte { return sha256.Sum256(fileBytes(i)) }

func fileBytes(i int) []byte { return fmt.Appendf(nil, "file %d", i) }

// fill appends entries [from, to) in one batch.
func (f *fixture) fill(t testing.TB, from, to int) []Leaf {
	t.Helper()
	es := make([]Entry, 0, to-from)
	for i := from; i < to; i++ {
		es = append(es, entry(i))
	}
	leaves, err := f.s.AppendBatch(context.Background(), es)
	if err != nil {
		t.Fatalf("AppendBatch: %v", err)
	}
	return leaves
}

func (f *fixture) sign(t testing.TB) TreeHead {
	t.Helper()
	th, err := f.s.SignTreeHead(context.Background())
	if err != nil {
		t.Fatalf("SignTreeHead: %v", err)
	}
	return th
}

func (f *fixture) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// refRoot computes the RFC 6962 root of leaf hashes from scratch, by the
// recursive definition of RFC 6962 §2.1 (independent of the stored nodes
// and of the compact-range code).
func refRoot(leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		return hasher.EmptyRoot()
	case 1:
		return leaves[0]
	}
	k := 1
	for k<<1 < len(leaves) {
		k <<= 1
	}
	return hasher.HashChildren(refRoot(leaves[:k]), refRoot(leaves[k:]))
}
