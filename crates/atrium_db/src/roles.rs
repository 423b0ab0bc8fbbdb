//! Role assignments: `(user, role, scope)` grants within a tenant.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::{DbError, DbResult};
use crate::now;
use crate::schema::{role_assignments, users};
use crate::tenancy::TenantTx;

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = role_assignments)]
pub struct RoleAssignmentRow {
    pub id: i64,
    pub user_id: i64,
    pub role: String,
    pub scope: String,
    pub created_at: NaiveDateTime,
    /// The organization the scope lies in (none for the tenant scope).
    pub organization_id: Option<i64>,
}

pub fn grant(
    tx: &mut TenantTx<'_>,
    user_id: i64,
    role: &str,
    scope: &str,
    organization_id: Option<i64>,
) -> DbResult<RoleAssignmentRow> {
    let tenant = tx.tenant();
    Ok(insert_grant(
        tx.conn,
        tenant,
        user_id,
        role,
        scope,
        organization_id,
    )?)
}

/// [`grant`], or `None` when the user already holds exactly this grant
/// (even one a concurrent transaction committed a moment ago). The insert
/// runs in a savepoint: PostgreSQL aborts the whole transaction on a
/// failed statement, and the caller's transaction must go on.
pub fn grant_unless_held(
    tx: &mut TenantTx<'_>,
    user_id: i64,
    role: &str,
    scope: &str,
    organization_id: Option<i64>,
) -> DbResult<Option<RoleAssignmentRow>> {
    let tenant = tx.tenant();
    let inserted = tx
        .conn
        .transaction(|conn| insert_grant(conn, tenant, user_id, role, scope, organization_id));
    match inserted.map_err(DbError::from) {
        Ok(row) => Ok(Some(row)),
        Err(DbError::UniqueViolation { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

fn insert_grant(
    conn: &mut DbConnection,
    tenant: i64,
    user_id: i64,
    role: &str,
    scope: &str,
    organization_id: Option<i64>,
) -> QueryResult<RoleAssignmentRow> {
    let created_at = now();
    let id = diesel::insert_into(role_assignments::table)
        .values((
            role_assignments::tenant_id.eq(tenant),
            role_assignments::user_id.eq(user_id),
            role_assignments::role.eq(role),
            role_assignments::scope.eq(scope),
            role_assignments::created_at.eq(created_at),
            role_assignments::organization_id.eq(organization_id),
        ))
        .returning(role_assignments::id)
        .get_result(conn)?;
    Ok(RoleAssignmentRow {
        id,
        user_id,
        role: role.to_owned(),
        scope: scope.to_owned(),
        created_at,
        organization_id,
    })
}

pub fn for_user(tx: &mut TenantTx<'_>, user_id: i64) -> DbResult<Vec<RoleAssignmentRow>> {
    Ok(role_assignments::table
        .filter(role_assignments::tenant_id.eq(tx.tenant()))
        .filter(role_assignments::user_id.eq(user_id))
        .order(role_assignments::id)
        .select(RoleAssignmentRow::as_select())
        .load(tx.conn)?)
}

/// Advisory-lock class of "who holds a tenant-wide role" (PostgreSQL): the
/// second key is the tenant.
const ROLE_HOLDERS_LOCK: i32 = 0x726f_6c65;

/// The active accounts holding `role` on `scope`, read under a lock that
/// every writer taking this path waits for until the others commit. A
/// check such as "is this the last active tenant admin?" made here and
/// the write that follows in the same transaction cannot interleave with
/// another such check and write: on SQLite a write transaction holds the
/// database's write lock from `BEGIN IMMEDIATE`; on PostgreSQL this takes a
/// transaction-level advisory lock per tenant first (row locks would not
/// do: a concurrent removal of a role assignment leaves the account row
/// untouched, and a statement's snapshot would still see the grant), and
/// the query after it, under READ COMMITTED, sees what the previous holder
/// committed.
pub fn active_holders_locked(tx: &mut TenantTx<'_>, role: &str, scope: &str) -> DbResult<Vec<i64>> {
    tx.lock_tenant(ROLE_HOLDERS_LOCK, false)?;
    let tenant = tx.tenant();
    let holders = role_assignments::table
        .filter(role_assignments::tenant_id.eq(tenant))
        .filter(role_assignments::role.eq(role))
        .filter(role_assignments::scope.eq(scope))
        .select(role_assignments::user_id);
    Ok(users::table
        .filter(users::tenant_id.eq(tenant))
        .filter(users::is_active.eq(true))
        .filter(users::id.eq_any(holders))
        .order(users::id)
        .select(users::id)
        .load(tx.conn)?)
}

/// The grant `id` of this tenant.
pub fn find(tx: &mut TenantTx<'_>, id: i64) -> DbResult<Option<RoleAssignmentRow>> {
    Ok(role_assignments::table
        .filter(role_assignments::tenant_id.eq(tx.tenant()))
        .filter(role_assignments::id.eq(id))
        .select(RoleAssignmentRow::as_select())
        .first(tx.conn)
        .optional()?)
}

/// Removes the grant `id`; `NotFound` when the tenant has none.
pub fn revoke(tx: &mut TenantTx<'_>, id: i64) -> DbResult<()> {
    let deleted = diesel::delete(
        role_assignments::table
            .filter(role_assignments::tenant_id.eq(tx.tenant()))
            .filter(role_assignments::id.eq(id)),
    )
    .execute(tx.conn)?;
    if deleted == 0 {
        return Err(crate::error::DbError::NotFound);
    }
    Ok(())
}

/// Whether the tenant has the account `user_id` (a grant names one; the
/// foreign key would refuse it too, but as an error indistinguishable from
/// a missing organization).
pub fn account_exists(tx: &mut TenantTx<'_>, user_id: i64) -> DbResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        users::table
            .filter(users::tenant_id.eq(tx.tenant()))
            .filter(users::id.eq(user_id)),
    ))
    .get_result(tx.conn)?)
}

/// Which grants a listing may show: all of the tenant's, or those whose
/// organization is one of `organizations` or whose scope is one of
/// `scopes`.
#[derive(Debug, Clone, Default)]
pub struct Visible {
    pub everything: bool,
    pub organizations: Vec<i64>,
    pub scopes: Vec<String>,
}

/// The filters of a listing of grants.
#[derive(Debug, Clone, Default)]
pub struct AssignmentFilter {
    pub user_id: Option<i64>,
    pub role: Option<String>,
    pub scope: Option<String>,
}

/// A page of the grants `visible` lets the caller see, in id order.
pub fn list(
    tx: &mut TenantTx<'_>,
    visible: &Visible,
    filter: &AssignmentFilter,
    after: Option<i64>,
    limit: i64,
) -> DbResult<Vec<RoleAssignmentRow>> {
    let mut query = role_assignments::table
        .filter(role_assignments::tenant_id.eq(tx.tenant()))
        .filter(role_assignments::id.gt(after.unwrap_or(0)))
        .into_boxed();
    if !visible.everything {
        query = query.filter(
            role_assignments::organization_id
                .eq_any(visible.organizations.clone())
                .or(role_assignments::scope.eq_any(visible.scopes.clone())),
        );
    }
    if let Some(user_id) = filter.user_id {
        query = query.filter(role_assignments::user_id.eq(user_id));
    }
    if let Some(role) = &filter.role {
        query = query.filter(role_assignments::role.eq(role.clone()));
    }
    if let Some(scope) = &filter.scope {
        query = query.filter(role_assignments::scope.eq(scope.clone()));
    }
    Ok(query
        .order(role_assignments::id)
        .limit(limit)
        .select(RoleAssignmentRow::as_select())
        .load(tx.conn)?)
}

/// How many grants name `organization_id` as the organization their scope
/// lies in (they keep it from being deleted).
pub fn count_in_organization(tx: &mut TenantTx<'_>, organization_id: i64) -> DbResult<i64> {
    Ok(role_assignments::table
        .filter(role_assignments::tenant_id.eq(tx.tenant()))
        .filter(role_assignments::organization_id.eq(organization_id))
        .count()
        .get_result(tx.conn)?)
}

/// The grants made on `scope` exactly (a course's team, on `course:KEY`).
pub fn on_scope(tx: &mut TenantTx<'_>, scope: &str) -> DbResult<Vec<RoleAssignmentRow>> {
    Ok(role_assignments::table
        .filter(role_assignments::tenant_id.eq(tx.tenant()))
        .filter(role_assignments::scope.eq(scope))
        .order(role_assignments::id)
        .select(RoleAssignmentRow::as_select())
        .load(tx.conn)?)
}

/// The first `per_scope` grants (in id order) of each of `scopes`, in one
/// statement, ordered by scope then id: a GraphQL loader's batch of course
/// teams, bounded however many grants a course has.
pub fn first_on_scopes(
    tx: &mut TenantTx<'_>,
    scopes: &[String],
    per_scope: i64,
) -> DbResult<Vec<RoleAssignmentRow>> {
    use diesel::sql_types::{Array, BigInt, Text};
    if scopes.is_empty() {
        return Ok(Vec::new());
    }
    // A window function has no place in diesel's DSL. The scopes are an
    // array on PostgreSQL, one bound parameter each on SQLite (which has
    // no array type; a batch is a page of courses, well under its limit
    // on parameters).
    const RANKED: &str = "SELECT id, user_id, role, scope, created_at, organization_id FROM ( \
           SELECT id, user_id, role, scope, created_at, organization_id, \
                  ROW_NUMBER() OVER (PARTITION BY scope ORDER BY id) AS n \
             FROM role_assignments \
            WHERE tenant_id = TENANT AND scope IN (SCOPES)) ranked \
         WHERE n <= LIMIT ORDER BY scope, id";
    let tenant = tx.tenant();
    Ok(match &mut *tx.conn {
        DbConnection::Postgres(pg) => diesel::sql_query(
            RANKED
                .replace("TENANT", "$1")
                .replace("SCOPES", "SELECT unnest($2)")
                .replace("LIMIT", "$3"),
        )
        .bind::<BigInt, _>(tenant)
        .bind::<Array<Text>, _>(scopes)
        .bind::<BigInt, _>(per_scope)
        .load(pg)?,
        DbConnection::Sqlite(sqlite) => {
            let marks = vec!["?"; scopes.len()].join(", ");
            let mut query = diesel::sql_query(
                RANKED
                    .replace("TENANT", "?")
                    .replace("SCOPES", &marks)
                    .replace("LIMIT", "?"),
            )
            .into_boxed()
            .bind::<BigInt, _>(tenant);
            for scope in scopes {
                query = query.bind::<Text, _>(scope.clone());
            }
            query.bind::<BigInt, _>(per_scope).load(sqlite)?
        }
    })
}

/// Removes every grant on `scope` (a deleted course's or library's team),
/// answering the rows removed: those read, by id, so that a grant made
/// concurrently is neither removed unanswered nor reported.
pub fn revoke_on_scope(tx: &mut TenantTx<'_>, scope: &str) -> DbResult<Vec<RoleAssignmentRow>> {
    let tenant = tx.tenant();
    let rows = on_scope(tx, scope)?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    diesel::delete(
        role_assignments::table
            .filter(role_assignments::tenant_id.eq(tenant))
            .filter(role_assignments::id.eq_any(ids)),
    )
    .execute(tx.conn)?;
    Ok(rows)
}
