-- PostgreSQL only: the function later migrations place new tables with on
-- Citus (see migrations/postgres). SQLite has nothing to place; this
-- folder keeps the two backends' migrations in step.
SELECT 1;
