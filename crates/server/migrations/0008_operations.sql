-- 0008_operations: the transactional outbox (every event the merchant's systems hear,
-- written in the transaction of the change that caused it) and the merchant's admin API
-- keys. Webhook endpoints, deliveries and orders' outcomes build on these.

-- One row per event. `position` orders events as written; `stream` is what receivers order
-- by (a subscription's id; `customer:<id>` for events of no subscription), `sequence`
-- counts 1, 2, 3, … per stream. `payload` is the envelope exactly as signed and sent.
CREATE TABLE outbox_events (
    position    INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    type        TEXT NOT NULL,
    stream      TEXT NOT NULL,
    sequence    INTEGER NOT NULL CHECK (sequence > 0),
    occurred_at TEXT NOT NULL,
    payload     TEXT NOT NULL,
    UNIQUE (stream, sequence)
) STRICT;
CREATE INDEX outbox_events_by_time ON outbox_events (occurred_at);

-- Named merchant API keys, stored as SHA-256 digests (hex) only. `scopes`: a
-- space-separated subset of `read write webhooks`.
CREATE TABLE admin_keys (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    digest      TEXT NOT NULL UNIQUE,
    scopes      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
) STRICT;
