//! Refresh tokens (OAuth 2.0 Security BCP, rotation with reuse detection):
//! a tenant's users' in `refresh_tokens`, the platform operators' in
//! `operator_refresh_tokens` ([`operators`]). Only SHA-256 hashes are
//! stored. Each token belongs to a family (one login); a rotation spends
//! one token and adds the next to its family.
//!
//! Spending is one conditional `UPDATE … WHERE spent_at IS NULL`: of two
//! transactions spending the same token at once, PostgreSQL lets the
//! second re-check the row after the first commits and it matches nothing;
//! SQLite's write transactions run one at a time. The caller learns which
//! one won from the affected row count, never from a read before it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::DbResult;
use crate::now;
use crate::schema::refresh_tokens;
use crate::tenancy::TenantTx;

/// A stored refresh token; `owner` is the user (or, in [`operators`], the
/// operator) it was issued to.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct RefreshTokenRow {
    pub id: i64,
    pub owner: i64,
    pub family: String,
    pub expires_at: NaiveDateTime,
    pub spent_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// A token to store: its owner, family, hash and expiry.
#[derive(Debug, Clone)]
pub struct NewRefreshToken<'a> {
    pub owner: i64,
    pub family: &'a str,
    pub token_hash: &'a str,
    pub expires_at: NaiveDateTime,
}

pub fn insert(tx: &mut TenantTx<'_>, new: NewRefreshToken<'_>) -> DbResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::tenant_id.eq(tx.tenant()),
            refresh_tokens::user_id.eq(new.owner),
            refresh_tokens::family.eq(new.family),
            refresh_tokens::token_hash.eq(new.token_hash),
            refresh_tokens::expires_at.eq(new.expires_at),
            refresh_tokens::created_at.eq(now()),
        ))
        .execute(tx.conn)?;
    Ok(())
}

pub fn find_by_hash(tx: &mut TenantTx<'_>, token_hash: &str) -> DbResult<Option<RefreshTokenRow>> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::tenant_id.eq(tx.tenant()))
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((
            refresh_tokens::id,
            refresh_tokens::user_id,
            refresh_tokens::family,
            refresh_tokens::expires_at,
            refresh_tokens::spent_at,
            refresh_tokens::revoked_at,
        ))
        .first(tx.conn)
        .optional()?)
}

/// Marks a live (unspent, unrevoked) token spent; false when it was not
/// live any more, e.g. because a concurrent rotation spent it first.
pub fn spend(tx: &mut TenantTx<'_>, id: i64) -> DbResult<bool> {
    let changed = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::tenant_id.eq(tx.tenant()))
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::spent_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::spent_at.eq(now()))
    .execute(tx.conn)?;
    Ok(changed == 1)
}

/// Revokes every token of a family not revoked yet; how many it revoked.
pub fn revoke_family(tx: &mut TenantTx<'_>, family: &str) -> DbResult<usize> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::tenant_id.eq(tx.tenant()))
            .filter(refresh_tokens::family.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(tx.conn)?)
}

/// Revokes every token of one user (a password reset, a deactivation).
pub fn revoke_user(tx: &mut TenantTx<'_>, user_id: i64) -> DbResult<usize> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::tenant_id.eq(tx.tenant()))
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(tx.conn)?)
}

/// The platform operators' refresh tokens: the same functions on the
/// platform table.
pub mod operators {
    use diesel::prelude::*;

    use super::{NewRefreshToken, RefreshTokenRow};
    use crate::error::DbResult;
    use crate::now;
    use crate::schema::operator_refresh_tokens as tokens;
    use crate::tenancy::PlatformTx;

    pub fn insert(tx: &mut PlatformTx<'_>, new: NewRefreshToken<'_>) -> DbResult<()> {
        diesel::insert_into(tokens::table)
            .values((
                tokens::operator_id.eq(new.owner),
                tokens::family.eq(new.family),
                tokens::token_hash.eq(new.token_hash),
                tokens::expires_at.eq(new.expires_at),
                tokens::created_at.eq(now()),
            ))
            .execute(tx.conn)?;
        Ok(())
    }

    pub fn find_by_hash(
        tx: &mut PlatformTx<'_>,
        token_hash: &str,
    ) -> DbResult<Option<RefreshTokenRow>> {
        Ok(tokens::table
            .filter(tokens::token_hash.eq(token_hash))
            .select((
                tokens::id,
                tokens::operator_id,
                tokens::family,
                tokens::expires_at,
                tokens::spent_at,
                tokens::revoked_at,
            ))
            .first(tx.conn)
            .optional()?)
    }

    /// As [`super::spend`].
    pub fn spend(tx: &mut PlatformTx<'_>, id: i64) -> DbResult<bool> {
        let changed = diesel::update(
            tokens::table
                .filter(tokens::id.eq(id))
                .filter(tokens::spent_at.is_null())
                .filter(tokens::revoked_at.is_null()),
        )
        .set(tokens::spent_at.eq(now()))
        .execute(tx.conn)?;
        Ok(changed == 1)
    }

    pub fn revoke_family(tx: &mut PlatformTx<'_>, family: &str) -> DbResult<usize> {
        Ok(diesel::update(
            tokens::table
                .filter(tokens::family.eq(family))
                .filter(tokens::revoked_at.is_null()),
        )
        .set(tokens::revoked_at.eq(now()))
        .execute(tx.conn)?)
    }

    /// Revokes every token of one operator (disabling it).
    pub fn revoke_operator(tx: &mut PlatformTx<'_>, operator_id: i64) -> DbResult<usize> {
        Ok(diesel::update(
            tokens::table
                .filter(tokens::operator_id.eq(operator_id))
                .filter(tokens::revoked_at.is_null()),
        )
        .set(tokens::revoked_at.eq(now()))
        .execute(tx.conn)?)
    }
}
