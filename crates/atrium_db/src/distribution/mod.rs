//! Scaling out by tenant on Citus: which table goes where, and the one
//! transaction that puts it there (`atrium distribute`).
//!
//! The plan is read from the catalog, never from a list kept by hand, so
//! a table a later migration adds is planned like the others:
//! - a table whose `tenant_id` is `NOT NULL` and leads its key is a
//!   tenant table, hash-distributed by `tenant_id` and co-located with
//!   one anchor table, so each tenant's rows, and every join and foreign
//!   key between them, stay on one worker;
//! - every other table is a platform table, made a reference table (a
//!   copy on every node), since tenant rows point at it and the routing
//!   lookups that run before a tenant is known read it;
//! - diesel's migration bookkeeping stays local on the coordinator.
//!
//! The plan also checks what Citus would refuse, before anything is
//! changed: a unique key without `tenant_id` on a tenant table, a foreign
//! key from a platform table to a tenant table or one that does not pair
//! `tenant_id` with `tenant_id`, an action that would rewrite `tenant_id`,
//! an identity column that is not `bigint`, a trigger.
//!
//! Citus refuses to convert, one table at a time, tables that have an
//! identity column while foreign keys tie them to tables still being
//! converted (its issues #7036 and #7564). So the conversion drops every
//! foreign key that touches a table to convert, converts, re-creates the
//! keys from their own definitions, and checks that the foreign keys read
//! back are the ones it started from, all in one transaction: it either
//! leaves the schema distributed and identical, or as it was.

mod catalog;

mod citus;
pub mod migration_rules;
mod plan;
#[cfg(test)]
mod tests;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::connection::Backend;
use crate::error::{DbError, DbResult};
use catalog::Schema;
use citus::{Citus, Cluster};

pub use catalog::TENANT_COLUMN;
pub use plan::{Placement, Plan, TablePlan, MIGRATIONS_TABLE};

/// What `distribute` did.
#[derive(Debug)]
pub struct Distribution {
    pub citus_version: String,
    /// The plan it carried out; tables it found done are marked so.
    pub plan: Plan,
}

impl Distribution {
    /// The tables this run converted.
    pub fn converted(&self) -> impl Iterator<Item = &TablePlan> {
        self.plan.to_convert()
    }
}

/// What `atrium distribute` prints when it is done.
impl std::fmt::Display for Distribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.plan.write_tables(f, "converted")?;
        let converted = self.converted().count();
        if converted == 0 {
            return writeln!(
                f,
                "\nCitus {}: nothing to do, every table was already where the plan puts it.",
                self.citus_version
            );
        }
        writeln!(
            f,
            "\nCitus {}: {converted} tables converted{}; {} foreign keys re-created as they were.",
            self.citus_version,
            self.plan
                .anchor
                .as_deref()
                .map(|a| format!(", the tenant tables co-located with {a}"))
                .unwrap_or_default(),
            self.plan.foreign_keys.len()
        )
    }
}

/// The plan for the database at `url` (the owner's), without changing
/// anything. On plain PostgreSQL every table is still to convert.
pub fn plan(url: &str) -> DbResult<Plan> {
    let conn = &mut connect(url)?;
    plan_on(conn, &Citus)
}

/// Carries out the plan on a Citus coordinator (as the owner, after
/// `atrium migrate`). Running it again converts only what is new.
pub fn distribute(url: &str) -> DbResult<Distribution> {
    let conn = &mut connect(url)?;
    distribute_on(conn, &Citus)
}

fn connect(url: &str) -> DbResult<PgConnection> {
    if Backend::from_url(url)? != Backend::Postgres {
        return Err(DbError::Distribution(
            "only a PostgreSQL database can be distributed (Citus); this one is SQLite".into(),
        ));
    }
    let scrubber = atrium_core::Scrubber::for_url(url);
    PgConnection::establish(url).map_err(|e| DbError::Unavailable(scrubber.scrub(&e.to_string())))
}

fn plan_on(conn: &mut PgConnection, cluster: &dyn Cluster) -> DbResult<Plan> {
    conn.build_transaction().read_only().run(|conn| {
        let schema = Schema::read(conn)?;
        let existing = match cluster.version(conn)? {
            Some(_) => cluster.existing(conn)?,
            None => Default::default(),
        };
        plan::plan(&schema, &existing).map_err(refused)
    })
}

fn distribute_on(conn: &mut PgConnection, cluster: &dyn Cluster) -> DbResult<Distribution> {
    let Some(citus_version) = cluster.version(conn)? else {
        return Err(DbError::Distribution(
            "this server has no citus extension: run `atrium distribute` against a Citus \
             coordinator, where CREATE EXTENSION citus has been run in this database \
             (`--dry-run` prints the plan on any PostgreSQL)"
                .into(),
        ));
    };
    if major_version(&citus_version) < Some(MINIMUM_CITUS) {
        return Err(DbError::Distribution(format!(
            "Citus {citus_version} is too old: `atrium distribute` needs Citus \
             {MINIMUM_CITUS}.0 or later (it converts tables with rows in sequential mode)"
        )));
    }
    conn.transaction(|conn| {
        // Two runs at once would each find the other's tables half done.
        conn.batch_execute("SELECT pg_advisory_xact_lock(hashtext('atrium distribute'))")?;
        let before = Schema::read(conn)?;
        let plan = plan::plan(&before, &cluster.existing(conn)?).map_err(refused)?;
        let to_convert: Vec<&TablePlan> = plan.to_convert().collect();
        if to_convert.is_empty() {
            return Ok(Distribution {
                citus_version,
                plan,
            });
        }
        // Citus converts over several connections per worker by default,
        // then refuses, in the same transaction, a foreign key to a
        // reference table ("there was a parallel operation on a
        // distributed table"): every tenant table has one, to tenants.
        // One connection per worker avoids it, rows or not (Citus 11+).
        conn.batch_execute("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")?;
        for fk in &plan.foreign_keys {
            conn.batch_execute(&format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                quote(&fk.table_name),
                quote(&fk.name)
            ))?;
        }
        for table in &to_convert {
            match table.placement {
                Placement::Reference => cluster.make_reference(conn, &table.table)?,
                Placement::Distributed => {
                    let colocate_with = plan.anchor.as_deref().filter(|a| *a != table.table);
                    cluster.distribute(conn, &table.table, colocate_with)?
                }
                Placement::Local => {}
            }
        }
        for fk in &plan.foreign_keys {
            conn.batch_execute(&format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {}",
                quote(&fk.table_name),
                quote(&fk.name),
                fk.definition
            ))?;
        }
        let after = Schema::read(conn)?;
        if after.foreign_keys != before.foreign_keys {
            return Err(DbError::Distribution(
                "the foreign keys read back after the conversion differ from the ones before; \
                 nothing was changed"
                    .into(),
            ));
        }
        let left = plan::plan(&after, &cluster.existing(conn)?).map_err(refused)?;
        if let Some(table) = left.to_convert().next() {
            return Err(DbError::Distribution(format!(
                "{} is still not {} after its conversion; nothing was changed",
                table.table, table.placement
            )));
        }
        Ok(Distribution {
            citus_version,
            plan,
        })
    })
}

/// Sequential mode with rows in the tables came with Citus 11.0
/// (citusdata/citus#5653).
const MINIMUM_CITUS: u32 = 11;

/// `13` of `13.2-1`.
fn major_version(version: &str) -> Option<u32> {
    version.split(['.', '-']).next()?.parse().ok()
}

fn refused(problems: Vec<String>) -> DbError {
    DbError::Distribution(format!(
        "the schema cannot be distributed as it is:\n  - {}",
        problems.join("\n  - ")
    ))
}

/// A name from the catalog, quoted for SQL.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
