-- 0011_admin_data (PostgreSQL): mirrors ../0011_admin_data.sql. PostgreSQL drops a NOT
-- NULL with ALTER TABLE (SQLite needs the edit of its stored definition); BIGINT for INTEGER.

ALTER TABLE customers ALTER COLUMN name DROP NOT NULL;
ALTER TABLE customers ALTER COLUMN email DROP NOT NULL;

ALTER TABLE customers ADD COLUMN locale TEXT;
ALTER TABLE customers ADD COLUMN origin TEXT NOT NULL DEFAULT 'merchant'
    CHECK (origin IN ('merchant', 'token'));

ALTER TABLE orders ADD COLUMN origin TEXT NOT NULL DEFAULT 'cadence'
    CHECK (origin IN ('cadence', 'merchant'));

ALTER TABLE subscriptions ADD COLUMN unit_price_minor BIGINT
    CHECK (unit_price_minor IS NULL OR unit_price_minor >= 0);
