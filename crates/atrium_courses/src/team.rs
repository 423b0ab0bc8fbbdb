//! A course's team: its instructors, staff and beta testers. Team entries
//! are course-scoped role assignments (scope `course:COURSE_KEY`, the same
//! rows `/api/v1/role-assignments` shows), so adding and removing members
//! goes through the organizations domain's grant rules
//! (`Action::Grant(role)` at the course: course instructors and everyone
//! above them), with its audit entries and access announcements. This
//! module adds what is the course's: the course must exist and be visible
//! to the caller (`404` otherwise), and only course roles are team roles.

use std::collections::HashMap;

use atrium_audit::Author;
use atrium_core::{CourseId, Page, PageRequest, UserId, ValidationErrors};
use atrium_db::{courses, Access, RowLock, TenantScope, TenantTx};
use atrium_organizations::tx::{all_lineages, grant_as, revoke_as};
use atrium_permissions::tx::{self as grants, AssignmentFilter, Visible};
use atrium_permissions::{may, Action, Caller, Denied, GrantScope, Role};
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::access::{authorize_visible, can_see, locate, locate_held, Located};
use crate::{Course, CoursesError};

/// The roles a course's team is made of.
pub const TEAM_ROLES: [Role; 3] = [Role::CourseInstructor, Role::CourseStaff, Role::BetaTester];

/// The most members a batch read shows of one course's team (the first, by
/// grant id): a query over many courses must not read every grant of each;
/// the team listing pages through the rest.
pub const TEAM_PER_COURSE: i64 = 100;

const ROLE_RULE: &str = "must be one of course_instructor, course_staff, beta_tester";

/// One role a user holds on a course: one grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamMember {
    /// The grant's id (as `/api/v1/role-assignments` names it).
    pub assignment_id: i64,
    pub user_id: UserId,
    /// As stored: a role a newer version wrote still lists.
    pub role: String,
    pub created_at: NaiveDateTime,
}

impl From<grants::Assignment> for TeamMember {
    fn from(row: grants::Assignment) -> Self {
        Self {
            assignment_id: row.id,
            user_id: UserId(row.user_id),
            role: row.role,
            created_at: row.created_at,
        }
    }
}

fn team_role(role: &str) -> Result<Role, ValidationErrors> {
    Role::parse(role)
        .filter(|r| TEAM_ROLES.contains(r))
        .ok_or_else(|| ValidationErrors::single("role", ROLE_RULE))
}

/// Whether `caller` may read the team of `at`: whoever may author or
/// preview the course.
fn may_view_team(caller: &Caller, at: &Located) -> Result<bool, Denied> {
    Ok(may(caller, Action::AuthorCourse, at.place())?
        || may(caller, Action::PreviewCourse, at.place())?)
}

/// The course `key` names, if the caller may see it (`404` otherwise,
/// however it is spelt).
fn locate_visible(
    tx: &mut TenantTx<'_>,
    caller: &Caller,
    key: &str,
) -> Result<Located, CoursesError> {
    let at = locate(tx, key)?;
    if !can_see(caller, &at)? {
        return Err(CoursesError::NotFound("course"));
    }
    Ok(at)
}

impl crate::Courses {
    /// A page of a course's team, in the order the grants were made: for
    /// those who may author or preview the course (`403` for others who
    /// can see it, `404` for those who cannot).
    pub async fn list_team(
        &self,
        caller: &Caller,
        scope: TenantScope,
        course_key: String,
        page: PageRequest,
    ) -> Result<Page<TeamMember>, CoursesError> {
        atrium_permissions::authenticated(caller)?;
        let caller = caller.clone();
        let rows = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                let at = locate(tx, &course_key)?;
                // Authors who may not preview (an API client with only
                // `courses:write`) read it too.
                if !may(&caller, Action::AuthorCourse, at.place())? {
                    authorize_visible(&caller, Action::PreviewCourse, &at)?;
                }
                let filter = AssignmentFilter {
                    scope: Some(GrantScope::Course(at.course.key.clone()).encode()),
                    ..AssignmentFilter::default()
                };
                let everything = Visible {
                    everything: true,
                    ..Visible::default()
                };
                Ok::<_, CoursesError>(grants::list(
                    tx,
                    &everything,
                    &filter,
                    page.after,
                    page.fetch_limit(),
                )?)
            })
            .await?;
        Ok(Page::from_rows(rows, page, |row| row.id).map(TeamMember::from))
    }

    /// Adds `role` on the course to an account of the tenant: a grant, with
    /// the rules of `POST /api/v1/role-assignments` (`403` for who may not
    /// grant that role there, `404` for an unknown account, `409` when it
    /// holds the role already). `role` is a course role (`400` otherwise).
    pub async fn add_team_member(
        &self,
        caller: &Caller,
        scope: TenantScope,
        course_key: String,
        user: UserId,
        role: String,
    ) -> Result<TeamMember, CoursesError> {
        atrium_permissions::authenticated(caller)?;
        let role = team_role(&role)?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                // Held shared until the commit: a deletion of the course
                // waits, so the grant cannot outlive it.
                let at = locate_held(tx, &course_key, RowLock::Share)?;
                if !can_see(&caller, &at)? {
                    return Err(CoursesError::NotFound("course"));
                }
                let grant_scope = GrantScope::Course(at.course.key.clone());
                let granted = grant_as(tx, &caller, &author, user, role, &grant_scope)?;
                Ok(TeamMember {
                    assignment_id: granted.id,
                    user_id: granted.user_id,
                    role: granted.role,
                    created_at: granted.created_at,
                })
            })
            .await
    }

    /// Removes `user` from the course's team: its grant of `role`, or
    /// without one all its grants on the course, each with the rules of
    /// `DELETE /api/v1/role-assignments/{id}`, in one transaction (all or
    /// none). `404` when there is nothing to remove.
    pub async fn remove_team_member(
        &self,
        caller: &Caller,
        scope: TenantScope,
        course_key: String,
        user: UserId,
        role: Option<String>,
    ) -> Result<(), CoursesError> {
        atrium_permissions::authenticated(caller)?;
        let role = role.as_deref().map(team_role).transpose()?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                let at = locate_visible(tx, &caller, &course_key)?;
                // Decided before the team is read: whether someone holds a
                // role here is for those who manage the team to learn.
                let action = role.map_or(Action::ManageCourseTeam, Action::Grant);
                authorize_visible(&caller, action, &at)?;
                let filter = AssignmentFilter {
                    user_id: Some(user.0),
                    role: role.map(|r| r.as_str().to_owned()),
                    scope: Some(GrantScope::Course(at.course.key.clone()).encode()),
                };
                let everything = Visible {
                    everything: true,
                    ..Visible::default()
                };
                // One grant per role at most: a page of the matrix's roles
                // holds them all.
                let held = grants::list(tx, &everything, &filter, None, Role::ALL.len() as i64)?;
                if held.is_empty() {
                    return Err(CoursesError::NotFound("team member"));
                }
                for grant in held {
                    revoke_as(tx, &caller, &author, grant.id)?;
                }
                Ok(())
            })
            .await
    }

    /// The first [`TEAM_PER_COURSE`] members of the team of each of
    /// `courses`, for a GraphQL loader: one tenant transaction of three
    /// statements (the courses, the tree's shape, the grants of all their
    /// scopes) however many courses. Each course is checked as
    /// [`Self::list_team`] checks it: `None` for one whose team the caller
    /// may not read (or that the tenant does not have), and for every one
    /// when the caller is anonymous.
    pub async fn teams_of(
        &self,
        caller: &Caller,
        scope: TenantScope,
        courses: Vec<CourseId>,
    ) -> Result<HashMap<CourseId, Option<Vec<TeamMember>>>, CoursesError> {
        // An anonymous caller (the catalog's) reads no team, and its page
        // of courses still answers.
        if atrium_permissions::authenticated(caller).is_err() {
            return Ok(courses.into_iter().map(|id| (id, None)).collect());
        }
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Read, move |tx| {
                let ids: Vec<i64> = courses.iter().map(|id| id.0).collect();
                let found: Vec<Course> = courses::find_by_ids(tx, &ids)?
                    .into_iter()
                    .map(Course::from)
                    .collect();
                let lineages = all_lineages(tx)?;
                let mut teams: HashMap<CourseId, Option<Vec<TeamMember>>> =
                    courses.iter().map(|id| (*id, None)).collect();
                // The scopes of the teams the caller may read, and whose
                // team each is.
                let mut readable: HashMap<String, CourseId> = HashMap::new();
                let mut scopes = Vec::new();
                for course in found {
                    let Some(lineage) = lineages.get(&course.organization_id) else {
                        continue;
                    };
                    let at = Located {
                        lineage: lineage.clone(),
                        course,
                    };
                    if may_view_team(&caller, &at)? {
                        let scope = GrantScope::Course(at.course.key.clone());
                        teams.insert(at.course.id, Some(Vec::new()));
                        readable.insert(scope.encode(), at.course.id);
                        scopes.push(scope);
                    }
                }
                for row in grants::first_on_scopes(tx, &scopes, TEAM_PER_COURSE)? {
                    if let Some(Some(team)) =
                        readable.get(&row.scope).and_then(|id| teams.get_mut(id))
                    {
                        team.push(TeamMember::from(row));
                    }
                }
                Ok(teams)
            })
            .await
    }
}
