-- 0010_orders (PostgreSQL): mirrors ../0010_orders.sql. Differs: BIGINT for INTEGER, no
-- STRICT (ALTER TABLE here as there).

ALTER TABLE orders ADD COLUMN delivery_date TEXT;
ALTER TABLE orders ADD COLUMN status TEXT NOT NULL DEFAULT 'fulfilled'
    CHECK (status IN ('pending', 'paid', 'payment_failed', 'payment_retry_due', 'fulfilled'));
ALTER TABLE orders ADD COLUMN failed_payments BIGINT NOT NULL DEFAULT 0
    CHECK (failed_payments >= 0);
ALTER TABLE orders ADD COLUMN next_retry_at TEXT;
ALTER TABLE orders ADD COLUMN failure_reason TEXT;
ALTER TABLE orders ADD COLUMN created_at TEXT;
ALTER TABLE orders ADD COLUMN updated_at TEXT;

CREATE UNIQUE INDEX orders_by_delivery ON orders (subscription_id, delivery_date);
CREATE INDEX orders_by_ordered_on ON orders (ordered_on, id);
CREATE INDEX orders_by_retry ON orders (next_retry_at);

CREATE INDEX subscriptions_by_next_delivery ON subscriptions (next_delivery);

ALTER TABLE subscriptions ADD COLUMN payment_problem_order TEXT;

ALTER TABLE subscriptions ADD COLUMN predates_orders BIGINT NOT NULL DEFAULT 0
    CHECK (predates_orders IN (0, 1));
UPDATE subscriptions SET predates_orders = 1;
