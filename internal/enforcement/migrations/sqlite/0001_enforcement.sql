-- enforcement owns the enforcement of effective legal documents (执行):
-- applications for enforcement and their acceptance, the enforcement
-- record of each case it opened (deadline, extension, fee, officers), the
-- progress nodes the officers record (执行流程节点, 法发〔2014〕18号) with
-- their attachments and position, the courts' own node kinds, the
-- applicant's property leads (财产线索) and their answers, the courts'
-- settings, and escalations to the higher court (CPL Art. 237).
-- Every table carries court_id first in its primary key. Case, party,
-- document and account IDs are plain TEXT: they belong to other contexts.
-- Calendar dates are 'YYYY-MM-DD' TEXT; instants are UTC timestamps; JSON
-- columns are TEXT in both dialects; positions are micro-degrees (BIGINT)
-- so both dialects store the same value.

CREATE TABLE enforcement_application (
    court_id          TEXT NOT NULL,
    id                TEXT NOT NULL,
    applicant_account TEXT NOT NULL,
    type_code         TEXT NOT NULL,
    title_source      TEXT NOT NULL,
    title_kind        TEXT NOT NULL,
    document_id       TEXT NOT NULL,
    source_case_id    TEXT NOT NULL,
    prior_case_id     TEXT NOT NULL,
    title_number      TEXT NOT NULL,
    title_issuer      TEXT NOT NULL,
    title_sha256      TEXT NOT NULL,
    title_file_kind   TEXT NOT NULL,
    title_size        BIGINT NOT NULL,
    effective_on      TEXT NOT NULL,
    due_on            TEXT NOT NULL,
    instalments       TEXT NOT NULL,     -- JSON array
    suspended         TEXT NOT NULL,     -- JSON array
    amount_fen        BIGINT NOT NULL,
    claim             TEXT NOT NULL,
    sms               BOOLEAN NOT NULL,
    cause             TEXT NOT NULL,
    parties           TEXT NOT NULL,     -- JSON array
    period_start      TEXT NOT NULL,
    period_last       TEXT NOT NULL,
    state             TEXT NOT NULL,
    reason            TEXT NOT NULL,
    case_id           TEXT NOT NULL,
    submitted_at      TIMESTAMP NOT NULL,
    decided_by        TEXT NOT NULL,
    decided_at        TIMESTAMP,
    PRIMARY KEY (court_id, id)
);
CREATE INDEX enforcement_application_id ON enforcement_application (id);
CREATE INDEX enforcement_application_state ON enforcement_application (court_id, state, submitted_at);
CREATE INDEX enforcement_application_account ON enforcement_application (applicant_account, submitted_at);

CREATE TABLE enforcement_case (
    court_id           TEXT NOT NULL,
    case_id            TEXT NOT NULL,
    application_id     TEXT NOT NULL,
    number             TEXT NOT NULL,
    type_code          TEXT NOT NULL,
    filed_on           TEXT NOT NULL,
    deadline           TEXT NOT NULL,
    extended_to        TEXT NOT NULL,
    extension_reason   TEXT NOT NULL,
    extension_approver TEXT NOT NULL,
    amount_fen         BIGINT NOT NULL,
    fee_fen            BIGINT NOT NULL,
    fee_payable_later  BOOLEAN NOT NULL,
    fee_version        TEXT NOT NULL,
    enforced_fen       BIGINT NOT NULL,
    concluded_on       TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, case_id)
);
CREATE UNIQUE INDEX enforcement_case_application ON enforcement_case (court_id, application_id);
CREATE INDEX enforcement_case_id ON enforcement_case (case_id);

CREATE TABLE enforcement_officer (
    court_id    TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    lead        BOOLEAN NOT NULL,
    assigned_by TEXT NOT NULL,
    assigned_at TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, case_id, account_id)
);
CREATE INDEX enforcement_officer_account ON enforcement_officer (account_id, court_id);

CREATE TABLE enforcement_node_kind (
    court_id   TEXT NOT NULL,
    code       TEXT NOT NULL,
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    category   TEXT NOT NULL,
    audience   TEXT NOT NULL,       -- comma-separated: applicant,respondent,staff
    masked     TEXT NOT NULL,       -- comma-separated field names
    sms        BOOLEAN NOT NULL,
    delayed    BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, code)
);

CREATE TABLE enforcement_node (
    court_id     TEXT NOT NULL,
    id           TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    catalogue    TEXT NOT NULL,
    text         TEXT NOT NULL,
    amount_fen   BIGINT NOT NULL,
    fields       TEXT NOT NULL,     -- JSON object
    lat_e6       BIGINT,
    lon_e6       BIGINT,
    accuracy_m   INTEGER,
    device_at    TIMESTAMP,
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMP NOT NULL,
    disclosed    BOOLEAN NOT NULL,
    disclosed_at TIMESTAMP,
    source       TEXT,              -- the fact it records, for integrations (e.g. "casefund.receipt:<id>"): once per case
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX enforcement_node_seq ON enforcement_node (court_id, case_id, seq);
CREATE UNIQUE INDEX enforcement_node_source ON enforcement_node (court_id, case_id, source) WHERE source IS NOT NULL;
CREATE INDEX enforcement_node_id ON enforcement_node (id);

CREATE TABLE enforcement_attachment (
    court_id   TEXT NOT NULL,
    id         TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    owner      TEXT NOT NULL,       -- node or lead
    owner_id   TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    size       BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE INDEX enforcement_attachment_owner ON enforcement_attachment (court_id, owner_id, seq);
CREATE INDEX enforcement_attachment_id ON enforcement_attachment (id);

CREATE TABLE enforcement_lead (
    court_id     TEXT NOT NULL,
    id           TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    party_id     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    text         TEXT NOT NULL,
    lat_e6       BIGINT,
    lon_e6       BIGINT,
    accuracy_m   INTEGER,
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    due_on       TEXT NOT NULL,
    state        TEXT NOT NULL,
    answer       TEXT NOT NULL,
    answered_by  TEXT NOT NULL,
    answered_at  TIMESTAMP,
    PRIMARY KEY (court_id, id)
);
CREATE INDEX enforcement_lead_case ON enforcement_lead (court_id, case_id, submitted_at);
CREATE INDEX enforcement_lead_due ON enforcement_lead (court_id, state, due_on);
CREATE INDEX enforcement_lead_id ON enforcement_lead (id);

CREATE TABLE enforcement_setting (
    court_id         TEXT NOT NULL,
    lead_answer_days INTEGER NOT NULL,
    updated_by       TEXT NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id)
);

CREATE TABLE enforcement_escalation (
    court_id            TEXT NOT NULL,   -- the higher court
    id                  TEXT NOT NULL,
    case_id             TEXT NOT NULL,   -- the stalled case
    case_court_id       TEXT NOT NULL,
    party_id            TEXT NOT NULL,
    reason              TEXT NOT NULL,
    supervision_case_id TEXT NOT NULL,
    requested_by        TEXT NOT NULL,
    requested_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX enforcement_escalation_case ON enforcement_escalation (case_id);

-- enforcement_contact is how a party's account wants enforcement news of a
-- case: always in the platform inbox (and live), by SMS when chosen.
CREATE TABLE enforcement_contact (
    court_id   TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    account_id TEXT NOT NULL,
    sms        BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, case_id, account_id)
);
