//! Where a course is, and who may see it: every method that acts on one
//! course reads it with its organization's lineage here, and asks
//! [`authorize_visible`] rather than `authorize` directly, so that a course
//! the caller cannot see answers `404` everywhere, never `403`. Libraries
//! locate themselves but decide visibility through the same
//! [`can_see_at`] and [`authorize_visible_at`].

use std::collections::{BTreeSet, HashMap, HashSet};

use atrium_core::OrganizationId;
use atrium_db::{courses, RowLock, TenantTx};
use atrium_organizations::tx::lineage;
use atrium_permissions::{may, Action, Caller, Denied, GrantScope, Lineage, Place};

use crate::{Course, CourseKey, CoursesError, Visibility};

/// A course with the lineage of its organization: where actions on it
/// happen.
pub(crate) struct Located {
    pub course: Course,
    pub lineage: Lineage,
}

impl Located {
    pub fn place(&self) -> Place<'_> {
        Place::Course(&self.lineage, &self.course.key)
    }
}

/// The course `key` names, with its lineage; `NotFound` for a key that is
/// malformed, absent, or another tenant's.
pub(crate) fn locate(tx: &mut TenantTx<'_>, key: &str) -> Result<Located, CoursesError> {
    locate_as(tx, key, None)
}

/// [`locate`], holding the course row until the transaction ends (see
/// [`RowLock`]): what a write decides from the course (its seats, its
/// existence) stays true until it commits.
pub(crate) fn locate_held(
    tx: &mut TenantTx<'_>,
    key: &str,
    lock: RowLock,
) -> Result<Located, CoursesError> {
    locate_as(tx, key, Some(lock))
}

fn locate_as(
    tx: &mut TenantTx<'_>,
    key: &str,
    lock: Option<RowLock>,
) -> Result<Located, CoursesError> {
    let missing = || CoursesError::NotFound("course");
    CourseKey::parse(key).ok_or_else(missing)?;
    let row = match lock {
        Some(lock) => courses::find_by_key_locked(tx, key, lock)?,
        None => courses::find_by_key(tx, key)?,
    };
    let course = Course::from(row.ok_or_else(missing)?);
    let lineage = lineage(tx, course.organization_id)?.ok_or_else(missing)?;
    Ok(Located { course, lineage })
}

/// Whether `caller` may see `at` at all (see [`can_see_at`]); any
/// account of its tenant sees a public or unlisted course.
pub(crate) fn can_see(caller: &Caller, at: &Located) -> Result<bool, Denied> {
    can_see_at(
        caller,
        at.place(),
        at.course.visibility != Visibility::Private,
    )
}

/// Whether `caller` may see the course or library at `place` at all: its
/// authors and previewers (team, organization roles, tenant admins, API
/// clients with a courses scope there), and, when it is `open_to_tenant`,
/// any account of its tenant.
pub(crate) fn can_see_at(
    caller: &Caller,
    place: Place<'_>,
    open_to_tenant: bool,
) -> Result<bool, Denied> {
    Ok(may(caller, Action::AuthorCourse, place)?
        || may(caller, Action::PreviewCourse, place)?
        || (open_to_tenant
            && matches!(caller, Caller::User { tenant, .. } if Some(*tenant) == place.tenant())))
}

/// `authorize` for an action on one course, except that a caller who
/// cannot see the course at all is told it does not exist (`404`).
pub(crate) fn authorize_visible(
    caller: &Caller,
    action: Action,
    at: &Located,
) -> Result<(), CoursesError> {
    authorize_visible_at(
        caller,
        action,
        at.place(),
        at.course.visibility != Visibility::Private,
        "course",
    )
}

/// `authorize` for an action on the course or library at `place` (`what`
/// a 404 calls it), a `404` for a caller who cannot see it at all.
pub(crate) fn authorize_visible_at(
    caller: &Caller,
    action: Action,
    place: Place<'_>,
    open_to_tenant: bool,
    what: &'static str,
) -> Result<(), CoursesError> {
    if may(caller, action, place)? {
        Ok(())
    } else if can_see_at(caller, place, open_to_tenant)? {
        Err(Denied::Forbidden(action.describe()).into())
    } else {
        Err(CoursesError::NotFound(what))
    }
}

/// Whether `caller` may author every course and library of the
/// organization at `lineage` (without a course role): Studio lists those
/// organizations' courses and libraries. API clients hold no roles; one with `courses:read` there
/// lists what it may preview.
pub(crate) fn lists_organization(caller: &Caller, lineage: &Lineage) -> Result<bool, Denied> {
    let place = Place::Organization(lineage);
    Ok(may(caller, Action::AuthorCourse, place)?
        || (matches!(caller, Caller::Client { .. }) && may(caller, Action::PreviewCourse, place)?))
}

/// The keys starting with `prefix` (`course-v1:` or `lib:`) that
/// `caller`'s course roles let it author, each checked at its place;
/// `within` limits them to those organizations.
pub(crate) fn authored_keys(
    caller: &Caller,
    lineages: &HashMap<OrganizationId, Lineage>,
    prefix: &str,
    within: Option<&HashSet<OrganizationId>>,
) -> Result<Vec<String>, Denied> {
    let mut keys = BTreeSet::new();
    for grant in caller.grants() {
        let (GrantScope::Course(key), Some(org)) = (&grant.scope, grant.organization) else {
            continue;
        };
        if !key.starts_with(prefix) || within.is_some_and(|w| !w.contains(&org)) {
            continue;
        }
        if let Some(lineage) = lineages.get(&org) {
            if may(caller, Action::AuthorCourse, Place::Course(lineage, key))? {
                keys.insert(key.clone());
            }
        }
    }
    Ok(keys.into_iter().collect())
}
