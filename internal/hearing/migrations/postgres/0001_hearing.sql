-- hearing owns scheduled hearings (开庭), their participants and seats, the
-- room's control record, and the per-account calendar feed tokens. Case,
-- court, party and account IDs are plain TEXT: they belong to other
-- contexts. Instants are UTC timestamps; JSON columns are TEXT.

CREATE TABLE hearing_hearing (
    court_id        TEXT NOT NULL,
    id              TEXT NOT NULL,
    case_id         TEXT NOT NULL,
    case_number     TEXT NOT NULL,
    starts_at       TIMESTAMPTZ NOT NULL,
    ends_at         TIMESTAMPTZ NOT NULL,
    courtroom       TEXT NOT NULL,
    mode            TEXT NOT NULL,
    public          INTEGER NOT NULL,
    private_reason  TEXT NOT NULL,
    online_excluded TEXT NOT NULL,
    exclusion_note  TEXT NOT NULL,
    status          TEXT NOT NULL,
    room            TEXT NOT NULL,
    cancel_reason   TEXT NOT NULL,
    opened_at       TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    seq             INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX hearing_hearing_id ON hearing_hearing (id);
CREATE INDEX hearing_hearing_case ON hearing_hearing (case_id, starts_at);
CREATE INDEX hearing_hearing_room ON hearing_hearing (court_id, courtroom, starts_at);

CREATE TABLE hearing_participant (
    court_id    TEXT NOT NULL,
    hearing_id  TEXT NOT NULL,
    identity    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    seat        TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    party_id    TEXT NOT NULL,
    name        TEXT NOT NULL,
    mode        TEXT NOT NULL,
    mode_reason TEXT NOT NULL,
    moderator   INTEGER NOT NULL,
    state       TEXT NOT NULL,
    audio_only  INTEGER NOT NULL,
    consult     TEXT NOT NULL,
    entered_at  TIMESTAMPTZ,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, hearing_id, identity)
);
CREATE INDEX hearing_participant_account ON hearing_participant (account_id);

CREATE TABLE hearing_action (
    court_id   TEXT NOT NULL,
    id         TEXT NOT NULL,
    hearing_id TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    actor_id   TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE INDEX hearing_action_hearing ON hearing_action (hearing_id, at);

CREATE TABLE hearing_calendar_token (
    account_id TEXT NOT NULL PRIMARY KEY,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX hearing_calendar_token_hash ON hearing_calendar_token (token_hash);
