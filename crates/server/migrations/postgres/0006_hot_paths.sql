-- 0006_hot_paths (PostgreSQL): mirrors ../0006_hot_paths.sql. Differs: INTEGER is BIGINT,
-- no STRICT or WITHOUT ROWID.

-- Swap options (`db::products::swap_options`, once per subscription on `/me` and every
-- change) look up the other products of a subscription's swap group, by name. Without
-- this index each lookup scanned the whole catalog; with `name` second the rows also come
-- out in the order the answer lists them (no sort).
CREATE INDEX products_by_swap_group ON products (swap_group, name);

-- The per-subscription reads of `/me` need nothing new: a product's intervals are the
-- prefix of `product_intervals`' primary key (sku, count, unit), a subscription's extras
-- the prefix of `subscription_extras`' (subscription_id, sku), and the list itself uses
-- `subscriptions_by_customer` (0001).

-- The community signal of each subscribable product (`db::plan::community`): the interval
-- most subscribing owners chose, precomputed by the background rebuild that also rebuilds
-- `cooccurrence` (at start, after seeding and every 10 minutes), so an anonymous product
-- page reads one row instead of aggregating every subscription to the product. Only
-- products with at least `COMMUNITY_MIN_OWNERS` (5) distinct owners have a row; whether
-- the interval is still offered is checked when the row is read, against the catalog as
-- it is then. `share_percent` is derived from `chosen_by` and `owners` on read.
CREATE TABLE community_choices (
    sku            TEXT PRIMARY KEY,
    owners         BIGINT NOT NULL CHECK (owners > 0),
    interval_count BIGINT NOT NULL CHECK (interval_count > 0),
    interval_unit  TEXT NOT NULL CHECK (interval_unit IN ('day', 'week', 'month')),
    chosen_by      BIGINT NOT NULL CHECK (chosen_by > 0 AND chosen_by <= owners)
);
