-- fees owns fee notices (bills), online payments, refunds, judicial-aid
-- applications and the callback nonces of the payment gateways. Every
-- case-scoped table carries court_id first in its primary key. Case, court,
-- party and account IDs are plain TEXT: they belong to other contexts.
-- Dates of the court calendar (notice day, due date) are 'YYYY-MM-DD' TEXT.

CREATE TABLE fees_bill (
    court_id         TEXT NOT NULL,
    id               TEXT NOT NULL,
    case_id          TEXT NOT NULL,
    case_number      TEXT NOT NULL,
    court_code       TEXT NOT NULL,
    payer_account_id TEXT NOT NULL,
    payer_party_id   TEXT NOT NULL,
    payer_name       TEXT NOT NULL,
    kind             TEXT NOT NULL,
    procedure        TEXT NOT NULL,
    claim_fen        BIGINT NOT NULL,
    original_fen     BIGINT NOT NULL,
    amount_fen       BIGINT NOT NULL,
    quote            TEXT NOT NULL,
    schedule_version TEXT NOT NULL,
    notice_date      TEXT NOT NULL,
    due_date         TEXT NOT NULL,
    status           TEXT NOT NULL,
    paid_fen         BIGINT NOT NULL,
    refunded_fen     BIGINT NOT NULL,
    receipt_no       TEXT NOT NULL,
    paid_at          TIMESTAMPTZ,
    flagged          INTEGER NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX fees_bill_id ON fees_bill (id);
CREATE INDEX fees_bill_case ON fees_bill (court_id, case_id);
CREATE INDEX fees_bill_due ON fees_bill (status, due_date);

CREATE TABLE fees_payment (
    court_id    TEXT NOT NULL,
    id          TEXT NOT NULL,
    bill_id     TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    gateway     TEXT NOT NULL,
    gateway_ref TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    status      TEXT NOT NULL,
    pay_url     TEXT NOT NULL,
    qr_content  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    paid_at     TIMESTAMPTZ,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id),
    FOREIGN KEY (court_id, bill_id) REFERENCES fees_bill (court_id, id)
);
CREATE UNIQUE INDEX fees_payment_id ON fees_payment (id);
CREATE INDEX fees_payment_bill ON fees_payment (court_id, bill_id);

CREATE TABLE fees_refund (
    court_id    TEXT NOT NULL,
    id          TEXT NOT NULL,
    bill_id     TEXT NOT NULL,
    payment_id  TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    gateway_ref TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id),
    FOREIGN KEY (court_id, bill_id) REFERENCES fees_bill (court_id, id)
);
CREATE UNIQUE INDEX fees_refund_id ON fees_refund (id);
CREATE INDEX fees_refund_bill ON fees_refund (court_id, bill_id);

-- Every verified gateway callback, keyed by its nonce: a second request with
-- the same nonce is a replay.
CREATE TABLE fees_callback (
    gateway     TEXT NOT NULL,
    nonce       TEXT NOT NULL,
    court_id    TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    status      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (gateway, nonce)
);

CREATE TABLE fees_receipt_seq (
    court_id TEXT NOT NULL,
    year     INTEGER NOT NULL,
    seq      BIGINT NOT NULL,
    PRIMARY KEY (court_id, year)
);

CREATE TABLE fees_aid (
    court_id        TEXT NOT NULL,
    id              TEXT NOT NULL,
    bill_id         TEXT NOT NULL,
    case_id         TEXT NOT NULL,
    applicant_id    TEXT NOT NULL,
    form            TEXT NOT NULL,
    reason          TEXT NOT NULL,
    attachments     TEXT NOT NULL,
    status          TEXT NOT NULL,
    decided_by      TEXT NOT NULL,
    decision_reason TEXT NOT NULL,
    new_amount_fen  BIGINT NOT NULL,
    new_due_date    TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    decided_at      TIMESTAMPTZ,
    PRIMARY KEY (court_id, id),
    FOREIGN KEY (court_id, bill_id) REFERENCES fees_bill (court_id, id)
);
CREATE UNIQUE INDEX fees_aid_id ON fees_aid (id);
CREATE INDEX fees_aid_bill ON fees_aid (court_id, bill_id);
