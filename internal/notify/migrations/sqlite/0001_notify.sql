-- notify owns the notification pipeline: messages as the producers enqueued
-- them (stored once, however many recipients), one delivery row per
-- recipient and external channel (SMS, e-mail, webhook), and the in-app
-- inbox. Account, court and case IDs are plain TEXT: they belong to other
-- contexts. Every table carries court_id ('' for platform messages).

-- notify_message is one Enqueue. id is the producer's idempotency key;
-- recipients is the JSON array of account IDs and addresses the JSON array
-- of explicit addresses; fanout_cursor counts the fan-out entries
-- (recipients, then address-only entries) already turned into rows.
CREATE TABLE notify_message (
    id              TEXT PRIMARY KEY,
    ref             TEXT NOT NULL,
    court_id        TEXT NOT NULL,
    case_id         TEXT NOT NULL,
    template        TEXT NOT NULL,
    data            TEXT NOT NULL,
    channels        TEXT NOT NULL,
    recipients      TEXT NOT NULL,
    addresses       TEXT NOT NULL,
    recipient_count INTEGER NOT NULL,
    fanout_total    INTEGER NOT NULL,
    fanout_cursor   INTEGER NOT NULL,
    fanned_out_at   TIMESTAMP,
    actor           TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX notify_message_ref ON notify_message (ref);
-- Messages whose fan-out is not finished (the sweeper's safety net).
CREATE INDEX notify_message_pending ON notify_message (created_at) WHERE fanned_out_at IS NULL;

-- notify_delivery is one message to one recipient on one external channel.
-- id is the client reference handed to the provider (SMS OutId, e-mail
-- Message-ID, webhook X-Ecourt-Delivery), so a delivery left "sending" by a
-- crash is resolved by asking the provider, never by resending blindly.
-- rkey is the account ID, or '@' + address for an address-only recipient.
-- lease_token fences a claim: only the worker that set it records the outcome.
CREATE TABLE notify_delivery (
    id                  TEXT PRIMARY KEY,
    court_id            TEXT NOT NULL,
    message_id          TEXT NOT NULL REFERENCES notify_message (id),
    rkey                TEXT NOT NULL,
    recipient           TEXT NOT NULL,
    channel             TEXT NOT NULL,
    address             TEXT NOT NULL,
    explicit            INTEGER NOT NULL,
    lang                TEXT NOT NULL,
    status              TEXT NOT NULL,
    attempts            INTEGER NOT NULL,
    next_attempt_at     TIMESTAMP NOT NULL,
    lease_until         TIMESTAMP,
    lease_token         TEXT NOT NULL,
    provider            TEXT NOT NULL,
    provider_message_id TEXT NOT NULL,
    sent_at             TIMESTAMP,
    dead_at             TIMESTAMP,
    error_code          TEXT NOT NULL,
    last_error          TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX notify_delivery_key ON notify_delivery (message_id, channel, rkey);
-- The retry sweeper's queue: due rows per channel.
CREATE INDEX notify_delivery_due ON notify_delivery (channel, next_attempt_at) WHERE status IN ('queued', 'failed');
-- Claims whose worker may have died.
CREATE INDEX notify_delivery_sending ON notify_delivery (channel, lease_until) WHERE status = 'sending';
-- The dead-letter list.
CREATE INDEX notify_delivery_dead ON notify_delivery (court_id, dead_at) WHERE status = 'dead';

-- notify_inbox is the in-app inbox: one row per message and recipient
-- account, rendered in the recipient's language. created_at is the time of
-- delivery to the inbox ("sent"), read_at the read receipt.
CREATE TABLE notify_inbox (
    id         TEXT PRIMARY KEY,
    court_id   TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    account_id TEXT NOT NULL,
    message_id TEXT NOT NULL REFERENCES notify_message (id),
    template   TEXT NOT NULL,
    lang       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
CREATE UNIQUE INDEX notify_inbox_key ON notify_inbox (message_id, account_id);
CREATE INDEX notify_inbox_account ON notify_inbox (account_id, id);
CREATE INDEX notify_inbox_unread ON notify_inbox (account_id) WHERE read_at IS NULL;
