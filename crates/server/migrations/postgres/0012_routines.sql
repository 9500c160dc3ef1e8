-- 0012_routines (PostgreSQL): mirrors ../0012_routines.sql
SELECT 1;
