-- 0011_admin_data: what the merchant admin API (admin/catalog.rs, customers.rs,
-- history.rs, import.rs, export.rs) needs on top of 0010: customers a valid token names
-- before the merchant loaded them, where an order came from, the price agreed with an
-- imported subscription. (The export reads orders by date through 0010's orders_by_ordered_on.)

-- A customer created just in time from a valid customer token has no name or email until
-- the merchant loads one (a token may carry neither): both become nullable. SQLite cannot
-- drop a NOT NULL with ALTER TABLE, and its rebuild recipe (new table, copy, drop, rename)
-- needs foreign keys switched off, which cannot happen inside the transaction a migration
-- runs in: with them on, dropping the old table would cascade into every customer's
-- subscriptions and orders. So this uses SQLite's documented procedure for removing NOT NULL
-- constraints (lang_altertable.html, "Making Other Kinds Of Table Schema Changes"): edit the
-- stored definition (0001's text, the same in every database), reload this connection's
-- schema (RESET), and let the ADD COLUMN below bump the schema cookie, so every other
-- connection reloads it too. No stored row changes: a NOT NULL dropped holds for all of them.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(replace(sql, 'name  TEXT NOT NULL,', 'name  TEXT,'),
                  'email TEXT NOT NULL UNIQUE', 'email TEXT UNIQUE')
WHERE type = 'table' AND name = 'customers';
PRAGMA writable_schema = RESET;

-- The customer's language (BCP 47, e.g. `de-AT`), for what Cadence sends them.
ALTER TABLE customers ADD COLUMN locale TEXT;
-- 'merchant': loaded by the merchant (admin API, import, the demo seed); 'token': created
-- from a valid customer token for an id the merchant never loaded, until they load it.
ALTER TABLE customers ADD COLUMN origin TEXT NOT NULL DEFAULT 'merchant'
    CHECK (origin IN ('merchant', 'token'));

-- 'cadence': placed by Cadence (a delivery, ship now); 'merchant': the shop's order history,
-- loaded through the admin API, which may rewrite these and only these.
ALTER TABLE orders ADD COLUMN origin TEXT NOT NULL DEFAULT 'cadence'
    CHECK (origin IN ('cadence', 'merchant'));

-- The unit price (minor units of the product's currency, before the subscription's
-- discount) agreed with a subscription imported from another app; NULL: the catalog's price.
-- A swap returns it to NULL (the agreed price was for the old product).
ALTER TABLE subscriptions ADD COLUMN unit_price_minor INTEGER
    CHECK (unit_price_minor IS NULL OR unit_price_minor >= 0);
