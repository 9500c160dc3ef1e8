-- 0014_notifications (PostgreSQL): mirrors ../0014_notifications.sql, BIGINT for INTEGER,
-- no STRICT.

-- Where the customer lives, as an IANA zone name (`Europe/Berlin`): reminders go out at the
-- merchant's hour of *their* day, and receipts state the time in their zone. NULL: the
-- merchant's default zone.
ALTER TABLE customers ADD COLUMN time_zone TEXT;

-- The merchant's settings for messages: one JSON document (`notify::Settings`), one row.
CREATE TABLE notification_settings (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    settings   TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One message to one customer. `dedupe` names what it is about (`reminder:<sub>:<date>`,
-- `receipt:<event>`, `yearly:<sub>:<year>`), unique: whatever runs the planning pass, and
-- however often, a message is made once. `payload` is the event data (`NotificationData`):
-- what the outbox event carries and what the e-mail is rendered from, so a retry renders
-- the same message. `state`: 'pending' (an e-mail to send), 'sent', 'failed' (gave up),
-- 'obsolete' (a reminder whose delivery changed before it went), 'events' (the merchant
-- takes this kind as events only). `due_at`: the moment it fell due, for the latency figure.
CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    dedupe          TEXT NOT NULL UNIQUE,
    customer_id     TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    subscription_id TEXT,
    email           TEXT,
    state           TEXT NOT NULL
        CHECK (state IN ('pending', 'sent', 'failed', 'obsolete', 'events')),
    created_at      BIGINT NOT NULL,
    due_at          BIGINT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT,
    sent_at         BIGINT,
    last_error      TEXT,
    payload         TEXT NOT NULL
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notifications_by_customer ON notifications (customer_id, created_at);

-- Kinds of reminder a customer turned off (RFC 8058 one-click unsubscribe). Receipts cannot
-- be: they are the durable record the law asks for.
CREATE TABLE notification_optouts (
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (customer_id, kind)
);

-- One-click links acted on: the link's hash (never the link), what it did, the answer it
-- gave. A second click finds it here and is told what the first did, changing nothing.
CREATE TABLE link_uses (
    link_hash TEXT PRIMARY KEY,
    used_at   BIGINT NOT NULL,
    outcome   TEXT NOT NULL
);

-- Subscription events a receipt is still to be made from, written by the outbox in the
-- change's own transaction: no committed change goes without its receipt, and the worker
-- that makes receipts takes each row once (deleting it in the receipt's transaction).
CREATE TABLE receipt_queue (
    event_id  TEXT PRIMARY KEY REFERENCES outbox_events (id),
    queued_at BIGINT NOT NULL
);

-- Requests for a sign-in link to the hosted account page, known address or not (the same
-- write either way, so neither the answer nor its time tells them apart): the SHA-256 of
-- the address as typed, lower-cased. At most 5 an hour per address make a message.
CREATE TABLE sign_in_requests (
    address_hash TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX sign_in_requests_by_address ON sign_in_requests (address_hash, at);

-- Maintenance tasks a customer asked to be reminded of ("remind me"): a message when the
-- task falls due, at the merchant's hour of their day, whether or not they subscribe.
-- `next_reminder_at` (unix seconds) is never later than the next reminder (marking a task
-- done only moves its due date later): the pass reads the rows whose moment has come,
-- works out the real due date and moves it on.
CREATE TABLE routine_reminders (
    customer_id      TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    routine_id       BIGINT NOT NULL REFERENCES maintenance_routines (id) ON DELETE CASCADE,
    since            TEXT NOT NULL,
    next_reminder_at BIGINT NOT NULL,
    PRIMARY KEY (customer_id, routine_id)
);
CREATE INDEX routine_reminders_due ON routine_reminders (next_reminder_at);
