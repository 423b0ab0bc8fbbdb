-- The catalog pages through one tenant's public courses by name or by
-- start date, seeking past its cursor with a row value, `(key, id) > (x, y)`.
-- With the visibility inside the key, each page is one index range scan
-- over the public courses alone, however many private or unlisted ones the
-- tenant has. Start dates sort nulls last in these indexes on PostgreSQL,
-- first on SQLite: the reads take dated and undated courses apart, so both
-- backends walk the same index in its own order.
DROP INDEX courses_by_name;
DROP INDEX courses_by_start;
CREATE INDEX courses_catalog_by_name ON courses (tenant_id, visibility, display_name, id);
CREATE INDEX courses_catalog_by_start ON courses (tenant_id, visibility, starts_at, id);
