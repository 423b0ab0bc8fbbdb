//! One connection type over both backends, pooled, and the one place where
//! diesel's blocking calls are sent to the blocking thread pool.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use atrium_core::{redact_url, Scrubber};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, ManageConnection, Pool};
use diesel::{Connection, PgConnection, SqliteConnection};
use tokio::sync::Semaphore;

use crate::error::{DbError, DbResult};
use crate::session::Session;

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
                "database URL must start with postgres://, postgresql:// or sqlite:// (got {:?})",
                redact_url(url)
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
    /// PostgreSQL's `statement_timeout` on every pooled connection.
    pub statement_timeout: Duration,
    /// PostgreSQL: reads in a transaction with `SET LOCAL`, not on a
    /// session set to their tenant (see [`crate::session`]): for poolers in
    /// transaction mode and for Citus.
    pub reads_in_transactions: bool,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            pool_size: atrium_core::default_pool_size(),
            // As `database_timeout_ms`: an outage answers 503 within 2 s.
            timeout: Duration::from_millis(500),
            statement_timeout: Duration::from_secs(10),
            reads_in_transactions: false,
        }
    }
}

/// Opens the pool's connections, each wrapped in the [`Session`] that
/// remembers its tenant setting, and set up once. SQLite: foreign keys are
/// off by default, WAL lets readers run beside the writer, and a busy
/// timeout turns lock contention into waiting instead of an error.
/// PostgreSQL: a statement timeout, so that no query holds a connection
/// (and a blocking thread) after its request has given up; and read-only
/// by default, so that the statements a read runs outside a transaction
/// (see [`crate::session`]) cannot write, as `BEGIN READ ONLY` made sure
/// before (write transactions say `READ WRITE`); and with no tenant, so
/// that a default given to the role or in the URL does not count.
#[derive(Debug)]
struct SessionManager {
    connections: ConnectionManager<DbConnection>,
    statement_timeout_ms: u128,
    /// Counts every statement the pool's connections start.
    statements: Arc<AtomicU64>,
}

impl ManageConnection for SessionManager {
    type Connection = Session;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Session, diesel::r2d2::Error> {
        let mut conn = self.connections.connect()?;
        self.set_up(&mut conn)?;
        Ok(Session::new(conn))
    }

    fn is_valid(&self, session: &mut Session) -> Result<(), diesel::r2d2::Error> {
        self.connections.is_valid(&mut session.conn)
    }

    /// Broken when its thread panicked or a transaction was left open
    /// (diesel's rule): such a connection is closed, never reused.
    fn has_broken(&self, session: &mut Session) -> bool {
        self.connections.has_broken(&mut session.conn)
    }
}

impl SessionManager {
    fn set_up(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        let statements = Arc::clone(&self.statements);
        let count = move |event: diesel::connection::InstrumentationEvent<'_>| {
            if let diesel::connection::InstrumentationEvent::StartQuery { .. } = event {
                statements.fetch_add(1, Ordering::Relaxed);
            }
        };
        match conn {
            DbConnection::Sqlite(sqlite) => sqlite.set_instrumentation(count),
            DbConnection::Postgres(pg) => pg.set_instrumentation(count),
        }
        match conn {
            DbConnection::Sqlite(sqlite) => sqlite.batch_execute(
                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                 PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
            ),
            DbConnection::Postgres(pg) => pg.batch_execute(&format!(
                "SET statement_timeout = {}; SET default_transaction_read_only = on; \
                 SET atrium.tenant_id = ''",
                self.statement_timeout_ms
            )),
        }
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// r2d2 logs the errors of the connections it opens in the background; the
/// client library's messages can quote the URL, so they are scrubbed first.
#[derive(Debug)]
struct ScrubbedErrorLog(Scrubber);

impl diesel::r2d2::HandleError<diesel::r2d2::Error> for ScrubbedErrorLog {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        tracing::error!(error = %self.0.scrub(&error.to_string()), "database connection failed");
    }
}

struct DbInner {
    pool: Pool<SessionManager>,
    backend: Backend,
    /// At most as many blocking tasks as connections: a request beyond that
    /// waits here, on the async side, instead of parking a blocking thread.
    /// A permit is held until the blocking work ends, even when the request
    /// that started it was dropped (a time limit): the work goes on.
    permits: Arc<Semaphore>,
    /// Reads run in transactions, as writes do (`DbOptions`).
    reads_in_transactions: bool,
    /// How long a piece of work may wait for its permit, as for its
    /// checkout: when the database is gone every checkout waits this long,
    /// and work queued behind them must not wait for each in turn.
    permit_timeout: Duration,
    /// SQLite only: its writers take turns here. SQLite lets one write at
    /// a time and makes the others poll with growing sleeps (up to 100 ms
    /// each, the busy timeout), which was the writes' tail; a mutex wakes
    /// the next writer as soon as the last one commits.
    sqlite_writer: Option<Arc<std::sync::Mutex<()>>>,
    /// Keeps the URL's password out of the errors that reach messages.
    scrubber: Scrubber,
    /// Told of every access change this process commits (see [`crate::access`]).
    access_hooks: std::sync::RwLock<Vec<crate::access::Hook>>,
    /// Statements started by the pool's connections since it opened.
    statements: Arc<AtomicU64>,
    /// Told how long each piece of work waited for its connection.
    wait_hooks: std::sync::RwLock<Vec<WaitHook>>,
}

type WaitHook = Box<dyn Fn(Duration) + Send + Sync>;

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
        let scrubber = Scrubber::for_url(url);
        let statements = Arc::new(AtomicU64::new(0));
        let manager = SessionManager {
            connections: ConnectionManager::new(connect_target(url)),
            statement_timeout_ms: options.statement_timeout.as_millis(),
            statements: Arc::clone(&statements),
        };
        let pool = Pool::builder()
            .max_size(options.pool_size)
            .min_idle(Some(1))
            .connection_timeout(options.timeout)
            // A ping on every checkout would add a round trip to every
            // request; a broken connection is noticed when it fails and is
            // then discarded (diesel's `is_broken`).
            .test_on_check_out(false)
            .error_handler(Box::new(ScrubbedErrorLog(scrubber.clone())))
            .build(manager)
            .map_err(|e| DbError::Unavailable(scrubber.scrub(&e.to_string())))?;
        Ok(Self {
            inner: Arc::new(DbInner {
                pool,
                backend,
                permits: Arc::new(Semaphore::new(options.pool_size as usize)),
                permit_timeout: options.timeout,
                reads_in_transactions: options.reads_in_transactions,
                sqlite_writer: (backend == Backend::Sqlite).then(Default::default),
                scrubber,
                access_hooks: Default::default(),
                statements,
                wait_hooks: Default::default(),
            }),
        })
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// How many SQL statements this pool's connections have started (the
    /// connection setup's own included): for metrics, and for tests that
    /// show a request's statement count does not grow with its data.
    pub fn statements_executed(&self) -> u64 {
        self.inner.statements.load(Ordering::Relaxed)
    }

    /// Connections open and idle, for the metrics endpoint.
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.inner.pool.state();
        (state.connections, state.idle_connections)
    }

    /// Calls `hook` after every commit of this process that announced an
    /// access change ([`crate::access::announce`]), once per change, on the
    /// committing thread and before the write returns to its caller: the
    /// replica that made a change never serves a request with the old
    /// access after it.
    pub fn on_access_change(
        &self,
        hook: impl Fn(&crate::access::AccessChange) + Send + Sync + 'static,
    ) {
        self.inner
            .access_hooks
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Box::new(hook));
    }

    /// Calls `hook` with how long each piece of database work waited before
    /// it had its connection: for a permit (the pool is busy), for a
    /// blocking thread, and for the pool's checkout. Where a request's tail
    /// goes when the pool is too small shows here.
    pub fn on_connection_wait(&self, hook: impl Fn(Duration) + Send + Sync + 'static) {
        self.inner
            .wait_hooks
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Box::new(hook));
    }

    /// Runs `work` with a pooled connection on the blocking thread pool.
    /// Whatever tenant its session holds is left as it is: only
    /// [`crate::tenancy`] reads tenant tables, through [`Session::enter`].
    pub(crate) async fn run<T, E>(
        &self,
        work: impl FnOnce(&mut Session) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let asked = std::time::Instant::now();
        let permit = tokio::time::timeout(
            self.inner.permit_timeout,
            Arc::clone(&self.inner.permits).acquire_owned(),
        )
        .await
        .map_err(|_| {
            E::from(DbError::Unavailable(
                "every database connection stayed busy for the pool's timeout".into(),
            ))
        })?
        .map_err(|_| E::from(DbError::Unavailable("database handle closed".into())))?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = inner
                .pool
                .get()
                .map_err(|e| E::from(DbError::Unavailable(inner.scrubber.scrub(&e.to_string()))))?;
            let waited = asked.elapsed();
            inner
                .wait_hooks
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .iter()
                .for_each(|hook| hook(waited));
            // Left over by work that panicked on this thread: never committed.
            crate::access::take_pending();
            let outcome = work(&mut conn);
            // Transactions only return `Ok` once committed.
            let announced = crate::access::take_pending();
            if outcome.is_ok() && !announced.is_empty() {
                let hooks = inner
                    .access_hooks
                    .read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                for change in &announced {
                    hooks.iter().for_each(|hook| hook(change));
                }
            }
            outcome
        })
        .await
        .unwrap_or_else(|join_error| std::panic::resume_unwind(join_error.into_panic()))
    }

    /// Whether reads run in transactions, as writes do (`DbOptions`).
    pub fn reads_in_transactions(&self) -> bool {
        self.inner.reads_in_transactions
    }

    /// The turn SQLite's writers take (see the field), `None` elsewhere.
    pub(crate) fn sqlite_writer(&self) -> Option<Arc<std::sync::Mutex<()>>> {
        self.inner.sqlite_writer.clone()
    }

    /// `SELECT 1` through the pool: what the readiness probe asks.
    pub async fn ping(&self) -> DbResult<()> {
        self.run(|session| {
            session
                .conn
                .batch_execute("SELECT 1")
                .map_err(DbError::from)?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_url_is_quoted_without_its_password() {
        let error = Backend::from_url("mysql://root:s3cret@db/atrium").unwrap_err();
        let message = error.to_string();
        assert!(!message.contains("s3cret"), "{message}");
        assert!(message.contains("mysql://root:***@db/atrium"), "{message}");
    }

    #[test]
    fn connection_errors_do_not_quote_the_password() {
        // libpq quotes a malformed URL whole in its error message.
        for url in [
            "postgres://atrium_app:s3cret@[::1/atrium",
            "postgres://atrium_app:s3cret@127.0.0.1:1/atrium?bogus_option=1",
        ] {
            let options = DbOptions {
                timeout: Duration::from_millis(300),
                ..DbOptions::default()
            };
            let message = Db::connect(url, &options).unwrap_err().to_string();
            assert!(!message.contains("s3cret"), "{message}");
            let migration = crate::run_migrations(url).unwrap_err().to_string();
            assert!(!migration.contains("s3cret"), "{migration}");
        }
    }

    /// PostgreSQL only: needs `ATRIUM_TEST_DATABASE_URL`.
    #[test]
    fn a_statement_past_the_timeout_is_cancelled_as_unavailable() {
        let Ok(url) = std::env::var("ATRIUM_TEST_DATABASE_URL") else {
            eprintln!("skipped: ATRIUM_TEST_DATABASE_URL is not set");
            return;
        };
        let options = DbOptions {
            pool_size: 1,
            statement_timeout: Duration::from_millis(200),
            ..DbOptions::default()
        };
        let db = Db::connect(&url, &options).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let slow = rt.block_on(db.run(|session| {
            session
                .conn
                .batch_execute("SELECT pg_sleep(5)")
                .map_err(DbError::from)
        }));
        assert!(matches!(slow, Err(DbError::Unavailable(_))), "{slow:?}");
        rt.block_on(db.ping())
            .expect("the connection is still usable");
    }
}
