-- 0009_webhooks: (being written; see the issue 17 work)
SELECT 1;
