//! Sites of a tenant: create, list, read, rename, move, delete.

use std::sync::Arc;

use atrium_core::{Page, PageRequest, SiteId, ValidationErrors};
use atrium_db::sites::{self, SiteRow};
use atrium_db::{Access, Db, DbError, TenantScope, TenantTx};
use atrium_permissions::{authorize, Action, Caller};
use chrono::NaiveDateTime;

use crate::cache::SiteSettingsCache;
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
}

impl From<SiteRow> for Site {
    fn from(row: SiteRow) -> Self {
        Self {
            id: SiteId(row.id),
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
}

const MAX_NAME: usize = 255;

fn check_name(errors: &mut ValidationErrors, field: &str, name: &str) {
    if !atrium_core::is_name(name, MAX_NAME) {
        errors.add(field, format!("must be 1 to {MAX_NAME} characters"));
    }
}

impl SiteService {
    pub fn new(db: Db, directory: Arc<SiteDirectory>, snapshots: Arc<SiteSettingsCache>) -> Self {
        Self {
            db,
            directory,
            snapshots,
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
        authorize(caller, Action::ViewSites(scope.tenant_id()))?;
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
        authorize(caller, Action::ViewSites(scope.tenant_id()))?;
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
        authorize(caller, Action::ManageSites(scope.tenant_id()))?;
        let mut errors = ValidationErrors::default();
        site.domain = self.check_domain(&mut errors, "domain", &site.domain);
        check_name(&mut errors, "name", &site.name);
        errors.into_result()?;
        let created = self
            .db
            .tenant(scope, Access::Write, move |tx| {
                crate::tx::insert_site(tx, &site)
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
        authorize(caller, Action::ManageSites(scope.tenant_id()))?;
        let mut errors = ValidationErrors::default();
        if let Some(domain) = &patch.domain {
            patch.domain = Some(self.check_domain(&mut errors, "domain", domain));
        }
        if let Some(name) = &patch.name {
            check_name(&mut errors, "name", name);
        }
        errors.into_result()?;
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
                    let changes = sites::SiteChanges {
                        name: patch.name.as_deref(),
                        domain: patch.domain.as_deref(),
                        is_primary: patch.is_primary,
                    };
                    match sites::update(tx, &current, changes) {
                        Err(DbError::NotFound) => continue,
                        other => return other.map_err(domain_conflict),
                    }
                }
                Err(SitesError::Conflict(
                    "the site is changing concurrently; retry".into(),
                ))
            })
            .await?;
        self.changed();
        Ok(updated.into())
    }

    pub async fn delete(
        &self,
        caller: &Caller,
        scope: TenantScope,
        id: SiteId,
    ) -> Result<(), SitesError> {
        authorize(caller, Action::ManageSites(scope.tenant_id()))?;
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
                Ok(sites::delete(tx, id.0)?)
            })
            .await?;
        self.changed();
        Ok(())
    }
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
