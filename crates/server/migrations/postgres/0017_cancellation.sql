-- 0017_cancellation (PostgreSQL): mirrors ../0017_cancellation.sql, BIGINT for INTEGER,
-- no STRICT.

-- One request from the public page (`/cancel`, `/withdraw`) or the widget's withdraw.
-- `outcome`: `cancelled` (at once, or a scheduled one carried out), `scheduled` (on
-- `effective_on`, the wished date, by the scheduler), `already_cancelled`, `unmatched`
-- (passed to the merchant by webhook), `withdrawn`, `out_of_period` (a withdrawal asked
-- after the period: nothing changed). `wished_on` NULL: at once. `termination` is a
-- cancellation's (ordinary or extraordinary, with its `reason`); NULL for a withdrawal.
CREATE TABLE cancellation_requests (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('cancel', 'withdraw')),
    termination     TEXT CHECK (termination IN ('ordinary', 'extraordinary')),
    reason          TEXT,
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    reference       TEXT NOT NULL,
    wished_on       TEXT,
    received_at     BIGINT NOT NULL,
    lang            TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('cancelled', 'scheduled',
        'already_cancelled', 'unmatched', 'withdrawn', 'out_of_period')),
    customer_id     TEXT REFERENCES customers (id) ON DELETE SET NULL,
    subscription_id TEXT REFERENCES subscriptions (id) ON DELETE SET NULL,
    effective_on    TEXT,
    done_at         BIGINT
);
-- The scheduler's pass: scheduled requests by date.
CREATE INDEX cancellation_requests_due ON cancellation_requests (outcome, effective_on);

-- A change made on one of the server's own ways out rather than in the widget: a cancel on
-- the public cancellation page (`cancel_page`) or a withdrawal from the contract
-- (`withdrawal`). Its own column: `via` (0005) is what a client may say, and stays so.
ALTER TABLE subscription_changes ADD COLUMN origin TEXT
    CHECK (origin IS NULL OR origin IN ('cancel_page', 'withdrawal'));
