-- delivery owns electronic service (电子送达): the service-address
-- confirmations (送达地址确认书) and deemed-consent bases of each party, one
-- service record per document and recipient, its attempts and their channels,
-- fallback outcomes, the clerk's tasks and the periods that start at service.
-- Every case-scoped table carries court_id first in its primary key. Case,
-- court, party, document and account IDs are plain TEXT: they belong to other
-- contexts. Calendar dates are 'YYYY-MM-DD' TEXT ('' when none); instants are
-- UTC timestamps. JSON columns are TEXT in both dialects.

CREATE TABLE delivery_consent (
    court_id         TEXT NOT NULL,
    id               TEXT NOT NULL,
    case_id          TEXT NOT NULL,
    party_id         TEXT NOT NULL,
    version          INTEGER NOT NULL,
    electronic       INTEGER NOT NULL,
    judgments        INTEGER NOT NULL,
    channels         TEXT NOT NULL,
    postal_address   TEXT NOT NULL,
    postal_recipient TEXT NOT NULL,
    contact_phone    TEXT NOT NULL,
    how              TEXT NOT NULL,
    proof_ref        TEXT NOT NULL,
    signed_by        TEXT NOT NULL,
    signed_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX delivery_consent_version ON delivery_consent (court_id, case_id, party_id, version);

CREATE TABLE delivery_basis (
    court_id    TEXT NOT NULL,
    id          TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    party_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    fact        TEXT NOT NULL,
    source_ref  TEXT NOT NULL,
    channels    TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE INDEX delivery_basis_party ON delivery_basis (court_id, case_id, party_id);

CREATE TABLE delivery_service (
    court_id           TEXT NOT NULL,
    id                 TEXT NOT NULL,
    case_id            TEXT NOT NULL,
    case_number        TEXT NOT NULL,
    case_procedure     TEXT NOT NULL,
    case_cause         TEXT NOT NULL,
    batch_id           TEXT NOT NULL,
    document_id        TEXT NOT NULL,
    document_kind      TEXT NOT NULL,
    document_title     TEXT NOT NULL,
    document_code      TEXT NOT NULL,
    appealable         INTEGER NOT NULL,
    party_id           TEXT NOT NULL,
    account_id         TEXT NOT NULL,
    recipient_name     TEXT NOT NULL,
    recipient_role     TEXT NOT NULL,
    foreign_domicile   INTEGER NOT NULL,
    status             TEXT NOT NULL,
    decision           TEXT NOT NULL,
    method             TEXT NOT NULL,
    served_at          TIMESTAMPTZ,
    served_on          TEXT NOT NULL,
    served_channel     TEXT NOT NULL,
    read_at            TIMESTAMPTZ,
    paper_requested_at TIMESTAMPTZ,
    certificate_id     TEXT NOT NULL,
    certificate_code   TEXT NOT NULL,
    served_by          TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX delivery_service_id ON delivery_service (id);
CREATE UNIQUE INDEX delivery_service_document ON delivery_service (court_id, case_id, document_id, party_id);
CREATE INDEX delivery_service_case ON delivery_service (court_id, case_id, created_at);

CREATE TABLE delivery_attempt (
    court_id   TEXT NOT NULL,
    id         TEXT NOT NULL,
    service_id TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    decision   TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id),
    FOREIGN KEY (court_id, service_id) REFERENCES delivery_service (court_id, id)
);
CREATE UNIQUE INDEX delivery_attempt_id ON delivery_attempt (id);
CREATE UNIQUE INDEX delivery_attempt_seq ON delivery_attempt (court_id, service_id, seq);

CREATE TABLE delivery_channel (
    court_id    TEXT NOT NULL,
    attempt_id  TEXT NOT NULL,
    service_id  TEXT NOT NULL,
    channel     TEXT NOT NULL,
    address     TEXT NOT NULL,
    valid       INTEGER NOT NULL,
    status      TEXT NOT NULL,
    sent_at     TIMESTAMPTZ,
    provider_id TEXT NOT NULL,
    failure     TEXT NOT NULL,
    read_at     TIMESTAMPTZ,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, attempt_id, channel),
    FOREIGN KEY (court_id, attempt_id) REFERENCES delivery_attempt (court_id, id)
);
CREATE INDEX delivery_channel_service ON delivery_channel (court_id, service_id);

CREATE TABLE delivery_fallback (
    court_id     TEXT NOT NULL,
    id           TEXT NOT NULL,
    service_id   TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    method       TEXT NOT NULL,
    published_on TEXT NOT NULL,
    served_on    TEXT NOT NULL,
    provisional  INTEGER NOT NULL,
    proof_ref    TEXT NOT NULL,
    note         TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id),
    FOREIGN KEY (court_id, service_id) REFERENCES delivery_service (court_id, id)
);
CREATE INDEX delivery_fallback_service ON delivery_fallback (court_id, service_id);

CREATE TABLE delivery_task (
    court_id    TEXT NOT NULL,
    id          TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    service_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    options     TEXT NOT NULL,
    assignee_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    closed_at   TIMESTAMPTZ,
    closed_by   TEXT NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX delivery_task_id ON delivery_task (id);
CREATE INDEX delivery_task_case ON delivery_task (court_id, case_id, status);
CREATE INDEX delivery_task_assignee ON delivery_task (assignee_id, status);

CREATE TABLE delivery_period (
    court_id       TEXT NOT NULL,
    id             TEXT NOT NULL,
    case_id        TEXT NOT NULL,
    service_id     TEXT NOT NULL,
    party_id       TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    kind           TEXT NOT NULL,
    rules_version  TEXT NOT NULL,
    days           INTEGER NOT NULL,
    foreign_rule   INTEGER NOT NULL,
    article        TEXT NOT NULL,
    start_date     TEXT NOT NULL,
    nominal_end    TEXT NOT NULL,
    end_date       TEXT NOT NULL,
    provisional    INTEGER NOT NULL,
    skipped        TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id),
    FOREIGN KEY (court_id, service_id) REFERENCES delivery_service (court_id, id)
);
CREATE UNIQUE INDEX delivery_period_id ON delivery_period (id);
CREATE UNIQUE INDEX delivery_period_service ON delivery_period (court_id, service_id, kind);
CREATE INDEX delivery_period_case ON delivery_period (court_id, case_id);
