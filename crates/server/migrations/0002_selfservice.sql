-- 0002_selfservice: what subscription self-service needs on top of 0001.

-- Products of one swap group replace each other in a subscription (e.g. capsule
-- varieties for the same machine). NULL: the product cannot be swapped.
ALTER TABLE products ADD COLUMN swap_group TEXT;
-- Databases seeded before this migration get the demo catalog's group too; on a new
-- database there are no products yet and the seed sets it.
UPDATE products SET swap_group = 'barista-one-capsules' WHERE sku IN ('CAPS-INTENSO', 'CAPS-LUNGO');

-- The schedule's state beyond anchor + interval. Skips are a JSON array of ISO dates,
-- kept on the row so a change rewrites one row.
ALTER TABLE subscriptions ADD COLUMN skipped_dates TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(skipped_dates) AND json_type(skipped_dates) = 'array');
ALTER TABLE subscriptions ADD COLUMN paused_until TEXT;
ALTER TABLE subscriptions ADD COLUMN cancelled_on TEXT;
ALTER TABLE subscriptions ADD COLUMN reactivate_until TEXT;

-- Why a subscriber cancelled (snake_case `CancelReason`), next to the change it explains.
ALTER TABLE subscription_changes ADD COLUMN reason TEXT;
