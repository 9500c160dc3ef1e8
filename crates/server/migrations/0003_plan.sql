-- 0003_plan: what the product page's routine plan needs on top of 0002: usage questions,
-- a log of maintenance done, calendar feed ids, and indexes for the community signal.

-- "How many coffees do you make a day?" for a consumable (at most one per product).
CREATE TABLE usage_questions (
    sku           TEXT PRIMARY KEY REFERENCES products (sku) ON DELETE CASCADE,
    prompt        TEXT NOT NULL,
    unit          TEXT NOT NULL,
    min_value     INTEGER NOT NULL CHECK (min_value >= 0),
    max_value     INTEGER NOT NULL,
    default_value INTEGER NOT NULL,
    units_per_use INTEGER NOT NULL CHECK (units_per_use > 0),
    CHECK (min_value <= default_value AND default_value <= max_value)
) STRICT;

-- When a customer did a routine on their machine; the latest entry anchors the next due date.
CREATE TABLE maintenance_log (
    id          INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    routine_id  INTEGER NOT NULL REFERENCES maintenance_routines (id) ON DELETE CASCADE,
    done_on     TEXT NOT NULL
) STRICT;
CREATE INDEX maintenance_log_by_customer ON maintenance_log (customer_id, routine_id, done_on);

-- The opaque id in a customer's calendar feed URL (an HMAC of their id under the server's
-- secret), stored so a feed request finds its customer with one indexed lookup.
CREATE TABLE calendar_feeds (
    feed_id     TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL UNIQUE REFERENCES customers (id) ON DELETE CASCADE
) STRICT;

-- The community signal counts a product's active subscriptions by owners of what it fits.
CREATE INDEX subscriptions_by_sku ON subscriptions (sku, status);
CREATE INDEX compatibility_by_fits ON compatibility (fits_sku);

-- Databases seeded with the demo catalog before this migration get what `seed.rs` gives a
-- new one. On a new database `meta` is still empty here, and the seed inserts it all.
INSERT INTO usage_questions (sku, prompt, unit, min_value, max_value, default_value, units_per_use)
SELECT sku, 'How many coffees do you make a day?', 'cups a day', 1, 12, 2, 1
FROM products
WHERE sku IN ('CAPS-INTENSO', 'CAPS-LUNGO')
  AND EXISTS (SELECT 1 FROM meta WHERE key = 'demo_seeded_on');

-- Guides on the shop's own site (the widget resolves them against the shop page), unless
-- the merchant has changed them already.
UPDATE maintenance_routines SET guide_url = '/guides/descaling'
WHERE guide_url = 'https://support.example.com/barista-one/descaling';
UPDATE maintenance_routines SET guide_url = '/guides/water-filter'
WHERE guide_url = 'https://support.example.com/barista-one/water-filter';

-- Ada descaled with the kit she bought (seed.rs: 300 days before the seed's today).
INSERT INTO maintenance_log (customer_id, routine_id, done_on)
SELECT 'cust_ada', r.id, date('now', '-300 days')
FROM maintenance_routines r
WHERE r.durable_sku = 'BARISTA-ONE' AND r.name = 'Descale'
  AND EXISTS (SELECT 1 FROM customers WHERE id = 'cust_ada')
  AND EXISTS (SELECT 1 FROM meta WHERE key = 'demo_seeded_on');

-- Eight anonymous Barista One owners with capsule subscriptions, so the community signal
-- has something to show (it needs five owners); mostly every 4 weeks. Same rows as
-- `seed::DEMO_OWNERS`.
CREATE TEMP TABLE demo_owners (n INTEGER, sku TEXT, weeks INTEGER, started_days_ago INTEGER);
INSERT INTO demo_owners VALUES
    (1, 'CAPS-INTENSO', 4, 10), (2, 'CAPS-INTENSO', 4, 17), (3, 'CAPS-INTENSO', 4, 3),
    (4, 'CAPS-INTENSO', 4, 22), (5, 'CAPS-INTENSO', 2, 5), (6, 'CAPS-INTENSO', 2, 9),
    (7, 'CAPS-INTENSO', 6, 30), (8, 'CAPS-INTENSO', 4, 12),
    (3, 'CAPS-LUNGO', 6, 8), (4, 'CAPS-LUNGO', 6, 20), (5, 'CAPS-LUNGO', 4, 2),
    (6, 'CAPS-LUNGO', 6, 35), (7, 'CAPS-LUNGO', 8, 14), (8, 'CAPS-LUNGO', 4, 25);

INSERT INTO customers (id, name, email)
SELECT DISTINCT 'cust_owner_' || n, 'Demo owner ' || n, 'owner' || n || '@example.com'
FROM demo_owners
WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'demo_seeded_on')
  AND EXISTS (SELECT 1 FROM products WHERE sku = 'BARISTA-ONE');

INSERT INTO owned_products (customer_id, sku, purchased_on)
SELECT DISTINCT 'cust_owner_' || n, 'BARISTA-ONE', date('now', '-' || (60 + 25 * n) || ' days')
FROM demo_owners
WHERE EXISTS (SELECT 1 FROM customers WHERE id = 'cust_owner_' || n);

INSERT INTO subscriptions (id, customer_id, sku, quantity, interval_count, interval_unit,
    status, anchor_date, next_delivery, discount_percent, created_at, updated_at)
SELECT 'sub_demo_owner_' || n || '_' || lower(sku), 'cust_owner_' || n, sku, 1, weeks, 'week',
    'active', date('now', '-' || started_days_ago || ' days'),
    date('now', '-' || started_days_ago || ' days', '+' || (7 * weeks) || ' days'),
    10, date('now', '-' || started_days_ago || ' days') || 'T08:00:00Z',
    date('now', '-' || started_days_ago || ' days') || 'T08:00:00Z'
FROM demo_owners
WHERE EXISTS (SELECT 1 FROM customers WHERE id = 'cust_owner_' || n)
  AND EXISTS (SELECT 1 FROM products p WHERE p.sku = demo_owners.sku);

DROP TABLE demo_owners;
