//! Sites of a tenant, and their entries in the platform routing table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::{DbError, DbResult};
use crate::notifications::{notify, ROUTING_CHANNEL};
use crate::now;
use crate::schema::{site_domains, sites};
use crate::site_settings::SETTINGS_CHANNEL;
use crate::tenancy::TenantTx;

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

pub struct NewSite<'a> {
    pub domain: &'a str,
    pub name: &'a str,
    pub is_primary: bool,
}

/// Creates a site and routes its domain to it; a new primary site takes the
/// flag from the tenant's other sites. A domain already routed anywhere on
/// the platform is a unique violation naming `domain`.
pub fn insert(tx: &mut TenantTx<'_>, new: NewSite<'_>) -> DbResult<SiteRow> {
    let tenant = tx.tenant();
    let created_at = now();
    if new.is_primary {
        clear_primary(tx)?;
    }
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

/// The columns a change may set; `None` leaves a column as it is.
#[derive(Default, AsChangeset)]
#[diesel(table_name = sites)]
pub struct SiteChanges<'a> {
    pub name: Option<&'a str>,
    pub domain: Option<&'a str>,
    pub is_primary: Option<bool>,
}

/// Unsets the tenant's primary site: the partial unique index allows one
/// primary per tenant at any moment, so the flag moves in two statements.
fn clear_primary(tx: &mut TenantTx<'_>) -> DbResult<()> {
    diesel::update(
        sites::table
            .filter(sites::tenant_id.eq(tx.tenant()))
            .filter(sites::is_primary.eq(true)),
    )
    .set(sites::is_primary.eq(false))
    .execute(tx.conn)?;
    Ok(())
}

/// Applies `changes` to `current` (read in the same transaction) in one
/// statement, re-routing its domain and moving the primary flag as needed.
/// The statement only touches the version read (same `updated_at`): if a
/// concurrent writer changed the row since, nothing is updated and the
/// answer is `NotFound`, so an `If-Match` checked against `current` holds.
pub fn update(
    tx: &mut TenantTx<'_>,
    current: &SiteRow,
    changes: SiteChanges<'_>,
) -> DbResult<SiteRow> {
    let tenant = tx.tenant();
    let new_domain = changes.domain.filter(|d| *d != current.domain);
    if changes.is_primary == Some(true) && !current.is_primary {
        clear_primary(tx)?;
    }
    let updated = diesel::update(
        sites::table
            .filter(sites::tenant_id.eq(tenant))
            .filter(sites::id.eq(current.id))
            .filter(sites::updated_at.eq(current.updated_at)),
    )
    .set((&changes, sites::updated_at.eq(now())))
    .returning(SITE_COLUMNS)
    .get_result::<SiteRow>(tx.conn)?;
    if let Some(domain) = new_domain {
        diesel::update(
            site_domains::table
                .filter(site_domains::tenant_id.eq(tenant))
                .filter(site_domains::site_id.eq(current.id)),
        )
        .set(site_domains::domain.eq(domain))
        .execute(tx.conn)?;
        notify(tx.conn, ROUTING_CHANNEL)?;
    }
    // A name or the primary flag is part of every site snapshot.
    notify(tx.conn, SETTINGS_CHANNEL)?;
    Ok(updated)
}

/// What `RETURNING` reads back: a whole-model `as_returning()` does not
/// compile on the multi-backend connection, a tuple of columns does.
const SITE_COLUMNS: (
    sites::id,
    sites::domain,
    sites::name,
    sites::is_primary,
    sites::created_at,
    sites::updated_at,
) = (
    sites::id,
    sites::domain,
    sites::name,
    sites::is_primary,
    sites::created_at,
    sites::updated_at,
);

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
