-- 0002_selfservice (PostgreSQL): mirrors ../0002_selfservice.sql. Differs: the JSON check
-- on `skipped_dates` casts to `json` (PostgreSQL 15 has no json_valid; `IS JSON` came in
-- 16), so a value that is not JSON at all fails with invalid_text_representation (22P02)
-- instead of check_violation (23514); valid JSON that is not an array is a check violation
-- in both. The data update is the same statement.

-- Products of one swap group replace each other in a subscription (e.g. capsule
-- varieties for the same machine). NULL: the product cannot be swapped.
ALTER TABLE products ADD COLUMN swap_group TEXT;
-- Databases seeded before this migration get the demo catalog's group too; on a new
-- database there are no products yet and the seed sets it.
UPDATE products SET swap_group = 'barista-one-capsules' WHERE sku IN ('CAPS-INTENSO', 'CAPS-LUNGO');

-- The schedule's state beyond anchor + interval. Skips are a JSON array of ISO dates,
-- kept on the row so a change rewrites one row.
ALTER TABLE subscriptions ADD COLUMN skipped_dates TEXT NOT NULL DEFAULT '[]'
    CHECK (json_typeof(skipped_dates::json) = 'array');
ALTER TABLE subscriptions ADD COLUMN paused_until TEXT;
ALTER TABLE subscriptions ADD COLUMN cancelled_on TEXT;
ALTER TABLE subscriptions ADD COLUMN reactivate_until TEXT;

-- Why a subscriber cancelled (snake_case `CancelReason`), next to the change it explains.
ALTER TABLE subscription_changes ADD COLUMN reason TEXT;
