package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

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
