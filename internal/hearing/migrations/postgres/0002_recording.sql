-- Every hearing is recorded (Online Litigation Rules Art. 27): one row per
-- recorded track (a participant's audio or video), the file in the blob
-- store by its SHA-256.
CREATE TABLE hearing_recording (
    court_id   TEXT NOT NULL,
    id         TEXT NOT NULL,
    hearing_id TEXT NOT NULL,
    identity   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    codec      TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    bytes      BIGINT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    ended_at   TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (court_id, id)
);
CREATE UNIQUE INDEX hearing_recording_file ON hearing_recording (hearing_id, sha256);
CREATE INDEX hearing_recording_hearing ON hearing_recording (hearing_id, started_at);
