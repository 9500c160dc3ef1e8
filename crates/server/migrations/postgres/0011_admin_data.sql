-- 0011_admin_data (PostgreSQL): mirrors ../0011_admin_data.sql
SELECT 1;
