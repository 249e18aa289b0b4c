-- exhibit owns evidence exchange and cross-examination (证据交换, 质证):
-- the exhibits each party submits, the exchange periods the judge opens,
-- the opposing parties' opinions on authenticity, legality and relevance
-- (every revision kept), the judge's dispute marks (争议焦点), the exhibit
-- presented in a hearing, and the asynchronous trial of Online Litigation
-- Rules Art. 20 (conditions, stage periods, recorded statements).
-- Every table carries court_id first in its primary key. Case, party,
-- hearing and account IDs are plain TEXT: they belong to other contexts.
-- Calendar dates are 'YYYY-MM-DD' TEXT; instants are UTC timestamps.

CREATE TABLE exhibit_exhibit (
    court_id           TEXT NOT NULL,
    id                 TEXT NOT NULL,
    case_id            TEXT NOT NULL,
    party_id           TEXT NOT NULL,
    seq                INTEGER NOT NULL,
    name               TEXT NOT NULL,
    purpose            TEXT NOT NULL,
    source             TEXT NOT NULL,
    origin             TEXT NOT NULL,
    filing_evidence_id TEXT NOT NULL,
    file_name          TEXT NOT NULL,
    kind               TEXT NOT NULL,
    sha256             TEXT NOT NULL,
    size               BIGINT NOT NULL,
    submitted_by       TEXT NOT NULL,
    submitted_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX exhibit_exhibit_seq ON exhibit_exhibit (court_id, case_id, party_id, seq);
CREATE INDEX exhibit_exhibit_id ON exhibit_exhibit (id);

CREATE TABLE exhibit_exchange (
    court_id    TEXT NOT NULL,
    id          TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    start_date  TEXT NOT NULL,
    end_date    TEXT NOT NULL,
    note        TEXT NOT NULL,
    opened_by   TEXT NOT NULL,
    opened_at   TIMESTAMP NOT NULL,
    extended_by TEXT NOT NULL,
    extended_at TIMESTAMP,
    PRIMARY KEY (court_id, id)
);
CREATE INDEX exhibit_exchange_case ON exhibit_exchange (court_id, case_id);

CREATE TABLE exhibit_opinion (
    court_id            TEXT NOT NULL,
    id                  TEXT NOT NULL,
    case_id             TEXT NOT NULL,
    exhibit_id          TEXT NOT NULL,
    party_id            TEXT NOT NULL,
    version             INTEGER NOT NULL,
    authenticity        TEXT NOT NULL,
    authenticity_reason TEXT NOT NULL,
    legality            TEXT NOT NULL,
    legality_reason     TEXT NOT NULL,
    relevance           TEXT NOT NULL,
    relevance_reason    TEXT NOT NULL,
    recorded_by         TEXT NOT NULL,
    recorded_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX exhibit_opinion_version ON exhibit_opinion (court_id, exhibit_id, party_id, version);
CREATE INDEX exhibit_opinion_case ON exhibit_opinion (court_id, case_id);

CREATE TABLE exhibit_dispute (
    court_id     TEXT NOT NULL,
    id           TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    exhibit_id   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    authenticity TEXT NOT NULL,
    legality     TEXT NOT NULL,
    relevance    TEXT NOT NULL,
    note         TEXT NOT NULL,
    marked_by    TEXT NOT NULL,
    marked_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX exhibit_dispute_version ON exhibit_dispute (court_id, exhibit_id, version);
CREATE INDEX exhibit_dispute_case ON exhibit_dispute (court_id, case_id);

CREATE TABLE exhibit_presentation (
    court_id     TEXT NOT NULL,
    hearing_id   TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    exhibit_id   TEXT NOT NULL,
    presented_by TEXT NOT NULL,
    presented_at TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, hearing_id, exhibit_id)
);
CREATE INDEX exhibit_presentation_case ON exhibit_presentation (court_id, case_id);

CREATE TABLE exhibit_condition (
    court_id    TEXT NOT NULL,
    id          TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    cond        TEXT NOT NULL,
    met         INTEGER NOT NULL,
    note        TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE INDEX exhibit_condition_case ON exhibit_condition (court_id, case_id);

CREATE TABLE exhibit_stage (
    court_id   TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    stage      TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date   TEXT NOT NULL,
    set_by     TEXT NOT NULL,
    set_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, case_id, stage)
);

CREATE TABLE exhibit_statement (
    court_id     TEXT NOT NULL,
    id           TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    party_id     TEXT NOT NULL,
    stage        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         BIGINT NOT NULL,
    body         TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE INDEX exhibit_statement_case ON exhibit_statement (court_id, case_id);
