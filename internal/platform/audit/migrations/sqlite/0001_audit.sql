CREATE TABLE audit_head (
    chain TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    chain TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    court_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    target TEXT NOT NULL,
    ip TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (chain, seq)
);
CREATE INDEX audit_log_case ON audit_log (case_id, at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);

-- Append-only: the database itself refuses to change or remove an entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
