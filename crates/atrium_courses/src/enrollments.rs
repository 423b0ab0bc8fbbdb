//! Enrollments: learners enroll themselves in the courses open to them,
//! course staff (and API clients with `enrollments:write` in their
//! organization) enroll anyone of the tenant in any of theirs.
//!
//! A learner's own enrollment (`EnrollSelf`) needs a course it can see
//! that is public or unlisted, not invitation only, and open: inside its
//! enrollment window (`enrollment_start <= now < enrollment_end`, each
//! bound optional). Staff (`ManageEnrollments` at the course) are held to
//! none of these. Everyone is held to `enrollment_limit`: the course's row
//! is locked before its active enrollments are counted, so concurrent
//! enrollments cannot overfill it.
//!
//! Answers: a course the caller cannot see is `404`; a learner refused by
//! the course's rules (private, invitation only, window closed) is `403`
//! with the reason; a full course and an enrollment that is active already
//! are `409`. Unenrolling keeps the row, inactive; enrolling again
//! reactivates it.

use std::collections::HashMap;

use atrium_audit::{Author, Change};
use atrium_core::{CourseId, Page, PageRequest, UserId, ValidationErrors};
use atrium_db::enrollments::{self, EnrollmentRow};
use atrium_db::{courses, Access, RowLock, TenantScope};
use atrium_organizations::tx::all_lineages;
use atrium_permissions::{may, Action, Caller, Denied, Place};
use chrono::{NaiveDateTime, Utc};
use serde::Serialize;

use crate::access::{authorize_visible, can_see, locate, locate_held, Located};
use crate::{Course, Courses, CoursesError, Visibility};

/// How many active enrollments of each course a batch of
/// [`Courses::first_enrollments_of_courses`] answers.
pub const ENROLLMENTS_PER_COURSE: i64 = 100;

pub const MODES: [&str; 3] = ["audit", "honor", "verified"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enrollment {
    pub course_id: CourseId,
    pub course_key: String,
    pub course_display_name: String,
    pub user_id: UserId,
    /// `audit`, `honor` or `verified`.
    pub mode: String,
    /// False once unenrolled: the record stays.
    pub is_active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Enrollment {
    fn of(row: EnrollmentRow, course: &Course) -> Self {
        Self::named(row, course.key.clone(), course.display_name.clone())
    }

    fn named(row: EnrollmentRow, course_key: String, course_display_name: String) -> Self {
        Self {
            course_id: CourseId(row.course_id),
            course_key,
            course_display_name,
            user_id: UserId(row.user_id),
            mode: row.mode,
            is_active: row.is_active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// What an enrollment request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enrolled {
    /// A new enrollment (`201`).
    Created,
    /// An inactive enrollment made active again, or an active one's mode
    /// changed by staff (`200`).
    Updated,
}

/// Why a learner may not enroll itself in a course it can see, if it may
/// not: the rules staff are not held to.
fn closed_to_learners(course: &Course, now: NaiveDateTime) -> Option<String> {
    let now = now.and_utc();
    if course.visibility == Visibility::Private {
        return Some("enroll in a private course: its staff enroll its learners".into());
    }
    if course.invitation_only {
        return Some("enroll in this course: it is by invitation only".into());
    }
    if let Some(start) = course.enrollment_start.filter(|start| now < *start) {
        return Some(format!(
            "enroll in this course yet: enrollment opens at {}",
            start.to_rfc3339()
        ));
    }
    if let Some(end) = course.enrollment_end.filter(|end| now >= *end) {
        return Some(format!(
            "enroll in this course any more: enrollment closed at {}",
            end.to_rfc3339()
        ));
    }
    None
}

fn check_mode(mode: &str) -> Result<(), CoursesError> {
    if MODES.contains(&mode) {
        Ok(())
    } else {
        let mut errors = ValidationErrors::default();
        errors.add("mode", "must be audit, honor or verified");
        Err(errors.into())
    }
}

/// Whom an enrollment request is for: the caller itself (no `user_id`, or
/// its own), or someone else.
fn target(caller: &Caller, user: Option<UserId>) -> Result<(UserId, bool), CoursesError> {
    let own = match caller {
        Caller::User { id, .. } => Some(*id),
        _ => None,
    };
    match (user, own) {
        (Some(user), own) => Ok((user, own == Some(user))),
        (None, Some(own)) => Ok((own, true)),
        (None, None) => {
            let mut errors = ValidationErrors::default();
            errors.add("user_id", "is required: only accounts enroll themselves");
            Err(errors.into())
        }
    }
}

fn target_id(course: &Course, user: UserId) -> String {
    format!("{}:{}", course.key, user.0)
}

impl Courses {
    /// Enrolls `user` (the caller itself when `None`) in the course `key`
    /// in `mode`: see the module's rules.
    pub async fn enroll(
        &self,
        caller: &Caller,
        scope: TenantScope,
        key: String,
        user: Option<UserId>,
        mode: String,
    ) -> Result<(Enrollment, Enrolled), CoursesError> {
        atrium_permissions::authenticated(caller)?;
        check_mode(&mode)?;
        let (user, itself) = target(caller, user)?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                // Held until the commit: the seats counted below, and the
                // limit and window read here, stay as they are read.
                let at = locate_held(tx, &key, RowLock::Update)?;
                let staff = may(&caller, Action::ManageEnrollments, at.place())?;
                if !staff {
                    if itself {
                        // Every account of the tenant holds `EnrollSelf`, so
                        // `authorize_visible` alone would let a learner learn
                        // that a private course exists.
                        if !can_see(&caller, &at)? {
                            return Err(CoursesError::NotFound("course"));
                        }
                        authorize_visible(&caller, Action::EnrollSelf, &at)?;
                        if let Some(reason) = closed_to_learners(&at.course, Utc::now().naive_utc())
                        {
                            return Err(Denied::Forbidden(reason).into());
                        }
                    } else {
                        authorize_visible(&caller, Action::ManageEnrollments, &at)?;
                    }
                }
                if !itself && !atrium_permissions::tx::account_exists(tx, user)? {
                    return Err(CoursesError::NotFound("user"));
                }
                let course_id = at.course.id.0;
                let current = enrollments::find(tx, course_id, user.0)?;
                // `verified` is a mode staff give (after a payment, an
                // identity check): a learner takes `audit` or `honor`.
                if !staff && mode == "verified" {
                    return Err(ValidationErrors::single(
                        "mode",
                        "a learner enrolls itself in `audit` or `honor`; `verified` is given by the course's staff",
                    )
                    .into());
                }
                if let Some(current) = &current {
                    // A learner does not change its own mode.
                    if current.is_active && (current.mode == mode || !staff) {
                        return Err(CoursesError::Conflict(
                            "the user is enrolled in this course already".into(),
                        ));
                    }
                }
                let activates = current.as_ref().is_none_or(|row| !row.is_active);
                if activates {
                    if let Some(limit) = at.course.enrollment_limit {
                        if enrollments::count_active(tx, course_id)? >= i64::from(limit) {
                            return Err(CoursesError::Conflict(format!(
                                "the course is full: its limit of {limit} enrollments is reached"
                            )));
                        }
                    }
                }
                let (row, enrolled) = match &current {
                    None => (
                        enrollments::insert(tx, course_id, user.0, &mode)?,
                        Enrolled::Created,
                    ),
                    Some(current) => (
                        enrollments::update(tx, current, &mode, true)?,
                        Enrolled::Updated,
                    ),
                };
                let before = current.map(|row| Enrollment::of(row, &at.course));
                let enrollment = Enrollment::of(row, &at.course);
                atrium_audit::record(
                    tx,
                    &author,
                    Change {
                        action: match enrolled {
                            Enrolled::Created => "enrollment.create",
                            Enrolled::Updated => "enrollment.update",
                        },
                        target_type: "enrollment",
                        target_id: target_id(&at.course, user),
                        before: before.as_ref(),
                        after: Some(&enrollment),
                    },
                )?;
                Ok((enrollment, enrolled))
            })
            .await
    }

    /// Makes `user`'s enrollment in the course `key` inactive (the record
    /// stays): the learner itself, or the course's staff. An enrollment
    /// that is inactive already is left as it is.
    pub async fn unenroll(
        &self,
        caller: &Caller,
        scope: TenantScope,
        key: String,
        user: UserId,
    ) -> Result<(), CoursesError> {
        atrium_permissions::authenticated(caller)?;
        let itself = matches!(caller, Caller::User { id, .. } if *id == user);
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                let at = locate(tx, &key)?;
                let staff = may(&caller, Action::ManageEnrollments, at.place())?;
                let current = if staff {
                    enrollments::find(tx, at.course.id.0, user.0)?
                } else if itself {
                    // A learner leaves a course staff put it in, even one it
                    // could not find by itself (a private course); one it is
                    // not in and cannot see does not exist for it.
                    let current = enrollments::find(tx, at.course.id.0, user.0)?;
                    if current.is_none() && !can_see(&caller, &at)? {
                        return Err(CoursesError::NotFound("course"));
                    }
                    authorize_visible_or_enrolled(&caller, &at, current.is_some())?;
                    current
                } else {
                    authorize_visible(&caller, Action::ManageEnrollments, &at)?;
                    None
                };
                let current = current.ok_or(CoursesError::NotFound("enrollment"))?;
                if !current.is_active {
                    return Ok(());
                }
                let mode = current.mode.clone();
                let row = enrollments::update(tx, &current, &mode, false)?;
                let before = Enrollment::of(current, &at.course);
                let after = Enrollment::of(row, &at.course);
                atrium_audit::record(
                    tx,
                    &author,
                    Change {
                        action: "enrollment.delete",
                        target_type: "enrollment",
                        target_id: target_id(&at.course, user),
                        before: Some(&before),
                        after: Some(&after),
                    },
                )?;
                Ok(())
            })
            .await
    }

    /// A page of a course's enrollments in user id order, for its staff;
    /// active ones only unless `include_inactive`.
    pub async fn course_enrollments(
        &self,
        caller: &Caller,
        scope: TenantScope,
        key: String,
        include_inactive: bool,
        page: PageRequest,
    ) -> Result<Page<Enrollment>, CoursesError> {
        atrium_permissions::authenticated(caller)?;
        let caller = caller.clone();
        let rows = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                let at = locate(tx, &key)?;
                authorize_visible(&caller, Action::ManageEnrollments, &at)?;
                let rows = enrollments::of_course(
                    tx,
                    at.course.id.0,
                    include_inactive,
                    page.after,
                    page.fetch_limit(),
                )?;
                Ok::<_, CoursesError>(
                    rows.into_iter()
                        .map(|row| Enrollment::of(row, &at.course))
                        .collect::<Vec<_>>(),
                )
            })
            .await?;
        Ok(Page::from_rows(rows, page, |e| e.user_id.0))
    }

    /// A page of the caller's own enrollments, in course id order (accounts
    /// only: an API client has none).
    pub async fn my_enrollments(
        &self,
        caller: &Caller,
        scope: TenantScope,
        include_inactive: bool,
        page: PageRequest,
    ) -> Result<Page<Enrollment>, CoursesError> {
        atrium_permissions::authenticated(caller)?;
        let Caller::User { id, tenant, .. } = caller else {
            return Err(Denied::Forbidden("have enrollments: only accounts do".into()).into());
        };
        if *tenant != scope.tenant_id() {
            return Err(Denied::Forbidden("read enrollments of another tenant".into()).into());
        }
        let user = *id;
        let rows = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                enrollments::of_user(tx, user.0, include_inactive, page.after, page.fetch_limit())
            })
            .await?;
        let rows = rows
            .into_iter()
            .map(|(row, key, name)| Enrollment::named(row, key, name))
            .collect();
        Ok(Page::from_rows(rows, page, |e| e.course_id.0))
    }

    /// The first [`ENROLLMENTS_PER_COURSE`] active enrollments (user id
    /// order) of each of `courses`, for GraphQL's `Course.enrollments`:
    /// `Some` for the courses where the caller may manage enrollments,
    /// `None` for the others, and no entry for ids the tenant does not
    /// have. Three statements however many courses.
    pub async fn first_enrollments_of_courses(
        &self,
        caller: &Caller,
        scope: TenantScope,
        courses: Vec<CourseId>,
    ) -> Result<HashMap<CourseId, Option<Vec<Enrollment>>>, CoursesError> {
        atrium_permissions::authenticated(caller)?;
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Read, move |tx| {
                let ids: Vec<i64> = courses.iter().map(|id| id.0).collect();
                let found: Vec<Course> = courses::find_by_ids(tx, &ids)?
                    .into_iter()
                    .map(Course::from)
                    .collect();
                let lineages = all_lineages(tx)?;
                let mut answer = HashMap::new();
                let mut allowed = HashMap::new();
                for course in found {
                    let permitted = match lineages.get(&course.organization_id) {
                        Some(lineage) => may(
                            &caller,
                            Action::ManageEnrollments,
                            Place::Course(lineage, &course.key),
                        )?,
                        None => false,
                    };
                    if permitted {
                        answer.insert(course.id, Some(Vec::new()));
                        allowed.insert(course.id, course);
                    } else {
                        answer.insert(course.id, None);
                    }
                }
                if allowed.is_empty() {
                    return Ok(answer);
                }
                let ids: Vec<i64> = allowed.keys().map(|id| id.0).collect();
                for row in enrollments::first_active_of_courses(tx, &ids, ENROLLMENTS_PER_COURSE)? {
                    let id = CourseId(row.course_id);
                    if let (Some(course), Some(Some(list))) =
                        (allowed.get(&id), answer.get_mut(&id))
                    {
                        list.push(Enrollment::of(row, course));
                    }
                }
                Ok::<_, CoursesError>(answer)
            })
            .await
    }
}

/// A learner unenrolling itself: it may (`EnrollSelf`) where it is
/// enrolled, else where it may see the course.
fn authorize_visible_or_enrolled(
    caller: &Caller,
    at: &Located,
    enrolled: bool,
) -> Result<(), CoursesError> {
    if enrolled {
        atrium_permissions::authorize(caller, Action::EnrollSelf, at.place())?;
        Ok(())
    } else {
        authorize_visible(caller, Action::EnrollSelf, at)
    }
}
