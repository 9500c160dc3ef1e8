-- 0016_routine_follows: owners who ask on a product page to be reminded of a machine's
-- maintenance by e-mail, without signing in (double opt-in).

-- One request waiting for the click in its confirmation e-mail. The customer is the one
-- the address belongs to, or a record made for it (origin 'token', `made_customer` 1),
-- which is deleted with the request when nobody confirms within two days: an address
-- somebody typed is not kept without its owner's consent.
CREATE TABLE follow_requests (
    id            TEXT PRIMARY KEY,
    customer_id   TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    sku           TEXT NOT NULL REFERENCES products (sku),
    made_customer INTEGER NOT NULL CHECK (made_customer IN (0, 1)),
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX follow_requests_by_age ON follow_requests (created_at);
