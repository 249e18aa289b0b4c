-- bus_outbox is the transactional outbox: a context writes its event here in
-- the same transaction as the state change; the relay publishes unpublished
-- rows to JetStream (message ID = id) and then sets published_at.
-- occurred_at is the event's time (Event.Time); "time" is a type name in both
-- dialects, so it is not used as a column name.
CREATE TABLE bus_outbox (
    id           TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    court_id     TEXT NOT NULL DEFAULT '',
    case_id      TEXT NOT NULL DEFAULT '',
    actor        TEXT NOT NULL DEFAULT '',
    occurred_at  TIMESTAMPTZ NOT NULL,
    version      INTEGER NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    published_at TIMESTAMPTZ,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT ''
);

-- The relay's work queue: only unpublished rows, oldest first.
CREATE INDEX bus_outbox_unpublished ON bus_outbox (created_at, id) WHERE published_at IS NULL;

-- Pruning of old published rows.
CREATE INDEX bus_outbox_published ON bus_outbox (published_at) WHERE published_at IS NOT NULL;
