//! The permission matrix: for every action, which roles may take it. This
//! table is the policy; [`crate::authorize`] only finds which of the
//! caller's roles hold where the action happens and reads it. The README
//! shows it as [`render_markdown`] prints it (a test keeps the two equal).

use crate::roles::Role;
use crate::scopes::Scope;

/// Everything a caller can ask to do. Where it happens travels beside it,
/// as a [`crate::Place`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Provision, list, suspend and delete tenants (platform host).
    ManageTenants,
    /// List, disable, enable and delete platform operators (platform host).
    ManageOperators,
    /// Read the platform's audit log (platform host).
    ViewPlatformAudit,
    /// Read a tenant's sites, configurations, themes and their history.
    ViewSites,
    /// Create, change and delete a tenant's sites, configurations, themes.
    ManageSites,
    /// Read a tenant's accounts.
    ViewUsers,
    /// Create, change and delete a tenant's accounts.
    ManageUsers,
    /// List, create and delete a tenant's API clients.
    ManageApiClients,
    /// Read the tenant's audit log.
    ViewAuditLog,
    /// Read organizations (the tree, names, logos).
    ViewOrganizations,
    /// Create an organization under this one (or, on the tenant, a
    /// top-level one), change, move or delete it.
    ManageOrganization,
    /// Read an organization's members.
    ViewMembers,
    /// Add and remove an organization's members.
    ManageMembers,
    /// Read the grants made here and below.
    ViewRoleAssignments,
    /// Grant (or revoke) this role here.
    Grant(Role),
    /// Ask to become a course creator in an organization.
    RequestCourseCreator,
    /// Grant or deny requests to become a course creator here.
    DecideCourseCreatorRequests,
    /// Create courses and libraries in an organization.
    CreateCourse,
    /// Edit a course's content and settings in Studio.
    AuthorCourse,
    /// Add and remove a course's staff, instructors and beta testers.
    ManageCourseTeam,
    /// See a course before it starts.
    PreviewCourse,
    /// Enroll and unenroll others in a course; read its roster.
    ManageEnrollments,
    /// Enroll oneself in a course open to it (public or unlisted, not by
    /// invitation only, inside its enrollment window), and unenroll.
    EnrollSelf,
}

/// A column of the matrix: an operator, a role, or any account of the
/// tenant (the learner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Operator,
    Role(Role),
    Learner,
}

impl Column {
    pub const ALL: [Column; 10] = [
        Column::Operator,
        Column::Role(Role::TenantAdmin),
        Column::Role(Role::OrgAdmin),
        Column::Role(Role::CourseCreator),
        Column::Role(Role::OrgStaff),
        Column::Role(Role::OrgInstructor),
        Column::Role(Role::CourseInstructor),
        Column::Role(Role::CourseStaff),
        Column::Role(Role::BetaTester),
        Column::Learner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Column::Operator => "operator",
            Column::Role(role) => role.as_str(),
            Column::Learner => "learner",
        }
    }
}

// Columns: operator, tenant_admin, org_admin, course_creator, org_staff,
// org_instructor, course_instructor, course_staff, beta_tester, learner.
const Y: bool = true;
const N: bool = false;
#[rustfmt::skip]
const MATRIX: [(Action, [bool; 10]); 30] = [
    //                                      op ta oa cc os oi ci cs bt le
    (Action::ManageTenants,                 [Y, N, N, N, N, N, N, N, N, N]),
    (Action::ManageOperators,               [Y, N, N, N, N, N, N, N, N, N]),
    (Action::ViewPlatformAudit,             [Y, N, N, N, N, N, N, N, N, N]),
    (Action::ViewSites,                     [N, Y, N, N, N, N, N, N, N, N]),
    (Action::ManageSites,                   [N, Y, N, N, N, N, N, N, N, N]),
    (Action::ViewUsers,                     [N, Y, N, N, N, N, N, N, N, N]),
    (Action::ManageUsers,                   [N, Y, N, N, N, N, N, N, N, N]),
    (Action::ManageApiClients,              [N, Y, N, N, N, N, N, N, N, N]),
    (Action::ViewAuditLog,                  [N, Y, N, N, N, N, N, N, N, N]),
    (Action::ViewOrganizations,             [N, Y, Y, Y, Y, Y, Y, Y, Y, Y]),
    (Action::ManageOrganization,            [N, Y, Y, N, N, N, N, N, N, N]),
    (Action::ViewMembers,                   [N, Y, Y, N, Y, Y, N, N, N, N]),
    (Action::ManageMembers,                 [N, Y, Y, N, N, N, N, N, N, N]),
    (Action::ViewRoleAssignments,           [N, Y, Y, N, N, Y, Y, N, N, N]),
    (Action::Grant(Role::TenantAdmin),      [N, Y, N, N, N, N, N, N, N, N]),
    (Action::Grant(Role::OrgAdmin),         [N, Y, Y, N, N, N, N, N, N, N]),
    (Action::Grant(Role::CourseCreator),    [N, Y, Y, N, N, N, N, N, N, N]),
    (Action::Grant(Role::OrgStaff),         [N, Y, Y, N, N, N, N, N, N, N]),
    (Action::Grant(Role::OrgInstructor),    [N, Y, Y, N, N, N, N, N, N, N]),
    (Action::Grant(Role::CourseInstructor), [N, Y, Y, N, N, Y, Y, N, N, N]),
    (Action::Grant(Role::CourseStaff),      [N, Y, Y, N, N, Y, Y, N, N, N]),
    (Action::Grant(Role::BetaTester),       [N, Y, Y, N, N, Y, Y, N, N, N]),
    (Action::RequestCourseCreator,          [N, N, N, N, N, N, N, N, N, Y]),
    (Action::DecideCourseCreatorRequests,   [N, Y, Y, N, N, N, N, N, N, N]),
    (Action::CreateCourse,                  [N, Y, Y, Y, N, N, N, N, N, N]),
    (Action::AuthorCourse,                  [N, Y, Y, N, Y, Y, Y, Y, N, N]),
    (Action::ManageCourseTeam,              [N, Y, Y, N, N, Y, Y, N, N, N]),
    (Action::PreviewCourse,                 [N, Y, Y, N, Y, Y, Y, Y, Y, N]),
    (Action::ManageEnrollments,             [N, Y, Y, N, Y, Y, Y, Y, N, N]),
    (Action::EnrollSelf,                    [N, Y, Y, Y, Y, Y, Y, Y, Y, Y]),
];

impl Action {
    /// Every action, in the matrix's order.
    pub fn all() -> impl Iterator<Item = Action> {
        MATRIX.iter().map(|(action, _)| *action)
    }

    /// The matrix's cell: whether `column` may take this action where it
    /// holds.
    pub fn allows(self, column: Column) -> bool {
        let index = Column::ALL
            .iter()
            .position(|c| *c == column)
            .unwrap_or(Column::ALL.len());
        MATRIX
            .iter()
            .find(|(action, _)| *action == self)
            .and_then(|(_, cells)| cells.get(index).copied())
            .unwrap_or(false)
    }

    /// The scope an API client needs for this action; `None`: never a
    /// client's (clients hold no roles, so they neither grant nor decide,
    /// and they do not manage clients or read the audit log).
    pub fn scope(self) -> Option<Scope> {
        match self {
            Action::ViewSites => Some(Scope::SitesRead),
            Action::ManageSites => Some(Scope::SitesWrite),
            Action::ViewUsers => Some(Scope::UsersRead),
            Action::ManageUsers => Some(Scope::UsersWrite),
            Action::ViewOrganizations | Action::ViewMembers => Some(Scope::OrganizationsRead),
            Action::ManageOrganization | Action::ManageMembers => Some(Scope::OrganizationsWrite),
            Action::PreviewCourse => Some(Scope::CoursesRead),
            Action::CreateCourse | Action::AuthorCourse => Some(Scope::CoursesWrite),
            Action::ManageEnrollments => Some(Scope::EnrollmentsWrite),
            Action::ManageTenants
            | Action::ManageOperators
            | Action::ViewPlatformAudit
            | Action::ManageApiClients
            | Action::ViewAuditLog
            | Action::ViewRoleAssignments
            | Action::Grant(_)
            | Action::RequestCourseCreator
            | Action::DecideCourseCreatorRequests
            | Action::ManageCourseTeam
            | Action::EnrollSelf => None,
        }
    }

    /// The action as the matrix and a 403's detail name it.
    pub fn describe(self) -> String {
        let text = match self {
            Action::ManageTenants => "manage tenants",
            Action::ManageOperators => "manage platform operators",
            Action::ViewPlatformAudit => "read the platform's audit log",
            Action::ViewSites => "view this tenant's sites",
            Action::ManageSites => "manage this tenant's sites",
            Action::ViewUsers => "view this tenant's accounts",
            Action::ManageUsers => "manage this tenant's accounts",
            Action::ManageApiClients => "manage this tenant's API clients",
            Action::ViewAuditLog => "read this tenant's audit log",
            Action::ViewOrganizations => "view organizations",
            Action::ManageOrganization => "manage this organization",
            Action::ViewMembers => "view this organization's members",
            Action::ManageMembers => "manage this organization's members",
            Action::ViewRoleAssignments => "view role assignments here",
            Action::Grant(role) => return format!("grant or revoke {} here", role.as_str()),
            Action::RequestCourseCreator => "request course creator rights",
            Action::DecideCourseCreatorRequests => "decide course creator requests here",
            Action::CreateCourse => "create courses and libraries here",
            Action::AuthorCourse => "author this course",
            Action::ManageCourseTeam => "manage this course's team",
            Action::PreviewCourse => "preview this course",
            Action::ManageEnrollments => "manage this course's enrollments",
            Action::EnrollSelf => "enroll oneself in this course",
        };
        text.to_owned()
    }
}

/// The matrix as a Markdown table, as the README shows it.
pub fn render_markdown() -> String {
    let mut out = String::from("| action | client scope |");
    for column in Column::ALL {
        out.push_str(&format!(" {} |", column.as_str()));
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---|".repeat(Column::ALL.len()));
    out.push('\n');
    for action in Action::all() {
        let scope = action.scope().map_or("—", Scope::as_str);
        out.push_str(&format!("| {} | {scope} |", action.describe()));
        for column in Column::ALL {
            out.push_str(if action.allows(column) {
                " ✓ |"
            } else {
                "   |"
            });
        }
        out.push('\n');
    }
    out
}
