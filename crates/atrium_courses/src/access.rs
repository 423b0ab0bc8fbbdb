//! Where a course is, and who may see it: every method that acts on one
//! course or library reads it with its organization's lineage here, and
//! asks [`authorize_visible`] rather than `authorize` directly, so that a
//! course the caller cannot see answers `404` everywhere, never `403`.

use atrium_db::{courses, TenantTx};
use atrium_organizations::tx::lineage;
use atrium_permissions::{may, Action, Caller, Denied, Lineage, Place};

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
    let missing = || CoursesError::NotFound("course");
    CourseKey::parse(key).ok_or_else(missing)?;
    let course = Course::from(courses::find_by_key(tx, key)?.ok_or_else(missing)?);
    let lineage = lineage(tx, course.organization_id)?.ok_or_else(missing)?;
    Ok(Located { course, lineage })
}

/// Whether `caller` may see `at` at all: its authors and previewers
/// (team, organization roles, tenant admins, API clients with a courses
/// scope there), and any account of its tenant when it is public or
/// unlisted.
pub(crate) fn can_see(caller: &Caller, at: &Located) -> Result<bool, Denied> {
    let place = at.place();
    Ok(may(caller, Action::AuthorCourse, place)?
        || may(caller, Action::PreviewCourse, place)?
        || (at.course.visibility != Visibility::Private
            && matches!(caller, Caller::User { tenant, .. } if Some(*tenant) == place.tenant())))
}

/// `authorize` for an action on one course, except that a caller who
/// cannot see the course at all is told it does not exist (`404`).
pub(crate) fn authorize_visible(
    caller: &Caller,
    action: Action,
    at: &Located,
) -> Result<(), CoursesError> {
    if may(caller, action, at.place())? {
        Ok(())
    } else if can_see(caller, at)? {
        Err(Denied::Forbidden(action.describe()).into())
    } else {
        Err(CoursesError::NotFound("course"))
    }
}
