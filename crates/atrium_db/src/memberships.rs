//! Memberships: which users belong to which organizations of a tenant
//! (Tahoe's user ↔ organization mapping).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::{DbError, DbResult};
use crate::now;
use crate::schema::{organization_members, organizations};
use crate::tenancy::TenantTx;

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = organization_members)]
pub struct MembershipRow {
    pub organization_id: i64,
    pub user_id: i64,
    pub is_active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find(
    tx: &mut TenantTx<'_>,
    organization_id: i64,
    user_id: i64,
) -> DbResult<Option<MembershipRow>> {
    Ok(organization_members::table
        .filter(organization_members::tenant_id.eq(tx.tenant()))
        .filter(organization_members::organization_id.eq(organization_id))
        .filter(organization_members::user_id.eq(user_id))
        .select(MembershipRow::as_select())
        .first(tx.conn)
        .optional()?)
}

/// Adds `user_id` to the organization; `None` when it is a member
/// already (a concurrent add may have committed since the caller looked).
/// The insert runs in a savepoint: PostgreSQL aborts the whole transaction
/// on a unique violation otherwise.
pub fn insert_unless_member(
    tx: &mut TenantTx<'_>,
    organization_id: i64,
    user_id: i64,
    is_active: bool,
) -> DbResult<Option<MembershipRow>> {
    let tenant = tx.tenant();
    let at = now();
    let inserted = tx.conn.transaction(|conn| {
        diesel::insert_into(organization_members::table)
            .values((
                organization_members::tenant_id.eq(tenant),
                organization_members::organization_id.eq(organization_id),
                organization_members::user_id.eq(user_id),
                organization_members::is_active.eq(is_active),
                organization_members::created_at.eq(at),
                organization_members::updated_at.eq(at),
            ))
            .execute(conn)
    });
    match inserted.map_err(DbError::from) {
        Ok(_) => Ok(Some(MembershipRow {
            organization_id,
            user_id,
            is_active,
            created_at: at,
            updated_at: at,
        })),
        Err(DbError::UniqueViolation { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

pub fn set_active(
    tx: &mut TenantTx<'_>,
    organization_id: i64,
    user_id: i64,
    is_active: bool,
) -> DbResult<MembershipRow> {
    diesel::update(
        organization_members::table
            .filter(organization_members::tenant_id.eq(tx.tenant()))
            .filter(organization_members::organization_id.eq(organization_id))
            .filter(organization_members::user_id.eq(user_id)),
    )
    .set((
        organization_members::is_active.eq(is_active),
        organization_members::updated_at.eq(now()),
    ))
    .execute(tx.conn)?;
    find(tx, organization_id, user_id)?.ok_or(crate::DbError::NotFound)
}

pub fn delete(tx: &mut TenantTx<'_>, organization_id: i64, user_id: i64) -> DbResult<usize> {
    Ok(diesel::delete(
        organization_members::table
            .filter(organization_members::tenant_id.eq(tx.tenant()))
            .filter(organization_members::organization_id.eq(organization_id))
            .filter(organization_members::user_id.eq(user_id)),
    )
    .execute(tx.conn)?)
}

/// A page of an organization's members in user id order.
pub fn of_organization(
    tx: &mut TenantTx<'_>,
    organization_id: i64,
    after: Option<i64>,
    limit: i64,
) -> DbResult<Vec<MembershipRow>> {
    Ok(organization_members::table
        .filter(organization_members::tenant_id.eq(tx.tenant()))
        .filter(organization_members::organization_id.eq(organization_id))
        .filter(organization_members::user_id.gt(after.unwrap_or(0)))
        .order(organization_members::user_id)
        .limit(limit)
        .select(MembershipRow::as_select())
        .load(tx.conn)?)
}

/// The first `per_organization` memberships (in user id order) of each of
/// `organization_ids`, in one statement: a GraphQL loader's batch, bounded
/// however many members an organization has.
pub fn first_of_organizations(
    tx: &mut TenantTx<'_>,
    organization_ids: &[i64],
    per_organization: i64,
) -> DbResult<Vec<MembershipRow>> {
    use diesel::sql_types::{Array, BigInt, Text};
    // A window function has no place in diesel's DSL; the list of ids is an
    // array on PostgreSQL and a JSON array read by json_each on SQLite.
    const RANKED: &str =
        "SELECT organization_id, user_id, is_active, created_at, updated_at FROM ( \
           SELECT organization_id, user_id, is_active, created_at, updated_at, \
                  ROW_NUMBER() OVER (PARTITION BY organization_id ORDER BY user_id) AS n \
             FROM organization_members \
            WHERE tenant_id = $1 AND organization_id IN (IDS)) ranked \
         WHERE n <= $3 ORDER BY organization_id, user_id";
    let tenant = tx.tenant();
    Ok(match &mut *tx.conn {
        DbConnection::Postgres(pg) => diesel::sql_query(RANKED.replace("IDS", "SELECT unnest($2)"))
            .bind::<BigInt, _>(tenant)
            .bind::<Array<BigInt>, _>(organization_ids)
            .bind::<BigInt, _>(per_organization)
            .load(pg)?,
        DbConnection::Sqlite(sqlite) => {
            // Integers written as a JSON array: nothing to escape.
            let ids = organization_ids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let ids = format!("[{ids}]");
            // `$N` are named parameters to SQLite, numbered in order of
            // first appearance: here 1, 2, 3 as bound.
            diesel::sql_query(RANKED.replace("IDS", "SELECT value FROM json_each($2)"))
                .bind::<BigInt, _>(tenant)
                .bind::<Text, _>(ids)
                .bind::<BigInt, _>(per_organization)
                .load(sqlite)?
        }
    })
}

/// A page of a user's memberships, in organization id order.
pub fn of_user(
    tx: &mut TenantTx<'_>,
    user_id: i64,
    after: Option<i64>,
    limit: i64,
) -> DbResult<Vec<MembershipRow>> {
    Ok(organization_members::table
        .filter(organization_members::tenant_id.eq(tx.tenant()))
        .filter(organization_members::user_id.eq(user_id))
        .filter(organization_members::organization_id.gt(after.unwrap_or(0)))
        .order(organization_members::organization_id)
        .limit(limit)
        .select(MembershipRow::as_select())
        .load(tx.conn)?)
}

/// The ids of the active organizations in which `user_id` holds an active
/// membership.
pub fn active_organizations_of(tx: &mut TenantTx<'_>, user_id: i64) -> DbResult<Vec<i64>> {
    Ok(organization_members::table
        .inner_join(
            organizations::table.on(organizations::tenant_id
                .eq(organization_members::tenant_id)
                .and(organizations::id.eq(organization_members::organization_id))),
        )
        .filter(organization_members::tenant_id.eq(tx.tenant()))
        .filter(organization_members::user_id.eq(user_id))
        .filter(organization_members::is_active.eq(true))
        .filter(organizations::is_active.eq(true))
        .select(organizations::id)
        .load(tx.conn)?)
}

/// Whether the tenant has the account `user_id`: a membership names one
/// of the tenant's users, and another tenant's id is unknown here.
pub fn user_exists(tx: &mut TenantTx<'_>, user_id: i64) -> DbResult<bool> {
    use crate::schema::users;
    Ok(diesel::select(diesel::dsl::exists(
        users::table
            .filter(users::tenant_id.eq(tx.tenant()))
            .filter(users::id.eq(user_id)),
    ))
    .get_result(tx.conn)?)
}
