-- 0011_admin_data: (being written; see the issue 17 work)
SELECT 1;
