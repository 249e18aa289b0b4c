package sqldb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Group commit for SQLite.
//
// SQLite has one writer, and at synchronous=FULL every COMMIT waits for an
// fsync: committed one by one, a burst of filings is limited by the disk's
// sync rate. The committer batches them instead: while a batch is being
// committed, the next callers queue; the committer then runs each queued
// transaction function inside one physical transaction, each in its own
// SAVEPOINT (a function that fails is rolled back to its savepoint and
// affects no other), and commits them all with one fsync. Every caller's
// Tx returns only after that commit, so "acknowledged" still means
// "durable". A lone caller is committed at once, without waiting for company;
// callers that arrive while a batch's functions run join it before its
// commit (they would wait for that commit anyway), which at NORMAL, where a
// commit costs CPU rather than an fsync, makes fewer and larger commits.

// maxBatch bounds the transactions committed together.
const maxBatch = 64

type groupReq struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan groupResult
}

type groupResult struct {
	err      error
	after    []func()
	panicked any
}

type committer struct {
	db      *DB
	reqs    chan *groupReq
	mu      sync.RWMutex
	closed  bool
	stopped chan struct{}
}

func newCommitter(db *DB) *committer {
	c := &committer{db: db, reqs: make(chan *groupReq, maxBatch), stopped: make(chan struct{})}
	go c.loop()
	return c
}

var errClosed = errors.New("sqldb: database closed")

// submit queues fn and waits for the batch it joins to commit.
func (c *committer) submit(ctx context.Context, fn func(*Tx) error) error {
	r := &groupReq{ctx: ctx, fn: fn, done: make(chan groupResult, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed
	}
	select {
	case c.reqs <- r:
		c.mu.RUnlock()
	case <-ctx.Done():
		c.mu.RUnlock()
		return ctx.Err()
	}
	// Once queued the request is always answered: the committer owns it.
	res := <-r.done
	if res.panicked != nil {
		panic(res.panicked)
	}
	if res.err == nil {
		for _, f := range res.after {
			f()
		}
	}
	return res.err
}

func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.reqs)
	}
	c.mu.Unlock()
	<-c.stopped
}

func (c *committer) loop() {
	defer close(c.stopped)
	for first := range c.reqs {
		batch := []*groupReq{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		c.run(batch)
		// The writer connection is free between batches: compile the
		// write statements seen for the first time (stmtcache.go).
		c.db.stmts.prepareWriter(c.db.w)
	}
}

// run commits one batch and answers every request in it.
func (c *committer) run(batch []*groupReq) {
	db := c.db
	results := make([]groupResult, len(batch))
	answer := func() {
		for i, r := range batch {
			r.done <- results[i]
		}
	}
	if db.ckpt != nil {
		db.ckpt.beforeWrite(context.Background(), db.w)
	}
	stx, err := db.w.BeginTx(context.Background(), nil)
	if err != nil {
		err = db.normalize(fmt.Errorf("sqldb: begin: %w", err))
		for i := range results {
			results[i].err = err
		}
		answer()
		return
	}
	// A lone first request runs without a savepoint; if it fails, nothing
	// may join the transaction after it.
	single := len(batch) == 1
	ok := 0
	for i := 0; ; i++ {
		if i == len(batch) {
			// Requests that arrived while the batch ran join it before the
			// commit: they would otherwise wait for this commit and then pay
			// for one of their own.
			if len(batch) >= maxBatch || (single && ok == 0) {
				break
			}
			more := false
			select {
			case r, open := <-c.reqs:
				if open {
					batch, more = append(batch, r), true
					results = append(results, groupResult{})
				}
			default:
			}
			if !more {
				break
			}
		}
		r := batch[i]
		savepoint := !single || i > 0
		if err := r.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		if savepoint {
			if _, err := stx.ExecContext(context.Background(), "SAVEPOINT sqldb_group"); err != nil {
				results[i].err = db.normalize(err)
				continue
			}
		}
		tx := &Tx{tx: stx, db: db, Now: db.clock.Now().UTC().Truncate(time.Microsecond)}
		fnErr, p := callFn(r.fn, tx)
		switch {
		case fnErr == nil && p == nil:
			if savepoint {
				if _, err := stx.ExecContext(context.Background(), "RELEASE sqldb_group"); err != nil {
					results[i].err = db.normalize(err)
					continue
				}
			}
			results[i].after = tx.afterCommit
			ok++
		default:
			results[i].err, results[i].panicked = fnErr, p
			if savepoint {
				_, rbErr := stx.ExecContext(context.Background(), "ROLLBACK TO sqldb_group")
				_, relErr := stx.ExecContext(context.Background(), "RELEASE sqldb_group")
				if rbErr != nil || relErr != nil {
					// The savepoint cannot be undone: nothing in this
					// batch may commit.
					stx.Rollback()
					for j := range results {
						if results[j].err == nil && results[j].panicked == nil {
							results[j].err = db.normalize(fmt.Errorf("sqldb: batch aborted: %w", errors.Join(rbErr, relErr)))
						}
						results[j].after = nil
					}
					answer()
					return
				}
			}
		}
	}
	if ok == 0 {
		stx.Rollback()
		answer()
		return
	}
	if err := stx.Commit(); err != nil {
		err = db.normalize(fmt.Errorf("sqldb: commit: %w", err))
		for i := range results {
			if results[i].err == nil && results[i].panicked == nil {
				results[i].err = err
				results[i].after = nil
			}
		}
	} else if db.ckpt != nil {
		db.ckpt.noteWrite()
	}
	answer()
}

// callFn runs fn, turning a panic into a value the caller re-panics with.
func callFn(fn func(*Tx) error, tx *Tx) (err error, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return fn(tx), nil
}
