-- 0007_hardening (PostgreSQL): mirrors ../0007_hardening.sql. Differs: INTEGER is BIGINT,
-- no STRICT or WITHOUT ROWID, and the backfill counts with count(*) FILTER (WHERE …)
-- where SQLite sums booleans (PostgreSQL's booleans are not numbers); same result.

-- Per-customer revocation (`POST /api/v1/merchant/customers/{id}/revoke`): tokens issued
-- at or before `tokens_revoked_at` (Unix seconds) are refused, and the calendar feed id
-- is derived with `feed_generation`, so bumping it retires the customer's feed link.
ALTER TABLE customers ADD COLUMN tokens_revoked_at BIGINT;
ALTER TABLE customers ADD COLUMN feed_generation BIGINT NOT NULL DEFAULT 0;

-- Widget events. Who sent each one: the customer id when signed in, else a keyed hash of
-- the client address (never the address itself); NULL for rows from before 0007.
ALTER TABLE ui_events ADD COLUMN client TEXT;
-- Raw events are pruned after the retention window (`--event-retention-days`).
CREATE INDEX ui_events_by_at ON ui_events (at);

-- The first event of each kind per client, day, SKU and reason: later repeats from the
-- same client that day are not counted, so one client moves a figure by at most one per
-- recommendation and day, and a click counts only when an impression of the same
-- recommendation from the same client came that day or the day before. Pruned after 2 days.
CREATE TABLE ui_event_firsts (
    day    TEXT NOT NULL,
    client TEXT NOT NULL,
    kind   TEXT NOT NULL,
    sku    TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (day, client, kind, sku, reason)
);

-- What the merchant figures read: counts per day and reason ('' = none), so their cost
-- grows with days, not with raw rows. `unmatched` are clicks and actions with no
-- impression from the same client: counted apart, never in the rates.
CREATE TABLE ui_event_daily (
    day         TEXT NOT NULL,
    reason      TEXT NOT NULL,
    impressions BIGINT NOT NULL DEFAULT 0,
    clicks      BIGINT NOT NULL DEFAULT 0,
    actions     BIGINT NOT NULL DEFAULT 0,
    unmatched   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, reason)
);

-- Events stored before 0007 carry no client: they are counted as they were.
INSERT INTO ui_event_daily (day, reason, impressions, clicks, actions)
SELECT substr(at, 1, 10), coalesce(reason, ''),
       count(*) FILTER (WHERE kind = 'impression'), count(*) FILTER (WHERE kind = 'click'),
       count(*) FILTER (WHERE kind = 'action')
FROM ui_events GROUP BY 1, 2;

-- Pruning idempotency records by age.
CREATE INDEX idempotency_keys_by_created_at ON idempotency_keys (created_at);
