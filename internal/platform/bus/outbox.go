package bus

import (
	"context"
	"embed"
	"fmt"
	"sync"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations creates the bus's tables: bus_outbox (the transactional
// outbox) and bus_processed (consumer idempotency, see Once). The app
// migrates it before any context that enqueues events.
var Migrations = sqldb.MigrationSet{Name: "bus", FS: mustSub(migrationsFS, "migrations")}

// Enqueue writes ev to the outbox inside the caller's transaction, so the
// event is published if and only if the transaction commits. It fills an
// empty ID with a new UUIDv7, a zero Time with tx.Now and a zero Version
// with 1, and after the commit wakes the relays of this process (without
// blocking). It returns an errs.Invalid error for a malformed type and
// errs.Conflict when an event with the same ID is already in the outbox.
func Enqueue(ctx context.Context, tx *sqldb.Tx, ev Event) error {
	if err := ValidType(ev.Type); err != nil {
		return errs.Wrap(errs.Invalid, "", err)
	}
	if ev.ID == "" {
		ev.ID = ids.New()
	}
	if ev.Time.IsZero() {
		ev.Time = tx.Now
	}
	if ev.Version == 0 {
		ev.Version = 1
	}
	payload := string(ev.Payload)
	if payload == "" {
		payload = "null"
	}
	_, err := tx.Exec(ctx, `INSERT INTO bus_outbox
		(id, type, court_id, case_id, actor, occurred_at, version, payload, created_at, attempts, last_error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')`,
		ev.ID, ev.Type, ev.CourtID, ev.CaseID, ev.Actor, ev.Time.UTC(), ev.Version, payload, tx.Now)
	if err != nil {
		return fmt.Errorf("bus: enqueue %s: %w", ev.Type, err)
	}
	tx.AfterCommit(wakeRelays)
	return nil
}

// Once records that consumer has processed the event eventID and reports
// whether this is the first time. A handler calls it inside its own
// transaction, before its effect, and skips the effect when first is false;
// the effect and the mark then commit (or roll back) together, which makes
// redelivered events harmless:
//
//	err := db.Tx(ctx, func(tx *sqldb.Tx) error {
//		first, err := bus.Once(ctx, tx, "delivery.notify", ev.ID)
//		if err != nil || !first {
//			return err
//		}
//		return notify(ctx, tx, ev)
//	})
//
// On PostgreSQL a concurrent transaction marking the same event waits for
// this one and then sees first == false.
func Once(ctx context.Context, tx *sqldb.Tx, consumer, eventID string) (first bool, err error) {
	if consumer == "" || eventID == "" {
		return false, errs.Wrap(errs.Invalid, "", fmt.Errorf("bus: Once needs a consumer and an event ID"))
	}
	res, err := tx.Exec(ctx, `INSERT INTO bus_processed (consumer, event_id, processed_at)
		VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, consumer, eventID, tx.Now)
	if err != nil {
		return false, fmt.Errorf("bus: once %s %s: %w", consumer, eventID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("bus: once %s %s: %w", consumer, eventID, err)
	}
	return n == 1, nil
}

// Prune deletes outbox rows published before before and processed marks
// older than before, and returns how many rows it deleted. Keep marks at
// least as long as a redelivery can happen (JetStream's duplicate window and
// the consumers' redelivery backoff: minutes); a week is a safe default.
func Prune(ctx context.Context, db *sqldb.DB, before time.Time) (int64, error) {
	var n int64
	err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		n = 0
		for _, q := range []string{
			"DELETE FROM bus_outbox WHERE published_at IS NOT NULL AND published_at < ?",
			"DELETE FROM bus_processed WHERE processed_at < ?",
		} {
			res, err := tx.Exec(ctx, q, before.UTC())
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	return n, err
}

// wakers holds the wake-up channels of the running relays. Enqueue cannot
// know which Bus will publish its row (it only has the transaction), so a
// commit wakes every relay of the process; a relay with nothing to do goes
// back to sleep after one cheap query.
var wakers struct {
	sync.Mutex
	m map[chan struct{}]struct{}
}

func addWaker(c chan struct{}) {
	wakers.Lock()
	defer wakers.Unlock()
	if wakers.m == nil {
		wakers.m = map[chan struct{}]struct{}{}
	}
	wakers.m[c] = struct{}{}
}

func removeWaker(c chan struct{}) {
	wakers.Lock()
	defer wakers.Unlock()
	delete(wakers.m, c)
}

func wakeRelays() {
	wakers.Lock()
	defer wakers.Unlock()
	for c := range wakers.m {
		select {
		case c <- struct{}{}:
		default: // already signalled
		}
	}
}
