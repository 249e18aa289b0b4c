package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// TestBackgroundCheckpointKeepsTheWALSmall writes far more than SQLite's
// automatic checkpoint threshold (1,000 pages) with the writer's own
// checkpoints off, and checks that the background checkpointer copies every
// frame into the database file and that the WAL is rewound instead of
// growing without bound.
func TestBackgroundCheckpointKeepsTheWALSmall(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := sqldb.Open(ctx, "sqlite://"+path, sqldb.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, testSet); err != nil {
		t.Fatal(err)
	}
	var auto int
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		return tx.QueryRow(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto)
	}); err != nil {
		t.Fatal(err)
	}
	if auto != 0 {
		t.Fatalf("writer wal_autocheckpoint = %d, want 0 (checkpoints run in the background)", auto)
	}
	pad := strings.Repeat("x", 3000) // about one page per row
	write := func(round int) {
		for i := 0; i < 1500; i++ {
			if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO t_parent (id, at) VALUES (?, ?)`, fmt.Sprintf("r%d-%d-%s", round, i, pad), tx.Now)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	probe, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	// frames reports the current WAL length in pages (a PASSIVE checkpoint
	// with the counts it returns; by now the background has done the work).
	frames := func() int64 {
		var busy, n, copied int64
		if err := probe.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &n, &copied); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for round := 0; round < 3; round++ {
		write(round) // thousands of WAL pages, far past rewindFrames
		// Let the background checkpointer run once after the
		// burst (it copies the pages and asks the writer to finish).
		before := db.CheckpointStats().Background
		deadline := time.Now().Add(20 * time.Second)
		for db.CheckpointStats().Background < before+1 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		// The next write finishes the checkpoint on the writer and so
		// starts the WAL again from its first page.
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO t_parent (id, at) VALUES (?, ?)`, fmt.Sprint("after", round), tx.Now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n := frames(); n > 50 {
			t.Errorf("round %d: the WAL holds %d pages after the burst and one more write; want it rewound (a few pages)", round, n)
		}
	}
	if st := db.CheckpointStats(); st.Writer < 3 {
		t.Errorf("the writer finished %d checkpoints, want at least 3 (stats %+v)", st.Writer, st)
	}
}
