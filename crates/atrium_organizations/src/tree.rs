//! The organization tree of a tenant: listing, reading, creating, changing
//! (moving included) and deleting organizations.
//!
//! Rules: a short name is unique in its tenant and never changes (course
//! keys, grants and `course_org_filter` name it); a parent is an
//! organization of the same tenant, never the organization itself or one
//! below it; the tree is at most [`MAX_DEPTH`] deep (a top-level
//! organization is at depth 1). A parent that the tenant does not have is a
//! `400` on `parent`, like any other bad field of the body (the path's
//! organization, when unknown, is a `404`). The root organization made at
//! provisioning stays at the top and cannot be deleted; an organization
//! that something still holds (children, grants, or what other domains
//! register, see [`crate::HolderCheck`]) cannot be deleted either (`409`
//! naming what holds it).
//!
//! Every write here checks the tree and then changes it, so each takes the
//! tenant's tree lock first (`atrium_db::organizations::lock_tree`): two
//! crossing moves cannot both pass the cycle check, and what other domains
//! write referring to an organization (they hold the lock shared, see
//! [`crate::tx::hold_tree`]) cannot slip in behind a deletion's checks.

use std::collections::HashMap;

use atrium_audit::{Author, Change};
use atrium_core::{OrganizationId, Page, PageRequest, ValidationErrors};
use atrium_db::creator_requests;
use atrium_db::organizations::{self, OrganizationChanges, TreeLock};
use atrium_db::{Access, DbError, TenantScope, TenantTx};
use atrium_permissions::{authorize, Action, Caller, Lineage, Place};

use crate::tx::{allowed, lineage, lineages_of, subtree};
use crate::{
    is_description, is_logo_url, is_short_name, Organization, Organizations, OrganizationsError,
};

/// The deepest an organization may sit; a top-level one is at depth 1.
pub const MAX_DEPTH: usize = 8;

/// An organization to create, top-level or under `parent` (a short name).
#[derive(Debug, Clone, Default)]
pub struct NewChildOrganization {
    pub short_name: String,
    pub name: String,
    pub description: String,
    pub logo_url: String,
    pub is_active: bool,
    pub parent: Option<String>,
}

/// A change; `None` leaves a field as it is. `parent: Some(None)` moves the
/// organization to the top level. `short_name` may only repeat the current
/// one (it is immutable).
#[derive(Debug, Clone, Default)]
pub struct OrganizationPatch {
    pub short_name: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub logo_url: Option<String>,
    pub is_active: Option<bool>,
    pub parent: Option<Option<String>>,
}

fn check_fields(
    errors: &mut ValidationErrors,
    name: Option<&str>,
    description: Option<&str>,
    logo_url: Option<&str>,
) {
    if name.is_some_and(|name| !atrium_core::is_name(name, 255)) {
        errors.add(
            "name",
            "must be 1 to 255 characters, not blank, without control characters",
        );
    }
    if description.is_some_and(|d| !is_description(d)) {
        errors.add(
            "description",
            "must be at most 10,000 characters, without control characters",
        );
    }
    if logo_url.is_some_and(|url| !is_logo_url(url)) {
        errors.add("logo_url", "must be an https:// URL, or empty");
    }
}

/// The organization whose short name is `short_name`, or 404.
pub(crate) fn find(
    tx: &mut TenantTx<'_>,
    short_name: &str,
) -> Result<Organization, OrganizationsError> {
    let row = organizations::find_by_short_name(tx, short_name)?
        .ok_or(OrganizationsError::NotFound("organization"))?;
    let mut org = Organization::from(row);
    with_parents(tx, std::slice::from_mut(&mut org))?;
    Ok(org)
}

/// The lineage of an organization read in this transaction.
pub(crate) fn lineage_of(
    tx: &mut TenantTx<'_>,
    org: &Organization,
) -> Result<Lineage, OrganizationsError> {
    lineage(tx, org.id)?.ok_or(OrganizationsError::NotFound("organization"))
}

/// Fills each organization's parent short name (one query).
pub(crate) fn with_parents(
    tx: &mut TenantTx<'_>,
    orgs: &mut [Organization],
) -> Result<(), OrganizationsError> {
    let ids: Vec<i64> = orgs
        .iter()
        .filter_map(|o| o.parent_id.map(|p| p.0))
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let names: HashMap<i64, String> = organizations::find_by_ids(tx, &ids)?
        .into_iter()
        .map(|row| (row.id, row.short_name))
        .collect();
    for org in orgs {
        org.parent = org.parent_id.and_then(|p| names.get(&p.0).cloned());
    }
    Ok(())
}

/// A parent named in a body: unknown in this tenant is a field error.
fn parent_named(
    tx: &mut TenantTx<'_>,
    short_name: &str,
) -> Result<(Organization, Lineage), OrganizationsError> {
    let unknown = || ValidationErrors::single("parent", "no such organization in this tenant");
    let row = organizations::find_by_short_name(tx, short_name)?.ok_or_else(unknown)?;
    let parent = Organization::from(row);
    let lineage = lineage(tx, parent.id)?.ok_or_else(unknown)?;
    Ok((parent, lineage))
}

fn too_deep() -> OrganizationsError {
    ValidationErrors::single(
        "parent",
        format!("the organization tree is at most {MAX_DEPTH} levels deep"),
    )
    .into()
}

/// How many levels `root`'s subtree spans (1: no children).
fn height(shape: &[(i64, Option<i64>)], root: i64) -> usize {
    let mut level = vec![root];
    let mut height = 0;
    while !level.is_empty() && height <= MAX_DEPTH * 8 {
        height += 1;
        level = shape
            .iter()
            .filter(|(_, parent)| parent.is_some_and(|p| level.contains(&p)))
            .map(|(id, _)| *id)
            .collect();
    }
    height
}

fn taken(error: DbError) -> OrganizationsError {
    match error {
        DbError::UniqueViolation { .. } => OrganizationsError::ShortNameTaken,
        other => other.into(),
    }
}

impl Organizations {
    /// A page of the organizations the caller may see, in id order; with
    /// `parent`, only that organization's children (404 when the tenant
    /// has no such organization).
    pub async fn list_organizations(
        &self,
        caller: &Caller,
        scope: TenantScope,
        parent: Option<String>,
        page: PageRequest,
    ) -> Result<Page<Organization>, OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let caller = caller.clone();
        let rows = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                let parent_id = match &parent {
                    Some(short_name) => {
                        let parent = find(tx, short_name)?;
                        authorize(
                            &caller,
                            Action::ViewOrganizations,
                            Place::Organization(&lineage_of(tx, &parent)?),
                        )?;
                        Some(parent.id.0)
                    }
                    None => None,
                };
                // A tenant has few organizations: its tree's shape is read
                // whole (one query), the page chosen in memory by each
                // organization's lineage (a caller limited to a subtree sees
                // that subtree), and its rows read by id (one more): a
                // narrow caller in a large tree costs no more statements.
                let shape = organizations::shape(tx)?;
                let lineages = lineages_of(tx.tenant_id(), &shape);
                let after = page.after.unwrap_or(0);
                let mut candidates: Vec<i64> = shape
                    .iter()
                    .filter(|(id, parent)| {
                        *id > after && parent_id.is_none_or(|wanted| *parent == Some(wanted))
                    })
                    .map(|(id, _)| *id)
                    .collect();
                candidates.sort_unstable();
                let mut chosen = Vec::new();
                for id in candidates {
                    if chosen.len() as i64 >= page.fetch_limit() {
                        break;
                    }
                    if allowed(
                        &caller,
                        &lineages,
                        Action::ViewOrganizations,
                        OrganizationId(id),
                    )? {
                        chosen.push(id);
                    }
                }
                let mut rows = organizations::find_by_ids(tx, &chosen)?;
                rows.sort_unstable_by_key(|row| row.id);
                let mut orgs: Vec<Organization> =
                    rows.into_iter().map(Organization::from).collect();
                with_parents(tx, &mut orgs)?;
                Ok::<_, OrganizationsError>(orgs)
            })
            .await?;
        Ok(Page::from_rows(rows, page, |org| org.id.0))
    }

    pub async fn get_organization(
        &self,
        caller: &Caller,
        scope: TenantScope,
        short_name: String,
    ) -> Result<Organization, OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Read, move |tx| {
                let org = find(tx, &short_name)?;
                authorize(
                    &caller,
                    Action::ViewOrganizations,
                    Place::Organization(&lineage_of(tx, &org)?),
                )?;
                Ok(org)
            })
            .await
    }

    /// Creates an organization: top-level (managing organizations of the
    /// tenant) or under `parent` (managing the parent).
    pub async fn create_organization(
        &self,
        caller: &Caller,
        scope: TenantScope,
        new: NewChildOrganization,
    ) -> Result<Organization, OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let mut errors = ValidationErrors::default();
        if !is_short_name(&new.short_name) {
            errors.add(
                "short_name",
                "must be 1 to 64 letters, digits, '_', '.' or '-'",
            );
        }
        check_fields(
            &mut errors,
            Some(&new.name),
            Some(&new.description),
            Some(&new.logo_url),
        );
        if new.parent.is_none() {
            authorize(
                caller,
                Action::ManageOrganization,
                Place::Tenant(scope.tenant_id()),
            )?;
        }
        errors.into_result()?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                organizations::lock_tree(tx, TreeLock::Change)?;
                let parent = match &new.parent {
                    Some(short_name) => {
                        let (parent, lineage) = parent_named(tx, short_name)?;
                        authorize(
                            &caller,
                            Action::ManageOrganization,
                            Place::Organization(&lineage),
                        )?;
                        if lineage.chain().len() + 1 > MAX_DEPTH {
                            return Err(too_deep());
                        }
                        Some(parent)
                    }
                    None => None,
                };
                let row = organizations::insert(
                    tx,
                    organizations::NewOrganization {
                        short_name: &new.short_name,
                        name: &new.name,
                        description: &new.description,
                        parent_id: parent.as_ref().map(|p| p.id.0),
                        logo_url: &new.logo_url,
                        is_root: false,
                    },
                )
                .map_err(taken)?;
                let row = if new.is_active {
                    row
                } else {
                    organizations::update(
                        tx,
                        row.id,
                        OrganizationChanges {
                            is_active: Some(false),
                            ..Default::default()
                        },
                    )?
                };
                let mut org = Organization::from(row);
                org.parent = parent.map(|p| p.short_name);
                record_created(tx, &author, &org)?;
                Ok(org)
            })
            .await
    }

    /// Changes an organization; a new `parent` moves it (managing both the
    /// organization and its new parent).
    pub async fn update_organization(
        &self,
        caller: &Caller,
        scope: TenantScope,
        short_name: String,
        patch: OrganizationPatch,
    ) -> Result<Organization, OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let mut errors = ValidationErrors::default();
        if patch.short_name.as_ref().is_some_and(|s| *s != short_name) {
            errors.add(
                "short_name",
                "cannot change: course keys and grants name it",
            );
        }
        check_fields(
            &mut errors,
            patch.name.as_deref(),
            patch.description.as_deref(),
            patch.logo_url.as_deref(),
        );
        errors.into_result()?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                organizations::lock_tree(tx, TreeLock::Change)?;
                let before = find(tx, &short_name)?;
                authorize(
                    &caller,
                    Action::ManageOrganization,
                    Place::Organization(&lineage_of(tx, &before)?),
                )?;
                let parent_id = match &patch.parent {
                    None => None,
                    Some(new_parent) if *new_parent == before.parent => None,
                    Some(_) if before.is_root => {
                        return Err(ValidationErrors::single(
                            "parent",
                            "the root organization stays at the top of the tree",
                        )
                        .into())
                    }
                    Some(None) => {
                        authorize(
                            &caller,
                            Action::ManageOrganization,
                            Place::Tenant(tx.tenant_id()),
                        )?;
                        if height(&organizations::shape(tx)?, before.id.0) > MAX_DEPTH {
                            return Err(too_deep());
                        }
                        Some(None)
                    }
                    Some(Some(name)) => {
                        let (parent, lineage) = parent_named(tx, name)?;
                        if lineage.contains(before.id) {
                            return Err(ValidationErrors::single(
                                "parent",
                                "an organization cannot move under itself or one of its descendants",
                            )
                            .into());
                        }
                        authorize(
                            &caller,
                            Action::ManageOrganization,
                            Place::Organization(&lineage),
                        )?;
                        let depth = lineage.chain().len()
                            + height(&organizations::shape(tx)?, before.id.0);
                        if depth > MAX_DEPTH {
                            return Err(too_deep());
                        }
                        Some(Some(parent.id.0))
                    }
                };
                let row = organizations::update(
                    tx,
                    before.id.0,
                    OrganizationChanges {
                        name: patch.name.as_deref(),
                        description: patch.description.as_deref(),
                        logo_url: patch.logo_url.as_deref(),
                        is_active: patch.is_active,
                        parent_id,
                        updated_at: None,
                    },
                )?;
                let mut after = Organization::from(row);
                with_parents(tx, std::slice::from_mut(&mut after))?;
                atrium_audit::record(
                    tx,
                    &author,
                    Change {
                        action: "organization.update",
                        target_type: "organization",
                        target_id: after.short_name.clone(),
                        before: Some(&before),
                        after: Some(&after),
                    },
                )?;
                Ok(after)
            })
            .await
    }

    /// Deletes an organization that nothing holds any more; its
    /// memberships go with it.
    pub async fn delete_organization(
        &self,
        caller: &Caller,
        scope: TenantScope,
        short_name: String,
    ) -> Result<(), OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let author = Author::of(caller);
        let caller = caller.clone();
        let holders = self.holders.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                organizations::lock_tree(tx, TreeLock::Change)?;
                let org = find(tx, &short_name)?;
                authorize(
                    &caller,
                    Action::ManageOrganization,
                    Place::Organization(&lineage_of(tx, &org)?),
                )?;
                if org.is_root {
                    return Err(OrganizationsError::Conflict(
                        "the root organization cannot be deleted".into(),
                    ));
                }
                let mut held = Vec::new();
                let shape = organizations::shape(tx)?;
                let children = subtree(&shape, &[org.id.0]).len() - 1;
                if children > 0 {
                    held.push(format!("{children} organization(s) below it"));
                }
                let grants = atrium_permissions::tx::grants_in_organization(tx, org.id)?;
                if grants > 0 {
                    held.push(format!("{grants} role assignment(s)"));
                }
                let pending = creator_requests::count_pending_in_organization(tx, org.id.0)?;
                if pending > 0 {
                    held.push(format!("{pending} pending course-creator request(s)"));
                }
                for check in &holders {
                    held.extend(check(tx, &org)?);
                }
                if !held.is_empty() {
                    return Err(OrganizationsError::Conflict(format!(
                        "the organization is still held by: {}",
                        held.join(", ")
                    )));
                }
                organizations::delete(tx, org.id.0).map_err(|error| match error {
                    // Something no check above knows of (a newer table).
                    DbError::ForeignKeyViolation { .. } => {
                        OrganizationsError::Conflict("the organization is still referenced".into())
                    }
                    other => other.into(),
                })?;
                atrium_audit::record(
                    tx,
                    &author,
                    Change::<_, ()> {
                        action: "organization.delete",
                        target_type: "organization",
                        target_id: org.short_name.clone(),
                        before: Some(&org),
                        after: None,
                    },
                )?;
                Ok(())
            })
            .await
    }
}

/// Records the creation of `org` in the tenant's audit log.
pub(crate) fn record_created(
    tx: &mut TenantTx<'_>,
    author: &Author,
    org: &Organization,
) -> Result<(), DbError> {
    atrium_audit::record(
        tx,
        author,
        Change::<(), _> {
            action: "organization.create",
            target_type: "organization",
            target_id: org.short_name.clone(),
            before: None,
            after: Some(org),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn height_counts_the_levels_of_a_subtree() {
        let shape = [(1, None), (2, Some(1)), (3, Some(2)), (4, Some(1))];
        assert_eq!(height(&shape, 1), 3);
        assert_eq!(height(&shape, 2), 2);
        assert_eq!(height(&shape, 3), 1);
    }
}
