//! Single-use account tokens sent by mail (password resets, email
//! verifications), stored only as SHA-256 hashes: the database never holds
//! what the link carries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::DbResult;
use crate::now;
use crate::schema::account_tokens;
use crate::tenancy::TenantTx;

pub const PASSWORD_RESET: &str = "password_reset";
pub const EMAIL_VERIFICATION: &str = "email_verification";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = account_tokens)]
pub struct AccountTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub purpose: String,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn insert(
    tx: &mut TenantTx<'_>,
    user_id: i64,
    purpose: &str,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> DbResult<i64> {
    Ok(diesel::insert_into(account_tokens::table)
        .values((
            account_tokens::tenant_id.eq(tx.tenant()),
            account_tokens::user_id.eq(user_id),
            account_tokens::purpose.eq(purpose),
            account_tokens::token_hash.eq(token_hash),
            account_tokens::expires_at.eq(expires_at),
            account_tokens::created_at.eq(now()),
        ))
        .returning(account_tokens::id)
        .get_result(tx.conn)?)
}

/// The token of `purpose` with this hash that is unused and unexpired.
pub fn find_usable(
    tx: &mut TenantTx<'_>,
    purpose: &str,
    token_hash: &str,
) -> DbResult<Option<AccountTokenRow>> {
    Ok(account_tokens::table
        .filter(account_tokens::tenant_id.eq(tx.tenant()))
        .filter(account_tokens::token_hash.eq(token_hash))
        .filter(account_tokens::purpose.eq(purpose))
        .filter(account_tokens::used_at.is_null())
        .filter(account_tokens::expires_at.gt(now()))
        .select(AccountTokenRow::as_select())
        .first(tx.conn)
        .optional()?)
}

/// Spends a usable token, and with it every other live token of its user
/// for the same purpose (an older link must not outlive a newer one's
/// use). The `UPDATE` itself checks that the token is still unused and
/// unexpired, so of two requests racing with one token only one succeeds.
/// The user it belongs to, or `None`.
pub fn spend(tx: &mut TenantTx<'_>, purpose: &str, token_hash: &str) -> DbResult<Option<i64>> {
    let at = now();
    let user_id: Option<i64> = diesel::update(
        account_tokens::table
            .filter(account_tokens::tenant_id.eq(tx.tenant()))
            .filter(account_tokens::token_hash.eq(token_hash))
            .filter(account_tokens::purpose.eq(purpose))
            .filter(account_tokens::used_at.is_null())
            .filter(account_tokens::expires_at.gt(at)),
    )
    .set(account_tokens::used_at.eq(at))
    .returning(account_tokens::user_id)
    .get_result(tx.conn)
    .optional()?;
    if let Some(user_id) = user_id {
        diesel::update(
            account_tokens::table
                .filter(account_tokens::tenant_id.eq(tx.tenant()))
                .filter(account_tokens::user_id.eq(user_id))
                .filter(account_tokens::purpose.eq(purpose))
                .filter(account_tokens::used_at.is_null()),
        )
        .set(account_tokens::used_at.eq(at))
        .execute(tx.conn)?;
    }
    Ok(user_id)
}

/// Tokens of `purpose` issued to a user since `since` (to space out mails).
pub fn count_since(
    tx: &mut TenantTx<'_>,
    user_id: i64,
    purpose: &str,
    since: NaiveDateTime,
) -> DbResult<i64> {
    Ok(account_tokens::table
        .filter(account_tokens::tenant_id.eq(tx.tenant()))
        .filter(account_tokens::user_id.eq(user_id))
        .filter(account_tokens::purpose.eq(purpose))
        .filter(account_tokens::created_at.gt(since))
        .count()
        .get_result(tx.conn)?)
}

/// Spends every live token of an account, whatever its purpose (its email
/// changed: links mailed to the old address must not work).
pub fn spend_all_of(tx: &mut TenantTx<'_>, user_id: i64) -> DbResult<usize> {
    Ok(diesel::update(
        account_tokens::table
            .filter(account_tokens::tenant_id.eq(tx.tenant()))
            .filter(account_tokens::user_id.eq(user_id))
            .filter(account_tokens::used_at.is_null()),
    )
    .set(account_tokens::used_at.eq(now()))
    .execute(tx.conn)?)
}
