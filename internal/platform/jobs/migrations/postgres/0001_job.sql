-- jobs_job is the durable job and timer table (package jobs). A context
-- schedules a row in the same transaction as the change that needs it; a
-- runner claims due rows with a lease (lease_owner, lease_until), runs the
-- handler registered for the kind and marks the row done, or schedules a
-- retry, or marks it failed after max_attempts. A non-empty key is unique
-- per kind, which makes scheduling idempotent (a second Schedule moves the
-- job). court_id and case_id are '' for jobs that are not case-scoped.
CREATE TABLE jobs_job (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    key          TEXT NOT NULL DEFAULT '',
    court_id     TEXT NOT NULL DEFAULT '',
    case_id      TEXT NOT NULL DEFAULT '',
    run_at       TIMESTAMPTZ NOT NULL,
    payload      TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('scheduled', 'running', 'done', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    lease_owner  TEXT NOT NULL DEFAULT '',
    lease_until  TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    done_at      TIMESTAMPTZ
);

-- Idempotent scheduling: one job per (kind, key) when key is set.
CREATE UNIQUE INDEX jobs_job_kind_key ON jobs_job (kind, key) WHERE key <> '';

-- The runners' work queue: due scheduled rows and expired leases.
CREATE INDEX jobs_job_state_run_at ON jobs_job (state, run_at);
