//! Courses and libraries read inside another domain's transaction: the
//! organizations domain asks what holds an organization before deleting
//! it, and whether a course-scoped grant names something that exists.

use atrium_core::OrganizationId;
use atrium_db::{courses, libraries, DbResult, TenantTx};

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
/// of `key`.
pub fn content_exists(tx: &mut TenantTx<'_>, key: &str) -> DbResult<bool> {
    Ok(if key.starts_with("lib:") {
        libraries::find_by_key(tx, key)?.is_some()
    } else {
        courses::find_by_key(tx, key)?.is_some()
    })
}
