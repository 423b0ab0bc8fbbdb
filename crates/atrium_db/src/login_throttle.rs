//! Counters of password attempts, shared by every replica on PostgreSQL:
//! one row per key (a login name within a realm, or a client address), a
//! fixed window and the attempts counted in it. SQLite has one process,
//! which counts in memory instead (`atrium_identity`'s throttle), so these
//! functions are PostgreSQL's alone; the table exists on both backends only
//! so that their schemas stay equal.
//!
//! Each function is one statement (one round trip, no transaction), and
//! atomic: two replicas counting the same key at once both count.

use diesel::sql_types::{Array, BigInt, Double, Integer, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::connection::{Db, DbConnection};
use crate::error::{DbError, DbResult};
use crate::tenancy::Access;

/// A counter: `realm` is `platform`, `tenant:<id>`, or `*` for keys that
/// span realms (client addresses); `subject` names what is counted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThrottleKey {
    pub realm: String,
    pub subject: String,
}

/// A counter after an attempt was added to it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Counted {
    #[diesel(sql_type = Text)]
    pub realm: String,
    #[diesel(sql_type = Text)]
    pub subject: String,
    /// Attempts in the current window, this one included.
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    /// Seconds until the current window closes (at least 1).
    #[diesel(sql_type = BigInt)]
    pub retry_after_secs: i64,
}

fn columns(keys: Vec<ThrottleKey>) -> (Vec<String>, Vec<String>) {
    let mut keys = keys;
    // One order for every statement, so that two of them never wait on
    // each other's rows the other way round.
    keys.sort();
    keys.dedup();
    keys.into_iter().map(|k| (k.realm, k.subject)).unzip()
}

fn postgres_only() -> DbError {
    DbError::Config("login throttle counters are kept in the database on PostgreSQL only".into())
}

/// Adds one attempt to each key, opening a new window for a key whose
/// window (`window_secs` long, by the database's clock) has closed.
pub async fn count(db: &Db, keys: Vec<ThrottleKey>, window_secs: u64) -> DbResult<Vec<Counted>> {
    let (realms, subjects) = columns(keys);
    db.in_realm(None, Access::Write, move |conn| match conn {
        DbConnection::Postgres(pg) => Ok(diesel::sql_query(
            "INSERT INTO login_throttle AS t (realm, subject, window_start, attempts) \
             SELECT k.realm, k.subject, now() AT TIME ZONE 'UTC', 1 \
             FROM unnest($1::text[], $2::text[]) AS k (realm, subject) \
             ON CONFLICT (realm, subject) DO UPDATE SET \
               attempts = CASE WHEN t.window_start <= EXCLUDED.window_start - make_interval(secs => $3) \
                          THEN 1 ELSE t.attempts + 1 END, \
               window_start = CASE WHEN t.window_start <= EXCLUDED.window_start - make_interval(secs => $3) \
                              THEN EXCLUDED.window_start ELSE t.window_start END \
             RETURNING t.realm, t.subject, t.attempts, \
               GREATEST(1, CEIL(EXTRACT(EPOCH FROM t.window_start + make_interval(secs => $3) \
                                                   - (now() AT TIME ZONE 'UTC'))))::BIGINT AS retry_after_secs",
        )
        .bind::<Array<Text>, _>(realms)
        .bind::<Array<Text>, _>(subjects)
        .bind::<Double, _>(window_secs as f64)
        .load::<Counted>(pg)?),
        DbConnection::Sqlite(_) => Err(postgres_only()),
    })
    .await
}

/// After a successful login: the `forget` keys start again from nothing,
/// and the `relieve` keys no longer count this attempt.
pub async fn succeeded(
    db: &Db,
    forget: Vec<ThrottleKey>,
    relieve: Vec<ThrottleKey>,
) -> DbResult<()> {
    let (forget_realms, forget_subjects) = columns(forget);
    let (relieve_realms, relieve_subjects) = columns(relieve);
    db.in_realm(None, Access::Write, move |conn| match conn {
        DbConnection::Postgres(pg) => {
            diesel::sql_query(
                "WITH forgotten AS ( \
                   DELETE FROM login_throttle t \
                   USING unnest($1::text[], $2::text[]) AS k (realm, subject) \
                   WHERE t.realm = k.realm AND t.subject = k.subject) \
                 UPDATE login_throttle t SET attempts = t.attempts - 1 \
                 FROM unnest($3::text[], $4::text[]) AS k (realm, subject) \
                 WHERE t.realm = k.realm AND t.subject = k.subject AND t.attempts > 0",
            )
            .bind::<Array<Text>, _>(forget_realms)
            .bind::<Array<Text>, _>(forget_subjects)
            .bind::<Array<Text>, _>(relieve_realms)
            .bind::<Array<Text>, _>(relieve_subjects)
            .execute(pg)?;
            Ok(())
        }
        DbConnection::Sqlite(_) => Err(postgres_only()),
    })
    .await
}

/// Deletes the counters whose window closed (they count as zero anyway).
pub async fn purge(db: &Db, window_secs: u64) -> DbResult<usize> {
    db.in_realm(None, Access::Write, move |conn| match conn {
        DbConnection::Postgres(pg) => Ok(diesel::sql_query(
            "DELETE FROM login_throttle \
             WHERE window_start <= (now() AT TIME ZONE 'UTC') - make_interval(secs => $1)",
        )
        .bind::<Double, _>(window_secs as f64)
        .execute(pg)?),
        DbConnection::Sqlite(_) => Err(postgres_only()),
    })
    .await
}
