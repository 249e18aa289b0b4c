package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// TestGroupCommitIsolatesFailures runs many concurrent transactions through
// SQLite's group commit, a third of which fail and one of which panics: each
// failure is rolled back alone, every success is committed and sees its
// AfterCommit run, and the panic reaches only its own caller.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "g.db"), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, testSet); err != nil {
		t.Fatal(err)
	}
	const n = 300
	var wg sync.WaitGroup
	var after atomic.Int64
	errs := make([]error, n)
	panics := make([]any, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			errs[i] = db.Tx(ctx, func(tx *sqldb.Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO t_parent (id, at) VALUES (?, ?)`, fmt.Sprint("p", i), tx.Now); err != nil {
					return err
				}
				tx.AfterCommit(func() { after.Add(1) })
				switch {
				case i == 7:
					panic("boom")
				case i%3 == 0:
					return errors.New("refused")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	var want int
	for i := 0; i < n; i++ {
		switch {
		case i == 7:
			if panics[i] != "boom" {
				t.Errorf("tx 7: panic %v, want boom", panics[i])
			}
		case i%3 == 0:
			if errs[i] == nil {
				t.Errorf("tx %d: no error", i)
			}
		default:
			want++
			if errs[i] != nil || panics[i] != nil {
				t.Errorf("tx %d: %v %v", i, errs[i], panics[i])
			}
		}
	}
	var got int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM t_parent`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != want || int(after.Load()) != want {
		t.Errorf("rows %d, AfterCommit ran %d times; want %d", got, after.Load(), want)
	}
	// A failed transaction's rows are gone, a neighbour's are kept.
	var k int
	db.QueryRow(ctx, `SELECT COUNT(*) FROM t_parent WHERE id IN ('p3', 'p7', 'p4')`).Scan(&k)
	if k != 1 {
		t.Errorf("p3, p7, p4: %d rows, want only p4", k)
	}
}

// TestGroupCommitLateJoiners checks the requests that arrive while a batch
// runs: they join its transaction, except after a lone first request that
// failed, whose writes (made without a savepoint) are rolled back with the
// whole transaction and must take nobody else's with them.
func TestGroupCommitLateJoiners(t *testing.T) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "g.db"), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, testSet); err != nil {
		t.Fatal(err)
	}
	insert := func(tx *sqldb.Tx, id string) error {
		_, err := tx.Exec(ctx, `INSERT INTO t_parent (id, at) VALUES (?, ?)`, id, tx.Now)
		return err
	}
	for _, fail := range []bool{true, false} {
		first, late := fmt.Sprint("first-", fail), fmt.Sprint("late-", fail)
		lateErr := make(chan error, 1)
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			if err := insert(tx, first); err != nil {
				return err
			}
			// A second request queues while this one runs.
			go func() { lateErr <- db.Tx(ctx, func(tx *sqldb.Tx) error { return insert(tx, late) }) }()
			time.Sleep(100 * time.Millisecond)
			if fail {
				return errors.New("refused")
			}
			return nil
		})
		if (err != nil) != fail {
			t.Fatalf("fail=%v: first: %v", fail, err)
		}
		if err := <-lateErr; err != nil {
			t.Fatalf("fail=%v: late: %v", fail, err)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM t_parent WHERE id = ?`, first).Scan(&n); err != nil || (n == 1) == fail {
			t.Errorf("fail=%v: %d rows %s (%v)", fail, n, first, err)
		}
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM t_parent WHERE id = ?`, late).Scan(&n); err != nil || n != 1 {
			t.Errorf("fail=%v: %d rows %s (%v), want 1", fail, n, late, err)
		}
	}
}
