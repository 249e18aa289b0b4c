-- transcript owns the record of a hearing (庭审笔录, CPL Art. 150; Online
-- Litigation Rules Art. 33-34): its entries with every revision, the
-- signers of each signing round, their objections and the issued PDF.
-- Hearing, case, court and account IDs belong to other contexts (plain
-- TEXT). Instants are UTC timestamps.

CREATE TABLE transcript_record (
    court_id      TEXT NOT NULL,
    hearing_id    TEXT NOT NULL,
    case_id       TEXT NOT NULL,
    place         TEXT NOT NULL,
    mode          TEXT NOT NULL,
    state         TEXT NOT NULL,
    round         INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    document_id   TEXT NOT NULL,
    document_code TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    final_at      TIMESTAMP,
    PRIMARY KEY (court_id, hearing_id)
);
CREATE UNIQUE INDEX transcript_record_hearing ON transcript_record (hearing_id);

CREATE TABLE transcript_entry (
    court_id    TEXT NOT NULL,
    id          TEXT NOT NULL,
    hearing_id  TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    speaker     TEXT NOT NULL,
    text        TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    revision    INTEGER NOT NULL,
    deleted     INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX transcript_entry_seq ON transcript_entry (hearing_id, seq);

CREATE TABLE transcript_revision (
    court_id    TEXT NOT NULL,
    entry_id    TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    hearing_id  TEXT NOT NULL,
    action      TEXT NOT NULL,
    speaker     TEXT NOT NULL,
    text        TEXT NOT NULL,
    by_account  TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, entry_id, revision)
);

CREATE TABLE transcript_signer (
    court_id    TEXT NOT NULL,
    hearing_id  TEXT NOT NULL,
    round       INTEGER NOT NULL,
    account_id  TEXT NOT NULL,
    role        TEXT NOT NULL,
    name        TEXT NOT NULL,
    ord         INTEGER NOT NULL,
    state       TEXT NOT NULL,
    signed_at   TIMESTAMP,
    reason      TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, hearing_id, round, account_id)
);

CREATE TABLE transcript_objection (
    court_id    TEXT NOT NULL,
    id          TEXT NOT NULL,
    hearing_id  TEXT NOT NULL,
    round       INTEGER NOT NULL,
    account_id  TEXT NOT NULL,
    role        TEXT NOT NULL,
    name        TEXT NOT NULL,
    text        TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE INDEX transcript_objection_hearing ON transcript_objection (hearing_id, at);
