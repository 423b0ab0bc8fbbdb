//! Token signing keys (platform table), shared by every replica. The
//! private half is stored sealed; sealing is the identity domain's business,
//! this module stores text.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbResult;
use crate::notifications::notify;
use crate::schema::signing_keys;
use crate::tenancy::PlatformTx;

/// A key was added, superseded or retired: replicas reload their keyring.
pub const CHANNEL: &str = "atrium_keys";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct SigningKeyRow {
    pub kid: String,
    pub algorithm: String,
    pub public_key: String,
    pub sealed_private_key: String,
    pub created_at: NaiveDateTime,
    pub superseded_at: Option<NaiveDateTime>,
    pub retired_at: Option<NaiveDateTime>,
}

/// Every key, oldest first.
pub fn list(tx: &mut PlatformTx<'_>) -> DbResult<Vec<SigningKeyRow>> {
    Ok(signing_keys::table
        .order((signing_keys::created_at, signing_keys::kid))
        .select(SigningKeyRow::as_select())
        .load(tx.conn)?)
}

/// Holds off every other writer of the table until this transaction ends,
/// so that "is there a key? if not, make one" and "supersede the signer,
/// add the next" happen once, whoever else tries at the same moment.
/// PostgreSQL: `EXCLUSIVE` lets readers in (running replicas keep
/// verifying) but no second locker or writer. SQLite: the write
/// transaction (`BEGIN IMMEDIATE`) holds the database's one write lock
/// already.
pub fn lock(tx: &mut PlatformTx<'_>) -> DbResult<()> {
    if let DbConnection::Postgres(pg) = tx.conn {
        pg.batch_execute("LOCK TABLE signing_keys IN EXCLUSIVE MODE")?;
    }
    Ok(())
}

pub fn insert(tx: &mut PlatformTx<'_>, row: &SigningKeyRow) -> DbResult<()> {
    diesel::insert_into(signing_keys::table)
        .values(row)
        .execute(tx.conn)?;
    notify(tx.conn, CHANNEL)
}

/// Marks every signing key (neither superseded nor retired) superseded at
/// `at`, except `keep`.
pub fn supersede_all_but(
    tx: &mut PlatformTx<'_>,
    keep: &str,
    at: NaiveDateTime,
) -> DbResult<usize> {
    let changed = diesel::update(
        signing_keys::table
            .filter(signing_keys::kid.ne(keep))
            .filter(signing_keys::superseded_at.is_null())
            .filter(signing_keys::retired_at.is_null()),
    )
    .set(signing_keys::superseded_at.eq(at))
    .execute(tx.conn)?;
    notify(tx.conn, CHANNEL)?;
    Ok(changed)
}

/// Marks `kid` retired at `at`; `NotFound` when there is no such key.
pub fn retire(tx: &mut PlatformTx<'_>, kid: &str, at: NaiveDateTime) -> DbResult<()> {
    let changed = diesel::update(signing_keys::table.find(kid))
        .set(signing_keys::retired_at.eq(at))
        .execute(tx.conn)?;
    if changed == 0 {
        return Err(crate::DbError::NotFound);
    }
    notify(tx.conn, CHANNEL)
}
