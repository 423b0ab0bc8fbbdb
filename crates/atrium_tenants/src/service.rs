//! The operator's view of tenants.

use std::sync::Arc;

use atrium_audit::{record_platform, Author, Change};
use atrium_core::{Page, PageRequest, TenantId, ValidationErrors};
use atrium_db::tenants::{self, TenantRow};
use atrium_db::{Access, Db, DbError};
use atrium_permissions::{authorize, Action, Caller, Place};
use atrium_sites::{SiteDirectory, SiteService};
use chrono::NaiveDateTime;

use crate::TenantsError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    Active,
    Suspended,
}

impl TenantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Tenant {
    /// The strong entity tag of this version of the tenant, for `ETag` and
    /// `If-Match`: every write sets a new `updated_at` (microseconds).
    pub fn etag(&self) -> String {
        format!(
            "\"tenant-{}-{}\"",
            self.id.0,
            self.updated_at.and_utc().timestamp_micros()
        )
    }
}

impl From<TenantRow> for Tenant {
    fn from(row: TenantRow) -> Self {
        Self {
            id: row.id(),
            slug: row.slug().to_owned(),
            name: row.name().to_owned(),
            status: if row.status() == "suspended" {
                TenantStatus::Suspended
            } else {
                TenantStatus::Active
            },
            created_at: row.created_at(),
            updated_at: row.updated_at(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct TenantPatch {
    pub name: Option<String>,
    pub status: Option<TenantStatus>,
    /// The client's `If-Match`: the change applies only to that version
    /// (else `PreconditionFailed`). `None` changes whatever is current.
    pub if_match: Option<String>,
}

/// How many times a write whose row changed under it reads it again.
const WRITE_ATTEMPTS: usize = 3;

pub struct TenantService {
    pub(crate) db: Db,
    pub(crate) directory: Arc<SiteDirectory>,
    pub(crate) sites: Arc<SiteService>,
}

pub(crate) fn check_tenant_name(errors: &mut ValidationErrors, name: &str) {
    if !atrium_core::is_name(name, 255) {
        errors.add("name", "must be 1 to 255 characters");
    }
}

impl TenantService {
    pub fn new(db: Db, directory: Arc<SiteDirectory>, sites: Arc<SiteService>) -> Self {
        Self {
            db,
            directory,
            sites,
        }
    }

    pub async fn list(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<Tenant>, TenantsError> {
        authorize(caller, Action::ManageTenants, Place::Platform)?;
        let rows = self
            .db
            .platform(Access::Read, move |tx| {
                tenants::list(tx, page.after, page.fetch_limit())
            })
            .await?;
        Ok(Page::from_rows(rows, page, |row| row.id().0).map(Tenant::from))
    }

    pub async fn get(&self, caller: &Caller, slug: &str) -> Result<Tenant, TenantsError> {
        authorize(caller, Action::ManageTenants, Place::Platform)?;
        let slug = slug.to_owned();
        let row = self
            .db
            .platform(Access::Read, move |tx| tenants::find_by_slug(tx, &slug))
            .await
            .map_err(not_found)?;
        Ok(row.into())
    }

    /// Renames, suspends or reactivates. A suspended tenant answers 403 on
    /// all its hosts from the moment this returns.
    pub async fn update(
        &self,
        caller: &Caller,
        slug: &str,
        patch: TenantPatch,
    ) -> Result<Tenant, TenantsError> {
        authorize(caller, Action::ManageTenants, Place::Platform)?;
        let mut errors = ValidationErrors::default();
        if let Some(name) = &patch.name {
            check_tenant_name(&mut errors, name);
        }
        errors.into_result()?;
        let slug = slug.to_owned();
        let author = Author::of(caller);
        let row = self
            .db
            .platform(Access::Write, move |tx| {
                // The If-Match check and the write are one: the update only
                // applies to the version read here, and a writer that got in
                // between sends us round again to read (and check) its version.
                for _ in 0..WRITE_ATTEMPTS {
                    let current = tenants::find_by_slug(tx, &slug).map_err(not_found)?;
                    if let Some(tags) = patch.if_match.as_deref() {
                        let etag = Tenant::from(current.clone()).etag();
                        if !atrium_core::etag::if_match(tags, &etag, true) {
                            return Err(TenantsError::PreconditionFailed);
                        }
                    }
                    let changes = tenants::TenantChanges {
                        name: patch.name.as_deref(),
                        status: patch.status.map(TenantStatus::as_str),
                    };
                    match tenants::update(tx, &current, changes) {
                        Err(DbError::NotFound) => continue,
                        Err(other) => return Err(other.into()),
                        Ok(row) => {
                            record_platform(
                                tx,
                                &author,
                                Change {
                                    action: "tenant.update",
                                    target_type: "tenant",
                                    target_id: slug.clone(),
                                    before: Some(&Tenant::from(current)),
                                    after: Some(&Tenant::from(row.clone())),
                                },
                            )?;
                            return Ok(row);
                        }
                    }
                }
                Err(TenantsError::Conflict(
                    "the tenant is changing concurrently; retry".into(),
                ))
            })
            .await?;
        self.directory.invalidate();
        Ok(row.into())
    }

    /// Deletes the tenant and every row it owns.
    pub async fn delete(&self, caller: &Caller, slug: &str) -> Result<(), TenantsError> {
        authorize(caller, Action::ManageTenants, Place::Platform)?;
        let slug = slug.to_owned();
        let author = Author::of(caller);
        self.db
            .platform(Access::Write, move |tx| {
                let before = Tenant::from(tenants::find_by_slug(tx, &slug).map_err(not_found)?);
                tenants::delete(tx, &slug).map_err(not_found)?;
                record_platform(
                    tx,
                    &author,
                    Change {
                        action: "tenant.delete",
                        target_type: "tenant",
                        target_id: slug.clone(),
                        before: Some(&before),
                        after: None::<&()>,
                    },
                )?;
                Ok::<_, TenantsError>(())
            })
            .await?;
        self.directory.invalidate();
        Ok(())
    }
}

pub(crate) fn not_found(error: DbError) -> TenantsError {
    match error {
        DbError::NotFound => TenantsError::NotFound,
        other => other.into(),
    }
}
