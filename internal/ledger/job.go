package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// JobTreeHead is the job kind of the periodic tree-head signer. There is
// one such job (key "ledger"), shared by every process on the database.
const JobTreeHead = "ledger.sign_tree_head"

const treeHeadJobKey = "ledger"

// RegisterJobs registers the tree-head signer on the app's job runner. Its
// handler signs a new head if the tree grew (SignTreeHead) and, in the same
// transaction, schedules itself again one interval later; so a head and
// the next run commit together, and a crash in between leaves the job to
// be retried under the runner's lease. Call ScheduleTreeHeads once at
// start to create the job.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Register(JobTreeHead, s.runTreeHeadJob)
}

func (s *Service) runTreeHeadJob(ctx context.Context, _ jobs.Job) error {
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if _, _, err := s.signTx(ctx, tx); err != nil {
			return err
		}
		// Scheduling the same kind and key moves this (running) job; the
		// runner's own "done" mark afterwards then changes nothing.
		return jobs.Schedule(ctx, tx, s.treeHeadJob(tx.Now.Add(s.interval)))
	})
}

func (s *Service) treeHeadJob(runAt time.Time) jobs.Job {
	j := jobs.New(JobTreeHead, treeHeadJobKey, runAt, nil)
	j.MaxAttempts = 1000 // an hour of backoff between late attempts; never given up
	return j
}

// ScheduleTreeHeads makes sure the tree-head job exists: it schedules it
// to run now when there is none (first start) or it had failed or been
// cancelled, and brings it forward when it is due later than one interval
// from now (the interval was shortened). A scheduled or running job is
// otherwise left alone, so every process may call this at start.
func (s *Service) ScheduleTreeHeads(ctx context.Context) error {
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		j, err := jobs.FindByKey(ctx, tx, JobTreeHead, treeHeadJobKey)
		if errs.CodeOf(err) == errs.NotFound {
			return jobs.Schedule(ctx, tx, s.treeHeadJob(tx.Now))
		}
		if err != nil {
			return err
		}
		switch j.State {
		case jobs.StateScheduled:
			if next := tx.Now.Add(s.interval); j.RunAt.After(next) {
				return jobs.Reschedule(ctx, tx, JobTreeHead, treeHeadJobKey, next)
			}
			return nil
		case jobs.StateRunning:
			return nil
		case jobs.StateFailed, jobs.StateCancelled:
			return jobs.Schedule(ctx, tx, s.treeHeadJob(tx.Now))
		default:
			// The handler always moves its job instead of finishing it, so a
			// done job means someone marked it by hand.
			return fmt.Errorf("ledger: the tree-head job %s is %s and cannot be revived; remove it from jobs_job", j.ID, j.State)
		}
	})
}
