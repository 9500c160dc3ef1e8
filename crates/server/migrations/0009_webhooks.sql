-- 0009_webhooks: the merchant's webhook endpoints, one delivery per (event, endpoint) that
-- the dispatcher works through, and every attempt it made (the delivery log). Instants the
-- dispatcher compares are unix seconds (INTEGER): it asks "what is due" many times a second.

-- `event_types`: space-separated event types; NULL listens to every type, later ones too.
-- `secret` signs every call; after a rotation `previous_secret` signs too, until
-- `previous_secret_until`. `failing_since`: when the current run of failed attempts began
-- (NULL after a success). `disabled_reason`: why the dispatcher disabled it (NULL when the
-- merchant did, or while it is enabled).
CREATE TABLE webhook_endpoints (
    id                    TEXT PRIMARY KEY,
    url                   TEXT NOT NULL,
    description           TEXT NOT NULL,
    event_types           TEXT,
    enabled               INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    secret                TEXT NOT NULL,
    previous_secret       TEXT,
    previous_secret_until INTEGER,
    failing_since         INTEGER,
    disabled_reason       TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
) STRICT;

-- One event to one endpoint, until it is delivered or given up. `stream` and `sequence`
-- are the event's (copied so the queue needs no join): an endpoint gets a stream's events
-- one at a time, in sequence order. `next_attempt_at` is when it is due; a dispatcher that
-- claims it moves it forward as a lease, so no other instance sends it meanwhile.
CREATE TABLE webhook_deliveries (
    position         INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES outbox_events (id),
    stream           TEXT NOT NULL,
    sequence         INTEGER NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    replay           INTEGER NOT NULL CHECK (replay IN (0, 1)),
    created_at       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL,
    first_attempt_at INTEGER,
    next_attempt_at  INTEGER,
    last_status      INTEGER,
    last_error       TEXT
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (endpoint_id, stream, sequence)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, position);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

-- Every attempt: its HTTP status (NULL when none came: a timeout, a refused address), how
-- long it took, and why it failed.
CREATE TABLE webhook_attempts (
    delivery_id  TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,
    attempted_at INTEGER NOT NULL,
    status       INTEGER,
    latency_ms   INTEGER NOT NULL,
    error        TEXT,
    PRIMARY KEY (delivery_id, attempt)
) STRICT;
