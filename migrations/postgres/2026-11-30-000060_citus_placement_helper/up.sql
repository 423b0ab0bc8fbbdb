-- On a Citus coordinator, a table a later migration creates has to be
-- placed before foreign keys can tie it to distributed or reference tables
-- (Citus keeps no foreign key between a plain table and a distributed
-- one). Such a migration creates the table without foreign keys, calls
--   SELECT atrium_distribute_like('new_table', 'peer_table');
-- then adds them (migrations/README.md). This puts new_table where
-- peer_table is: distributed by tenant_id and co-located with it, or a
-- reference table. It does nothing more on plain PostgreSQL, or while
-- peer_table is not converted yet (`atrium distribute` places the new
-- table with the rest).

-- The rule of `atrium distribute`'s plan (crates/atrium_db/src/
-- distribution/plan.rs): a tenant table has a NOT NULL tenant_id that
-- leads its primary key.
CREATE FUNCTION atrium_is_tenant_table(t regclass)
RETURNS boolean
LANGUAGE sql
STABLE
AS $$
    SELECT coalesce((SELECT a.attnotnull FROM pg_catalog.pg_attribute a
                      WHERE a.attrelid = t AND a.attname = 'tenant_id'
                        AND NOT a.attisdropped), false)
       AND coalesce((SELECT a.attname = 'tenant_id'
                       FROM pg_catalog.pg_index i
                       JOIN pg_catalog.pg_attribute a
                         ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                      WHERE i.indrelid = t AND i.indisprimary), true)
$$;

CREATE FUNCTION atrium_distribute_like(new_table regclass, peer regclass)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    method "char";
    model "char";
BEGIN
    -- Checked everywhere, so that a wrong peer fails the migration's
    -- tests on plain PostgreSQL, not a deployment on Citus.
    IF atrium_is_tenant_table(new_table) <> atrium_is_tenant_table(peer) THEN
        RAISE EXCEPTION '% cannot be placed like %: only one of them is a tenant table (tenant_id NOT NULL, leading its primary key)',
            new_table, peer;
    END IF;
    IF to_regclass('pg_dist_partition') IS NULL THEN
        RETURN;
    END IF;
    EXECUTE 'SELECT partmethod, repmodel FROM pg_dist_partition WHERE logicalrelid = $1'
        INTO method, model
        USING peer;
    -- One connection per worker: Citus refuses, later in the same
    -- transaction, a foreign key to a reference table after a conversion
    -- over several (the migration's next statements add such keys).
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
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
