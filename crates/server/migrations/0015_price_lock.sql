-- 0015_price_lock: a subscription keeps the price it was agreed at. Until now only the
-- discount was stored, and `unit_price_minor` (0011) was NULL = "the catalog's price", so
-- raising a catalog price silently raised every subscriber's. From here on every
-- subscription records its unit price (before its discount, in the product's currency) at
-- subscribe, swap and import; the catalog price is only the offer to new subscribers.
--
-- The column stays nullable in the schema: making it NOT NULL needs SQLite's table rebuild
-- (foreign keys off, impossible inside a migration's transaction; see 0011). Instead every
-- insert path writes it, the read (`db/subscriptions.rs`) no longer falls back to the
-- catalog (a NULL fails loudly rather than charging the catalog price), and tests hold it.

-- Every subscription so far agreed, in effect, to the price its product has today.
UPDATE subscriptions
SET unit_price_minor = (SELECT p.price_minor FROM products p WHERE p.sku = subscriptions.sku)
WHERE unit_price_minor IS NULL;

-- A merchant's change of an agreed price, one row per subscription (`price_change.rs`):
-- announced with a notice at least the notice period ahead (`price_notice_days`), applied
-- on `effective_on`. 'scheduled': still coming; 'applied': folded into the subscription's
-- `unit_price_minor` (with a version and a `price_changed` history row); 'void': it never
-- applied (the shopper cancelled before the date, or swapped to another product).
-- `settled_at`: when it became applied or void. At most one scheduled per subscription.
CREATE TABLE price_changes (
    id                   INTEGER PRIMARY KEY,
    subscription_id      TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    old_unit_price_minor INTEGER NOT NULL CHECK (old_unit_price_minor >= 0),
    new_unit_price_minor INTEGER NOT NULL CHECK (new_unit_price_minor >= 0),
    effective_on         TEXT NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('scheduled', 'applied', 'void')),
    created_at           TEXT NOT NULL,
    settled_at           TEXT
) STRICT;
CREATE UNIQUE INDEX price_changes_scheduled ON price_changes (subscription_id)
    WHERE state = 'scheduled';
CREATE INDEX price_changes_due ON price_changes (effective_on) WHERE state = 'scheduled';
