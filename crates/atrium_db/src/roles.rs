//! Role assignments: `(user, role, scope)` grants within a tenant.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::DbResult;
use crate::now;
use crate::schema::role_assignments;
use crate::tenancy::TenantTx;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = role_assignments)]
pub struct RoleAssignmentRow {
    pub id: i64,
    pub user_id: i64,
    pub role: String,
    pub scope: String,
    pub created_at: NaiveDateTime,
}

pub fn grant(
    tx: &mut TenantTx<'_>,
    user_id: i64,
    role: &str,
    scope: &str,
) -> DbResult<RoleAssignmentRow> {
    let created_at = now();
    let id = diesel::insert_into(role_assignments::table)
        .values((
            role_assignments::tenant_id.eq(tx.tenant()),
            role_assignments::user_id.eq(user_id),
            role_assignments::role.eq(role),
            role_assignments::scope.eq(scope),
            role_assignments::created_at.eq(created_at),
        ))
        .returning(role_assignments::id)
        .get_result(tx.conn)?;
    Ok(RoleAssignmentRow {
        id,
        user_id,
        role: role.to_owned(),
        scope: scope.to_owned(),
        created_at,
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
