-- 0013_translations (PostgreSQL): mirrors ../0013_translations.sql, identical.
-- The merchant's texts of a product in other languages (name,
-- description, usage question, routine names), as the admin API's `translations` object:
-- JSON text, read whole with the product, never queried into.
ALTER TABLE products ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
