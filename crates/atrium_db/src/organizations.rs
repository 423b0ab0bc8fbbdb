//! Organizations of a tenant (a tree through `parent_id`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::DbResult;
use crate::now;
use crate::schema::organizations;
use crate::tenancy::TenantTx;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct OrganizationRow {
    pub id: i64,
    pub short_name: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub struct NewOrganization<'a> {
    pub short_name: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub parent_id: Option<i64>,
}

pub fn insert(tx: &mut TenantTx<'_>, new: NewOrganization<'_>) -> DbResult<OrganizationRow> {
    let created_at = now();
    let id = diesel::insert_into(organizations::table)
        .values((
            organizations::tenant_id.eq(tx.tenant()),
            organizations::short_name.eq(new.short_name),
            organizations::name.eq(new.name),
            organizations::description.eq(new.description),
            organizations::parent_id.eq(new.parent_id),
            organizations::created_at.eq(created_at),
            organizations::updated_at.eq(created_at),
        ))
        .returning(organizations::id)
        .get_result(tx.conn)?;
    Ok(OrganizationRow {
        id,
        short_name: new.short_name.to_owned(),
        name: new.name.to_owned(),
        description: new.description.to_owned(),
        parent_id: new.parent_id,
        created_at,
        updated_at: created_at,
    })
}

pub fn list(
    tx: &mut TenantTx<'_>,
    after: Option<i64>,
    limit: i64,
) -> DbResult<Vec<OrganizationRow>> {
    Ok(organizations::table
        .filter(organizations::tenant_id.eq(tx.tenant()))
        .filter(organizations::id.gt(after.unwrap_or(0)))
        .order(organizations::id)
        .limit(limit)
        .select(OrganizationRow::as_select())
        .load(tx.conn)?)
}

/// The organizations among `short_names` that exist in this tenant.
pub fn find_by_short_names(
    tx: &mut TenantTx<'_>,
    short_names: &[String],
) -> DbResult<Vec<OrganizationRow>> {
    Ok(organizations::table
        .filter(organizations::tenant_id.eq(tx.tenant()))
        .filter(organizations::short_name.eq_any(short_names))
        .select(OrganizationRow::as_select())
        .load(tx.conn)?)
}

/// The organization of this tenant whose short name is `short_name`.
pub fn find_by_short_name(
    tx: &mut TenantTx<'_>,
    short_name: &str,
) -> DbResult<Option<OrganizationRow>> {
    Ok(organizations::table
        .filter(organizations::tenant_id.eq(tx.tenant()))
        .filter(organizations::short_name.eq(short_name))
        .select(OrganizationRow::as_select())
        .first(tx.conn)
        .optional()?)
}

/// The organizations among `ids` that exist in this tenant.
pub fn find_by_ids(tx: &mut TenantTx<'_>, ids: &[i64]) -> DbResult<Vec<OrganizationRow>> {
    Ok(organizations::table
        .filter(organizations::tenant_id.eq(tx.tenant()))
        .filter(organizations::id.eq_any(ids))
        .select(OrganizationRow::as_select())
        .load(tx.conn)?)
}
