//! Content libraries (`lib:ORG:SLUG`): created and partitioned like
//! courses. Creating one needs `Action::CreateCourse` in its (active)
//! organization, and its creator (an account) becomes its course
//! instructor, a grant on `course:lib:ORG:SLUG`; reading, listing and
//! changing one follow `Action::AuthorCourse` at `Place::Course` with the
//! library's key, so organization roles reach the libraries of their
//! subtree and a library's team its own. A library the caller cannot see
//! is a `404`.

use std::collections::HashMap;

use atrium_audit::{Author, Change};
use atrium_core::{LibraryId, OrganizationId, Page, PageRequest, ValidationErrors};
use atrium_db::libraries::{self, LibraryChanges, LibraryRow, NewLibrary as LibraryInsert};
use atrium_db::{Access, DbError, RowLock, TenantScope, TenantTx};
use atrium_organizations::tx::{all_lineages, find_by_short_name, hold_tree, lineage};
use atrium_permissions::{
    authorize, may, Action, Caller, Denied, GrantScope, Lineage, Place, Role,
};
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::access::{authored_keys, authorize_visible_at, can_see_at, lists_organization};
use crate::keys::{is_key_part, LibraryKey, KEY_PART_RULE};
use crate::studio::organization_for_new_course;
use crate::{Courses, CoursesError};

/// A content library as the domain hands it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Library {
    pub id: LibraryId,
    /// `lib:ORG:SLUG`.
    pub key: String,
    pub organization_id: OrganizationId,
    /// The `ORG` of the key: the organization's short name.
    pub org: String,
    pub slug: String,
    pub display_name: String,
    pub description: String,
    /// Grows by one with every change: the `ETag` and `If-Match` value.
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Library {
    /// The strong entity tag of this version.
    pub fn etag(&self) -> String {
        format!("\"v{}\"", self.version)
    }
}

impl From<LibraryRow> for Library {
    fn from(row: LibraryRow) -> Self {
        let org = LibraryKey::parse(&row.library_key)
            .map(|key| key.org)
            .unwrap_or_default();
        Self {
            id: LibraryId(row.id),
            key: row.library_key,
            organization_id: OrganizationId(row.organization_id),
            org,
            slug: row.slug,
            display_name: row.display_name,
            description: row.description,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A library to create.
#[derive(Debug, Clone, Default)]
pub struct NewLibrary {
    /// The short name of an active organization of the tenant.
    pub org: String,
    pub slug: String,
    pub display_name: String,
    pub description: String,
}

/// A change of a library; `None` leaves a field as it is. The key never
/// changes.
#[derive(Debug, Clone, Default)]
pub struct LibraryPatch {
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// The client's `If-Match`: the change applies only to that version.
    pub if_match: Option<String>,
}

const DISPLAY_NAME_RULE: &str =
    "must be 1 to 255 characters, not blank, without control characters";
const DESCRIPTION_RULE: &str = "must be at most 10,000 characters, without control characters";

fn check_texts(display_name: &str, description: &str, errors: &mut ValidationErrors) {
    if !atrium_core::is_name(display_name, 255) {
        errors.add("display_name", DISPLAY_NAME_RULE);
    }
    if !atrium_organizations::is_description(description) {
        errors.add("description", DESCRIPTION_RULE);
    }
}

impl NewLibrary {
    /// Checks the key's parts and the texts, each broken rule a field
    /// error; answers the key.
    pub fn validate(&self) -> Result<LibraryKey, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        for (field, value) in [("org", &self.org), ("slug", &self.slug)] {
            if !is_key_part(value) {
                errors.add(field, KEY_PART_RULE);
            }
        }
        check_texts(&self.display_name, &self.description, &mut errors);
        errors.into_result()?;
        Ok(LibraryKey {
            org: self.org.clone(),
            slug: self.slug.clone(),
        })
    }
}

/// A library with the lineage of its organization.
struct Located {
    library: Library,
    lineage: Lineage,
}

impl Located {
    fn place(&self) -> Place<'_> {
        Place::Course(&self.lineage, &self.library.key)
    }
}

fn missing() -> CoursesError {
    CoursesError::NotFound("library")
}

/// The library `key` names, with its lineage, held as `lock` says when
/// given (see [`RowLock`]); `NotFound` for a key that is malformed,
/// absent, or another tenant's.
fn locate(
    tx: &mut TenantTx<'_>,
    key: &str,
    lock: Option<RowLock>,
) -> Result<Located, CoursesError> {
    LibraryKey::parse(key).ok_or_else(missing)?;
    let row = match lock {
        Some(lock) => libraries::find_by_key_locked(tx, key, lock)?,
        None => libraries::find_by_key(tx, key)?,
    };
    let library = Library::from(row.ok_or_else(missing)?);
    let lineage = lineage(tx, library.organization_id)?.ok_or_else(missing)?;
    Ok(Located { library, lineage })
}

/// Whether `caller` may see the library at all: libraries are never open
/// to the whole tenant, only to their authors and previewers.
fn can_see(caller: &Caller, at: &Located) -> Result<bool, Denied> {
    can_see_at(caller, at.place(), false)
}

/// `authorize` for `action` on a library, a `404` for a caller who cannot
/// see it.
fn authorize_visible(caller: &Caller, action: Action, at: &Located) -> Result<(), CoursesError> {
    authorize_visible_at(caller, action, at.place(), false, "library")
}

fn record(
    tx: &mut TenantTx<'_>,
    author: &Author,
    action: &str,
    key: &str,
    before: Option<&Library>,
    after: Option<&Library>,
) -> Result<(), CoursesError> {
    atrium_audit::record(
        tx,
        author,
        Change {
            action,
            target_type: "library",
            target_id: key.to_owned(),
            before,
            after,
        },
    )?;
    Ok(())
}

impl Courses {
    /// A page of the libraries the caller may author, in creation order: a
    /// tenant admin all of the tenant's; an organization role those of its
    /// subtree; a library's team its own; an API client with
    /// `courses:write` those of its organization's subtree (all, unlimited).
    pub async fn list_libraries(
        &self,
        caller: &Caller,
        scope: TenantScope,
        page: PageRequest,
    ) -> Result<Page<Library>, CoursesError> {
        atrium_permissions::authenticated(caller)?;
        let caller = caller.clone();
        let rows = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                let tenant = tx.tenant_id();
                let visible = if may(&caller, Action::AuthorCourse, Place::Tenant(tenant))? {
                    libraries::Visible {
                        everything: true,
                        ..libraries::Visible::default()
                    }
                } else {
                    let lineages = all_lineages(tx)?;
                    authorable(&caller, &lineages)?
                };
                Ok::<_, CoursesError>(libraries::list(
                    tx,
                    &visible,
                    page.after,
                    page.fetch_limit(),
                )?)
            })
            .await?;
        Ok(Page::from_rows(rows, page, |row| row.id).map(Library::from))
    }

    /// One library, for those who may author or preview it.
    pub async fn get_library(
        &self,
        caller: &Caller,
        scope: TenantScope,
        key: String,
    ) -> Result<Library, CoursesError> {
        atrium_permissions::authenticated(caller)?;
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Read, move |tx| {
                let at = locate(tx, &key, None)?;
                if !can_see(&caller, &at)? {
                    return Err(missing());
                }
                Ok(at.library)
            })
            .await
    }

    /// Creates a library in an active organization of the tenant (a
    /// `400` on `org` otherwise), for those who may create courses there;
    /// an account that creates one becomes its course instructor, in the
    /// same transaction. A taken key is a `409`.
    pub async fn create_library(
        &self,
        caller: &Caller,
        scope: TenantScope,
        new: NewLibrary,
    ) -> Result<Library, CoursesError> {
        atrium_permissions::authenticated(caller)?;
        let key = new.validate()?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                // The library will refer to its organization: a concurrent
                // deletion of it waits, or this for it.
                hold_tree(tx)?;
                let org = organization_for_new_course(find_by_short_name(tx, &key.org)?, "org")?;
                let lineage = lineage(tx, org.id)?.ok_or(CoursesError::NotFound("organization"))?;
                authorize(&caller, Action::CreateCourse, Place::Organization(&lineage))?;
                let key_text = key.to_string();
                let row = libraries::insert(
                    tx,
                    LibraryInsert {
                        organization_id: org.id.0,
                        library_key: &key_text,
                        slug: &key.slug,
                        display_name: new.display_name.trim(),
                        description: &new.description,
                    },
                )
                .map_err(|e| match e {
                    DbError::UniqueViolation { .. } => {
                        CoursesError::Conflict(format!("the library {key_text} exists already"))
                    }
                    other => other.into(),
                })?;
                let library = Library::from(row);
                record(
                    tx,
                    &author,
                    "library.create",
                    &library.key,
                    None,
                    Some(&library),
                )?;
                if let Caller::User { id, .. } = &caller {
                    atrium_organizations::tx::grant(
                        tx,
                        &author,
                        *id,
                        Role::CourseInstructor,
                        &GrantScope::Course(key_text.clone()),
                        Some(org.id),
                    )?;
                }
                Ok(library)
            })
            .await
    }

    /// Changes a library's name or description, for its authors. With
    /// `If-Match` (the `ETag` of a read) only that version changes, else
    /// `412`; the version grows by one in the same statement either way.
    pub async fn update_library(
        &self,
        caller: &Caller,
        scope: TenantScope,
        key: String,
        patch: LibraryPatch,
    ) -> Result<Library, CoursesError> {
        atrium_permissions::authenticated(caller)?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                // Held until the commit: the version compared and bumped
                // below is the current one, so a change without If-Match
                // never fails on a concurrent one.
                let at = locate(tx, &key, Some(RowLock::Update))?;
                authorize_visible(&caller, Action::AuthorCourse, &at)?;
                let before = at.library;
                if let Some(tags) = &patch.if_match {
                    if !atrium_core::etag::if_match(tags, &before.etag(), true) {
                        return Err(CoursesError::PreconditionFailed);
                    }
                }
                let display_name = patch
                    .display_name
                    .unwrap_or_else(|| before.display_name.clone());
                let description = patch
                    .description
                    .unwrap_or_else(|| before.description.clone());
                let mut errors = ValidationErrors::default();
                check_texts(&display_name, &description, &mut errors);
                errors.into_result()?;
                let changes = LibraryChanges {
                    display_name: display_name.trim(),
                    description: &description,
                };
                let updated_at = libraries::update(tx, before.id.0, before.version, &changes)
                    .map_err(|e| match e {
                        DbError::NotFound => missing(),
                        other => other.into(),
                    })?;
                let after = Library {
                    display_name: changes.display_name.to_owned(),
                    description,
                    version: before.version + 1,
                    updated_at,
                    ..before.clone()
                };
                record(
                    tx,
                    &author,
                    "library.update",
                    &after.key,
                    Some(&before),
                    Some(&after),
                )?;
                Ok(after)
            })
            .await
    }

    /// Deletes a library and every grant on it (its team), in one
    /// transaction. Who may create courses and libraries in its
    /// organization may, and so may who manages its team (its course
    /// instructors, and the organization admins and instructors above it).
    pub async fn delete_library(
        &self,
        caller: &Caller,
        scope: TenantScope,
        key: String,
    ) -> Result<(), CoursesError> {
        atrium_permissions::authenticated(caller)?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                // Held against a grant on it made meanwhile, which would
                // outlive the library (grants hold the row shared).
                let at = locate(tx, &key, Some(RowLock::Update))?;
                let creates = may(
                    &caller,
                    Action::CreateCourse,
                    Place::Organization(&at.lineage),
                )?;
                if !creates {
                    authorize_visible(&caller, Action::ManageCourseTeam, &at)?;
                }
                atrium_organizations::tx::revoke_all_on(
                    tx,
                    &author,
                    &GrantScope::Course(at.library.key.clone()),
                )?;
                libraries::delete(tx, at.library.id.0).map_err(|e| match e {
                    DbError::NotFound => missing(),
                    other => other.into(),
                })?;
                record(
                    tx,
                    &author,
                    "library.delete",
                    &at.library.key,
                    Some(&at.library),
                    None,
                )?;
                Ok(())
            })
            .await
    }
}

/// The libraries `caller` may list besides a tenant-wide role, as Studio
/// lists courses: those of the organizations where an organization role
/// (or an API client's subtree and scopes) lets it author, and those its
/// library grants name.
fn authorable(
    caller: &Caller,
    lineages: &HashMap<OrganizationId, Lineage>,
) -> Result<libraries::Visible, Denied> {
    let mut organizations = Vec::new();
    for (id, lineage) in lineages {
        if lists_organization(caller, lineage)? {
            organizations.push(id.0);
        }
    }
    Ok(libraries::Visible {
        everything: false,
        organizations,
        keys: authored_keys(caller, lineages, "lib:", None)?,
    })
}
