package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	relayBatch     = 256              // rows claimed and published per transaction
	relayPoll      = time.Second      // poll interval for rows other processes wrote
	publishTimeout = 10 * time.Second // PubAck wait
	maxRelayDelay  = 30 * time.Second // backoff cap after failed publishes
)

// relayHooks lets tests stop the relay at its most delicate point: after
// JetStream acknowledged a batch and before the rows are marked published.
// A non-nil error returned by afterPublish aborts the batch as a crash would
// (the marking transaction rolls back).
var relayHooks struct {
	afterPublish atomic.Pointer[func() error]
}

// sqliteRelayLocks holds one mutex per SQLite database (*sqldb.DB), so
// that relays on the same database never publish the same rows at once.
var sqliteRelayLocks sync.Map

type relay struct {
	b      *Bus
	db     *sqldb.DB
	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	mu     *sync.Mutex // one batch at a time: the loop and Flush; on SQLite, all relays of the database
}

// StartRelay starts a goroutine that publishes db's outbox to JetStream:
// unpublished rows oldest first, in batches, each with its event ID as the
// message ID, marking them published after the PubAck. It wakes when a
// transaction with Enqueue commits and polls every second for rows written
// by other processes or left by a crash. Failed publishes are counted on
// the row (attempts, last_error) and retried with exponential backoff.
//
// Several processes may run relays on one PostgreSQL database: each batch
// claims its rows with SELECT … FOR UPDATE SKIP LOCKED, so a row is
// published by one relay at a time. Order is by transaction time; batches
// of different relays may interleave, so consumers must not rely on order
// across entities. The relay stops when ctx is done or the bus is closed.
func (b *Bus) StartRelay(ctx context.Context, db *sqldb.DB) {
	ctx, cancel := context.WithCancel(ctx)
	r := &relay{b: b, db: db, wake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{}), mu: new(sync.Mutex)}
	if db.Dialect() == sqldb.SQLite {
		m, _ := sqliteRelayLocks.LoadOrStore(db, r.mu)
		r.mu = m.(*sync.Mutex)
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		cancel()
		return
	}
	b.relays = append(b.relays, r)
	b.mu.Unlock()
	addWaker(r.wake)
	go r.run(ctx)
}

// Flush publishes every outbox row that is pending now (and that no other
// process's relay holds) through the started relays, and returns the first
// error. Call it at graceful shutdown before Close, and in tests. It
// returns an error when no relay was started.
func (b *Bus) Flush(ctx context.Context) error {
	b.mu.Lock()
	relays := append([]*relay(nil), b.relays...)
	b.mu.Unlock()
	if len(relays) == 0 {
		return errors.New("bus: Flush without StartRelay")
	}
	var errList []error
	for _, r := range relays {
		errList = append(errList, r.drain(ctx))
	}
	return errors.Join(errList...)
}

func (r *relay) stop() {
	r.cancel()
	<-r.done
}

func (r *relay) run(ctx context.Context) {
	defer close(r.done)
	defer removeWaker(r.wake)
	tick := time.NewTicker(relayPoll)
	defer tick.Stop()
	fails := 0
	for {
		err := r.drain(ctx)
		if ctx.Err() != nil {
			return
		}
		wake, poll := r.wake, tick.C
		var retry <-chan time.Time
		if err != nil {
			fails++
			d := backoff(fails)
			r.b.log.Warn("outbox relay: publish failed; retrying", "err", err, "retry_in", d)
			wake, poll = nil, nil
			retry = time.After(d)
		} else {
			fails = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-poll:
		case <-retry:
		}
	}
}

// backoff returns the wait after n consecutive failures: 100 ms doubling to
// maxRelayDelay.
func backoff(n int) time.Duration {
	d := 100 * time.Millisecond
	for i := 1; i < n && d < maxRelayDelay; i++ {
		d *= 2
	}
	return min(d, maxRelayDelay)
}

// drain publishes batches until none is full, then records the pending count.
func (r *relay) drain(ctx context.Context) error {
	n, err := r.countPending(ctx)
	if err != nil || n == 0 {
		return err
	}
	for {
		n, err := r.batch(ctx)
		if err != nil {
			return err
		}
		if n < relayBatch {
			break
		}
	}
	_, err = r.countPending(ctx)
	return err
}

func (r *relay) countPending(ctx context.Context) (int64, error) {
	var n int64
	if err := r.db.QueryRow(ctx, "SELECT COUNT(*) FROM bus_outbox WHERE published_at IS NULL").Scan(&n); err != nil {
		return 0, fmt.Errorf("bus: count outbox: %w", err)
	}
	r.b.pending.Store(n)
	return n, nil
}

const claimSQL = `SELECT id, type, court_id, case_id, actor, occurred_at, version, payload
	FROM bus_outbox WHERE published_at IS NULL ORDER BY created_at, id LIMIT ?`

// batch claims, publishes and marks one batch, and returns how many rows it
// claimed. Publish failures are recorded on their rows and returned as an
// error after the marks are committed.
//
// It holds the relay's one dialect branch. On PostgreSQL several processes
// run relays: the batch runs in one transaction that locks its rows while
// they are published (FOR UPDATE SKIP LOCKED; other relays skip them, and
// application writers are not blocked by row locks). On SQLite there is one
// process and a single writer connection, which must not be held while
// JetStream fsyncs: the rows are read on the reader pool and marked in a
// short transaction, and relays on the same database take turns through
// a per-database mutex.
func (r *relay) batch(ctx context.Context) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var res batchResult
	var err error
	if r.db.Dialect() == sqldb.Postgres {
		err = r.db.Tx(ctx, func(tx *sqldb.Tx) error {
			evs, err := claim(ctx, tx, claimSQL+" FOR UPDATE SKIP LOCKED")
			if err != nil {
				return err
			}
			res = r.publish(ctx, evs)
			return res.mark(ctx, tx)
		})
	} else {
		var evs []Event
		if evs, err = claim(ctx, r.db, claimSQL); err == nil {
			res = r.publish(ctx, evs)
			err = r.db.Tx(ctx, func(tx *sqldb.Tx) error { return res.mark(ctx, tx) })
		}
	}
	if err != nil {
		return res.claimed, fmt.Errorf("bus: relay: %w", err)
	}
	// Keep the pending gauge current at once rather than at the next count
	// (and lower it before raising the published count), so Stats never
	// shows a row as both published and pending.
	for n := int64(len(res.ok)); n > 0; {
		cur := r.b.pending.Load()
		if r.b.pending.CompareAndSwap(cur, max(cur-n, 0)) {
			break
		}
	}
	r.b.published.Add(int64(len(res.ok)))
	r.b.duplicates.Add(int64(res.dups))
	return res.claimed, res.err()
}

// batchResult is what JetStream answered for a batch.
type batchResult struct {
	claimed int
	ok      []string         // stored, or dropped as duplicates
	dups    int              // of ok, the duplicates
	failed  map[string]error // event ID → publish error
}

// mark records the batch in the outbox: published_at for the acknowledged
// rows, attempts and last_error for the failed ones.
func (res batchResult) mark(ctx context.Context, tx *sqldb.Tx) error {
	if res.claimed == 0 {
		return nil
	}
	if h := relayHooks.afterPublish.Load(); h != nil {
		if err := (*h)(); err != nil {
			return err
		}
	}
	if err := markPublished(ctx, tx, res.ok); err != nil {
		return err
	}
	for id, perr := range res.failed {
		msg := perr.Error()
		if len(msg) > 1000 {
			msg = msg[:1000]
		}
		if _, err := tx.Exec(ctx, "UPDATE bus_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?", msg, id); err != nil {
			return err
		}
	}
	return nil
}

func (res batchResult) err() error {
	for id, perr := range res.failed {
		return fmt.Errorf("bus: publish %s (and %d more): %w", id, len(res.failed)-1, perr)
	}
	return nil
}

func claim(ctx context.Context, q sqldb.Querier, query string) ([]Event, error) {
	rows, err := q.Query(ctx, query, relayBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var evs []Event
	for rows.Next() {
		var ev Event
		var payload string
		if err := rows.Scan(&ev.ID, &ev.Type, &ev.CourtID, &ev.CaseID, &ev.Actor, &ev.Time, &ev.Version, &payload); err != nil {
			return nil, err
		}
		ev.Time = ev.Time.UTC()
		if payload != "null" {
			ev.Payload = json.RawMessage(payload)
		}
		evs = append(evs, ev)
	}
	return evs, rows.Err()
}

// publish sends evs asynchronously, in order, and waits for every PubAck.
func (r *relay) publish(ctx context.Context, evs []Event) batchResult {
	res := batchResult{claimed: len(evs), failed: map[string]error{}}
	failed := res.failed
	futures := make([]jetstream.PubAckFuture, len(evs))
	for i, ev := range evs {
		data, err := json.Marshal(ev)
		if err != nil {
			failed[ev.ID] = err
			continue
		}
		m := nats.NewMsg(ev.Type)
		m.Data = data
		futures[i], err = r.b.js.PublishMsgAsync(m, jetstream.WithMsgID(ev.ID))
		if err != nil {
			failed[ev.ID] = err
		}
	}
	timeout := time.NewTimer(publishTimeout + time.Second)
	defer timeout.Stop()
	for i, f := range futures {
		if f == nil {
			continue
		}
		id := evs[i].ID
		select {
		case ack := <-f.Ok():
			res.ok = append(res.ok, id)
			if ack.Duplicate {
				res.dups++
			}
		case err := <-f.Err():
			failed[id] = err
		case <-ctx.Done():
			failed[id] = ctx.Err()
		case <-timeout.C:
			failed[id] = errors.New("no PubAck")
			timeout.Reset(0)
		}
	}
	r.b.failed.Add(int64(len(failed))) // failed attempts, whether or not the marks commit
	return res
}

func markPublished(ctx context.Context, tx *sqldb.Tx, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, tx.Now)
	for _, id := range ids {
		args = append(args, id)
	}
	q := "UPDATE bus_outbox SET published_at = ?, attempts = attempts + 1, last_error = '' WHERE id IN (?" +
		strings.Repeat(", ?", len(ids)-1) + ")"
	_, err := tx.Exec(ctx, q, args...)
	return err
}
