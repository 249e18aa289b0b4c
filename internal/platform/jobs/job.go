// Package jobs is the platform's durable job and timer mechanism: a table
// (jobs_job) in the same database as the contexts' data, and a Runner that
// runs due jobs under a lease.
//
// A context schedules a job inside the transaction of the change that needs
// it (Schedule), so the timer exists exactly when the change does: the
// filing context schedules "register by default when the 7-day period ends"
// in the same transaction as the submission, and cancels it (Cancel) in the
// transaction that registers the case by hand. A job with a Key is unique
// per kind: scheduling it again moves it instead of adding a second one.
//
// A Runner claims due jobs with a lease (PostgreSQL: FOR UPDATE SKIP LOCKED,
// so several processes share one table; SQLite: its single writer), calls
// the handler registered for the job's kind, and marks the job done. A
// handler error schedules a retry with exponential backoff until
// MaxAttempts, after which the job is failed (logged and kept). A runner
// that crashes leaves its lease to expire; another runner then claims the
// job again.
//
// Delivery is therefore at least once, and handlers must be idempotent: a
// crash after the handler's effect but before the job is marked done runs
// the handler again. A handler makes its effect exactly-once by calling
// Done inside the transaction that makes the effect; the mark and the
// effect then commit (or roll back) together, and the runner's own mark
// afterwards is a no-op.
//
// Wiring, in the app: migrate Migrations (it depends on no other set),
// build one Runner with NewRunner, let each context Register its kinds,
// Start it, and Stop it at shutdown before closing the database.
package jobs

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations creates jobs_job. It depends on no other set; the app
// migrates it before the contexts that schedule jobs.
var Migrations = sqldb.Embedded("jobs", migrationsFS)

// State is a job's state.
type State string

// The states of a job. scheduled → running → done, or back to scheduled
// for a retry, or failed after the last attempt; scheduled or running →
// cancelled by Cancel.
const (
	StateScheduled State = "scheduled"
	StateRunning   State = "running"
	StateDone      State = "done"
	StateFailed    State = "failed"
	StateCancelled State = "cancelled"
)

// DefaultMaxAttempts is the MaxAttempts of a job scheduled without one.
const DefaultMaxAttempts = 10

// Job is one durable job. The caller of Schedule sets Kind and, as needed,
// ID, Key, CourtID, CaseID, RunAt, Payload and MaxAttempts; the other
// fields are read-only and filled when a job is loaded.
type Job struct {
	ID string
	// Kind names the handler, "<context>.<what>", e.g. "filing.register_by_default".
	Kind string
	// Key, when not empty, is unique per Kind: scheduling the same kind and
	// key again moves the existing job. Use the entity's ID.
	Key     string
	CourtID string
	CaseID  string
	// RunAt is when the job becomes due (stored in UTC).
	RunAt time.Time
	// Payload is the job's JSON input.
	Payload     json.RawMessage
	MaxAttempts int

	State     State
	Attempts  int // claims so far, including the current one in a handler
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
	DoneAt    time.Time // zero unless done
}

// New returns a job of kind with key, due at runAt, whose payload is
// payload marshalled to JSON (a json.RawMessage or []byte is taken as it
// is). It panics when payload cannot be marshalled, which is a programming
// error.
func New(kind, key string, runAt time.Time, payload any) Job {
	j := Job{Kind: kind, Key: key, RunAt: runAt}
	switch p := payload.(type) {
	case nil:
	case json.RawMessage:
		j.Payload = p
	case []byte:
		j.Payload = json.RawMessage(p)
	default:
		b, err := json.Marshal(p)
		if err != nil {
			panic(fmt.Sprintf("jobs.New(%s): payload: %v", kind, err))
		}
		j.Payload = b
	}
	return j
}

// Decode unmarshals the job's payload into v. A malformed payload is an
// errs.Invalid error.
func (j Job) Decode(v any) error {
	if err := json.Unmarshal(j.Payload, v); err != nil {
		return errs.Wrap(errs.Invalid, "", fmt.Errorf("jobs: payload of %s %s: %w", j.Kind, j.ID, err))
	}
	return nil
}

// Schedule writes j inside the caller's transaction, so the job exists if
// and only if the transaction commits. An empty ID gets a new UUIDv7, a
// zero RunAt means tx.Now, an empty Payload "null" and a zero MaxAttempts
// DefaultMaxAttempts.
//
// With a non-empty Key, a job of the same Kind and Key that is not done is
// updated instead of duplicated: it keeps its ID, takes j's RunAt, Payload,
// CourtID, CaseID and MaxAttempts, and is scheduled afresh (attempts reset;
// a failed or cancelled job is revived; a running one is released, so its
// handler can no longer mark it done and it runs again at RunAt). A job of
// that Kind and Key that is already done is left alone and Schedule returns
// nil.
//
// After the commit, runners of this process whose next poll would be late
// for RunAt are woken. Schedule returns an errs.Invalid error for an empty
// Kind or a payload that is not JSON, and errs.Conflict when a job with the
// same ID exists.
func Schedule(ctx context.Context, tx *sqldb.Tx, j Job) error {
	if j.Kind == "" {
		return errs.Wrap(errs.Invalid, "", fmt.Errorf("jobs: schedule: empty kind"))
	}
	if j.ID == "" {
		j.ID = ids.New()
	}
	if j.RunAt.IsZero() {
		j.RunAt = tx.Now
	}
	j.RunAt = j.RunAt.UTC().Truncate(time.Microsecond)
	payload := string(j.Payload)
	if payload == "" {
		payload = "null"
	}
	if !json.Valid([]byte(payload)) {
		return errs.Wrap(errs.Invalid, "", fmt.Errorf("jobs: schedule %s: payload is not JSON", j.Kind))
	}
	if j.MaxAttempts <= 0 {
		j.MaxAttempts = DefaultMaxAttempts
	}
	q := `INSERT INTO jobs_job
		(id, kind, key, court_id, case_id, run_at, payload, state, attempts, max_attempts,
		 last_error, lease_owner, lease_until, created_at, updated_at, done_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'scheduled', 0, ?, '', '', NULL, ?, ?, NULL)`
	if j.Key != "" {
		// The conflict target names the partial unique index (kind, key) WHERE key <> ''.
		q += ` ON CONFLICT (kind, key) WHERE key <> '' DO UPDATE SET
			court_id = excluded.court_id, case_id = excluded.case_id, run_at = excluded.run_at,
			payload = excluded.payload, max_attempts = excluded.max_attempts,
			state = 'scheduled', attempts = 0, last_error = '', lease_owner = '', lease_until = NULL,
			updated_at = excluded.updated_at
			WHERE jobs_job.state <> 'done'`
	}
	_, err := tx.Exec(ctx, q, j.ID, j.Kind, j.Key, j.CourtID, j.CaseID, j.RunAt, payload,
		j.MaxAttempts, tx.Now, tx.Now)
	if err != nil {
		return fmt.Errorf("jobs: schedule %s %q: %w", j.Kind, j.Key, err)
	}
	runAt := j.RunAt
	tx.AfterCommit(func() { wakeRunners(runAt) })
	return nil
}

// Cancel cancels the job of kind and key inside the caller's transaction
// when it is scheduled or running (a running handler can then no longer
// mark it done; its own transaction's Done fails). It returns nil when
// there is no such job or it is already finished, so callers may cancel a
// timer that may not exist.
func Cancel(ctx context.Context, tx *sqldb.Tx, kind, key string) error {
	if key == "" {
		return errs.Wrap(errs.Invalid, "", fmt.Errorf("jobs: cancel %s: empty key", kind))
	}
	_, err := tx.Exec(ctx, `UPDATE jobs_job SET state = 'cancelled', lease_owner = '', lease_until = NULL, updated_at = ?
		WHERE kind = ? AND key = ? AND state IN ('scheduled', 'running')`, tx.Now, kind, key)
	if err != nil {
		return fmt.Errorf("jobs: cancel %s %q: %w", kind, key, err)
	}
	return nil
}

// Reschedule moves the job of kind and key to runAt inside the caller's
// transaction, and schedules it afresh (attempts reset) when it had failed
// or was cancelled. It returns an errs.NotFound error when there is no such
// job or it is already done.
func Reschedule(ctx context.Context, tx *sqldb.Tx, kind, key string, runAt time.Time) error {
	if key == "" {
		return errs.Wrap(errs.Invalid, "", fmt.Errorf("jobs: reschedule %s: empty key", kind))
	}
	runAt = runAt.UTC().Truncate(time.Microsecond)
	res, err := tx.Exec(ctx, `UPDATE jobs_job SET run_at = ?, state = 'scheduled', attempts = 0, last_error = '',
		lease_owner = '', lease_until = NULL, updated_at = ?
		WHERE kind = ? AND key = ? AND state <> 'done'`, runAt, tx.Now, kind, key)
	if err != nil {
		return fmt.Errorf("jobs: reschedule %s %q: %w", kind, key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errs.Wrap(errs.NotFound, "", fmt.Errorf("jobs: reschedule: no pending %s job %q", kind, key))
	}
	tx.AfterCommit(func() { wakeRunners(runAt) })
	return nil
}

// claimKey carries the claim of the job a handler runs in its context, so
// that Done can check that the runner still holds it.
type claimKey struct{}

type claim struct {
	id    string
	token string // lease_owner of this claim
}

// Done marks the job jobID done inside the caller's transaction. A
// handler calls it in the transaction that makes its effect, with the
// context the runner gave it: the effect and the mark then commit together,
// so the effect happens exactly once even if the process dies before the
// runner marks the job (a later runner finds it done and does not run it
// again). In a handler, Done returns an errs.Conflict error when the
// runner no longer holds the job (its lease expired and another runner
// took it, or it was cancelled or moved); the handler must then return the
// error so that its transaction rolls back.
//
// Outside a handler, Done marks a scheduled, running or failed job done
// (the change it waited for happened by other means); it returns nil when
// the job is already done and errs.NotFound when there is no such job or it
// was cancelled.
func Done(ctx context.Context, tx *sqldb.Tx, jobID string) error {
	q := `UPDATE jobs_job SET state = 'done', done_at = ?, updated_at = ?, lease_owner = '', lease_until = NULL
		WHERE id = ? AND state IN ('scheduled', 'running', 'failed')`
	args := []any{tx.Now, tx.Now, jobID}
	c, inHandler := ctx.Value(claimKey{}).(claim)
	inHandler = inHandler && c.id == jobID
	if inHandler {
		q = `UPDATE jobs_job SET state = 'done', done_at = ?, updated_at = ?, lease_owner = '', lease_until = NULL
			WHERE id = ? AND state = 'running' AND lease_owner = ?`
		args = append(args, c.token)
	}
	res, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("jobs: done %s: %w", jobID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	if inHandler {
		return errs.Wrap(errs.Conflict, "", fmt.Errorf("jobs: job %s is no longer held by this runner", jobID))
	}
	var state State
	if err := tx.QueryRow(ctx, "SELECT state FROM jobs_job WHERE id = ?", jobID).Scan(&state); err != nil {
		return fmt.Errorf("jobs: done %s: %w", jobID, err)
	}
	if state == StateDone {
		return nil
	}
	return errs.Wrap(errs.NotFound, "", fmt.Errorf("jobs: done %s: job is %s", jobID, state))
}

const jobColumns = `id, kind, key, court_id, case_id, run_at, payload, state, attempts, max_attempts,
	last_error, lease_owner, lease_until, created_at, updated_at, done_at`

// scanner is *sql.Rows or *sqldb.Row.
type scanner interface{ Scan(dest ...any) error }

// scanJob reads the columns of jobColumns; it also returns lease_owner.
func scanJob(s scanner) (Job, string, error) {
	var (
		j                             Job
		payload                       string
		owner                         string
		state                         string
		runAt, c, u, leaseUntil, done dbTime
	)
	err := s.Scan(&j.ID, &j.Kind, &j.Key, &j.CourtID, &j.CaseID, &runAt, &payload, &state, &j.Attempts,
		&j.MaxAttempts, &j.LastError, &owner, &leaseUntil, &c, &u, &done)
	if err != nil {
		return Job{}, "", err
	}
	j.RunAt, j.CreatedAt, j.UpdatedAt, j.DoneAt = runAt.t, c.t, u.t, done.t
	j.Payload = json.RawMessage(payload)
	j.State = State(state)
	return j, owner, nil
}

// Find returns the job with id, or an errs.NotFound error.
func Find(ctx context.Context, q sqldb.Querier, id string) (Job, error) {
	j, _, err := scanJob(q.QueryRow(ctx, "SELECT "+jobColumns+" FROM jobs_job WHERE id = ?", id))
	if err != nil {
		return Job{}, fmt.Errorf("jobs: find %s: %w", id, err)
	}
	return j, nil
}

// FindByKey returns the job of kind and key, or an errs.NotFound error.
func FindByKey(ctx context.Context, q sqldb.Querier, kind, key string) (Job, error) {
	j, _, err := scanJob(q.QueryRow(ctx, "SELECT "+jobColumns+" FROM jobs_job WHERE kind = ? AND key = ? AND key <> ''", kind, key))
	if err != nil {
		return Job{}, fmt.Errorf("jobs: find %s %q: %w", kind, key, err)
	}
	return j, nil
}
