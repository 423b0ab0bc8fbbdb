//! Sites of a tenant, and their entries in the platform routing table.

use diesel::prelude::*;

use crate::error::{DbError, DbResult};
use crate::models::SiteRow;
use crate::notifications::{notify, ROUTING_CHANNEL};
use crate::now;
use crate::schema::{site_domains, sites};
use crate::site_settings::SETTINGS_CHANNEL;
use crate::tenancy::TenantTx;

pub struct NewSite<'a> {
    pub domain: &'a str,
    pub name: &'a str,
    pub is_primary: bool,
}

/// Creates a site and routes its domain to it. A domain already routed
/// anywhere on the platform is a unique violation naming `domain`.
pub fn insert(tx: &mut TenantTx<'_>, new: NewSite<'_>) -> DbResult<SiteRow> {
    let tenant = tx.tenant();
    let created_at = now();
    let id: i64 = diesel::insert_into(sites::table)
        .values((
            sites::tenant_id.eq(tenant),
            sites::domain.eq(new.domain),
            sites::name.eq(new.name),
            sites::is_primary.eq(new.is_primary),
            sites::created_at.eq(created_at),
            sites::updated_at.eq(created_at),
        ))
        .returning(sites::id)
        .get_result(tx.conn)?;
    diesel::insert_into(site_domains::table)
        .values((
            site_domains::domain.eq(new.domain),
            site_domains::tenant_id.eq(tenant),
            site_domains::site_id.eq(id),
        ))
        .execute(tx.conn)?;
    notify(tx.conn, ROUTING_CHANNEL)?;
    Ok(SiteRow {
        id,
        domain: new.domain.to_owned(),
        name: new.name.to_owned(),
        is_primary: new.is_primary,
        created_at,
        updated_at: created_at,
    })
}

pub fn list(tx: &mut TenantTx<'_>, after: Option<i64>, limit: i64) -> DbResult<Vec<SiteRow>> {
    Ok(sites::table
        .filter(sites::tenant_id.eq(tx.tenant()))
        .filter(sites::id.gt(after.unwrap_or(0)))
        .order(sites::id)
        .limit(limit)
        .select(SiteRow::as_select())
        .load(tx.conn)?)
}

pub fn get(tx: &mut TenantTx<'_>, id: i64) -> DbResult<SiteRow> {
    Ok(sites::table
        .filter(sites::tenant_id.eq(tx.tenant()))
        .filter(sites::id.eq(id))
        .select(SiteRow::as_select())
        .first(tx.conn)?)
}

pub fn count(tx: &mut TenantTx<'_>) -> DbResult<i64> {
    Ok(sites::table
        .filter(sites::tenant_id.eq(tx.tenant()))
        .count()
        .get_result(tx.conn)?)
}

#[derive(Default)]
pub struct SiteChanges<'a> {
    pub name: Option<&'a str>,
    pub domain: Option<&'a str>,
    /// Only `true` is meaningful: the tenant's other sites stop being primary.
    pub make_primary: bool,
}

pub fn update(tx: &mut TenantTx<'_>, id: i64, changes: SiteChanges<'_>) -> DbResult<SiteRow> {
    let tenant = tx.tenant();
    let current = get(tx, id)?;
    let this_site = sites::table
        .filter(sites::tenant_id.eq(tenant))
        .filter(sites::id.eq(id));
    if let Some(name) = changes.name {
        diesel::update(this_site)
            .set(sites::name.eq(name))
            .execute(tx.conn)?;
    }
    if let Some(domain) = changes.domain.filter(|d| *d != current.domain) {
        diesel::update(this_site)
            .set(sites::domain.eq(domain))
            .execute(tx.conn)?;
        diesel::update(
            site_domains::table
                .filter(site_domains::tenant_id.eq(tenant))
                .filter(site_domains::site_id.eq(id)),
        )
        .set(site_domains::domain.eq(domain))
        .execute(tx.conn)?;
        notify(tx.conn, ROUTING_CHANNEL)?;
    }
    if changes.make_primary && !current.is_primary {
        // Two statements because the partial unique index allows one
        // primary site per tenant at any moment.
        diesel::update(
            sites::table
                .filter(sites::tenant_id.eq(tenant))
                .filter(sites::is_primary.eq(true)),
        )
        .set(sites::is_primary.eq(false))
        .execute(tx.conn)?;
        diesel::update(this_site)
            .set(sites::is_primary.eq(true))
            .execute(tx.conn)?;
    }
    diesel::update(this_site)
        .set(sites::updated_at.eq(now()))
        .execute(tx.conn)?;
    // A name or the primary flag is part of every site snapshot.
    notify(tx.conn, SETTINGS_CHANNEL)?;
    get(tx, id)
}

pub fn delete(tx: &mut TenantTx<'_>, id: i64) -> DbResult<()> {
    let tenant = tx.tenant();
    diesel::delete(
        site_domains::table
            .filter(site_domains::tenant_id.eq(tenant))
            .filter(site_domains::site_id.eq(id)),
    )
    .execute(tx.conn)?;
    let deleted = diesel::delete(
        sites::table
            .filter(sites::tenant_id.eq(tenant))
            .filter(sites::id.eq(id)),
    )
    .execute(tx.conn)?;
    if deleted == 0 {
        return Err(DbError::NotFound);
    }
    notify(tx.conn, ROUTING_CHANNEL)
}
