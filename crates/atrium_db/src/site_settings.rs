//! Site configuration and site theme (their history is the audit log's).
//!
//! Writes are optimistic: each document carries a version, and an update
//! names the version it replaces, so two editors cannot silently overwrite
//! each other.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::DbResult;
use crate::notifications::notify;
use crate::now;
use crate::schema::{site_configurations, site_themes};
use crate::tenancy::TenantTx;

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

/// Site settings (configuration, theme) changed: caches of them must forget.
pub const SETTINGS_CHANNEL: &str = "atrium_site_settings";

/// Whether an optimistic write took: one row written. No row (the version
/// moved on) or a unique violation (a concurrent first write won the
/// insert) means it lost; other caches are told when it took.
fn settled(tx: &mut TenantTx<'_>, written: diesel::QueryResult<usize>) -> DbResult<bool> {
    use diesel::result::{DatabaseErrorKind, Error};
    match written {
        Ok(1) => {
            notify(tx.conn, SETTINGS_CHANNEL)?;
            Ok(true)
        }
        Ok(_) | Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(other) => Err(other.into()),
    }
}

pub fn configuration(
    tx: &mut TenantTx<'_>,
    site_id: i64,
) -> DbResult<Option<SiteConfigurationRow>> {
    Ok(site_configurations::table
        .filter(site_configurations::tenant_id.eq(tx.tenant()))
        .filter(site_configurations::site_id.eq(site_id))
        .select(SiteConfigurationRow::as_select())
        .first(tx.conn)
        .optional()?)
}

/// Writes version `version` of a site's configuration. `replaces` is the
/// version it was based on (`None`: there was none). Returns false, writing
/// nothing, when the stored version is not `replaces` any more.
pub fn save_configuration(
    tx: &mut TenantTx<'_>,
    site_id: i64,
    values_json: &str,
    enabled: bool,
    replaces: Option<i64>,
) -> DbResult<Option<SiteConfigurationRow>> {
    let tenant = tx.tenant();
    let updated_at = now();
    let written = match replaces {
        None => diesel::insert_into(site_configurations::table)
            .values((
                site_configurations::tenant_id.eq(tenant),
                site_configurations::site_id.eq(site_id),
                site_configurations::values_json.eq(values_json),
                site_configurations::enabled.eq(enabled),
                site_configurations::version.eq(1),
                site_configurations::updated_at.eq(updated_at),
            ))
            .execute(tx.conn),
        Some(version) => diesel::update(
            site_configurations::table
                .filter(site_configurations::tenant_id.eq(tenant))
                .filter(site_configurations::site_id.eq(site_id))
                .filter(site_configurations::version.eq(version)),
        )
        .set((
            site_configurations::values_json.eq(values_json),
            site_configurations::enabled.eq(enabled),
            site_configurations::version.eq(version + 1),
            site_configurations::updated_at.eq(updated_at),
        ))
        .execute(tx.conn),
    };
    if !settled(tx, written)? {
        return Ok(None);
    }
    configuration(tx, site_id)
}

pub fn theme(tx: &mut TenantTx<'_>, site_id: i64) -> DbResult<Option<SiteThemeRow>> {
    Ok(site_themes::table
        .filter(site_themes::tenant_id.eq(tx.tenant()))
        .filter(site_themes::site_id.eq(site_id))
        .select(SiteThemeRow::as_select())
        .first(tx.conn)
        .optional()?)
}

/// Like [`save_configuration`], for the theme.
pub fn save_theme(
    tx: &mut TenantTx<'_>,
    site_id: i64,
    theme_name: &str,
    branding_json: &str,
    replaces: Option<i64>,
) -> DbResult<Option<SiteThemeRow>> {
    let tenant = tx.tenant();
    let updated_at = now();
    let written = match replaces {
        None => diesel::insert_into(site_themes::table)
            .values((
                site_themes::tenant_id.eq(tenant),
                site_themes::site_id.eq(site_id),
                site_themes::theme_name.eq(theme_name),
                site_themes::branding_json.eq(branding_json),
                site_themes::version.eq(1),
                site_themes::updated_at.eq(updated_at),
            ))
            .execute(tx.conn),
        Some(version) => diesel::update(
            site_themes::table
                .filter(site_themes::tenant_id.eq(tenant))
                .filter(site_themes::site_id.eq(site_id))
                .filter(site_themes::version.eq(version)),
        )
        .set((
            site_themes::theme_name.eq(theme_name),
            site_themes::branding_json.eq(branding_json),
            site_themes::version.eq(version + 1),
            site_themes::updated_at.eq(updated_at),
        ))
        .execute(tx.conn),
    };
    if !settled(tx, written)? {
        return Ok(None);
    }
    theme(tx, site_id)
}

/// Every site configuration of the tenant: what an organization's deletion
/// checks for a `course_org_filter` naming it.
pub fn all_configurations(tx: &mut TenantTx<'_>) -> DbResult<Vec<SiteConfigurationRow>> {
    Ok(site_configurations::table
        .filter(site_configurations::tenant_id.eq(tx.tenant()))
        .order(site_configurations::site_id)
        .select(SiteConfigurationRow::as_select())
        .load(tx.conn)?)
}
