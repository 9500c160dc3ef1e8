-- 0004_recommend: item-to-item co-occurrence (rebuilt in the background, never per
-- request), the widget's UI events, and indexes the recommendation queries need.

-- Pairs of products bought in the same order, both directions, with at least the
-- minimum support; `orders` = how many distinct orders hold both.
CREATE TABLE cooccurrence (
    sku_a  TEXT NOT NULL,
    sku_b  TEXT NOT NULL,
    orders INTEGER NOT NULL CHECK (orders > 0),
    PRIMARY KEY (sku_a, sku_b)
) STRICT, WITHOUT ROWID;

-- Impressions, clicks and actions on recommendations, as the widget reports them.
CREATE TABLE ui_events (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    customer_id TEXT,
    kind        TEXT NOT NULL CHECK (kind IN ('impression', 'click', 'action')),
    sku         TEXT NOT NULL,
    reason      TEXT,
    action      TEXT,
    context     TEXT NOT NULL CHECK (context IN ('product', 'account'))
) STRICT;
CREATE INDEX ui_events_by_kind ON ui_events (kind, reason);

-- "Lines of this product" for the co-occurrence rebuild and "what did they buy lately".
CREATE INDEX order_lines_by_sku ON order_lines (sku, order_id);
CREATE INDEX owned_products_by_customer ON owned_products (customer_id, sku);

-- One-time additions to a subscription's next delivery (`add_once`). `ships_on` is the
-- delivery they ride with; every change moves them along with that delivery, and once
-- the date has passed they shipped and no longer show.
CREATE TABLE subscription_extras (
    subscription_id  TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    sku              TEXT NOT NULL REFERENCES products (sku),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    currency         TEXT NOT NULL,
    ships_on         TEXT NOT NULL,
    PRIMARY KEY (subscription_id, sku)
) STRICT;
