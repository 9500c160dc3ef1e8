-- 0009_webhooks (PostgreSQL): mirrors ../0009_webhooks.sql
SELECT 1;
