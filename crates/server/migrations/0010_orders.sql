-- 0010_orders: (being written; see the issue 17 work)
SELECT 1;
