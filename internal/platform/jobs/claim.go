package jobs

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// claimed is a job a runner holds, with the lease_owner value of this
// claim: it fences every later write of the runner to the row, so a runner
// whose lease expired (and was taken over) changes nothing.
type claimed struct {
	job   Job
	token string
}

// claimSQL returns the statement that claims up to n due jobs of the given
// kinds: scheduled jobs whose run_at has come, and running jobs whose lease
// expired (their runner crashed) with attempts left, earliest first, and
// the order of its arguments after the three SET values (token, lease
// until, now): claimArgs. It is the dialect seam of this package.
//
// On PostgreSQL the inner SELECT locks its rows and skips rows other
// runners are claiming, so concurrent runners never take the same job; a
// row another runner claimed meanwhile is re-checked against the WHERE
// clause after the lock and dropped. SQLite has one writer (BEGIN
// IMMEDIATE, across processes too), so the same UPDATE is atomic as it is;
// there each of the two kinds of due row is read in index order
// (jobs_job_due) and limited on its own, because SQLite answers the OR of
// the two with a sort of every due row — the whole backlog, at every claim.
func claimSQL(d sqldb.Dialect, kinds int) string {
	set := `UPDATE jobs_job SET state = 'running', attempts = attempts + 1, lease_owner = ?, lease_until = ?, updated_at = ?
		WHERE id IN (`
	in := `kind IN (` + placeholders(kinds) + `)`
	if d == sqldb.Postgres {
		return set + `SELECT id FROM jobs_job
			WHERE ` + in + `
			AND ((state = 'scheduled' AND run_at <= ?) OR (state = 'running' AND lease_until <= ? AND attempts < max_attempts))
			ORDER BY run_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
		RETURNING ` + jobColumns
	}
	return set + `SELECT id FROM (
			SELECT * FROM (SELECT id, run_at FROM jobs_job WHERE state = 'scheduled' AND run_at <= ? AND ` + in + `
				ORDER BY state, run_at, id LIMIT ?)
			UNION ALL
			SELECT * FROM (SELECT id, run_at FROM jobs_job WHERE state = 'running' AND lease_until <= ? AND attempts < max_attempts AND ` + in + `
				ORDER BY state, run_at, id LIMIT ?))
			ORDER BY run_at, id LIMIT ?)
		RETURNING ` + jobColumns
}

// claimArgs are the arguments of claimSQL after the SET values.
func claimArgs(d sqldb.Dialect, kinds []any, now time.Time, limit int) []any {
	if d == sqldb.Postgres {
		args := append([]any{}, kinds...)
		return append(args, now, now, limit)
	}
	args := []any{now}
	args = append(args, kinds...)
	args = append(args, limit, now)
	args = append(args, kinds...)
	return append(args, limit, limit)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// claim takes up to limit due jobs of the registered kinds under a new
// lease. In the same transaction it fails running jobs whose lease expired
// on their last attempt (a handler that crashes its process every time
// must not be retried forever).
func (r *Runner) claim(ctx context.Context, limit int) ([]claimed, error) {
	kinds := r.kindList()
	if len(kinds) == 0 || limit <= 0 {
		return nil, nil
	}
	token := r.opts.Owner + "/" + ids.New()
	var out []claimed
	var expired []Job
	err := r.db.Tx(ctx, func(tx *sqldb.Tx) error {
		out, expired = out[:0], expired[:0]
		now := r.now()
		kindArgs := make([]any, len(kinds))
		for i, k := range kinds {
			kindArgs[i] = k
		}
		args := append([]any{"lease expired during the last attempt (the runner stopped or crashed)", now, now}, kindArgs...)
		rows, err := tx.Query(ctx, `UPDATE jobs_job SET state = 'failed', last_error = ?, lease_owner = '', lease_until = NULL, updated_at = ?
			WHERE state = 'running' AND lease_until <= ? AND attempts >= max_attempts
			AND kind IN (`+placeholders(len(kinds))+`) RETURNING `+jobColumns, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			j, _, err := scanJob(rows)
			if err != nil {
				rows.Close()
				return err
			}
			expired = append(expired, j)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		args = append([]any{token, now.Add(r.opts.Lease), now}, claimArgs(tx.Dialect(), kindArgs, now, limit)...)
		rows, err = tx.Query(ctx, claimSQL(tx.Dialect(), len(kinds)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, owner, err := scanJob(rows)
			if err != nil {
				return err
			}
			out = append(out, claimed{job: j, token: owner})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	for _, j := range expired {
		r.stats.failed.Add(1)
		r.log.Error("job failed: lease expired on its last attempt", "job_id", j.ID, "kind", j.Kind, "key", j.Key, "attempts", j.Attempts)
	}
	sort.Slice(out, func(i, k int) bool {
		if !out[i].job.RunAt.Equal(out[k].job.RunAt) {
			return out[i].job.RunAt.Before(out[k].job.RunAt)
		}
		return out[i].job.ID < out[k].job.ID
	})
	return out, nil
}

// finish records the outcome of a handler, fenced by the claim's token: it
// changes nothing when the job was meanwhile marked done by the handler
// (Done), cancelled, moved, or taken over after an expired lease.
func (r *Runner) finish(ctx context.Context, c claimed, herr error) {
	j := c.job
	var (
		q     string
		args  []any
		state State
		retry time.Duration
	)
	now := r.now()
	switch {
	case herr == nil:
		state = StateDone
		q = `UPDATE jobs_job SET state = 'done', done_at = ?, updated_at = ?, lease_owner = '', lease_until = NULL
			WHERE id = ? AND state = 'running' AND lease_owner = ?`
		args = []any{now, now, j.ID, c.token}
	case j.Attempts >= j.MaxAttempts:
		state = StateFailed
		q = `UPDATE jobs_job SET state = 'failed', last_error = ?, updated_at = ?, lease_owner = '', lease_until = NULL
			WHERE id = ? AND state = 'running' AND lease_owner = ?`
		args = []any{truncate(herr.Error()), now, j.ID, c.token}
	default:
		state = StateScheduled
		retry = r.opts.Backoff(j.Attempts)
		q = `UPDATE jobs_job SET state = 'scheduled', run_at = ?, last_error = ?, updated_at = ?, lease_owner = '', lease_until = NULL
			WHERE id = ? AND state = 'running' AND lease_owner = ?`
		args = []any{now.Add(retry), truncate(herr.Error()), now, j.ID, c.token}
	}
	var n int64
	err := r.db.Tx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		// The lease will expire and the job will run again; handlers are idempotent.
		r.log.Error("job outcome not recorded; it will run again after its lease", "job_id", j.ID, "kind", j.Kind, "outcome", state, "err", err)
		return
	}
	log := r.log.With("job_id", j.ID, "kind", j.Kind, "key", j.Key, "attempt", j.Attempts)
	switch state {
	case StateDone:
		r.stats.done.Add(1)
	case StateFailed:
		if n == 1 {
			r.stats.failed.Add(1)
			log.Error("job failed after its last attempt", "max_attempts", j.MaxAttempts, "err", herr)
		}
	case StateScheduled:
		if n == 1 {
			r.stats.retried.Add(1)
			log.Warn("job failed; retrying", "retry_in", retry, "err", herr)
		}
	}
	if n == 0 && herr != nil {
		log.Info("job handler failed, but the job was meanwhile finished, cancelled or moved", "err", herr)
	}
}

// heartbeat extends the claim's lease every third of the lease until stop
// is closed, so a handler that runs longer than the lease keeps its job.
func (r *Runner) heartbeat(c claimed, stop <-chan struct{}) {
	t := time.NewTicker(r.opts.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		now := r.now()
		var n int64
		err := r.db.Tx(context.Background(), func(tx *sqldb.Tx) error {
			res, err := tx.Exec(context.Background(), `UPDATE jobs_job SET lease_until = ?, updated_at = ?
				WHERE id = ? AND state = 'running' AND lease_owner = ?`, now.Add(r.opts.Lease), now, c.job.ID, c.token)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		switch {
		case err != nil:
			r.log.Warn("job lease not extended", "job_id", c.job.ID, "kind", c.job.Kind, "err", err)
		case n == 0:
			r.log.Warn("job lease lost (cancelled, moved or taken over); its outcome will be ignored", "job_id", c.job.ID, "kind", c.job.Kind)
			return
		}
	}
}

// truncate bounds a stored error message.
func truncate(s string) string {
	const max = 2000
	s = strings.ToValidUTF8(s, "\uFFFD") // PostgreSQL rejects invalid UTF-8
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
