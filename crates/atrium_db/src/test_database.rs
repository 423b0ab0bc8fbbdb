//! A PostgreSQL database of a test's own, made from
//! `ATRIUM_TEST_DATABASE_URL` and dropped with it, so that tests never
//! share state.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

pub(crate) struct TestDatabase {
    admin_url: String,
    pub name: String,
    /// `postgres://user@host:port`: where the admin's URL points, without
    /// its database.
    pub server: String,
    /// The database's URL, as the admin (who owns what it migrates).
    pub url: String,
}

impl TestDatabase {
    /// A new empty database named after `label`; `None` (the test is
    /// skipped, and says so) without `ATRIUM_TEST_DATABASE_URL`.
    pub fn create(label: &str) -> Option<Self> {
        let Ok(admin_url) = std::env::var("ATRIUM_TEST_DATABASE_URL") else {
            eprintln!("skipped: ATRIUM_TEST_DATABASE_URL is not set");
            return None;
        };
        let (server, _) = admin_url.rsplit_once('/').expect("a URL with a database");
        let name = format!("atrium_{label}_{}", std::process::id());
        let this = Self {
            server: server.to_owned(),
            url: format!("{server}/{name}"),
            name,
            admin_url,
        };
        // One statement each: CREATE DATABASE refuses to run in the
        // transaction a batch of statements makes.
        let admin = &mut this.admin();
        for statement in [
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", this.name),
            format!("CREATE DATABASE {}", this.name),
        ] {
            admin.batch_execute(&statement).unwrap();
        }
        Some(this)
    }

    /// [`create`](Self::create), then every migration.
    pub fn migrated(label: &str) -> Option<Self> {
        let this = Self::create(label)?;
        crate::run_migrations(&this.url).unwrap();
        Some(this)
    }

    /// A connection to the server's admin database, for what a test does
    /// outside its own (roles, `ALTER DATABASE`).
    pub fn admin(&self) -> PgConnection {
        PgConnection::establish(&self.admin_url).unwrap()
    }

    /// The host (and port) of the server, for a URL of another role.
    pub fn host(&self) -> &str {
        self.server.rsplit_once('@').map_or_else(
            || self.server.split_once("://").map_or("", |(_, host)| host),
            |(_, host)| host,
        )
    }

    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(&self.url).unwrap()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
