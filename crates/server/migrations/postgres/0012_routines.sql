-- 0012_routines (PostgreSQL): mirrors ../0012_routines.sql, identical.

-- Who recorded each entry ('customer' or 'merchant') and when (RFC 3339 UTC). NULL for
-- entries from before 0012 (the demo data's).
ALTER TABLE maintenance_log ADD COLUMN actor TEXT;
ALTER TABLE maintenance_log ADD COLUMN recorded_at TEXT;

-- Cancellations by month and reason (the merchant figures and the export) without reading
-- every other change of the period.
CREATE INDEX subscription_changes_cancels ON subscription_changes (at, reason)
    WHERE action = 'cancel';
