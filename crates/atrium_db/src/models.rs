//! Rows as the repository returns them. Tenant tables' rows leave out
//! `tenant_id`: the scope that read them already knows it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::*;

/// A tenant as read or made by [`crate::tenants`]. Not constructible
/// elsewhere: holding one proves the tenant exists, which is what
/// [`crate::PlatformTx::enter_tenant`] asks for.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tenants)]
#[non_exhaustive]
pub struct TenantRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = operators)]
pub struct OperatorRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub request_hash: String,
    pub status_code: i32,
    pub response_body: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sites)]
pub struct SiteRow {
    pub id: i64,
    pub domain: String,
    pub name: String,
    pub is_primary: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = site_configurations)]
pub struct SiteConfigurationRow {
    pub site_id: i64,
    pub values_json: String,
    pub enabled: bool,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = site_themes)]
pub struct SiteThemeRow {
    pub site_id: i64,
    pub theme_name: String,
    pub branding_json: String,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = site_setting_changes)]
pub struct SiteSettingChangeRow {
    pub id: i64,
    pub site_id: i64,
    pub kind: String,
    pub actor: String,
    pub changed_at: NaiveDateTime,
    pub before_json: Option<String>,
    pub after_json: String,
}

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

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub username: String,
    pub name: String,
    pub password_hash: String,
    pub is_active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = role_assignments)]
pub struct RoleAssignmentRow {
    pub id: i64,
    pub user_id: i64,
    pub role: String,
    pub scope: String,
    pub created_at: NaiveDateTime,
}
