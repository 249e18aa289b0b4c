-- bus_processed records which events each consumer has already handled
-- (bus.Once), written in the consumer's own transaction together with its effect.
CREATE TABLE bus_processed (
    consumer     TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
