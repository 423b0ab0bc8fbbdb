//! The few things asked of Citus, behind a trait: the tests run the whole
//! conversion on plain PostgreSQL against a stand-in that keeps Citus's
//! metadata in memory and refuses what Citus refuses.

use std::collections::BTreeMap;

use diesel::sql_types::{Integer, Nullable, Text};
use diesel::{OptionalExtension, PgConnection, QueryableByName, RunQueryDsl};

use super::catalog::TENANT_COLUMN;
use super::plan::Existing;
use crate::error::DbResult;

pub(crate) trait Cluster {
    /// The citus extension's version; `None` on a server without it.
    fn version(&self, conn: &mut PgConnection) -> DbResult<Option<String>>;
    /// The current schema's tables Citus already knows.
    fn existing(&self, conn: &mut PgConnection) -> DbResult<BTreeMap<String, Existing>>;
    fn make_reference(&self, conn: &mut PgConnection, table: &str) -> DbResult<()>;
    /// By `tenant_id`; `colocate_with` is `None` for the anchor.
    fn distribute(
        &self,
        conn: &mut PgConnection,
        table: &str,
        colocate_with: Option<&str>,
    ) -> DbResult<()>;
}

/// The real thing, on a Citus coordinator.
pub(crate) struct Citus;

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

#[derive(QueryableByName)]
struct Known {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    column_name: Option<String>,
    #[diesel(sql_type = Integer)]
    colocation_id: i32,
}

impl Cluster for Citus {
    fn version(&self, conn: &mut PgConnection) -> DbResult<Option<String>> {
        let found: Option<Version> = diesel::sql_query(
            "SELECT extversion::text AS version FROM pg_extension WHERE extname = 'citus'",
        )
        .get_result(conn)
        .optional()?;
        Ok(found.map(|v| v.version))
    }

    fn existing(&self, conn: &mut PgConnection) -> DbResult<BTreeMap<String, Existing>> {
        // partmethod 'h' is hash distribution; 'n' (no shard key) with
        // replication model 't' a reference table, with 's' a single-shard
        // distributed table when it has a co-location group (Citus 12),
        // else a Citus local table.
        let known: Vec<Known> = diesel::sql_query(
            "SELECT c.relname::text AS table_name, \
                    CASE WHEN p.partmethod = 'h' THEN 'distributed' \
                         WHEN p.repmodel = 't' THEN 'reference' \
                         WHEN p.colocationid <> 0 THEN 'single-shard' ELSE 'local' END AS kind, \
                    CASE WHEN p.partmethod = 'h' \
                         THEN column_to_column_name(p.logicalrelid, p.partkey) END AS column_name, \
                    p.colocationid AS colocation_id \
               FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid \
              WHERE c.relnamespace = current_schema()::regnamespace",
        )
        .load(conn)?;
        Ok(known
            .into_iter()
            .map(|k| {
                let existing = match k.kind.as_str() {
                    "distributed" => Existing::Distributed {
                        column: k.column_name.unwrap_or_default(),
                        colocation_id: k.colocation_id,
                    },
                    "reference" => Existing::Reference,
                    "single-shard" => Existing::SingleShard,
                    _ => Existing::CitusLocal,
                };
                (k.table_name, existing)
            })
            .collect())
    }

    fn make_reference(&self, conn: &mut PgConnection, table: &str) -> DbResult<()> {
        diesel::sql_query("SELECT create_reference_table(quote_ident($1)::regclass)")
            .bind::<Text, _>(table)
            .execute(conn)?;
        Ok(())
    }

    fn distribute(
        &self,
        conn: &mut PgConnection,
        table: &str,
        colocate_with: Option<&str>,
    ) -> DbResult<()> {
        diesel::sql_query(
            "SELECT create_distributed_table(quote_ident($1)::regclass, $2, \
                    colocate_with => coalesce(quote_ident($3), 'none'))",
        )
        .bind::<Text, _>(table)
        .bind::<Text, _>(TENANT_COLUMN)
        .bind::<Nullable<Text>, _>(colocate_with)
        .execute(conn)?;
        Ok(())
    }
}
