//! Sites of a tenant, and their entries in the platform routing table.
//!
//! A site's domain is `active` (routed) or `pending` (claimed: reserved in
//! `site_domains` but not routed until an operator approves it). While a
//! site waits on a pending domain, the domain it had keeps routing to it,
//! kept in `previous_domain`: a tenant never loses its working host by
//! asking for a new one.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::{DbError, DbResult};
use crate::notifications::{notify, ROUTING_CHANNEL};
use crate::now;
use crate::schema::tenants;
use crate::schema::{site_domains, sites};
use crate::site_settings::SETTINGS_CHANNEL;
use crate::tenancy::{PlatformTx, TenantTx};
use crate::tenants::TenantRow;

/// A domain routed to its site.
pub const ACTIVE: &str = "active";
/// A domain that waits for an operator's approval: reserved, not routed.
pub const PENDING: &str = "pending";
/// A site whose only domain an operator refused: neither reserved nor
/// routed (sites only; the name is free again).
pub const REJECTED: &str = "rejected";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sites)]
pub struct SiteRow {
    pub id: i64,
    pub domain: String,
    pub name: String,
    pub is_primary: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// [`ACTIVE`], [`PENDING`] or [`REJECTED`].
    pub domain_status: String,
    /// While `domain` is pending: the domain still routed to the site, if
    /// it had one.
    pub previous_domain: Option<String>,
}

impl SiteRow {
    /// The domain that routes to this site now, if any.
    pub fn routed_domain(&self) -> Option<&str> {
        if self.domain_status == ACTIVE {
            Some(&self.domain)
        } else {
            self.previous_domain.as_deref()
        }
    }
}

pub struct NewSite<'a> {
    pub domain: &'a str,
    pub name: &'a str,
    pub is_primary: bool,
    /// The domain waits for an operator instead of routing at once.
    pub pending: bool,
}

/// A site that lost the primary flag to another one: both versions, for
/// its own audit entry.
#[derive(Debug, Clone)]
pub struct Demoted {
    pub before: SiteRow,
    pub after: SiteRow,
}

/// Creates a site and routes its domain to it; a new primary site takes the
/// flag from the tenant's other sites (answered as [`Demoted`]). A domain
/// already routed anywhere on the platform is a unique violation naming
/// `domain`.
pub fn insert(tx: &mut TenantTx<'_>, new: NewSite<'_>) -> DbResult<(SiteRow, Vec<Demoted>)> {
    let tenant = tx.tenant();
    let created_at = now();
    let status = if new.pending { PENDING } else { ACTIVE };
    let demoted = if new.is_primary {
        clear_primary(tx)?
    } else {
        Vec::new()
    };
    let id: i64 = diesel::insert_into(sites::table)
        .values((
            sites::tenant_id.eq(tenant),
            sites::domain.eq(new.domain),
            sites::name.eq(new.name),
            sites::is_primary.eq(new.is_primary),
            sites::created_at.eq(created_at),
            sites::updated_at.eq(created_at),
            sites::domain_status.eq(status),
        ))
        .returning(sites::id)
        .get_result(tx.conn)?;
    route(tx, id, new.domain, status)?;
    notify(tx.conn, ROUTING_CHANNEL)?;
    let created = SiteRow {
        id,
        domain: new.domain.to_owned(),
        name: new.name.to_owned(),
        is_primary: new.is_primary,
        created_at,
        updated_at: created_at,
        domain_status: status.to_owned(),
        previous_domain: None,
    };
    Ok((created, demoted))
}

/// Adds a row for `domain` to the routing table (a unique violation naming
/// `domain` when any site of the platform has or claims it).
fn route(tx: &mut TenantTx<'_>, site: i64, domain: &str, status: &str) -> DbResult<()> {
    diesel::insert_into(site_domains::table)
        .values((
            site_domains::domain.eq(domain),
            site_domains::tenant_id.eq(tx.tenant()),
            site_domains::site_id.eq(site),
            site_domains::status.eq(status),
        ))
        .execute(tx.conn)?;
    Ok(())
}

/// Removes every routing row of a site.
fn unroute(tx: &mut TenantTx<'_>, site: i64) -> DbResult<()> {
    diesel::delete(
        site_domains::table
            .filter(site_domains::tenant_id.eq(tx.tenant()))
            .filter(site_domains::site_id.eq(site)),
    )
    .execute(tx.conn)?;
    Ok(())
}

/// The slug of the tenant in scope: a tenant's own domains are named after
/// it (`{slug}.{tenant_domain_base}`).
pub fn tenant_slug(tx: &mut TenantTx<'_>) -> DbResult<String> {
    Ok(tenants::table
        .filter(tenants::id.eq(tx.tenant()))
        .select(tenants::slug)
        .first(tx.conn)?)
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
#[derive(Default)]
pub struct SiteChanges<'a> {
    pub name: Option<&'a str>,
    /// A new domain, and whether it waits for an operator.
    pub domain: Option<(&'a str, bool)>,
    pub is_primary: Option<bool>,
}

#[derive(AsChangeset)]
#[diesel(table_name = sites)]
struct SiteColumns<'a> {
    name: Option<&'a str>,
    domain: Option<&'a str>,
    is_primary: Option<bool>,
    domain_status: Option<&'a str>,
    previous_domain: Option<Option<&'a str>>,
}

/// Where a site's domains stand after a move to `domain`: its status, and
/// the domain that keeps routing meanwhile. Moving back to the routed
/// domain, or to one that needs no approval, ends any wait.
pub fn after_move<'a>(
    current: &'a SiteRow,
    domain: &'a str,
    pending: bool,
) -> (&'static str, Option<&'a str>) {
    let routed = current.routed_domain();
    if routed == Some(domain) || !pending {
        (ACTIVE, None)
    } else {
        (PENDING, routed)
    }
}

/// Unsets the tenant's primary site: the partial unique index allows one
/// primary per tenant at any moment, so the flag moves in two statements.
/// The demoted site is a new version of it (new `updated_at`, so its
/// `ETag` changes), answered with the version before.
fn clear_primary(tx: &mut TenantTx<'_>) -> DbResult<Vec<Demoted>> {
    let primary = sites::table
        .filter(sites::tenant_id.eq(tx.tenant()))
        .filter(sites::is_primary.eq(true));
    let before: Vec<SiteRow> = primary.select(SiteRow::as_select()).load(tx.conn)?;
    let after: Vec<SiteRow> = diesel::update(primary)
        .set((sites::is_primary.eq(false), sites::updated_at.eq(now())))
        .returning(SITE_COLUMNS)
        .get_results(tx.conn)?;
    Ok(after
        .into_iter()
        .map(|after| {
            // A site made primary between the read and the update (by a
            // writer that committed in between) was primary before.
            let before = before
                .iter()
                .find(|row| row.id == after.id)
                .cloned()
                .unwrap_or_else(|| SiteRow {
                    is_primary: true,
                    ..after.clone()
                });
            Demoted { before, after }
        })
        .collect())
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
) -> DbResult<(SiteRow, Vec<Demoted>)> {
    let tenant = tx.tenant();
    let moved = changes
        .domain
        .filter(|(domain, _)| *domain != current.domain)
        .map(|(domain, pending)| (domain, after_move(current, domain, pending)));
    let demoted = if changes.is_primary == Some(true) && !current.is_primary {
        clear_primary(tx)?
    } else {
        Vec::new()
    };
    let columns = SiteColumns {
        name: changes.name,
        domain: moved.map(|(domain, _)| domain),
        is_primary: changes.is_primary,
        domain_status: moved.map(|(_, (status, _))| status),
        previous_domain: moved.map(|(_, (_, previous))| previous),
    };
    let updated = diesel::update(
        sites::table
            .filter(sites::tenant_id.eq(tenant))
            .filter(sites::id.eq(current.id))
            .filter(sites::updated_at.eq(current.updated_at)),
    )
    .set((&columns, sites::updated_at.eq(now())))
    .returning(SITE_COLUMNS)
    .get_result::<SiteRow>(tx.conn)?;
    if let Some((domain, (status, previous))) = moved {
        // The site's routing rows are rewritten whole: the previous domain
        // (kept while the new one waits) and the new one.
        unroute(tx, current.id)?;
        if let Some(previous) = previous {
            route(tx, current.id, previous, ACTIVE)?;
        }
        route(tx, current.id, domain, status)?;
        notify(tx.conn, ROUTING_CHANNEL)?;
    }
    // A name or the primary flag is part of every site snapshot.
    notify(tx.conn, SETTINGS_CHANNEL)?;
    Ok((updated, demoted))
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
    sites::domain_status,
    sites::previous_domain,
) = (
    sites::id,
    sites::domain,
    sites::name,
    sites::is_primary,
    sites::created_at,
    sites::updated_at,
    sites::domain_status,
    sites::previous_domain,
);

pub fn delete(tx: &mut TenantTx<'_>, id: i64) -> DbResult<()> {
    let tenant = tx.tenant();
    unroute(tx, id)?;
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

/// A pending domain, as operators see it.
#[derive(Debug, Clone)]
pub struct DomainClaim {
    pub domain: String,
    pub tenant_slug: String,
    pub site_id: i64,
}

/// Pending domains of every tenant, by site id (one pending domain per
/// site at most, and site ids are unique across tenants).
pub fn pending_claims(
    tx: &mut PlatformTx<'_>,
    after: Option<i64>,
    limit: i64,
) -> DbResult<Vec<DomainClaim>> {
    let rows: Vec<(String, String, i64)> = site_domains::table
        .inner_join(tenants::table)
        .filter(site_domains::status.eq(PENDING))
        .filter(site_domains::site_id.gt(after.unwrap_or(0)))
        .order(site_domains::site_id)
        .limit(limit)
        .select((site_domains::domain, tenants::slug, site_domains::site_id))
        .load(tx.conn)?;
    Ok(rows
        .into_iter()
        .map(|(domain, tenant_slug, site_id)| DomainClaim {
            domain,
            tenant_slug,
            site_id,
        })
        .collect())
}

/// A claim an operator decided, with the site it changed (both versions)
/// and the site's tenant: the change is the tenant's too.
#[derive(Debug, Clone)]
pub struct SettledClaim {
    pub claim: DomainClaim,
    pub tenant: TenantRow,
    pub before: SiteRow,
    pub after: SiteRow,
}

/// Routes a pending domain to its site (`NotFound` when no site claims
/// it): the site's previous domain, kept routed meanwhile, is released.
pub fn approve_claim(tx: &mut PlatformTx<'_>, domain: &str) -> DbResult<SettledClaim> {
    let (tenant, site_id): (TenantRow, i64) = site_domains::table
        .inner_join(tenants::table)
        .filter(site_domains::domain.eq(domain))
        .filter(site_domains::status.eq(PENDING))
        .select((TenantRow::as_select(), site_domains::site_id))
        .first(tx.conn)?;
    let tenant_slug = tenant.slug().to_owned();
    let row = tenant;
    let tx = &mut tx.enter_tenant(&row)?;
    let before = get(tx, site_id)?;
    let tenant = tx.tenant();
    diesel::delete(
        site_domains::table
            .filter(site_domains::tenant_id.eq(tenant))
            .filter(site_domains::site_id.eq(site_id))
            .filter(site_domains::domain.ne(domain)),
    )
    .execute(tx.conn)?;
    diesel::update(site_domains::table.filter(site_domains::domain.eq(domain)))
        .set(site_domains::status.eq(ACTIVE))
        .execute(tx.conn)?;
    diesel::update(
        sites::table
            .filter(sites::tenant_id.eq(tenant))
            .filter(sites::id.eq(site_id)),
    )
    .set((
        sites::domain_status.eq(ACTIVE),
        sites::previous_domain.eq(None::<String>),
        sites::updated_at.eq(now()),
    ))
    .execute(tx.conn)?;
    notify(tx.conn, ROUTING_CHANNEL)?;
    notify(tx.conn, SETTINGS_CHANNEL)?;
    let after = get(tx, site_id)?;
    Ok(SettledClaim {
        claim: DomainClaim {
            domain: domain.to_owned(),
            tenant_slug,
            site_id,
        },
        tenant: row,
        before,
        after,
    })
}

/// Refuses a pending domain (`NotFound` when no site claims it) and frees
/// the name: the site falls back to its previous domain, still routed, or,
/// if it never had one, is left `rejected` for its tenant to move or delete.
pub fn reject_claim(tx: &mut PlatformTx<'_>, domain: &str) -> DbResult<SettledClaim> {
    let (tenant, site_id): (TenantRow, i64) = site_domains::table
        .inner_join(tenants::table)
        .filter(site_domains::domain.eq(domain))
        .filter(site_domains::status.eq(PENDING))
        .select((TenantRow::as_select(), site_domains::site_id))
        .first(tx.conn)?;
    let tenant_slug = tenant.slug().to_owned();
    let tx = &mut tx.enter_tenant(&tenant)?;
    diesel::delete(site_domains::table.filter(site_domains::domain.eq(domain))).execute(tx.conn)?;
    let site = get(tx, site_id)?;
    let target = sites::table
        .filter(sites::tenant_id.eq(tx.tenant()))
        .filter(sites::id.eq(site_id));
    match site.previous_domain.as_deref() {
        Some(previous) => diesel::update(target)
            .set((
                sites::domain.eq(previous),
                sites::domain_status.eq(ACTIVE),
                sites::previous_domain.eq(None::<String>),
                sites::updated_at.eq(now()),
            ))
            .execute(tx.conn)?,
        None => diesel::update(target)
            .set((
                sites::domain_status.eq(REJECTED),
                sites::updated_at.eq(now()),
            ))
            .execute(tx.conn)?,
    };
    notify(tx.conn, ROUTING_CHANNEL)?;
    notify(tx.conn, SETTINGS_CHANNEL)?;
    let after = get(tx, site_id)?;
    Ok(SettledClaim {
        claim: DomainClaim {
            domain: domain.to_owned(),
            tenant_slug,
            site_id,
        },
        tenant: tenant.clone(),
        before: site,
        after,
    })
}
