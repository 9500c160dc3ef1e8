-- 0010_orders: due deliveries become orders, exactly once, and the merchant reports each
-- order's outcome (paid, payment failed, fulfilled). See the server README, "Orders and
-- the scheduler".

-- The scheduled delivery an order is (NULL: an order from the shop's history, or a ship
-- now). With the unique index below, "one order per subscription and delivery date" is
-- a fact the database keeps, whatever the scheduler, a restart or a second server does.
ALTER TABLE orders ADD COLUMN delivery_date TEXT;
-- pending → paid → fulfilled; pending → payment_failed → payment_retry_due → … (see
-- `orders::Status`). Orders from the shop's history (before this migration, or loaded by
-- the merchant) are done: fulfilled.
ALTER TABLE orders ADD COLUMN status TEXT NOT NULL DEFAULT 'fulfilled'
    CHECK (status IN ('pending', 'paid', 'payment_failed', 'payment_retry_due', 'fulfilled'));
-- Charges the merchant reported failed for this order, and when the next retry falls due
-- (RFC 3339 UTC; NULL: none planned).
ALTER TABLE orders ADD COLUMN failed_payments INTEGER NOT NULL DEFAULT 0
    CHECK (failed_payments >= 0);
ALTER TABLE orders ADD COLUMN next_retry_at TEXT;
ALTER TABLE orders ADD COLUMN failure_reason TEXT;
ALTER TABLE orders ADD COLUMN created_at TEXT;
ALTER TABLE orders ADD COLUMN updated_at TEXT;

CREATE UNIQUE INDEX orders_by_delivery ON orders (subscription_id, delivery_date);
-- The merchant's order list reads a date range; the retry step finds the retries due.
CREATE INDEX orders_by_ordered_on ON orders (ordered_on, id);
CREATE INDEX orders_by_retry ON orders (next_retry_at);

-- The scheduler finds the deliveries whose date has come by this column.
CREATE INDEX subscriptions_by_next_delivery ON subscriptions (next_delivery);

-- The order whose payment still failed after the last retry: the widget shows a calm
-- "payment problem" notice with the merchant's link until an order is paid.
ALTER TABLE subscriptions ADD COLUMN payment_problem_order TEXT;

-- 1 for subscriptions that existed before orders did: their stored next delivery may lie
-- long in the past (nothing turned deliveries into orders then, and the shop handled
-- them), so the scheduler starts them from its first day instead of catching up.
ALTER TABLE subscriptions ADD COLUMN predates_orders INTEGER NOT NULL DEFAULT 0
    CHECK (predates_orders IN (0, 1));
UPDATE subscriptions SET predates_orders = 1;
