-- 0010_orders (PostgreSQL): mirrors ../0010_orders.sql
SELECT 1;
