//! Studio's courses: the list of what the caller may author, and a
//! course's creation, reading, change and deletion. Reruns and batch
//! creation ([`crate::reruns`], [`crate::batch`]) create through
//! [`create_in`] and [`grant_team`] here, so every door checks the same.
//!
//! Who may do what:
//! - create: `CreateCourse` at the organization (tenant admins, its org
//!   admins and course creators and those of the organizations above it;
//!   API clients with `courses:write` within their organization), which must
//!   be active. A user who creates a course becomes its `course_instructor`,
//!   as Studio makes it.
//! - list: the courses where the caller may `AuthorCourse` (its
//!   organization roles' subtrees, its course teams, the whole tenant for a
//!   tenant admin); an API client also those it may `PreviewCourse`
//!   (`courses:read`), since a client holds no roles to author with.
//! - read: whoever can see the course ([`crate::access::can_see`]).
//! - change: `AuthorCourse`.
//! - delete: what creating in its organization needs (`CreateCourse`
//!   there), or managing its team (`ManageCourseTeam`: its course and
//!   organization instructors). Never with active enrollments.
//!
//! A course the caller cannot see answers `404` everywhere.

use std::collections::HashSet;

use atrium_audit::{Author, Change};
use atrium_core::{OrganizationId, Page, PageRequest, UserId, ValidationErrors};
use atrium_db::{courses, enrollments, Access, DbError, RowLock, TenantScope, TenantTx};
use atrium_organizations::tx::{all_lineages, find_by_short_name, hold_tree, lineage};
use atrium_organizations::{Organization, RoleAssignment};
use atrium_permissions::{
    authenticated, authorize, may, Action, Caller, Denied, GrantScope, Place, Role,
};
use chrono::{DateTime, Utc};

use crate::access::{
    authored_keys, authorize_visible, can_see, lists_organization, locate, locate_held,
};
use crate::keys::CourseKey;
use crate::settings::CourseFields;
use crate::{Course, CoursePatch, Courses, CoursesError, NewCourse};

/// A change of a course: its settings, and the key's parts as sent (the
/// key never changes; sending a different part is a field error).
#[derive(Debug, Clone, Default)]
pub struct CourseChange {
    pub patch: CoursePatch,
    pub org: Option<String>,
    pub number: Option<String>,
    pub run: Option<String>,
    /// The `If-Match` header (or GraphQL's expected version as its tag).
    pub if_match: Option<String>,
}

/// How often a change is re-read and re-applied when another change of
/// the same course commits between its read and its write.
const CHANGE_ATTEMPTS: usize = 5;

/// The organization a course is created in, by its short name: a field
/// error on `field` when the tenant has none such or it is deactivated.
/// A deactivated organization is a `400` on `org` rather than a `409`:
/// the value sent is what must change (another organization), and a batch
/// then names it beside its other items' errors in one answer.
pub(crate) fn organization_for_new_course(
    org: Option<Organization>,
    field: &str,
) -> Result<Organization, ValidationErrors> {
    match org {
        None => Err(ValidationErrors::single(
            field,
            "names no organization of this tenant",
        )),
        Some(org) if !org.accepts_new_courses() => Err(ValidationErrors::single(
            field,
            "names a deactivated organization, which takes no new courses or libraries",
        )),
        Some(org) => Ok(org),
    }
}

/// Inserts the course `key` in `organization` (already checked: active,
/// and the caller may create there), with its audit entry (`action`:
/// `course.create` or `course.rerun`). A taken key is a `409`.
pub(crate) fn insert_course(
    tx: &mut TenantTx<'_>,
    author: &Author,
    action: &str,
    organization: OrganizationId,
    key: &CourseKey,
    settings: &courses::CourseSettings,
    rerun_of: Option<&str>,
) -> Result<Course, CoursesError> {
    let text = key.to_string();
    let row = courses::insert(
        tx,
        courses::NewCourse {
            organization_id: organization.0,
            course_key: &text,
            number: &key.number,
            run: &key.run,
            rerun_of,
            settings,
        },
    )
    .map_err(|e| match e {
        DbError::UniqueViolation { .. } => {
            CoursesError::Conflict(format!("the course key {text} is taken in this tenant"))
        }
        other => other.into(),
    })?;
    let course = Course::from(row);
    atrium_audit::record(
        tx,
        author,
        Change::<(), _> {
            action,
            target_type: "course",
            target_id: course.key.clone(),
            before: None,
            after: Some(&course),
        },
    )?;
    Ok(course)
}

/// Grants each `(user, role)` on `course` (deduplicated), each with its
/// `role_assignment.create` entry and access announcement.
pub(crate) fn grant_team(
    tx: &mut TenantTx<'_>,
    author: &Author,
    course: &Course,
    members: Vec<(UserId, Role)>,
) -> Result<Vec<RoleAssignment>, CoursesError> {
    let scope = GrantScope::Course(course.key.clone());
    let mut seen = HashSet::new();
    let mut granted = Vec::new();
    for (user, role) in members {
        if seen.insert((user, role)) {
            granted.push(atrium_organizations::tx::grant(
                tx,
                author,
                user,
                role,
                &scope,
                Some(course.organization_id),
            )?);
        }
    }
    Ok(granted)
}

/// The user who creates a course joins its team as its instructor; API
/// clients hold no roles.
pub(crate) fn creator_joins(caller: &Caller) -> Option<(UserId, Role)> {
    match caller {
        Caller::User { id, .. } => Some((*id, Role::CourseInstructor)),
        _ => None,
    }
}

impl Courses {
    /// Studio's list: a page of the courses the caller may author, in
    /// creation (id) order; with `org` (a short name), only those of that
    /// organization and the organizations below it. One read of the tree,
    /// the allowed organizations worked out in memory, one read of the
    /// page.
    pub async fn list_courses(
        &self,
        caller: &Caller,
        scope: TenantScope,
        org: Option<String>,
        page: PageRequest,
    ) -> Result<Page<Course>, CoursesError> {
        authenticated(caller)?;
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Read, move |tx| {
                let lineages = all_lineages(tx)?;
                let within = match org {
                    Some(short_name) => {
                        let named = find_by_short_name(tx, &short_name)?.ok_or_else(|| {
                            ValidationErrors::single("org", "names no organization of this tenant")
                        })?;
                        let below: HashSet<OrganizationId> = lineages
                            .iter()
                            .filter(|(_, lineage)| lineage.contains(named.id))
                            .map(|(id, _)| *id)
                            .collect();
                        Some(below)
                    }
                    None => None,
                };
                let mut organizations = Vec::new();
                for (id, lineage) in &lineages {
                    if within.as_ref().is_none_or(|w| w.contains(id))
                        && lists_organization(&caller, lineage)?
                    {
                        organizations.push(id.0);
                    }
                }
                // Every course lies in an organization: a caller who lists
                // them all lists the tenant's courses, one range of ids.
                let rows = if within.is_none() && organizations.len() == lineages.len() {
                    courses::list_all(tx, page.after, page.fetch_limit())?
                } else {
                    organizations.sort_unstable();
                    let keys = authored_keys(&caller, &lineages, "course-v1:", within.as_ref())?;
                    courses::list_in(tx, &organizations, &keys, page.after, page.fetch_limit())?
                };
                Ok(Page::from_rows(
                    rows.into_iter().map(Course::from).collect(),
                    page,
                    |c| c.id.0,
                ))
            })
            .await
    }

    /// One course, for whoever can see it (else `404`).
    pub async fn get_course(
        &self,
        caller: &Caller,
        scope: TenantScope,
        key: String,
    ) -> Result<Course, CoursesError> {
        authenticated(caller)?;
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Read, move |tx| {
                let at = locate(tx, &key)?;
                if !can_see(&caller, &at)? {
                    return Err(CoursesError::NotFound("course"));
                }
                Ok(at.course)
            })
            .await
    }

    /// Studio's "Create a new course".
    pub async fn create_course(
        &self,
        caller: &Caller,
        scope: TenantScope,
        new: NewCourse,
    ) -> Result<Course, CoursesError> {
        authenticated(caller)?;
        let (key, settings) = new.validate()?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                // The organization cannot be deleted under the new course.
                hold_tree(tx)?;
                let org = organization_for_new_course(find_by_short_name(tx, &key.org)?, "org")?;
                let lineage = lineage(tx, org.id)?.ok_or(CoursesError::NotFound("organization"))?;
                authorize(&caller, Action::CreateCourse, Place::Organization(&lineage))?;
                let course =
                    insert_course(tx, &author, "course.create", org.id, &key, &settings, None)?;
                grant_team(
                    tx,
                    &author,
                    &course,
                    creator_joins(&caller).into_iter().collect(),
                )?;
                Ok(course)
            })
            .await
    }

    /// Changes a course's settings (`AuthorCourse`). With `if_match`, only
    /// if the course is still that version (else `412`); without, over
    /// whatever is current, never losing a concurrent change: the write
    /// names the version it read, and a lost race reads and applies again.
    pub async fn update_course(
        &self,
        caller: &Caller,
        scope: TenantScope,
        key: String,
        change: CourseChange,
    ) -> Result<Course, CoursesError> {
        authenticated(caller)?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                for _ in 0..CHANGE_ATTEMPTS {
                    let at = locate(tx, &key)?;
                    authorize_visible(&caller, Action::AuthorCourse, &at)?;
                    let before = at.course;
                    if let Some(tags) = change.if_match.as_deref() {
                        if !atrium_core::etag::if_match(tags, &before.etag(), true) {
                            return Err(CoursesError::PreconditionFailed);
                        }
                    }
                    check_key_unchanged(&before, &change)?;
                    let settings = change.patch.clone().apply(before.fields()).validate()?;
                    if courses::update_settings(tx, before.id.0, before.version, &settings)? {
                        let after = Course::from(
                            courses::find_by_key(tx, &key)?
                                .ok_or(CoursesError::NotFound("course"))?,
                        );
                        atrium_audit::record(
                            tx,
                            &author,
                            Change {
                                action: "course.update",
                                target_type: "course",
                                target_id: after.key.clone(),
                                before: Some(&before),
                                after: Some(&after),
                            },
                        )?;
                        return Ok(after);
                    }
                }
                Err(CoursesError::Conflict(
                    "the course kept changing while this change was applied; retry".into(),
                ))
            })
            .await
    }

    /// Deletes a course without active enrollments (else `409`); its
    /// inactive enrollments and its team's grants go with it, each grant
    /// with its `role_assignment.delete` entry and the account's access
    /// announcement.
    pub async fn delete_course(
        &self,
        caller: &Caller,
        scope: TenantScope,
        key: String,
    ) -> Result<(), CoursesError> {
        authenticated(caller)?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                // Held until the commit: no enrollment or grant on the
                // course slips in between the checks and the deletion.
                let at = locate_held(tx, &key, RowLock::Update)?;
                let may_delete = may(
                    &caller,
                    Action::CreateCourse,
                    Place::Organization(&at.lineage),
                )? || may(&caller, Action::ManageCourseTeam, at.place())?;
                if !may_delete {
                    return Err(if can_see(&caller, &at)? {
                        Denied::Forbidden("delete this course".into()).into()
                    } else {
                        CoursesError::NotFound("course")
                    });
                }
                let course = at.course;
                let active = enrollments::count_active(tx, course.id.0)?;
                if active > 0 {
                    return Err(CoursesError::Conflict(format!(
                        "the course has {active} active enrollment{}; unenroll {} first",
                        if active == 1 { "" } else { "s" },
                        if active == 1 { "it" } else { "them" },
                    )));
                }
                atrium_organizations::tx::revoke_all_on(
                    tx,
                    &author,
                    &GrantScope::Course(course.key.clone()),
                )?;
                courses::delete(tx, course.id.0)?;
                atrium_audit::record(
                    tx,
                    &author,
                    Change::<_, ()> {
                        action: "course.delete",
                        target_type: "course",
                        target_id: course.key.clone(),
                        before: Some(&course),
                        after: None,
                    },
                )?;
                Ok(())
            })
            .await
    }
}

/// The key's parts may be sent with a change, but only as they are.
fn check_key_unchanged(course: &Course, change: &CourseChange) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    for (field, sent, current) in [
        ("org", &change.org, &course.org),
        ("number", &change.number, &course.number),
        ("run", &change.run, &course.run),
    ] {
        if sent.as_ref().is_some_and(|sent| sent != current) {
            errors.add(
                field,
                "cannot change: it is part of the course key (make a rerun for a new run)",
            );
        }
    }
    errors.into_result()
}

/// The settings of a rerun: the source's, with the dates and name sent.
pub(crate) fn rerun_fields(
    source: &Course,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    display_name: Option<String>,
) -> CourseFields {
    let mut fields = source.fields();
    if start.is_some() {
        fields.start = start;
    }
    if end.is_some() {
        fields.end = end;
    }
    if let Some(name) = display_name {
        fields.display_name = name;
    }
    fields
}
