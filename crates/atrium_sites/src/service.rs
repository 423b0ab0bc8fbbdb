//! Sites of a tenant: create, list, read, rename, move, delete.

use std::sync::Arc;

use atrium_audit::{Author, Change};
use atrium_core::{Page, PageRequest, SiteId, ValidationErrors};
use atrium_db::sites::{self, SiteRow};
use atrium_db::{Access, Db, DbError, TenantScope, TenantTx};
use atrium_permissions::{authorize, Action, Caller, Place};
use chrono::NaiveDateTime;

use crate::cache::SiteSettingsCache;
use crate::claims::{needs_approval, DomainStatus};
use crate::directory::SiteDirectory;
use crate::domain::normalize_domain;
use crate::SitesError;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Site {
    pub id: SiteId,
    pub domain: String,
    pub name: String,
    pub is_primary: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Whether `domain` routes, or waits for an operator.
    pub domain_status: DomainStatus,
    /// The domain that routes to the site now: `domain` once active, the
    /// earlier domain (if any) while `domain` is pending.
    pub active_domain: Option<String>,
}

impl From<SiteRow> for Site {
    fn from(row: SiteRow) -> Self {
        Self {
            id: SiteId(row.id),
            domain_status: DomainStatus::of(&row.domain_status),
            active_domain: row.routed_domain().map(str::to_owned),
            domain: row.domain,
            name: row.name,
            is_primary: row.is_primary,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl Site {
    /// The strong entity tag of this version of the site, for `ETag` and
    /// `If-Match`: every write sets a new `updated_at` (microseconds).
    pub fn etag(&self) -> String {
        format!(
            "\"site-{}-{}\"",
            self.id.0,
            self.updated_at.and_utc().timestamp_micros()
        )
    }
}

#[derive(Debug, Clone)]
pub struct NewSite {
    pub domain: String,
    pub name: String,
    pub is_primary: bool,
}

#[derive(Debug, Clone, Default)]
pub struct SitePatch {
    pub domain: Option<String>,
    pub name: Option<String>,
    pub is_primary: Option<bool>,
    /// The client's `If-Match`: the change applies only to that version
    /// (else `PreconditionFailed`). `None` changes whatever is current.
    pub if_match: Option<String>,
}

/// How many times a write whose row changed under it reads it again.
const WRITE_ATTEMPTS: usize = 3;

pub struct SiteService {
    db: Db,
    directory: Arc<SiteDirectory>,
    snapshots: Arc<SiteSettingsCache>,
    /// The platform setting `tenant_domain_base`: a tenant may use
    /// `{slug}.{base}` and the names below it without an operator.
    tenant_domain_base: Arc<str>,
}

fn unroutable_primary() -> SitesError {
    SitesError::Conflict(
        "a primary site must be reachable: its domain awaits an operator's approval".into(),
    )
}

const MAX_NAME: usize = 255;

fn check_name(errors: &mut ValidationErrors, field: &str, name: &str) {
    if !atrium_core::is_name(name, MAX_NAME) {
        errors.add(field, format!("must be 1 to {MAX_NAME} characters"));
    }
}

impl SiteService {
    pub fn new(
        db: Db,
        directory: Arc<SiteDirectory>,
        snapshots: Arc<SiteSettingsCache>,
        tenant_domain_base: &str,
    ) -> Self {
        Self {
            db,
            directory,
            snapshots,
            tenant_domain_base: tenant_domain_base
                .trim_matches('.')
                .to_ascii_lowercase()
                .into(),
        }
    }

    /// Host resolution and site snapshots must see a change at once.
    fn changed(&self) {
        self.directory.invalidate();
        self.snapshots.invalidate();
    }

    /// Validates a domain for `field`: its stored form, or a field error.
    /// The platform's own host can never be a site.
    pub fn check_domain(&self, errors: &mut ValidationErrors, field: &str, domain: &str) -> String {
        match normalize_domain(domain) {
            Ok(domain) if domain == self.directory.platform_host() => {
                errors.add(field, "is reserved for the platform");
                domain
            }
            Ok(domain) => domain,
            Err(message) => {
                errors.add(field, message);
                String::new()
            }
        }
    }

    pub async fn list(
        &self,
        caller: &Caller,
        scope: TenantScope,
        page: PageRequest,
    ) -> Result<Page<Site>, SitesError> {
        authorize(caller, Action::ViewSites, Place::Tenant(scope.tenant_id()))?;
        let rows = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                sites::list(tx, page.after, page.fetch_limit())
            })
            .await?;
        Ok(Page::from_rows(rows, page, |row| row.id).map(Site::from))
    }

    pub async fn get(
        &self,
        caller: &Caller,
        scope: TenantScope,
        id: SiteId,
    ) -> Result<Site, SitesError> {
        authorize(caller, Action::ViewSites, Place::Tenant(scope.tenant_id()))?;
        let row = self
            .db
            .tenant(scope, Access::Read, move |tx| read_site(tx, id))
            .await?;
        Ok(row.into())
    }

    pub async fn create(
        &self,
        caller: &Caller,
        scope: TenantScope,
        mut site: NewSite,
    ) -> Result<Site, SitesError> {
        authorize(
            caller,
            Action::ManageSites,
            Place::Tenant(scope.tenant_id()),
        )?;
        let mut errors = ValidationErrors::default();
        site.domain = self.check_domain(&mut errors, "domain", &site.domain);
        check_name(&mut errors, "name", &site.name);
        errors.into_result()?;
        let base = Arc::clone(&self.tenant_domain_base);
        let author = Author::of(caller);
        let created = self
            .db
            .tenant(scope, Access::Write, move |tx| {
                let pending = needs_approval(&base, &sites::tenant_slug(tx)?, &site.domain);
                if pending && site.is_primary {
                    return Err(unroutable_primary());
                }
                let (created, demoted) = crate::tx::insert(tx, &site, pending)?;
                record_site(tx, &author, "site.create", created.id, None, Some(&created))?;
                record_demoted(tx, &author, demoted)?;
                Ok(created)
            })
            .await?;
        self.changed();
        Ok(created)
    }

    pub async fn update(
        &self,
        caller: &Caller,
        scope: TenantScope,
        id: SiteId,
        mut patch: SitePatch,
    ) -> Result<Site, SitesError> {
        authorize(
            caller,
            Action::ManageSites,
            Place::Tenant(scope.tenant_id()),
        )?;
        let mut errors = ValidationErrors::default();
        if let Some(domain) = &patch.domain {
            patch.domain = Some(self.check_domain(&mut errors, "domain", domain));
        }
        if let Some(name) = &patch.name {
            check_name(&mut errors, "name", name);
        }
        errors.into_result()?;
        let base = Arc::clone(&self.tenant_domain_base);
        let author = Author::of(caller);
        let updated = self
            .db
            .tenant(scope, Access::Write, move |tx| {
                // The If-Match check and the write are one: the update only
                // applies to the version read here, and a writer that got in
                // between sends us round again to read (and check) its version.
                for _ in 0..WRITE_ATTEMPTS {
                    let current = read_site(tx, id)?;
                    if let Some(tags) = patch.if_match.as_deref() {
                        let etag = Site::from(current.clone()).etag();
                        if !atrium_core::etag::if_match(tags, &etag, true) {
                            return Err(SitesError::PreconditionFailed);
                        }
                    }
                    if patch.is_primary == Some(false) && current.is_primary {
                        return Err(SitesError::Conflict(
                            "a tenant always has one primary site: make another site primary instead"
                                .into(),
                        ));
                    }
                    let domain = match patch.domain.as_deref() {
                        Some(domain) => Some((
                            domain,
                            needs_approval(&base, &sites::tenant_slug(tx)?, domain),
                        )),
                        None => None,
                    };
                    // A primary site keeps a routed domain: moving it to a
                    // pending one keeps the old one routed, and a site that
                    // has never been routed cannot become primary.
                    let routed_after = match domain {
                        Some((domain, pending)) if domain != current.domain => {
                            let (status, previous) = sites::after_move(&current, domain, pending);
                            status == sites::ACTIVE || previous.is_some()
                        }
                        _ => current.routed_domain().is_some(),
                    };
                    if patch.is_primary.unwrap_or(current.is_primary) && !routed_after {
                        return Err(unroutable_primary());
                    }
                    let changes = sites::SiteChanges {
                        name: patch.name.as_deref(),
                        domain,
                        is_primary: patch.is_primary,
                    };
                    match sites::update(tx, &current, changes) {
                        Err(DbError::NotFound) => continue,
                        Err(other) => return Err(domain_conflict(other)),
                        Ok((row, demoted)) => {
                            let after = Site::from(row);
                            let before = Site::from(current);
                            record_site(tx, &author, "site.update", id, Some(&before), Some(&after))?;
                            record_demoted(tx, &author, demoted)?;
                            return Ok(after);
                        }
                    }
                }
                Err(SitesError::Conflict(
                    "the site is changing concurrently; retry".into(),
                ))
            })
            .await?;
        self.changed();
        Ok(updated)
    }

    pub async fn delete(
        &self,
        caller: &Caller,
        scope: TenantScope,
        id: SiteId,
    ) -> Result<(), SitesError> {
        authorize(
            caller,
            Action::ManageSites,
            Place::Tenant(scope.tenant_id()),
        )?;
        let author = Author::of(caller);
        self.db
            .tenant(scope, Access::Write, move |tx| {
                let site = read_site(tx, id)?;
                if sites::count(tx)? <= 1 {
                    return Err(SitesError::Conflict(
                        "the last site of a tenant cannot be deleted".into(),
                    ));
                }
                if site.is_primary {
                    return Err(SitesError::Conflict(
                        "the primary site cannot be deleted: make another site primary first"
                            .into(),
                    ));
                }
                sites::delete(tx, id.0)?;
                record_site(
                    tx,
                    &author,
                    "site.delete",
                    id,
                    Some(&Site::from(site)),
                    None,
                )?;
                Ok(())
            })
            .await?;
        self.changed();
        Ok(())
    }
}

/// Records a change of a site in the tenant's audit log.
pub(crate) fn record_site(
    tx: &mut TenantTx<'_>,
    author: &Author,
    action: &str,
    id: SiteId,
    before: Option<&Site>,
    after: Option<&Site>,
) -> Result<(), SitesError> {
    atrium_audit::record(
        tx,
        author,
        Change {
            action,
            target_type: "site",
            target_id: id.to_string(),
            before,
            after,
        },
    )?;
    Ok(())
}

/// Records the change of each site that lost the primary flag to another:
/// a change of its own, though no request named it.
fn record_demoted(
    tx: &mut TenantTx<'_>,
    author: &Author,
    demoted: Vec<sites::Demoted>,
) -> Result<(), SitesError> {
    for sites::Demoted { before, after } in demoted {
        let id = SiteId(after.id);
        record_site(
            tx,
            author,
            "site.update",
            id,
            Some(&Site::from(before)),
            Some(&Site::from(after)),
        )?;
    }
    Ok(())
}

/// A site of the scope's tenant, or `NotFound`: the one read every site
/// operation starts with.
pub(crate) fn read_site(tx: &mut TenantTx<'_>, id: SiteId) -> Result<SiteRow, SitesError> {
    sites::get(tx, id.0).map_err(not_found)
}

fn not_found(error: DbError) -> SitesError {
    match error {
        DbError::NotFound => SitesError::NotFound("site"),
        other => other.into(),
    }
}

pub(crate) fn domain_conflict(error: DbError) -> SitesError {
    if error.is_unique_violation_of("domain") {
        SitesError::Conflict("this domain is already used by a site".into())
    } else {
        not_found(error)
    }
}
