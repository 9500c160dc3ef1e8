-- 0001_initial: catalog, customers, orders, subscriptions with their audit trail, and
-- stored idempotent responses. Later features (routines, recommendations, self-service)
-- build on these tables, so they are all created up front.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE products (
    sku                    TEXT PRIMARY KEY,
    name                   TEXT NOT NULL,
    kind                   TEXT NOT NULL CHECK (kind IN ('durable', 'consumable', 'accessory')),
    description            TEXT NOT NULL,
    price_minor            INTEGER NOT NULL CHECK (price_minor >= 0),
    currency               TEXT NOT NULL CHECK (length(currency) = 3),
    units_per_pack         INTEGER CHECK (units_per_pack IS NULL OR units_per_pack > 0),
    in_stock               INTEGER NOT NULL DEFAULT 1 CHECK (in_stock IN (0, 1)),
    subscribable           INTEGER NOT NULL DEFAULT 0 CHECK (subscribable IN (0, 1)),
    discount_percent       INTEGER NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100),
    default_interval_count INTEGER CHECK (default_interval_count IS NULL OR default_interval_count > 0),
    default_interval_unit  TEXT CHECK (default_interval_unit IN ('day', 'week', 'month'))
) STRICT;

-- The intervals a shopper may choose when subscribing to a product.
CREATE TABLE product_intervals (
    sku   TEXT NOT NULL REFERENCES products (sku) ON DELETE CASCADE,
    count INTEGER NOT NULL CHECK (count > 0),
    unit  TEXT NOT NULL CHECK (unit IN ('day', 'week', 'month')),
    PRIMARY KEY (sku, count, unit)
) STRICT;

-- Maintenance a durable product needs, and the consumable that performs it.
CREATE TABLE maintenance_routines (
    id              INTEGER PRIMARY KEY,
    durable_sku     TEXT NOT NULL REFERENCES products (sku) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    interval_days   INTEGER NOT NULL CHECK (interval_days > 0),
    consumable_sku  TEXT REFERENCES products (sku) ON DELETE SET NULL,
    guide_url       TEXT
) STRICT;
CREATE INDEX maintenance_routines_by_durable ON maintenance_routines (durable_sku);

-- "fits_sku works with model_sku": capsules, filters and accessories for a machine.
CREATE TABLE compatibility (
    model_sku TEXT NOT NULL REFERENCES products (sku) ON DELETE CASCADE,
    fits_sku  TEXT NOT NULL REFERENCES products (sku) ON DELETE CASCADE,
    PRIMARY KEY (model_sku, fits_sku)
) STRICT;

CREATE TABLE customers (
    id    TEXT PRIMARY KEY,
    name  TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE owned_products (
    customer_id  TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    sku          TEXT NOT NULL REFERENCES products (sku),
    purchased_on TEXT NOT NULL,
    PRIMARY KEY (customer_id, sku, purchased_on)
) STRICT;

CREATE TABLE orders (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    ordered_on  TEXT NOT NULL,
    -- Set when the order was a subscription delivery.
    subscription_id TEXT REFERENCES subscriptions (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX orders_by_customer ON orders (customer_id, ordered_on);

CREATE TABLE order_lines (
    order_id         TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    sku              TEXT NOT NULL REFERENCES products (sku),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    currency         TEXT NOT NULL,
    PRIMARY KEY (order_id, sku)
) STRICT;

CREATE TABLE subscriptions (
    id               TEXT PRIMARY KEY,
    customer_id      TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    sku              TEXT NOT NULL REFERENCES products (sku),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    interval_count   INTEGER NOT NULL CHECK (interval_count > 0),
    interval_unit    TEXT NOT NULL CHECK (interval_unit IN ('day', 'week', 'month')),
    status           TEXT NOT NULL CHECK (status IN ('active', 'paused', 'cancelled')),
    -- Deliveries fall on anchor + n × interval, so monthly dates do not drift.
    anchor_date      TEXT NOT NULL,
    next_delivery    TEXT,
    -- Locked in when subscribing: a later catalog change does not silently raise the price.
    discount_percent INTEGER NOT NULL CHECK (discount_percent BETWEEN 0 AND 100),
    version          INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX subscriptions_by_customer ON subscriptions (customer_id, created_at);

-- Append-only audit of every subscription change, with who made it.
CREATE TABLE subscription_changes (
    id              INTEGER PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    before_json     TEXT,
    after_json      TEXT,
    at              TEXT NOT NULL
) STRICT;
CREATE INDEX subscription_changes_by_subscription ON subscription_changes (subscription_id, id);

-- The first response to each (customer, Idempotency-Key), replayed for retries.
CREATE TABLE idempotency_keys (
    customer_id     TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    key             TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body   TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (customer_id, key)
) STRICT;
