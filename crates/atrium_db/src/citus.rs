//! Whether the PostgreSQL server is a Citus coordinator, and whether the
//! tenant reaches its workers.
//!
//! Row-level security reads the tenant from `atrium.tenant_id`, which a
//! unit of work sets with `SET LOCAL`. Citus passes a `SET LOCAL` on to
//! the workers that run a distributed statement only when the coordinator
//! has `citus.propagate_set_commands = 'local'` (its default is `'none'`,
//! and `'none'` and `'local'` are the only values it takes); without it
//! every write on a worker fails its policy and every read there finds
//! nothing, with no error to say why. A session-level `SET` never reaches
//! the workers, whatever the setting, so on Citus reads must run in
//! transactions too ([`crate::DbOptions::reads_in_transactions`]).
//!
//! [`crate::Db::citus`] asks the server in one statement; [`CitusFound`]
//! judges the answer without a database, so that the start-up check and
//! readiness can be tested with answers no test server gives.

use diesel::sql_types::{Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::connection::{Db, DbConnection};
use crate::error::{DbError, DbResult};

/// The setting Citus needs, as operators write it.
pub const PROPAGATE_SET_COMMANDS: &str = "citus.propagate_set_commands";

/// What the server said of Citus (nothing on SQLite).
#[derive(Debug, Clone, Default, PartialEq, Eq, QueryableByName)]
pub struct CitusFound {
    /// The citus extension's version in this database (`pg_extension`);
    /// `None` without it.
    #[diesel(sql_type = Nullable<Text>)]
    pub version: Option<String>,
    /// `citus.propagate_set_commands` as this connection sees it; `None`
    /// when the server does not know the setting.
    #[diesel(sql_type = Nullable<Text>)]
    pub propagate_set_commands: Option<String>,
    /// The database's name, for the message that says where to change it.
    #[diesel(sql_type = Text)]
    pub database: String,
}

/// The verdict on a [`CitusFound`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CitusCheck {
    /// Plain PostgreSQL (or SQLite): nothing to check.
    Absent,
    /// Citus, and the tenant reaches its workers.
    Ready { version: String },
    /// Citus, and the tenant would not reach its workers: what is wrong
    /// and what to change, for an operator.
    Misconfigured(String),
}

impl CitusFound {
    /// Judges what was found, for a server whose reads run in transactions
    /// or not (`reads_in_transactions`). Only `'local'` will do: it is the
    /// one value of the setting that passes `SET LOCAL` on.
    pub fn check(&self, reads_in_transactions: bool) -> CitusCheck {
        let Some(version) = &self.version else {
            return CitusCheck::Absent;
        };
        let setting = self.propagate_set_commands.as_deref().unwrap_or_default();
        if setting != "local" {
            let found = if setting.is_empty() {
                "not set".to_owned()
            } else {
                format!("'{setting}'")
            };
            return CitusCheck::Misconfigured(format!(
                "Citus {version} is installed but {PROPAGATE_SET_COMMANDS} is {found}, so the \
                 tenant (SET LOCAL atrium.tenant_id) never reaches the workers: row-level \
                 security would refuse every write there and hide every row. On the \
                 coordinator, set {PROPAGATE_SET_COMMANDS} = 'local' in postgresql.conf and run \
                 SELECT pg_reload_conf(), or run ALTER DATABASE {} SET \
                 {PROPAGATE_SET_COMMANDS} = 'local' (new connections take it; a value set with ALTER \
                 DATABASE or ALTER ROLE wins over postgresql.conf)",
                quote_ident(&self.database)
            ));
        }
        if !reads_in_transactions {
            return CitusCheck::Misconfigured(format!(
                "Citus {version} is installed but this server reads outside transactions, on \
                 a session-level SET that Citus never passes to its workers (Citus came after \
                 the server started): restart atrium, which runs reads in transactions when it \
                 finds Citus"
            ));
        }
        CitusCheck::Ready {
            version: version.clone(),
        }
    }

    /// Whether a server starting with this answer must run its reads in
    /// transactions: on Citus always, since a session's `SET` never reaches
    /// the workers, whatever `configured` (`database_reads_in_transactions`)
    /// says; elsewhere as configured. `Err` with the message of
    /// [`CitusCheck::Misconfigured`] when the server must not start.
    pub fn reads_in_transactions(&self, configured: bool) -> Result<bool, String> {
        // The answer is for a server about to run reads in transactions on
        // Citus: only the setting is judged.
        match self.check(true) {
            CitusCheck::Absent => Ok(configured),
            CitusCheck::Ready { .. } => Ok(true),
            CitusCheck::Misconfigured(message) => Err(message),
        }
    }
}

/// `name` as an SQL identifier an operator can paste.
fn quote_ident(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// The one statement: also what readiness asks, so it proves the database
/// answers as `SELECT 1` did. A setting changed with `ALTER DATABASE` shows
/// on the connections opened after it, as it takes effect. Catalog names
/// are qualified, so that nothing on the `search_path` can stand in for
/// them.
const PROBE: &str = "SELECT (SELECT extversion::text FROM pg_catalog.pg_extension \
                             WHERE extname = 'citus') AS version, \
                            pg_catalog.current_setting('citus.propagate_set_commands', true) \
                            AS propagate_set_commands, \
                            pg_catalog.current_database()::text AS database";

impl Db {
    /// Asks the server whether it is a Citus coordinator and how it passes
    /// settings on, in one statement through the pool. SQLite: nothing
    /// found, and nothing asked.
    pub async fn citus(&self) -> DbResult<CitusFound> {
        self.run(|session| match &mut session.conn {
            DbConnection::Postgres(pg) => diesel::sql_query(PROBE)
                .get_result::<CitusFound>(pg)
                .map_err(DbError::from),
            DbConnection::Sqlite(_) => Ok(CitusFound::default()),
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(version: Option<&str>, setting: Option<&str>) -> CitusFound {
        CitusFound {
            version: version.map(str::to_owned),
            propagate_set_commands: setting.map(str::to_owned),
            database: "atrium".into(),
        }
    }

    fn message(check: CitusCheck) -> String {
        match check {
            CitusCheck::Misconfigured(message) => message,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn without_citus_there_is_nothing_to_check() {
        // The setting can exist without Citus (a placeholder set by hand).
        for setting in [None, Some("none"), Some("local")] {
            let plain = found(None, setting);
            assert_eq!(plain.check(false), CitusCheck::Absent);
            assert_eq!(plain.reads_in_transactions(false), Ok(false));
            assert_eq!(plain.reads_in_transactions(true), Ok(true));
        }
    }

    #[test]
    fn citus_with_local_is_ready_and_reads_run_in_transactions() {
        let citus = found(Some("12.1-1"), Some("local"));
        assert_eq!(
            citus.check(true),
            CitusCheck::Ready {
                version: "12.1-1".into()
            }
        );
        // Whatever the setting says: a session's SET never reaches a worker.
        assert_eq!(citus.reads_in_transactions(false), Ok(true));
        assert_eq!(citus.reads_in_transactions(true), Ok(true));
    }

    #[test]
    fn citus_without_local_names_the_setting_the_value_and_where() {
        for (setting, shown) in [
            (Some("none"), "is 'none'"),
            (None, "is not set"),
            (Some(""), "is not set"),
            (Some("all"), "is 'all'"),
        ] {
            let citus = found(Some("12.1-1"), setting);
            let refused = message(citus.check(true));
            for needed in [
                "Citus 12.1-1",
                &format!("citus.propagate_set_commands {shown}"),
                "citus.propagate_set_commands = 'local' in postgresql.conf",
                "SELECT pg_reload_conf()",
                "ALTER DATABASE atrium SET citus.propagate_set_commands = 'local'",
            ] {
                assert!(refused.contains(needed), "{needed:?} not in {refused}");
            }
            assert_eq!(citus.reads_in_transactions(true), Err(refused));
        }
    }

    #[test]
    fn citus_found_by_a_server_reading_outside_transactions_asks_for_a_restart() {
        let refused = message(found(Some("12.1-1"), Some("local")).check(false));
        assert!(refused.contains("restart atrium"), "{refused}");
    }

    #[test]
    fn the_database_is_quoted_when_it_must_be() {
        assert_eq!(quote_ident("atrium_prod2"), "atrium_prod2");
        assert_eq!(quote_ident("Atrium"), "\"Atrium\"");
        assert_eq!(quote_ident("my-db"), "\"my-db\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }

    /// PostgreSQL only: needs `ATRIUM_TEST_DATABASE_URL`. Plain PostgreSQL
    /// has no citus extension, but takes the setting as a placeholder: the
    /// probe reads what a new connection really has.
    #[test]
    fn the_probe_reads_the_extension_and_the_real_setting() {
        use diesel::connection::SimpleConnection;

        let Some(database) = crate::test_database::TestDatabase::create("citus_probe") else {
            return;
        };
        let (url, name) = (&database.url, &database.name);
        let options = crate::DbOptions {
            pool_size: 1,
            ..crate::DbOptions::default()
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let plain = rt
            .block_on(Db::connect(url, &options).unwrap().citus())
            .unwrap();
        assert_eq!(plain, found_in(name, None));
        assert_eq!(plain.check(false), CitusCheck::Absent);
        database
            .admin()
            .batch_execute(&format!(
                "ALTER DATABASE {name} SET citus.propagate_set_commands = 'none'"
            ))
            .unwrap();
        let altered = rt
            .block_on(Db::connect(url, &options).unwrap().citus())
            .unwrap();
        assert_eq!(altered, found_in(name, Some("none")));
    }

    fn found_in(database: &str, setting: Option<&str>) -> CitusFound {
        CitusFound {
            database: database.to_owned(),
            ..found(None, setting)
        }
    }
}
