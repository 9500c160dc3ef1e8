-- 0012_routines: (being written; see the issue 17 work)
SELECT 1;
