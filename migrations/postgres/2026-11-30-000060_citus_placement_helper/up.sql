-- On a Citus coordinator, a table a later migration creates has to be
-- placed before foreign keys can tie it to distributed or reference tables
-- (Citus keeps no foreign key between a plain table and a distributed
-- one). Such a migration creates the table without foreign keys, calls
--   SELECT atrium_distribute_like('new_table', 'peer_table');
-- then adds them (migrations/README.md). This puts new_table where
-- peer_table is: distributed by tenant_id and co-located with it, or a
-- reference table. It does nothing on plain PostgreSQL, or while
-- peer_table is not converted yet (`atrium distribute` places the new
-- table with the rest).
CREATE FUNCTION atrium_distribute_like(new_table regclass, peer regclass)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    method "char";
    model "char";
BEGIN
    IF to_regclass('pg_dist_partition') IS NULL THEN
        RETURN;
    END IF;
    EXECUTE 'SELECT partmethod, repmodel FROM pg_dist_partition WHERE logicalrelid = $1'
        INTO method, model
        USING peer;
    IF method = 'h' THEN
        EXECUTE 'SELECT create_distributed_table($1, ''tenant_id'', colocate_with => $2)'
            USING new_table, peer::text;
    ELSIF method = 'n' AND model = 't' THEN
        EXECUTE 'SELECT create_reference_table($1)' USING new_table;
    END IF;
END
$$;

-- Only migrations (the owner) place tables.
REVOKE EXECUTE ON FUNCTION atrium_distribute_like(regclass, regclass) FROM PUBLIC;
