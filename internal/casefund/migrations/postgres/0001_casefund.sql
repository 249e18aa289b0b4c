-- casefund owns the court's case account (案款管理): money received for a
-- case (from an imported bank statement or an API call), the statement
-- imports with their unmatched lines kept for a clerk, the claims the money
-- pays (per applicant: principal, general interest, due date or
-- instalments), the court's deductions (enforcement fee, costs), each
-- allocation with its explained lines, the payouts, and the consent of a
-- person to be shown the account at a shared-court terminal.
-- Every table carries court_id first in its primary key. Case, party and
-- account IDs are plain TEXT: they belong to other contexts. Calendar dates
-- are 'YYYY-MM-DD' TEXT; instants are UTC timestamps; money is BIGINT fen.

CREATE TABLE casefund_account (
    court_id      TEXT NOT NULL,
    case_id       TEXT NOT NULL,
    case_number   TEXT NOT NULL,
    fee_due       BIGINT NOT NULL,
    costs_due     BIGINT NOT NULL,
    costs_note    TEXT NOT NULL,
    opened_by     TEXT NOT NULL,
    opened_at     TIMESTAMPTZ NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, case_id)
);
CREATE UNIQUE INDEX casefund_account_number ON casefund_account (court_id, case_number);
CREATE INDEX casefund_account_case ON casefund_account (case_id);
CREATE INDEX casefund_account_number_any ON casefund_account (case_number);

CREATE TABLE casefund_claim (
    court_id         TEXT NOT NULL,
    case_id          TEXT NOT NULL,
    party_id         TEXT NOT NULL,
    seq              INTEGER NOT NULL,
    principal        BIGINT NOT NULL,
    general_interest BIGINT NOT NULL,
    due_date         TEXT NOT NULL,
    instalments      TEXT NOT NULL,
    PRIMARY KEY (court_id, case_id, party_id)
);

CREATE TABLE casefund_statement (
    court_id    TEXT NOT NULL,
    id          TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    lines       INTEGER NOT NULL,
    added       INTEGER NOT NULL,
    duplicates  INTEGER NOT NULL,
    skipped     INTEGER NOT NULL,
    matched     INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id)
);

CREATE TABLE casefund_receipt (
    court_id      TEXT NOT NULL,
    id            TEXT NOT NULL,
    bank_ref      TEXT NOT NULL,
    case_id       TEXT NOT NULL,
    source        TEXT NOT NULL,
    statement_id  TEXT NOT NULL,
    line_no       INTEGER NOT NULL,
    received_on   TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    payer         TEXT NOT NULL,
    payer_account TEXT NOT NULL,
    remark        TEXT NOT NULL,
    matched_by    TEXT NOT NULL,
    matched_at    TIMESTAMPTZ,
    recorded_by   TEXT NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX casefund_receipt_ref ON casefund_receipt (court_id, bank_ref);
CREATE INDEX casefund_receipt_case ON casefund_receipt (court_id, case_id);

CREATE TABLE casefund_allocation (
    court_id     TEXT NOT NULL,
    id           TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    receipt_id   TEXT NOT NULL,
    as_of        TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    rate_version TEXT NOT NULL,
    explanation  TEXT NOT NULL,
    allocated_by TEXT NOT NULL,
    allocated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX casefund_allocation_seq ON casefund_allocation (court_id, case_id, seq);
CREATE UNIQUE INDEX casefund_allocation_receipt ON casefund_allocation (court_id, receipt_id);

CREATE TABLE casefund_allocation_line (
    court_id      TEXT NOT NULL,
    allocation_id TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    case_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    party_id      TEXT NOT NULL,
    owed          BIGINT NOT NULL,
    amount        BIGINT NOT NULL,
    basis         TEXT NOT NULL,
    PRIMARY KEY (court_id, allocation_id, seq)
);
CREATE INDEX casefund_allocation_line_case ON casefund_allocation_line (court_id, case_id);

CREATE TABLE casefund_payout (
    court_id      TEXT NOT NULL,
    id            TEXT NOT NULL,
    case_id       TEXT NOT NULL,
    party_id      TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    paid_on       TEXT NOT NULL,
    payee_name    TEXT NOT NULL,
    payee_account TEXT NOT NULL,
    payee_bank    TEXT NOT NULL,
    bank_ref      TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX casefund_payout_ref ON casefund_payout (court_id, bank_ref);
CREATE INDEX casefund_payout_case ON casefund_payout (court_id, case_id);

CREATE TABLE casefund_consent (
    court_id    TEXT NOT NULL,
    id          TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    party_id    TEXT NOT NULL,
    station     TEXT NOT NULL,
    how         TEXT NOT NULL,
    granted_on  TEXT NOT NULL,
    expires_on  TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    revoked_by  TEXT NOT NULL,
    revoked_at  TIMESTAMPTZ,
    PRIMARY KEY (court_id, id)
);
CREATE INDEX casefund_consent_party ON casefund_consent (court_id, case_id, party_id);
