DROP INDEX courses_catalog_by_start;
DROP INDEX courses_catalog_by_name;
CREATE INDEX courses_by_name ON courses (tenant_id, display_name, id);
CREATE INDEX courses_by_start ON courses (tenant_id, starts_at, id);
