//! Platform operators (platform table).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbResult;
use crate::now;
use crate::schema::operators;
use crate::tenancy::PlatformTx;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = operators)]
pub struct OperatorRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub is_active: bool,
}

pub fn insert(tx: &mut PlatformTx<'_>, email: &str, password_hash: &str) -> DbResult<OperatorRow> {
    let created_at = now();
    let id = diesel::insert_into(operators::table)
        .values((
            operators::email.eq(email),
            operators::password_hash.eq(password_hash),
            operators::created_at.eq(created_at),
        ))
        .returning(operators::id)
        .get_result(tx.conn)?;
    Ok(OperatorRow {
        id,
        email: email.to_owned(),
        password_hash: password_hash.to_owned(),
        created_at,
        is_active: true,
    })
}

pub fn find_by_email(tx: &mut PlatformTx<'_>, email: &str) -> DbResult<Option<OperatorRow>> {
    Ok(operators::table
        .filter(operators::email.eq(email))
        .select(OperatorRow::as_select())
        .first(tx.conn)
        .optional()?)
}

pub fn find(tx: &mut PlatformTx<'_>, id: i64) -> DbResult<Option<OperatorRow>> {
    Ok(operators::table
        .find(id)
        .select(OperatorRow::as_select())
        .first(tx.conn)
        .optional()?)
}

/// A page of operators by id, after `after`.
pub fn list(tx: &mut PlatformTx<'_>, after: Option<i64>, limit: i64) -> DbResult<Vec<OperatorRow>> {
    Ok(operators::table
        .filter(operators::id.gt(after.unwrap_or(0)))
        .order(operators::id)
        .limit(limit)
        .select(OperatorRow::as_select())
        .load(tx.conn)?)
}

/// The active operators other than `except`, counted with every active
/// operator locked until this transaction ends (`except` included, in id
/// order, so that two transactions lock in the same order and cannot
/// deadlock). Two transactions that each disable one of the last two
/// operators cannot both see the other one still active: on PostgreSQL the
/// second waits on the row lock and then reads the rows again (`FOR UPDATE`
/// re-checks the filter); on SQLite writers are serialized already
/// (`BEGIN IMMEDIATE`).
pub fn other_active_locked(tx: &mut PlatformTx<'_>, except: i64) -> DbResult<i64> {
    let query = operators::table
        .filter(operators::is_active.eq(true))
        .order(operators::id)
        .select(operators::id);
    let ids: Vec<i64> = match tx.conn {
        DbConnection::Postgres(pg) => query.for_update().load(pg)?,
        DbConnection::Sqlite(sqlite) => query.load(sqlite)?,
    };
    Ok(ids.iter().filter(|id| **id != except).count() as i64)
}

/// Sets `is_active`; `NotFound` for an unknown id.
pub fn set_active(tx: &mut PlatformTx<'_>, id: i64, active: bool) -> DbResult<OperatorRow> {
    let changed = diesel::update(operators::table.find(id))
        .set(operators::is_active.eq(active))
        .execute(tx.conn)?;
    if changed == 0 {
        return Err(crate::DbError::NotFound);
    }
    find(tx, id)?.ok_or(crate::DbError::NotFound)
}

/// Deletes an operator; `NotFound` for an unknown id.
pub fn delete(tx: &mut PlatformTx<'_>, id: i64) -> DbResult<()> {
    match diesel::delete(operators::table.find(id)).execute(tx.conn)? {
        0 => Err(crate::DbError::NotFound),
        _ => Ok(()),
    }
}

/// Replaces an operator's password hash; `NotFound` for an unknown id.
pub fn set_password_hash(tx: &mut PlatformTx<'_>, id: i64, password_hash: &str) -> DbResult<()> {
    let changed = diesel::update(operators::table.find(id))
        .set(operators::password_hash.eq(password_hash))
        .execute(tx.conn)?;
    if changed == 0 {
        return Err(crate::DbError::NotFound);
    }
    Ok(())
}
