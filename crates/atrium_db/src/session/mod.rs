//! A pooled connection and the tenant its PostgreSQL session is set to.
//!
//! # Why reads keep the tenant on the connection
//!
//! A scoped read used to cost three round trips: `BEGIN READ ONLY; SET
//! LOCAL atrium.tenant_id`, the query, `COMMIT`. Now a read on PostgreSQL
//! runs its statements outside a transaction, with the tenant set on the
//! session (`SET atrium.tenant_id`, no `LOCAL`), and the connection
//! remembers which tenant that is. A read for the tenant the connection
//! already holds is one round trip; for another tenant, two (the `SET`,
//! then the query). Nothing is lost by leaving the transaction out: at
//! PostgreSQL's `READ COMMITTED` each statement takes its own snapshot
//! inside a transaction too, and the session is read-only by default
//! (`default_transaction_read_only`), so a read still cannot write.
//!
//! The wall holds because the session's setting is only ever what
//! [`Session::tenant`] says, or that field says it does not know:
//! - a read enters its tenant first ([`Session::enter`]), so it never runs
//!   with what the previous user of the connection left;
//! - every transaction (writes, and reads on SQLite) sets the tenant with
//!   `SET LOCAL` in the same round trip as its `BEGIN`, the platform's to
//!   nothing: a platform transaction never runs with a tenant left on the
//!   connection, and `LOCAL` ends with the transaction, whatever its fate;
//! - the field is marked unknown before a `SET` is sent and known only
//!   once it succeeded, so an error in between makes the next user set it
//!   again;
//! - a panic, a transaction diesel opened and left open, or a connection
//!   libpq reports lost
//!   breaks the connection (diesel's rule for r2d2), and the pool closes it
//!   instead of handing it out again. Nothing in this crate sends a raw
//!   `BEGIN`, which diesel would not count.
//!
//! Two deployments need reads back in transactions with `SET LOCAL`
//! (`DbOptions::reads_in_transactions`, the `database_reads_in_transactions`
//! setting): a connection pooler in transaction mode (PgBouncer's
//! `pool_mode = transaction`, RDS Proxy), which may run a session's `SET`
//! and its query on different server connections; and Citus, which passes
//! only `SET LOCAL` on to its workers (`citus.propagate_set_commands =
//! 'local'`), so a read there would find nothing.
//!
//! A new connection starts with the setting empty, whatever a role's or
//! database's defaults say, so that what this module assumes of it holds.
//!
//! Resetting on check-in would cost the round trip this saves: the reset
//! happens instead where it matters, before the next use that needs
//! another tenant, or none.

use atrium_core::TenantId;
use diesel::connection::SimpleConnection;

use crate::connection::DbConnection;
use crate::error::DbError;

/// A connection as the pool hands it out.
pub(crate) struct Session {
    pub(crate) conn: DbConnection,
    tenant: SessionTenant,
}

/// The session-level `atrium.tenant_id` of a PostgreSQL connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionTenant {
    /// Not set (or set to nothing): tenant tables show no rows.
    Platform,
    Tenant(TenantId),
    /// A `SET` was sent and did not report success.
    Unknown,
}

impl SessionTenant {
    fn of(tenant: Option<TenantId>) -> Self {
        tenant.map_or(Self::Platform, Self::Tenant)
    }
}

impl Session {
    /// A new connection: nothing set yet.
    pub(crate) fn new(conn: DbConnection) -> Self {
        Self {
            conn,
            tenant: SessionTenant::Platform,
        }
    }

    /// What the session's tenant setting is known to be.
    #[cfg(test)]
    pub(crate) fn tenant(&self) -> SessionTenant {
        self.tenant
    }

    /// Sets the session to `tenant` (`None`: the platform, no tenant) for
    /// the statements that follow outside a transaction, unless it already
    /// is.
    pub(crate) fn enter(&mut self, tenant: Option<TenantId>) -> Result<(), DbError> {
        self.tenant.enter(&mut self.conn, tenant)
    }

    /// The parts a platform read needs: the connection, and the tenant
    /// field that [`crate::PlatformTx::enter_tenant`] keeps true.
    pub(crate) fn split(&mut self) -> (&mut DbConnection, &mut SessionTenant) {
        (&mut self.conn, &mut self.tenant)
    }
}

impl SessionTenant {
    /// Sets `conn`'s session, which this field describes, to `tenant`
    /// unless it already is. Nothing on SQLite, which has no row-level
    /// security.
    pub(crate) fn enter(
        &mut self,
        conn: &mut DbConnection,
        tenant: Option<TenantId>,
    ) -> Result<(), DbError> {
        let wanted = SessionTenant::of(tenant);
        let DbConnection::Postgres(pg) = conn else {
            return Ok(());
        };
        if *self == wanted {
            return Ok(());
        }
        *self = SessionTenant::Unknown;
        pg.batch_execute(&set_tenant_sql("SET", tenant))?;
        *self = wanted;
        Ok(())
    }
}

/// `SET [LOCAL] atrium.tenant_id = '…'`, empty for the platform. An i64
/// formatted into SQL cannot inject anything.
pub(crate) fn set_tenant_sql(command: &str, tenant: Option<TenantId>) -> String {
    match tenant {
        Some(id) => format!("{command} atrium.tenant_id = '{}'", id.0),
        None => format!("{command} atrium.tenant_id = ''"),
    }
}

#[cfg(test)]
mod tests;
