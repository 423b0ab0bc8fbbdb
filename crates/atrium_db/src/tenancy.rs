//! Tenant scopes and the two kinds of transaction: one scoped to a tenant,
//! one for the platform layer.

use atrium_core::TenantId;
use diesel::connection::SimpleConnection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

use crate::connection::{Backend, Db, DbConnection};
use crate::error::DbError;
use crate::session::{set_tenant_sql, Session, SessionTenant};
use crate::tenants::TenantRow;

/// Proof that a tenant was resolved: from a request's host (see
/// [`crate::routing`]) or by the platform layer ([`PlatformTx::enter_tenant`]).
/// It has no public constructor, so it cannot be made up from an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TenantScope {
    tenant_id: TenantId,
}

impl TenantScope {
    pub(crate) fn new(tenant_id: TenantId) -> Self {
        Self { tenant_id }
    }

    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }
}

/// Whether a unit of work may write. Writes run in a transaction; SQLite
/// takes its write lock up front for them (`BEGIN IMMEDIATE`), so two
/// writers wait for each other instead of failing on lock upgrade. Reads
/// stay concurrent: a transaction on SQLite, statements on a read-only
/// session on PostgreSQL (see [`crate::session`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// How a read holds the row it finds until its transaction ends, against
/// writers that would change what was checked: `Update` for the one writer
/// that decides (counting a course's seats, deleting it), `Share` for those
/// that only refer to the row (a grant on a course). PostgreSQL row locks;
/// on SQLite a write transaction holds the database's write lock from
/// `BEGIN IMMEDIATE` already, so a plain read is as good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLock {
    Share,
    Update,
}

/// A unit of work in which every query of a tenant table is filtered by
/// one tenant: a transaction, or a read's statements on a session set to
/// that tenant. Only this crate's repository functions can use its
/// connection.
pub struct TenantTx<'c> {
    pub(crate) conn: &'c mut DbConnection,
    scope: TenantScope,
    in_transaction: bool,
}

impl TenantTx<'_> {
    pub(crate) fn tenant(&self) -> i64 {
        self.scope.tenant_id.0
    }

    /// The tenant every query of this transaction is scoped to.
    pub fn tenant_id(&self) -> TenantId {
        self.scope.tenant_id
    }

    /// Takes the transaction-level advisory lock `class` of this tenant
    /// on PostgreSQL (`shared`: with other shared holders), held until the
    /// transaction ends; for checks that must not interleave with another
    /// writer's check and write. Nothing on SQLite, where a write
    /// transaction holds the database's write lock from `BEGIN IMMEDIATE`.
    pub(crate) fn lock_tenant(&mut self, class: i32, shared: bool) -> Result<(), DbError> {
        let tenant = self.tenant();
        if let DbConnection::Postgres(pg) = &mut *self.conn {
            // Outside a transaction the lock would end with its statement.
            if !self.in_transaction {
                return Err(DbError::Config(
                    "a tenant lock is only held by a write transaction".into(),
                ));
            }
            let function = if shared {
                "pg_advisory_xact_lock_shared"
            } else {
                "pg_advisory_xact_lock"
            };
            // Two integers formatted into SQL cannot inject anything;
            // tenants whose ids agree modulo 2^32 merely share a lock.
            pg.batch_execute(&format!("SELECT {function}({class}, {})", tenant as i32))?;
        }
        Ok(())
    }
}

/// A unit of work of the platform layer: tenants, operators, routing. It
/// can enter a tenant, which is how provisioning and deletion reach tenant
/// tables.
pub struct PlatformTx<'c> {
    pub(crate) conn: &'c mut DbConnection,
    /// A read's session on PostgreSQL, whose tenant entering one sets;
    /// `None` in a transaction, where entering sets it `LOCAL`ly.
    session_tenant: Option<&'c mut SessionTenant>,
}

impl PlatformTx<'_> {
    /// Scopes the rest of this unit of work to a tenant read or made in it
    /// (a [`TenantRow`] cannot be built outside this crate, so the scope
    /// cannot come from a bare id). On PostgreSQL the row-level-security
    /// setting follows.
    pub fn enter_tenant(&mut self, tenant: &TenantRow) -> Result<TenantTx<'_>, DbError> {
        let tenant_id = tenant.id();
        match self.session_tenant.as_deref_mut() {
            Some(session) => session.enter(self.conn, Some(tenant_id))?,
            None => {
                if let DbConnection::Postgres(pg) = &mut *self.conn {
                    pg.batch_execute(&set_tenant_sql("SET LOCAL", Some(tenant_id)))?;
                }
            }
        }
        Ok(TenantTx {
            conn: self.conn,
            scope: TenantScope::new(tenant_id),
            in_transaction: self.session_tenant.is_none(),
        })
    }
}

/// Whether `access` on this session runs as statements on the session's
/// tenant setting instead of in a transaction: reads on PostgreSQL, unless
/// the pool was opened with reads in transactions.
fn reads_by_statement(session: &Session, access: Access, in_transactions: bool) -> bool {
    access == Access::Read && !in_transactions && matches!(session.conn, DbConnection::Postgres(_))
}

/// Opens a transaction, on PostgreSQL together with its tenant setting,
/// the platform's included (none: whatever a read left on the session does
/// not count), in one round trip.
fn begin(conn: &mut DbConnection, access: Access, tenant: Option<TenantId>) -> Result<(), DbError> {
    match conn {
        DbConnection::Postgres(pg) => {
            let mode = match access {
                Access::Read => "BEGIN READ ONLY",
                Access::Write => "BEGIN READ WRITE",
            };
            let sql = format!("{mode}; {}", set_tenant_sql("SET LOCAL", tenant));
            AnsiTransactionManager::begin_transaction_sql(pg, &sql)?;
        }
        DbConnection::Sqlite(sqlite) => {
            let sql = match access {
                Access::Read => "BEGIN",
                Access::Write => "BEGIN IMMEDIATE",
            };
            AnsiTransactionManager::begin_transaction_sql(sqlite, sql)?;
        }
    }
    Ok(())
}

/// Runs `work` inside a transaction: commit on `Ok`, roll back on `Err`.
fn in_transaction<T, E>(
    conn: &mut DbConnection,
    access: Access,
    tenant: Option<TenantId>,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DbError>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    begin(conn, access, tenant)?;
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn).map_err(DbError::from)?;
            Ok(value)
        }
        Err(error) => {
            // The original error matters more than a failed rollback, which
            // leaves the connection broken and r2d2 discards it.
            let _ = Manager::rollback_transaction(conn);
            Err(error)
        }
    }
}

impl Db {
    /// [`Db::run`], a write on SQLite waiting for its turn first.
    async fn run_as<T, E>(
        &self,
        access: Access,
        work: impl FnOnce(&mut Session) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let turn = match access {
            Access::Write => self.sqlite_writer(),
            Access::Read => None,
        };
        self.run(move |session| {
            let _turn = turn.as_deref().map(|writer| {
                writer
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
            });
            work(session)
        })
        .await
    }

    /// Runs `work` scoped to one tenant: in a transaction, or, for a read
    /// on PostgreSQL, on a session set to the tenant (see
    /// [`crate::session`]).
    pub async fn tenant<T, E>(
        &self,
        scope: TenantScope,
        access: Access,
        work: impl FnOnce(&mut TenantTx<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let in_transactions = self.reads_in_transactions();
        self.run_as(access, move |session| {
            if reads_by_statement(session, access, in_transactions) {
                session.enter(Some(scope.tenant_id))?;
                return work(&mut TenantTx {
                    conn: &mut session.conn,
                    scope,
                    in_transaction: false,
                });
            }
            in_transaction(&mut session.conn, access, Some(scope.tenant_id), |conn| {
                work(&mut TenantTx {
                    conn,
                    scope,
                    in_transaction: true,
                })
            })
        })
        .await
    }

    /// Runs `work` for the platform layer (no tenant set).
    pub async fn platform<T, E>(
        &self,
        access: Access,
        work: impl FnOnce(&mut PlatformTx<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let in_transactions = self.reads_in_transactions();
        self.run_as(access, move |session| {
            if reads_by_statement(session, access, in_transactions) {
                session.enter(None)?;
                let (conn, session_tenant) = session.split();
                return work(&mut PlatformTx {
                    conn,
                    session_tenant: Some(session_tenant),
                });
            }
            in_transaction(&mut session.conn, access, None, |conn| {
                work(&mut PlatformTx {
                    conn,
                    session_tenant: None,
                })
            })
        })
        .await
    }

    /// Runs `work` for the platform (`None`) or one tenant, for the few
    /// tables kept per realm (idempotency keys) and the platform's own
    /// single statements (login throttling).
    pub(crate) async fn in_realm<T>(
        &self,
        scope: Option<TenantScope>,
        access: Access,
        work: impl FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError>
    where
        T: Send + 'static,
    {
        let tenant = scope.map(|s| s.tenant_id);
        let in_transactions = self.reads_in_transactions();
        self.run_as(access, move |session| {
            if reads_by_statement(session, access, in_transactions) {
                session.enter(tenant)?;
                return work(&mut session.conn);
            }
            in_transaction(&mut session.conn, access, tenant, work)
        })
        .await
    }

    pub fn is_postgres(&self) -> bool {
        self.backend() == Backend::Postgres
    }
}
