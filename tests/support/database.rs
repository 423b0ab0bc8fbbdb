use std::sync::OnceLock;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use sha2::{Digest, Sha256};

const TEST_URL_VAR: &str = "ATRIUM_TEST_DATABASE_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Whether PostgreSQL tests should run; says so when they do not. In
    /// CI (`CI` set) a missing URL is a failure: there, a PostgreSQL test
    /// must never pass without having run.
    pub fn postgres_available() -> bool {
        let available = std::env::var(TEST_URL_VAR).is_ok_and(|v| !v.is_empty());
        if !available && std::env::var_os("CI").is_some() {
            panic!("CI is set but {TEST_URL_VAR} is not: the PostgreSQL variant cannot run");
        }
        if !available {
            eprintln!("skipped: set {TEST_URL_VAR} to run the PostgreSQL variant of this test");
        }
        available
    }
}

/// A database of one test, removed when dropped.
pub struct TestDb {
    pub backend: Backend,
    /// What the service connects with (on PostgreSQL: the app role).
    pub url: String,
    /// The owner's connection (on SQLite the same file).
    pub owner_url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<PgAdmin>,
}

struct PgAdmin {
    admin_url: String,
    database: String,
}

/// `postgres://user[:pw]@host:port/db` split into its parts.
struct PgUrl {
    credentials: String,
    host: String,
}

impl PgUrl {
    fn parse(url: &str) -> Self {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let (credentials, rest) = rest.split_once('@').unwrap_or(("postgres", rest));
        let host = rest.split(['/', '?']).next().unwrap_or("127.0.0.1:5432");
        Self {
            credentials: credentials.to_owned(),
            host: host.to_owned(),
        }
    }

    fn owner(&self, database: &str) -> String {
        format!("postgres://{}@{}/{}", self.credentials, self.host, database)
    }

    fn app(&self, database: &str) -> String {
        format!("postgres://atrium_app@{}/{}", self.host, database)
    }
}

fn migrations_fingerprint() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hash = Sha256::new();
    for file in files {
        hash.update(file.to_string_lossy().as_bytes());
        hash.update(std::fs::read(&file).expect("read migration"));
    }
    format!("{:x}", hash.finalize())[..16].to_owned()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("migrations folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The migrated template every PostgreSQL test database is cloned from,
/// made once per migration set (an advisory lock keeps parallel test
/// processes from making it twice).
fn template(url: &PgUrl) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("atrium_tpl_{}", migrations_fingerprint());
        let mut admin = PgConnection::establish(&url.owner("postgres"))
            .unwrap_or_else(|e| panic!("{TEST_URL_VAR} is set but PostgreSQL is unreachable: {e}"));
        admin
            .batch_execute("SELECT pg_advisory_lock(724242)")
            .expect("lock");
        #[derive(diesel::QueryableByName)]
        struct Exists {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            exists: bool,
        }
        let exists = diesel::sql_query(format!(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}') AS exists"
        ))
        .get_result::<Exists>(&mut admin)
        .expect("query pg_database")
        .exists;
        if !exists {
            admin
                .batch_execute(&format!("CREATE DATABASE {name}_tmp"))
                .expect("create template");
            atrium_db::run_migrations(&url.owner(&format!("{name}_tmp")))
                .expect("migrate template");
            admin
                .batch_execute(&format!("ALTER DATABASE {name}_tmp RENAME TO {name}"))
                .expect("rename template");
        }
        // The migrations make the app role without LOGIN; tests log in with it.
        admin
            .batch_execute("ALTER ROLE atrium_app LOGIN")
            .expect("app role login");
        admin
            .batch_execute("SELECT pg_advisory_unlock(724242)")
            .expect("unlock");
        name
    })
}

impl TestDb {
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("atrium.db").display());
                atrium_db::run_migrations(&url).expect("migrate SQLite");
                Self {
                    backend,
                    owner_url: url.clone(),
                    url,
                    _dir: Some(dir),
                    pg: None,
                }
            }
            Backend::Postgres => {
                let admin_url =
                    std::env::var(TEST_URL_VAR).expect("PostgreSQL test without its URL");
                let parsed = PgUrl::parse(&admin_url);
                let template = template(&parsed);
                let database = format!("atrium_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin =
                    PgConnection::establish(&parsed.owner("postgres")).expect("connect as owner");
                admin
                    .batch_execute(&format!("CREATE DATABASE {database} TEMPLATE {template}"))
                    .expect("clone the template");
                Self {
                    backend,
                    url: parsed.app(&database),
                    owner_url: parsed.owner(&database),
                    _dir: None,
                    pg: Some(PgAdmin {
                        admin_url: parsed.owner("postgres"),
                        database,
                    }),
                }
            }
        }
    }

    /// A database migrated from nothing by `atrium_db::run_migrations`
    /// rather than cloned from the template: for tests of the migrations
    /// themselves.
    pub fn migrated_from_scratch(backend: Backend) -> Self {
        if backend == Backend::Sqlite {
            return Self::new(backend);
        }
        let admin_url = std::env::var(TEST_URL_VAR).expect("PostgreSQL test without its URL");
        let parsed = PgUrl::parse(&admin_url);
        let database = format!("atrium_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin =
            PgConnection::establish(&parsed.owner("postgres")).expect("connect as owner");
        admin
            .batch_execute(&format!("CREATE DATABASE {database}"))
            .expect("create an empty database");
        // Made before migrating, so that it is dropped even if they fail.
        let db = Self {
            backend,
            url: parsed.app(&database),
            owner_url: parsed.owner(&database),
            _dir: None,
            pg: Some(PgAdmin {
                admin_url: parsed.owner("postgres"),
                database,
            }),
        };
        // The migrations touch the cluster-wide app role: one at a time, as
        // in `template`.
        admin
            .batch_execute("SELECT pg_advisory_lock(724242)")
            .expect("lock");
        let migrated = atrium_db::run_migrations(&db.owner_url);
        admin
            .batch_execute("SELECT pg_advisory_unlock(724242)")
            .expect("unlock");
        migrated.expect("migrate PostgreSQL");
        db
    }

    /// Runs `sql` as the database's owner, behind the service's back: for
    /// the states a test cannot reach through the API (an old row, say).
    pub fn execute_as_owner(&self, sql: &str) {
        let done = match self.backend {
            Backend::Postgres => PgConnection::establish(&self.owner_url)
                .map_err(|e| e.to_string())
                .and_then(|mut c| c.batch_execute(sql).map_err(|e| e.to_string())),
            Backend::Sqlite => self
                .sqlite_owner()
                .and_then(|mut c| c.batch_execute(sql).map_err(|e| e.to_string())),
        };
        if let Err(e) = done {
            panic!("{sql}: {e}");
        }
    }

    /// The number `sql` selects as `n` (`SELECT COUNT(*) AS n …`), read as
    /// the database's owner, beside the service: for state the API does
    /// not show.
    pub fn count_as_owner(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let counted = match self.backend {
            Backend::Postgres => PgConnection::establish(&self.owner_url)
                .map_err(|e| e.to_string())
                .and_then(|mut c| {
                    diesel::sql_query(sql)
                        .get_result::<Count>(&mut c)
                        .map_err(|e| e.to_string())
                }),
            Backend::Sqlite => self.sqlite_owner().and_then(|mut c| {
                diesel::sql_query(sql)
                    .get_result::<Count>(&mut c)
                    .map_err(|e| e.to_string())
            }),
        };
        counted.unwrap_or_else(|e| panic!("{sql}: {e}")).n
    }

    /// A connection to the SQLite file beside the servers', which waits for
    /// their write locks instead of failing with "database is locked".
    fn sqlite_owner(&self) -> Result<SqliteConnection, String> {
        let mut conn = SqliteConnection::establish(self.owner_url.trim_start_matches("sqlite://"))
            .map_err(|e| e.to_string())?;
        conn.batch_execute("PRAGMA busy_timeout = 5000")
            .map_err(|e| e.to_string())?;
        Ok(conn)
    }

    /// Drops the database while servers may still use it (to test what
    /// they do when it is gone), or panics. PostgreSQL only: a SQLite file
    /// cannot be taken away from open connections.
    pub fn drop_now(&self) {
        assert!(self.pg.is_some(), "drop_now on a SQLite database");
        if let Err(e) = self.drop_database() {
            panic!("drop the test database: {e}");
        }
    }

    fn drop_database(&self) -> Result<(), String> {
        let Some(pg) = &self.pg else { return Ok(()) };
        let mut admin = PgConnection::establish(&pg.admin_url).map_err(|e| e.to_string())?;
        admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                pg.database
            ))
            .map_err(|e| e.to_string())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Cleanup only: a panic here would abort a test that is already
        // failing and hide why; a database left behind is harmless.
        if let Err(e) = self.drop_database() {
            eprintln!("test database not dropped: {e}");
        }
    }
}
