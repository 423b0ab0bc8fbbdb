//! Domain claims: a tenant may use the names below its own base,
//! `{slug}.{tenant_domain_base}`, at once; any other domain is claimed
//! `pending`, reserved across the platform but not routed, until an
//! operator approves it (API on the platform host, or `atrium domain
//! approve`). Without this, a tenant could take a name another customer
//! needs (`www.google.com` answered 201 and routed).

use std::sync::Arc;

use atrium_audit::{Author, Change};
use atrium_core::{Page, PageRequest, SiteId};
use atrium_db::sites;
use atrium_db::{Access, Db, DbError};
use atrium_permissions::{authorize, Action, Caller, Place};

use crate::cache::SiteSettingsCache;
use crate::directory::SiteDirectory;
use crate::domain::normalize_domain;
use crate::service::Site;
use crate::SitesError;

/// Whether a site's domain routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainStatus {
    /// Routed: requests to it reach the site.
    Active,
    /// Claimed by the site, waiting for an operator's approval; not routed.
    Pending,
    /// Refused by an operator: not routed, the name free again.
    Rejected,
}

impl DomainStatus {
    pub(crate) fn of(stored: &str) -> Self {
        match stored {
            sites::PENDING => Self::Pending,
            sites::REJECTED => Self::Rejected,
            _ => Self::Active,
        }
    }
}

/// Whether `domain` (normalized) needs an operator before it routes: true
/// unless it is `{slug}.{base}` or a name below it. An empty base frees
/// nothing.
pub(crate) fn needs_approval(base: &str, slug: &str, domain: &str) -> bool {
    if base.is_empty() {
        return true;
    }
    let own = format!("{slug}.{base}");
    let below = domain
        .strip_suffix(own.as_str())
        .is_some_and(|head| head.is_empty() || head.ends_with('.'));
    !below
}

/// A pending domain and the site that claims it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DomainClaim {
    pub domain: String,
    pub tenant_slug: String,
    pub site_id: SiteId,
    pub status: DomainStatus,
}

impl DomainClaim {
    fn from_row(row: sites::DomainClaim, status: DomainStatus) -> Self {
        Self {
            domain: row.domain,
            tenant_slug: row.tenant_slug,
            site_id: SiteId(row.site_id),
            status,
        }
    }
}

/// The operators' side of domain claims.
pub struct DomainClaims {
    db: Db,
    directory: Arc<SiteDirectory>,
    snapshots: Arc<SiteSettingsCache>,
}

impl DomainClaims {
    pub fn new(db: Db, directory: Arc<SiteDirectory>, snapshots: Arc<SiteSettingsCache>) -> Self {
        Self {
            db,
            directory,
            snapshots,
        }
    }

    /// Pending claims of every tenant.
    pub async fn list(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<DomainClaim>, SitesError> {
        authorize(caller, Action::ManageTenants, Place::Platform)?;
        let rows = self
            .db
            .platform(Access::Read, move |tx| {
                sites::pending_claims(tx, page.after, page.fetch_limit())
            })
            .await?;
        Ok(Page::from_rows(rows, page, |row| row.site_id)
            .map(|row| DomainClaim::from_row(row, DomainStatus::Pending)))
    }

    /// Routes a pending domain to the site that claims it; host resolution
    /// sees it at once (other replicas through the routing channel).
    pub async fn approve(&self, caller: &Caller, domain: &str) -> Result<DomainClaim, SitesError> {
        authorize(caller, Action::ManageTenants, Place::Platform)?;
        let approved = approve_domain_claim(&self.db, domain, &Author::of(caller)).await?;
        self.directory.invalidate();
        self.snapshots.invalidate();
        Ok(approved)
    }

    /// Refuses a pending domain and frees the name (see
    /// [`reject_domain_claim`]).
    pub async fn reject(&self, caller: &Caller, domain: &str) -> Result<DomainClaim, SitesError> {
        authorize(caller, Action::ManageTenants, Place::Platform)?;
        let rejected = reject_domain_claim(&self.db, domain, &Author::of(caller)).await?;
        self.directory.invalidate();
        self.snapshots.invalidate();
        Ok(rejected)
    }
}

/// Approves the pending claim of `domain`, without a caller: for the
/// command line, whose user is the operator. A running server on
/// PostgreSQL hears of it through the routing channel.
pub async fn approve_domain_claim(
    db: &Db,
    domain: &str,
    author: &Author,
) -> Result<DomainClaim, SitesError> {
    let row = settle(
        db,
        domain,
        author,
        "domain_claim.approve",
        sites::approve_claim,
    )
    .await?;
    Ok(DomainClaim::from_row(row, DomainStatus::Active))
}

/// Refuses the pending claim of `domain`, without a caller (the command
/// line): the name is free again; the site falls back to its previous
/// domain, or is left `rejected` if it never had one.
pub async fn reject_domain_claim(
    db: &Db,
    domain: &str,
    author: &Author,
) -> Result<DomainClaim, SitesError> {
    let row = settle(
        db,
        domain,
        author,
        "domain_claim.reject",
        sites::reject_claim,
    )
    .await?;
    Ok(DomainClaim::from_row(row, DomainStatus::Rejected))
}

/// Runs `decide` on the pending claim of `domain` and records it as
/// `action` in the platform's audit log, and the change of the site as
/// `site.update` in its tenant's log; a name that is not one is not found.
async fn settle(
    db: &Db,
    domain: &str,
    author: &Author,
    action: &'static str,
    decide: fn(&mut atrium_db::PlatformTx<'_>, &str) -> Result<sites::SettledClaim, DbError>,
) -> Result<sites::DomainClaim, SitesError> {
    let not_found = || SitesError::NotFound("pending domain claim");
    let domain = normalize_domain(domain).map_err(|_| not_found())?;
    let author = author.clone();
    db.platform(Access::Write, move |tx| {
        let sites::SettledClaim {
            claim,
            tenant,
            before,
            after,
        } = decide(tx, &domain)?;
        atrium_audit::record_platform(
            tx,
            &author,
            Change {
                action,
                target_type: "domain_claim",
                target_id: domain.clone(),
                before: None::<&()>,
                after: Some(&serde_json::json!({
                    "domain": claim.domain,
                    "tenant_slug": claim.tenant_slug,
                    "site_id": claim.site_id,
                })),
            },
        )?;
        crate::service::record_site(
            &mut tx.enter_tenant(&tenant)?,
            &author,
            "site.update",
            SiteId(after.id),
            Some(&Site::from(before)),
            Some(&Site::from(after)),
        )?;
        Ok::<_, SitesError>(claim)
    })
    .await
    .map_err(|error: SitesError| match error {
        SitesError::Db(DbError::NotFound) => not_found(),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::needs_approval;

    #[test]
    fn only_names_below_the_tenants_own_base_are_free() {
        for free in [
            "acme.localhost",
            "learn.acme.localhost",
            "a.b.acme.localhost",
        ] {
            assert!(!needs_approval("localhost", "acme", free), "{free}");
        }
        for claimed in [
            "www.google.com",
            "localhost",
            "xacme.localhost",
            "acme.localhost.evil.com",
            "other.localhost",
            "learn.other.localhost",
        ] {
            assert!(needs_approval("localhost", "acme", claimed), "{claimed}");
        }
        assert!(needs_approval("", "acme", "acme"));
    }
}
