//! Platform operators (platform table).

use chrono::NaiveDateTime;
use diesel::prelude::*;

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
