-- 0018_consent: the record of what each shopper agreed to.

-- One row per agreement: subscribing, and every later change to what they pay or how
-- often (quantity, frequency, product, an applied price change, a reactivation). It holds
-- what was shown and agreed (product, price, frequency, the terms' text and version, the
-- language, the moment with the shopper's time zone, and who acted), copied, not pointed
-- at: no foreign key, so erasing a customer or a subscription leaves it, as the law
-- requires. Rows are never changed or deleted (the triggers below refuse it).
CREATE TABLE consent_records (
    id                  INTEGER PRIMARY KEY,
    subscription_id     TEXT NOT NULL,
    customer_id         TEXT NOT NULL,
    action              TEXT NOT NULL,
    channel             TEXT NOT NULL,
    sku                 TEXT NOT NULL,
    product_name        TEXT NOT NULL,
    quantity            INTEGER NOT NULL,
    interval_count      INTEGER NOT NULL,
    interval_unit       TEXT NOT NULL,
    unit_price_minor    INTEGER NOT NULL,
    discount_percent    INTEGER NOT NULL,
    price_per_delivery  INTEGER NOT NULL,
    currency            TEXT NOT NULL,
    terms_version       TEXT NOT NULL,
    terms_text          TEXT NOT NULL,
    language            TEXT NOT NULL,
    agreed_at           TEXT NOT NULL,
    time_zone           TEXT NOT NULL,
    agreed_at_local     TEXT NOT NULL
) STRICT;
CREATE INDEX consent_records_by_subscription ON consent_records (subscription_id, id);
CREATE INDEX consent_records_by_customer ON consent_records (customer_id, id);

CREATE TRIGGER consent_records_never_change BEFORE UPDATE ON consent_records
BEGIN
    SELECT RAISE(ABORT, 'consent records are never changed');
END;
CREATE TRIGGER consent_records_never_go BEFORE DELETE ON consent_records
BEGIN
    SELECT RAISE(ABORT, 'consent records are never deleted');
END;
