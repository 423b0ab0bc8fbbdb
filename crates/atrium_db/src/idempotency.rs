//! Stored answers of requests sent with an `Idempotency-Key` (platform table).

use diesel::prelude::*;

use crate::error::DbResult;
use crate::models::IdempotencyRow;
use crate::now;
use crate::schema::idempotency_keys;
use crate::tenancy::PlatformTx;

pub fn find(
    tx: &mut PlatformTx<'_>,
    operator_id: i64,
    key: &str,
) -> DbResult<Option<IdempotencyRow>> {
    Ok(idempotency_keys::table
        .filter(idempotency_keys::operator_id.eq(operator_id))
        .filter(idempotency_keys::key.eq(key))
        .select(IdempotencyRow::as_select())
        .first(tx.conn)
        .optional()?)
}

pub fn insert(
    tx: &mut PlatformTx<'_>,
    operator_id: i64,
    key: &str,
    stored: &IdempotencyRow,
) -> DbResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::operator_id.eq(operator_id),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(&stored.request_hash),
            idempotency_keys::status_code.eq(stored.status_code),
            idempotency_keys::response_body.eq(&stored.response_body),
            idempotency_keys::created_at.eq(now()),
        ))
        .execute(tx.conn)?;
    Ok(())
}
