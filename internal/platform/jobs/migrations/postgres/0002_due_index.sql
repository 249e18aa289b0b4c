-- The work queue in claiming order: due jobs are taken by (run_at, id), and
-- with id in the index a claim reads the first due rows in order and stops,
-- instead of sorting every due row (a backlog of thousands of jobs made
-- each claim cost as much as the backlog).
CREATE INDEX jobs_job_due ON jobs_job (state, run_at, id);
DROP INDEX jobs_job_state_run_at;
