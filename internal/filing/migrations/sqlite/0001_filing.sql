-- filing owns the online filing (网上立案): applications from their draft to
-- the court's decision, their evidence, the court's correction notices, the
-- application's own timeline, and the idempotency records of submissions.
-- Every application-scoped table carries court_id, the Citus distribution
-- column, first in its primary key. Account, case and blob IDs are plain
-- TEXT: they belong to other contexts.

CREATE TABLE filing_application (
    court_id          TEXT NOT NULL,
    id                TEXT NOT NULL,
    account_id        TEXT NOT NULL,     -- the filer (or the assisting clerk)
    filed_as          TEXT NOT NULL,     -- self | lawyer | agent | assisted
    client_account_id TEXT NOT NULL,     -- the client's account, when known
    template_id       TEXT NOT NULL,
    template_version  TEXT NOT NULL,
    answers           TEXT NOT NULL,     -- JSON object
    parties           TEXT NOT NULL,     -- JSON array
    representative    TEXT NOT NULL,     -- JSON object
    assisted          TEXT NOT NULL,     -- JSON object
    status            TEXT NOT NULL,
    claim_total_fen   INTEGER NOT NULL,
    submitted_at      TIMESTAMP,
    period_start      TEXT NOT NULL,     -- court-local date the 7-day period counts from (excluded)
    deadline          TEXT NOT NULL,     -- court-local last day of the period
    corrections       INTEGER NOT NULL,
    decided_at        TIMESTAMP,
    decided_by        TEXT NOT NULL,
    procedure         TEXT NOT NULL,
    reject_reason     TEXT NOT NULL,
    accept_started_at TIMESTAMP,
    accept_lease      TIMESTAMP,
    accept_attempts   INTEGER NOT NULL,
    accept_kind       TEXT NOT NULL,     -- accepted | registered_by_default while accepting
    case_id           TEXT NOT NULL,
    case_number       TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE INDEX filing_application_id ON filing_application (id);
CREATE INDEX filing_application_account ON filing_application (account_id, created_at);
CREATE INDEX filing_application_queue ON filing_application (court_id, status, submitted_at);
-- A case is the outcome of at most one application.
CREATE UNIQUE INDEX filing_application_case ON filing_application (case_id) WHERE case_id <> '';

CREATE TABLE filing_evidence (
    court_id       TEXT NOT NULL,
    id             TEXT NOT NULL,
    application_id TEXT NOT NULL,
    position       INTEGER NOT NULL,
    role           TEXT NOT NULL,        -- evidence | power_of_attorney | consent
    name           TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    source         TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    kind           TEXT NOT NULL,        -- pdf | jpeg | png | mp3 | wav | mp4
    sha256         TEXT NOT NULL,
    size           INTEGER NOT NULL,
    pages          INTEGER NOT NULL,
    uploaded_by    TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id),
    FOREIGN KEY (court_id, application_id) REFERENCES filing_application (court_id, id)
);
CREATE INDEX filing_evidence_application ON filing_evidence (application_id, position);

-- filing_notice holds the court's correction notices (补正通知): one notice
-- lists every deficiency at once (Online Litigation Rules Art. 9(二)).
CREATE TABLE filing_notice (
    court_id       TEXT NOT NULL,
    id             TEXT NOT NULL,
    application_id TEXT NOT NULL,
    items          TEXT NOT NULL,        -- JSON array of checklist codes
    note           TEXT NOT NULL,
    due            TEXT NOT NULL,        -- court-local date
    requested_by   TEXT NOT NULL,
    requested_at   TIMESTAMP NOT NULL,
    completed_at   TIMESTAMP,
    PRIMARY KEY (court_id, id),
    FOREIGN KEY (court_id, application_id) REFERENCES filing_application (court_id, id)
);
CREATE INDEX filing_notice_application ON filing_notice (application_id, requested_at);

-- filing_event is the application's timeline, append-only.
CREATE TABLE filing_event (
    court_id       TEXT NOT NULL,
    id             TEXT NOT NULL,
    application_id TEXT NOT NULL,
    type           TEXT NOT NULL,
    at             TIMESTAMP NOT NULL,
    actor_id       TEXT NOT NULL,
    detail         TEXT NOT NULL,
    PRIMARY KEY (court_id, id),
    FOREIGN KEY (court_id, application_id) REFERENCES filing_application (court_id, id)
);
CREATE INDEX filing_event_application ON filing_event (application_id, at, id);

-- filing_idempotency remembers the outcome of each API request sent with an
-- Idempotency-Key, per account: a retry replays it, a different request
-- with the same key is a conflict.
CREATE TABLE filing_idempotency (
    account_id     TEXT NOT NULL,
    key            TEXT NOT NULL,
    request_hash   TEXT NOT NULL,
    application_id TEXT NOT NULL,
    status_code    INTEGER NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, key)
);

-- filing_form_token is the one-time token of an HTML form: created when the
-- form is rendered, consumed by the first submit, after which a retried
-- submit finds the application it led to.
CREATE TABLE filing_form_token (
    token          TEXT NOT NULL PRIMARY KEY,
    account_id     TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    application_id TEXT NOT NULL,
    consumed_at    TIMESTAMP,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX filing_form_token_created ON filing_form_token (created_at);
