//! Courses and libraries read inside another domain's transaction: the
//! organizations domain asks what holds an organization before deleting
//! it, and whether a course-scoped grant names something that exists.

use atrium_core::OrganizationId;
use atrium_db::{courses, libraries, DbResult, RowLock, TenantTx};
use atrium_organizations::tx::lineage;
use atrium_permissions::{Caller, Place};

use crate::access::can_see_at;
use crate::{Course, Visibility};

/// What of this domain holds `organization` (`"2 courses"`), or nothing.
pub fn holding(tx: &mut TenantTx<'_>, organization: OrganizationId) -> DbResult<Vec<String>> {
    let mut held = Vec::new();
    let courses = courses::count_in_organization(tx, organization.0)?;
    if courses > 0 {
        held.push(format!(
            "{courses} course{}",
            if courses == 1 { "" } else { "s" }
        ));
    }
    let libraries = libraries::count_in_organization(tx, organization.0)?;
    if libraries > 0 {
        held.push(format!(
            "{libraries} librar{}",
            if libraries == 1 { "y" } else { "ies" }
        ));
    }
    Ok(held)
}

/// Whether the tenant has the course (`course-v1:…`) or library (`lib:…`)
/// of `key` (`None` if not) and whether `caller` may see it, holding its
/// row shared until the transaction ends: for a grant on it (see
/// `atrium_organizations::ContentCheck`).
pub fn content_seen(tx: &mut TenantTx<'_>, caller: &Caller, key: &str) -> DbResult<Option<bool>> {
    let (organization, open_to_tenant) = if key.starts_with("lib:") {
        match libraries::find_by_key_locked(tx, key, RowLock::Share)? {
            Some(library) => (library.organization_id, false),
            None => return Ok(None),
        }
    } else {
        match courses::find_by_key_locked(tx, key, RowLock::Share)? {
            Some(course) => (
                course.organization_id,
                Course::from(course).visibility != Visibility::Private,
            ),
            None => return Ok(None),
        }
    };
    let Some(lineage) = lineage(tx, OrganizationId(organization))? else {
        return Ok(None);
    };
    // Only an anonymous caller is refused outright, and a grant has none.
    Ok(Some(
        can_see_at(caller, Place::Course(&lineage, key), open_to_tenant).unwrap_or(false),
    ))
}
