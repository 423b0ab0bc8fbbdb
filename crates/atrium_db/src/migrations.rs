//! Migrations, one folder per backend, embedded in the binary.

use diesel::backend::Backend as DieselBackend;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::connection::{connect_target, Backend};
use crate::error::{DbError, DbResult};

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

#[derive(Clone, Copy)]
enum Direction {
    Up,
    DownAll,
}

/// Applies every pending migration; returns how many ran. On PostgreSQL the
/// URL must be the owner's (see README: the service's own role owns nothing).
pub fn run_migrations(url: &str) -> DbResult<usize> {
    migrate(url, Direction::Up)
}

/// Reverts every migration (used by CI to prove the down migrations work).
pub fn revert_all(url: &str) -> DbResult<usize> {
    migrate(url, Direction::DownAll)
}

fn migrate(url: &str, direction: Direction) -> DbResult<usize> {
    let scrubber = atrium_core::Scrubber::for_url(url);
    let unavailable =
        |e: diesel::ConnectionError| DbError::Unavailable(scrubber.scrub(&e.to_string()));
    match Backend::from_url(url)? {
        Backend::Postgres => apply(
            &mut PgConnection::establish(url).map_err(unavailable)?,
            POSTGRES,
            direction,
        ),
        Backend::Sqlite => {
            let conn =
                &mut SqliteConnection::establish(connect_target(url)).map_err(unavailable)?;
            conn.batch_execute("PRAGMA foreign_keys = ON")?;
            apply(conn, SQLITE, direction)
        }
    }
}

fn apply<DB: DieselBackend>(
    conn: &mut impl MigrationHarness<DB>,
    migrations: EmbeddedMigrations,
    direction: Direction,
) -> DbResult<usize> {
    let done = match direction {
        Direction::Up => conn.run_pending_migrations(migrations),
        Direction::DownAll => conn.revert_all_migrations(migrations),
    };
    done.map(|versions| versions.len())
        .map_err(|e| DbError::Migration(e.to_string()))
}
