//! Content libraries of a tenant, each in one of its organizations.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::DbResult;
use crate::schema::libraries;
use crate::tenancy::TenantTx;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = libraries)]
pub struct LibraryRow {
    pub id: i64,
    pub organization_id: i64,
    pub library_key: String,
    pub slug: String,
    pub display_name: String,
    pub description: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The library of this tenant whose key is `key`.
pub fn find_by_key(tx: &mut TenantTx<'_>, key: &str) -> DbResult<Option<LibraryRow>> {
    Ok(libraries::table
        .filter(libraries::tenant_id.eq(tx.tenant()))
        .filter(libraries::library_key.eq(key))
        .select(LibraryRow::as_select())
        .first(tx.conn)
        .optional()?)
}

/// How many libraries `organization` holds, for the check that refuses
/// deleting an organization with libraries.
pub fn count_in_organization(tx: &mut TenantTx<'_>, organization: i64) -> DbResult<i64> {
    Ok(libraries::table
        .filter(libraries::tenant_id.eq(tx.tenant()))
        .filter(libraries::organization_id.eq(organization))
        .count()
        .get_result(tx.conn)?)
}
