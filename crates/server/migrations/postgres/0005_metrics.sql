-- 0005_metrics (PostgreSQL): mirrors ../0005_metrics.sql; the same statements.

-- Where a self-service change was chosen, when the client says so (`"via"` in the change
-- body): 'cancel_offer' = a pause or skip taken on the cancel confirmation's offer instead
-- of cancelling. NULL for every other change and for rows written before this migration.
ALTER TABLE subscription_changes ADD COLUMN via TEXT
    CHECK (via IS NULL OR via IN ('cancel_offer'));

-- The merchant figures group the audit trail by month.
CREATE INDEX subscription_changes_by_at ON subscription_changes (at);
