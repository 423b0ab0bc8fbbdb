//! One connection type over both backends, pooled, and the one place where
//! diesel's blocking calls are sent to the blocking thread pool.

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::{Connection, PgConnection, SqliteConnection};
use tokio::sync::Semaphore;

use crate::error::{DbError, DbResult};

#[derive(diesel::MultiConnection)]
pub(crate) enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The database product behind a URL, picked from its scheme alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn from_url(url: &str) -> DbResult<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else {
            Err(DbError::Config(format!(
                "database URL must start with postgres://, postgresql:// or sqlite:// (got {url:?})"
            )))
        }
    }
}

/// What diesel expects to open: a PostgreSQL URL as it is, a SQLite path
/// without its scheme.
pub(crate) fn connect_target(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    pub pool_size: u32,
    pub timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            pool_size: 16,
            timeout: Duration::from_secs(5),
        }
    }
}

/// Pragmas every SQLite connection needs: foreign keys are off by default,
/// WAL lets readers run beside the writer, and a busy timeout turns lock
/// contention into waiting instead of an error.
#[derive(Debug)]
struct ConnectionSetup;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        if let DbConnection::Sqlite(sqlite) = conn {
            sqlite
                .batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                )
                .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

struct DbInner {
    pool: Pool<ConnectionManager<DbConnection>>,
    backend: Backend,
    /// At most as many blocking tasks as connections: a request beyond that
    /// waits here, on the async side, instead of parking a blocking thread.
    permits: Semaphore,
}

/// The handle to the database that every service holds.
#[derive(Clone)]
pub struct Db {
    inner: Arc<DbInner>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.inner.backend)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Opens a pool; fails when the first connection cannot be made.
    pub fn connect(url: &str, options: &DbOptions) -> DbResult<Self> {
        let backend = Backend::from_url(url)?;
        let manager = ConnectionManager::<DbConnection>::new(connect_target(url));
        let pool = Pool::builder()
            .max_size(options.pool_size)
            .min_idle(Some(1))
            .connection_timeout(options.timeout)
            // A ping on every checkout would add a round trip to every
            // request; a broken connection is noticed when it fails and is
            // then discarded (diesel's `is_broken`).
            .test_on_check_out(false)
            .connection_customizer(Box::new(ConnectionSetup))
            .build(manager)
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(DbInner {
                pool,
                backend,
                permits: Semaphore::new(options.pool_size as usize),
            }),
        })
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// Connections open and idle, for the metrics endpoint.
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.inner.pool.state();
        (state.connections, state.idle_connections)
    }

    /// Runs `work` with a pooled connection on the blocking thread pool.
    pub(crate) async fn run<T, E>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let _permit = self
            .inner
            .permits
            .acquire()
            .await
            .map_err(|_| E::from(DbError::Unavailable("database handle closed".into())))?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut conn = inner
                .pool
                .get()
                .map_err(|e| E::from(DbError::Unavailable(e.to_string())))?;
            work(&mut conn)
        })
        .await
        .unwrap_or_else(|join_error| std::panic::resume_unwind(join_error.into_panic()))
    }

    /// `SELECT 1` through the pool: what the readiness probe asks.
    pub async fn ping(&self) -> DbResult<()> {
        self.run(|conn| {
            conn.batch_execute("SELECT 1").map_err(DbError::from)?;
            Ok(())
        })
        .await
    }
}
