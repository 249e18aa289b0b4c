-- casefile owns the case: number, parties, representatives, assignment,
-- status, timeline and online-litigation consent. Every case-scoped table
-- carries court_id, the Citus distribution column, first in its primary key.
-- Court and account IDs are plain TEXT: they belong to other contexts.

CREATE TABLE casefile_case (
    court_id       TEXT NOT NULL,
    id             TEXT NOT NULL,
    court_code     TEXT NOT NULL,
    number         TEXT NOT NULL,
    year           INTEGER NOT NULL,
    seq            INTEGER NOT NULL,
    spec_code      TEXT NOT NULL,
    type_code      TEXT NOT NULL,
    type_class     TEXT NOT NULL,
    cause          TEXT NOT NULL,
    cause_code     TEXT NOT NULL,
    procedure      TEXT NOT NULL,
    status         TEXT NOT NULL,
    parent_case_id TEXT NOT NULL,
    judge_id       TEXT NOT NULL,
    assistant_id   TEXT NOT NULL,
    clerk_id       TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id),
    UNIQUE (court_id, number)
);
CREATE INDEX casefile_case_id ON casefile_case (id);
CREATE INDEX casefile_case_status ON casefile_case (court_id, status);
CREATE INDEX casefile_case_parent ON casefile_case (parent_case_id);

CREATE TABLE casefile_party (
    court_id   TEXT NOT NULL,
    id         TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    position   INTEGER NOT NULL,
    role       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    id_type    TEXT NOT NULL,
    id_number  TEXT NOT NULL,
    phone      TEXT NOT NULL,
    address    TEXT NOT NULL,
    account_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id),
    FOREIGN KEY (court_id, case_id) REFERENCES casefile_case (court_id, id)
);
CREATE INDEX casefile_party_case ON casefile_party (case_id, position);
CREATE INDEX casefile_party_account ON casefile_party (account_id);

CREATE TABLE casefile_representative (
    court_id   TEXT NOT NULL,
    id         TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    party_id   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    account_id TEXT NOT NULL,
    licence_no TEXT NOT NULL,
    firm       TEXT NOT NULL,
    phone      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id),
    FOREIGN KEY (court_id, case_id) REFERENCES casefile_case (court_id, id),
    FOREIGN KEY (court_id, party_id) REFERENCES casefile_party (court_id, id)
);
CREATE INDEX casefile_representative_case ON casefile_representative (case_id);
CREATE INDEX casefile_representative_account ON casefile_representative (account_id);

-- casefile_event is the case's timeline: append-only, newest last.
CREATE TABLE casefile_event (
    court_id   TEXT NOT NULL,
    id         TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    type       TEXT NOT NULL,
    at         TIMESTAMP NOT NULL,
    actor_id   TEXT NOT NULL,
    staff_only BOOLEAN NOT NULL,
    note       TEXT NOT NULL,
    detail     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id),
    FOREIGN KEY (court_id, case_id) REFERENCES casefile_case (court_id, id)
);
CREATE INDEX casefile_event_case ON casefile_event (case_id, at, id);

-- casefile_consent is the history of consent to online proceedings per
-- party and stage (Online Litigation Rules Art. 4); the latest row of a
-- (party, stage) is the party's current position.
CREATE TABLE casefile_consent (
    court_id    TEXT NOT NULL,
    id          TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    party_id    TEXT NOT NULL,
    stage       TEXT NOT NULL,
    consent     BOOLEAN NOT NULL,
    how         TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id),
    FOREIGN KEY (court_id, case_id) REFERENCES casefile_case (court_id, id),
    FOREIGN KEY (court_id, party_id) REFERENCES casefile_party (court_id, id)
);
CREATE INDEX casefile_consent_case ON casefile_consent (case_id, party_id, stage, recorded_at);

-- casefile_sequence holds the last case number issued per court code,
-- 专门审判代字, 类型代字 and 收案年度 (法〔2015〕137号 Art. 9, 10). It is
-- incremented by an upsert inside the creating transaction, so a rolled-back
-- creation rolls back its number too and the sequence has no gaps.
CREATE TABLE casefile_sequence (
    court_id   TEXT NOT NULL,
    court_code TEXT NOT NULL,
    spec_code  TEXT NOT NULL,
    type_code  TEXT NOT NULL,
    year       INTEGER NOT NULL,
    last       INTEGER NOT NULL,
    PRIMARY KEY (court_id, court_code, spec_code, type_code, year)
);

-- casefile_random_number reserves the random 8-digit numbers of 刑核 cases
-- (Art. 10), which must not be issued in sequence.
CREATE TABLE casefile_random_number (
    court_id   TEXT NOT NULL,
    court_code TEXT NOT NULL,
    spec_code  TEXT NOT NULL,
    type_code  TEXT NOT NULL,
    year       INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (court_id, court_code, spec_code, type_code, year, seq)
);
