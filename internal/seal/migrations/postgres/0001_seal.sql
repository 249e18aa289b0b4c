-- seal owns the court's electronic seals: the platform root CA and one
-- active seal certificate per court, with the retired ones kept for
-- verifying the documents they sealed. The private keys live in files in
-- the seal directory (0600), never in the database; the certificates
-- (public) are stored here in PEM. court_id is '' for the root.

CREATE TABLE seal_certificate (
    id          TEXT NOT NULL PRIMARY KEY,
    kind        TEXT NOT NULL,
    court_id    TEXT NOT NULL,
    court_code  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    serial      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    algorithm   TEXT NOT NULL,
    not_before  TIMESTAMPTZ NOT NULL,
    not_after   TIMESTAMPTZ NOT NULL,
    status      TEXT NOT NULL,
    cert_pem    TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    retired_at  TIMESTAMPTZ,
    UNIQUE (serial),
    UNIQUE (fingerprint)
);
-- At most one active certificate per court (and one active root, court '').
CREATE UNIQUE INDEX seal_certificate_active ON seal_certificate (kind, court_id) WHERE status = 'active';
CREATE INDEX seal_certificate_court ON seal_certificate (court_id, created_at);
