//! Reruns: a new run of a course, in the same organization and with the
//! same number, its settings and team copied (the dates and name sent
//! replace the source's), recording what it was rerun from.

use atrium_audit::Author;
use atrium_core::{UserId, ValidationErrors};
use atrium_db::{Access, RowLock, TenantScope};
use atrium_organizations::tx::hold_tree;
use atrium_permissions::{authenticated, authorize, Action, Caller, GrantScope, Place, Role};
use chrono::{DateTime, Utc};

use crate::access::{authorize_visible, locate_held};
use crate::keys::{is_key_part, CourseKey, KEY_PART_RULE};
use crate::studio::{creator_joins, grant_team, insert_course, rerun_fields};
use crate::{Course, Courses, CoursesError};

/// `POST /api/v1/courses/{course_key}/reruns`.
#[derive(Debug, Clone, Default)]
pub struct Rerun {
    pub run: String,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub display_name: Option<String>,
}

impl Courses {
    /// Makes a rerun of `source` (which the caller must see, else `404`):
    /// it needs `CreateCourse` at the course's organization, which must be
    /// active (else `409`). Every course-scoped grant of the source is made again on
    /// the rerun, and a user who makes it becomes its instructor too.
    pub async fn rerun_course(
        &self,
        caller: &Caller,
        scope: TenantScope,
        source: String,
        rerun: Rerun,
    ) -> Result<Course, CoursesError> {
        authenticated(caller)?;
        if !is_key_part(&rerun.run) {
            return Err(ValidationErrors::single("run", KEY_PART_RULE).into());
        }
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                hold_tree(tx)?;
                // Held shared: the source, and so the team copied from it,
                // is not deleted under the rerun.
                let at = locate_held(tx, &source, RowLock::Share)?;
                // A rerun copies the source's settings and team: as in
                // Studio, who may not edit the source may not copy it.
                authorize_visible(&caller, Action::AuthorCourse, &at)?;
                authorize(
                    &caller,
                    Action::CreateCourse,
                    Place::Organization(&at.lineage),
                )?;
                // The rerun names no organization of its own, so a
                // deactivated one is the state's fault: a 409, not a field.
                let active =
                    atrium_organizations::tx::find_by_ids(tx, &[at.course.organization_id])?
                        .into_iter()
                        .next()
                        .is_some_and(|org| org.accepts_new_courses());
                if !active {
                    return Err(CoursesError::Conflict(format!(
                        "the organization {} is deactivated and takes no new courses",
                        at.course.org
                    )));
                }
                let key = CourseKey {
                    org: at.course.org.clone(),
                    number: at.course.number.clone(),
                    run: rerun.run.clone(),
                };
                let settings = rerun_fields(
                    &at.course,
                    rerun.start,
                    rerun.end,
                    rerun.display_name.clone(),
                )
                .validate()?;
                let course = insert_course(
                    tx,
                    &author,
                    "course.rerun",
                    at.course.organization_id,
                    &key,
                    &settings,
                    Some(&at.course.key),
                )?;
                let team = atrium_permissions::tx::grants_on_scope(
                    tx,
                    &GrantScope::Course(at.course.key.clone()),
                )?;
                let members: Vec<(UserId, Role)> = team
                    .into_iter()
                    // A role this version does not know is not copied.
                    .filter_map(|row| Some((UserId(row.user_id), Role::parse(&row.role)?)))
                    .chain(creator_joins(&caller))
                    .collect();
                grant_team(tx, &author, &course, members)?;
                Ok(course)
            })
            .await
    }
}
