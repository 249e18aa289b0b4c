-- document owns the issued documents: each a sealed PDF in the blob store
-- (blob_key, content-addressed, equals sha256), its verification code, the
-- seal that signed it and, for a case, the case number as issued. Case,
-- court and account IDs are plain TEXT: they belong to other contexts.
-- documents_issued carries court_id first in its primary key (the Citus
-- distribution column); the code and hash lookups of public verification
-- go through their own indexes.

CREATE TABLE documents_issued (
    court_id          TEXT NOT NULL,
    id                TEXT NOT NULL,
    case_id           TEXT NOT NULL,
    case_number       TEXT NOT NULL,
    kind              TEXT NOT NULL,
    title             TEXT NOT NULL,
    sha256            TEXT NOT NULL,
    blob_key          TEXT NOT NULL,
    size              BIGINT NOT NULL,
    pages             INTEGER NOT NULL,
    code              TEXT NOT NULL,
    seal_serial       TEXT NOT NULL,
    idempotency_key   TEXT NOT NULL,
    timeline_event_id TEXT NOT NULL,
    issued_by         TEXT NOT NULL,
    issued_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX documents_issued_id ON documents_issued (id);
CREATE UNIQUE INDEX documents_issued_code ON documents_issued (code);
CREATE INDEX documents_issued_sha256 ON documents_issued (sha256);
CREATE INDEX documents_issued_case ON documents_issued (court_id, case_id, issued_at);
CREATE UNIQUE INDEX documents_issued_key ON documents_issued (court_id, idempotency_key) WHERE idempotency_key <> '';

-- Verification codes handed out before a document is rendered
-- (ReserveCode), and every code in use: document_id is '' while reserved.
CREATE TABLE documents_code (
    code        TEXT NOT NULL PRIMARY KEY,
    court_id    TEXT NOT NULL,
    document_id TEXT NOT NULL,
    reserved_by TEXT NOT NULL,
    reserved_at TIMESTAMP NOT NULL
);
CREATE INDEX documents_code_court ON documents_code (court_id, reserved_at);
