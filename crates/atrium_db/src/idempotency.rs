//! Requests sent with an `Idempotency-Key`: claimed before the write runs,
//! completed with its answer, replayed from it. Platform callers (operators)
//! and tenant callers keep their keys in separate tables, the latter scoped
//! and under row-level security like every tenant table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::Db;
use crate::error::{DbError, DbResult};
use crate::now;
use crate::schema::{idempotency_keys as platform_keys, tenant_idempotency_keys as tenant_keys};
use crate::tenancy::{Access, TenantScope};

/// A key as stored: the fingerprint of the request that claimed it, and its
/// answer once the write finished (`None` while it is in flight).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct StoredKey {
    pub request_hash: String,
    pub status_code: Option<i32>,
    pub response_body: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Who holds a key: the caller within its realm.
#[derive(Debug, Clone)]
pub struct KeyOwner {
    /// `None` on the platform host.
    pub scope: Option<TenantScope>,
    /// The caller, e.g. `operator:1` or `user:7`.
    pub caller: String,
    pub key: String,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's now: run the write, then `complete` or
    /// `release` it.
    Claimed,
    /// Another request holds or held the key.
    Taken(StoredKey),
}

const COLUMNS_PLATFORM: (
    platform_keys::request_hash,
    platform_keys::status_code,
    platform_keys::response_body,
    platform_keys::created_at,
) = (
    platform_keys::request_hash,
    platform_keys::status_code,
    platform_keys::response_body,
    platform_keys::created_at,
);

const COLUMNS_TENANT: (
    tenant_keys::request_hash,
    tenant_keys::status_code,
    tenant_keys::response_body,
    tenant_keys::created_at,
) = (
    tenant_keys::request_hash,
    tenant_keys::status_code,
    tenant_keys::response_body,
    tenant_keys::created_at,
);

/// Claims `owner`'s key for a request whose fingerprint is `request_hash`.
/// A stored key older than `expired_before` no longer counts and is replaced.
pub async fn claim(
    db: &Db,
    owner: KeyOwner,
    request_hash: String,
    expired_before: NaiveDateTime,
) -> DbResult<Claim> {
    let scope = owner.scope;
    let attempt = {
        let owner = owner.clone();
        let write = move |conn: &mut crate::connection::DbConnection| -> DbResult<Claim> {
            let KeyOwner { caller, key, .. } = &owner;
            match owner.scope {
                None => {
                    let this = platform_keys::table
                        .filter(platform_keys::caller.eq(caller))
                        .filter(platform_keys::key.eq(key));
                    diesel::delete(this.filter(platform_keys::created_at.lt(expired_before)))
                        .execute(conn)?;
                    if let Some(found) = this.select(COLUMNS_PLATFORM).first(conn).optional()? {
                        return Ok(Claim::Taken(found));
                    }
                    diesel::insert_into(platform_keys::table)
                        .values((
                            platform_keys::caller.eq(caller),
                            platform_keys::key.eq(key),
                            platform_keys::request_hash.eq(&request_hash),
                            platform_keys::created_at.eq(now()),
                        ))
                        .execute(conn)?;
                }
                Some(scope) => {
                    let tenant = scope.tenant_id().0;
                    let this = tenant_keys::table
                        .filter(tenant_keys::tenant_id.eq(tenant))
                        .filter(tenant_keys::caller.eq(caller))
                        .filter(tenant_keys::key.eq(key));
                    diesel::delete(this.filter(tenant_keys::created_at.lt(expired_before)))
                        .execute(conn)?;
                    if let Some(found) = this.select(COLUMNS_TENANT).first(conn).optional()? {
                        return Ok(Claim::Taken(found));
                    }
                    diesel::insert_into(tenant_keys::table)
                        .values((
                            tenant_keys::tenant_id.eq(tenant),
                            tenant_keys::caller.eq(caller),
                            tenant_keys::key.eq(key),
                            tenant_keys::request_hash.eq(&request_hash),
                            tenant_keys::created_at.eq(now()),
                        ))
                        .execute(conn)?;
                }
            }
            Ok(Claim::Claimed)
        };
        db.in_realm(scope, Access::Write, write).await
    };
    match attempt {
        // Two requests claimed the same key at once: the other one won.
        Err(DbError::UniqueViolation { .. }) => match find(db, owner).await? {
            Some(found) => Ok(Claim::Taken(found)),
            None => Err(DbError::UniqueViolation {
                constraint: "idempotency key released while claimed".into(),
            }),
        },
        other => other,
    }
}

async fn find(db: &Db, owner: KeyOwner) -> DbResult<Option<StoredKey>> {
    db.in_realm(owner.scope, Access::Read, move |conn| match owner.scope {
        None => Ok(platform_keys::table
            .filter(platform_keys::caller.eq(&owner.caller))
            .filter(platform_keys::key.eq(&owner.key))
            .select(COLUMNS_PLATFORM)
            .first(conn)
            .optional()?),
        Some(scope) => Ok(tenant_keys::table
            .filter(tenant_keys::tenant_id.eq(scope.tenant_id().0))
            .filter(tenant_keys::caller.eq(&owner.caller))
            .filter(tenant_keys::key.eq(&owner.key))
            .select(COLUMNS_TENANT)
            .first(conn)
            .optional()?),
    })
    .await
}

/// Stores the answer of the write that claimed the key.
pub async fn complete(db: &Db, owner: KeyOwner, status_code: i32, body: String) -> DbResult<()> {
    db.in_realm(owner.scope, Access::Write, move |conn| {
        match owner.scope {
            None => diesel::update(
                platform_keys::table
                    .filter(platform_keys::caller.eq(&owner.caller))
                    .filter(platform_keys::key.eq(&owner.key)),
            )
            .set((
                platform_keys::status_code.eq(status_code),
                platform_keys::response_body.eq(&body),
            ))
            .execute(conn)?,
            Some(scope) => diesel::update(
                tenant_keys::table
                    .filter(tenant_keys::tenant_id.eq(scope.tenant_id().0))
                    .filter(tenant_keys::caller.eq(&owner.caller))
                    .filter(tenant_keys::key.eq(&owner.key)),
            )
            .set((
                tenant_keys::status_code.eq(status_code),
                tenant_keys::response_body.eq(&body),
            ))
            .execute(conn)?,
        };
        Ok(())
    })
    .await
}

/// Gives the key up: the write failed, so the client may retry with it.
pub async fn release(db: &Db, owner: KeyOwner) -> DbResult<()> {
    db.in_realm(owner.scope, Access::Write, move |conn| {
        match owner.scope {
            None => diesel::delete(
                platform_keys::table
                    .filter(platform_keys::caller.eq(&owner.caller))
                    .filter(platform_keys::key.eq(&owner.key)),
            )
            .execute(conn)?,
            Some(scope) => diesel::delete(
                tenant_keys::table
                    .filter(tenant_keys::tenant_id.eq(scope.tenant_id().0))
                    .filter(tenant_keys::caller.eq(&owner.caller))
                    .filter(tenant_keys::key.eq(&owner.key)),
            )
            .execute(conn)?,
        };
        Ok(())
    })
    .await
}
