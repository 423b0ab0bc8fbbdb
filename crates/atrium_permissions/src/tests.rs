//! The matrix walked cell by cell through [`authorize`], inheritance down
//! a three-level tree, and API clients' scopes.

use super::*;

const T: TenantId = TenantId(1);
const ROOT: OrganizationId = OrganizationId(1);
const DEPT: OrganizationId = OrganizationId(2);
const GROUP: OrganizationId = OrganizationId(3);
const SIBLING: OrganizationId = OrganizationId(4);
const COURSE: &str = "course-v1:GROUP+101+2026";

fn group() -> Lineage {
    Lineage::new(T, vec![ROOT, DEPT, GROUP]).unwrap()
}

fn user(grants: Vec<Grant>) -> Caller {
    Caller::User {
        tenant: T,
        id: UserId(7),
        grants: Arc::from(grants),
    }
}

/// `role` granted where the tree is highest: organization roles on the
/// root, so that they must be inherited two levels down.
fn grant_high(role: Role) -> Grant {
    let (scope, organization) = match role.level() {
        Level::Tenant => (GrantScope::Tenant, None),
        Level::Organization => (GrantScope::Organization("ROOT".into()), Some(ROOT)),
        Level::Course => (GrantScope::Course(COURSE.into()), Some(GROUP)),
    };
    Grant {
        role,
        scope,
        organization,
    }
}

/// Where each action is naturally asked: what it acts on.
fn place_of(action: Action, lineage: &Lineage) -> Place<'_> {
    use Action::*;
    match action {
        ManageTenants | ManageOperators | ViewPlatformAudit => Place::Platform,
        ViewSites | ManageSites | ViewUsers | ManageUsers | ManageApiClients | ViewAuditLog => {
            Place::Tenant(T)
        }
        Grant(role) => match role.level() {
            Level::Tenant => Place::Tenant(T),
            Level::Organization => Place::Organization(lineage),
            Level::Course => Place::Course(lineage, COURSE),
        },
        ViewOrganizations
        | ManageOrganization
        | ViewMembers
        | ManageMembers
        | RequestCourseCreator
        | DecideCourseCreatorRequests
        | CreateCourse => Place::Organization(lineage),
        // A course's grants are the finest place grants are read.
        ViewRoleAssignments | AuthorCourse | ManageCourseTeam | PreviewCourse
        | ManageEnrollments | EnrollSelf => Place::Course(lineage, COURSE),
    }
}

/// The policy, written out a second time: a change to the matrix has to be
/// made here too, on purpose.
const EXPECTED: &[(&str, &str)] = &[
    ("manage tenants", "operator"),
    ("manage platform operators", "operator"),
    ("read the platform's audit log", "operator"),
    ("view this tenant's sites", "tenant_admin"),
    ("manage this tenant's sites", "tenant_admin"),
    ("view this tenant's accounts", "tenant_admin"),
    ("manage this tenant's accounts", "tenant_admin"),
    ("manage this tenant's API clients", "tenant_admin"),
    ("read this tenant's audit log", "tenant_admin"),
    ("view organizations", "tenant_admin org_admin course_creator org_staff org_instructor course_instructor course_staff beta_tester learner"),
    ("manage this organization", "tenant_admin org_admin"),
    ("view this organization's members", "tenant_admin org_admin org_staff org_instructor"),
    ("manage this organization's members", "tenant_admin org_admin"),
    ("view role assignments here", "tenant_admin org_admin org_instructor course_instructor"),
    ("grant or revoke tenant_admin here", "tenant_admin"),
    ("grant or revoke org_admin here", "tenant_admin org_admin"),
    ("grant or revoke course_creator here", "tenant_admin org_admin"),
    ("grant or revoke org_staff here", "tenant_admin org_admin"),
    ("grant or revoke org_instructor here", "tenant_admin org_admin"),
    ("grant or revoke course_instructor here", "tenant_admin org_admin org_instructor course_instructor"),
    ("grant or revoke course_staff here", "tenant_admin org_admin org_instructor course_instructor"),
    ("grant or revoke beta_tester here", "tenant_admin org_admin org_instructor course_instructor"),
    ("request course creator rights", "tenant_admin org_admin course_creator org_staff org_instructor course_instructor course_staff beta_tester learner"),
    ("decide course creator requests here", "tenant_admin org_admin"),
    ("create courses and libraries here", "tenant_admin org_admin course_creator"),
    ("author this course", "tenant_admin org_admin org_staff org_instructor course_instructor course_staff"),
    ("manage this course's team", "tenant_admin org_admin org_instructor course_instructor"),
    ("preview this course", "tenant_admin org_admin org_staff org_instructor course_instructor course_staff beta_tester"),
    ("manage this course's enrollments", "tenant_admin org_admin org_staff org_instructor course_instructor course_staff"),
    ("enroll oneself in this course", "tenant_admin org_admin course_creator org_staff org_instructor course_instructor course_staff beta_tester learner"),
];

fn caller_for(column: Column) -> Caller {
    match column {
        Column::Operator => Caller::Operator { id: OperatorId(1) },
        Column::Role(role) => user(vec![grant_high(role)]),
        Column::Learner => user(Vec::new()),
    }
}

#[test]
fn every_cell_of_the_matrix_is_what_authorize_decides() {
    let lineage = group();
    let actions: Vec<Action> = Action::all().collect();
    assert_eq!(actions.len(), EXPECTED.len(), "one expectation per action");
    for (action, (name, allowed)) in actions.into_iter().zip(EXPECTED) {
        assert_eq!(action.describe(), *name);
        let place = place_of(action, &lineage);
        for column in Column::ALL {
            // Every role holder is a learner too: its row lists them all.
            let expected = allowed.split(' ').any(|c| c == column.as_str());
            let decided = authorize(&caller_for(column), action, place).is_ok();
            assert_eq!(decided, expected, "{} may {name}?", column.as_str());
        }
    }
}

#[test]
fn every_action_is_in_the_matrix_once() {
    let mut seen = std::collections::HashSet::new();
    for action in Action::all() {
        assert!(seen.insert(action), "{action:?} twice");
    }
    for role in Role::ALL {
        assert!(
            seen.contains(&Action::Grant(role)),
            "no row grants {role:?}"
        );
    }
}

#[test]
fn organization_roles_are_inherited_down_and_not_up_or_sideways() {
    let leaf = group();
    let root = Lineage::new(T, vec![ROOT]).unwrap();
    let sibling = Lineage::new(T, vec![ROOT, SIBLING]).unwrap();
    let on = |org: OrganizationId, name: &str| Grant {
        role: Role::OrgAdmin,
        scope: GrantScope::Organization(name.into()),
        organization: Some(org),
    };
    let high = user(vec![on(ROOT, "ROOT")]);
    let middle = user(vec![on(DEPT, "DEPT")]);
    let manage = Action::ManageOrganization;
    assert!(authorize(&high, manage, Place::Organization(&leaf)).is_ok());
    assert!(authorize(&high, manage, Place::Course(&leaf, COURSE)).is_ok());
    assert!(authorize(&middle, manage, Place::Organization(&leaf)).is_ok());
    assert!(authorize(&middle, manage, Place::Organization(&root)).is_err());
    assert!(authorize(&middle, manage, Place::Organization(&sibling)).is_err());
    // Nor on the tenant's own resources, nor a top-level organization.
    assert!(authorize(&high, manage, Place::Tenant(T)).is_err());
    assert!(authorize(&high, Action::ViewUsers, Place::Tenant(T)).is_err());
}

#[test]
fn course_roles_hold_on_their_course_only() {
    let lineage = group();
    let staff = user(vec![Grant {
        role: Role::CourseStaff,
        scope: GrantScope::Course(COURSE.into()),
        organization: Some(GROUP),
    }]);
    assert!(authorize(
        &staff,
        Action::AuthorCourse,
        Place::Course(&lineage, COURSE)
    )
    .is_ok());
    let other = "course-v1:GROUP+102+2026";
    assert!(authorize(&staff, Action::AuthorCourse, Place::Course(&lineage, other)).is_err());
    assert!(authorize(&staff, Action::CreateCourse, Place::Organization(&lineage)).is_err());
}

#[test]
fn nothing_holds_in_another_tenant() {
    let elsewhere = Lineage::new(TenantId(2), vec![ROOT]).unwrap();
    let admin = user(vec![grant_high(Role::TenantAdmin)]);
    for action in Action::all() {
        assert!(authorize(&admin, action, Place::Tenant(TenantId(2))).is_err());
        assert!(authorize(&admin, action, Place::Organization(&elsewhere)).is_err());
    }
}

#[test]
fn operators_manage_tenants_but_not_their_content() {
    let operator = Caller::Operator { id: OperatorId(1) };
    assert_eq!(
        authorize(&operator, Action::ManageTenants, Place::Platform),
        Ok(())
    );
    assert!(authorize(&operator, Action::ViewSites, Place::Tenant(T)).is_err());
    assert!(authorize(&operator, Action::ManageTenants, Place::Tenant(T)).is_err());
    assert_eq!(
        authorize(&Caller::Anonymous, Action::ManageTenants, Place::Platform),
        Err(Denied::Unauthenticated)
    );
}

fn client(tenant: i64, scopes: &str, organization: Option<OrganizationId>) -> Caller {
    Caller::Client {
        tenant: TenantId(tenant),
        id: ApiClientId(9),
        scopes: ScopeSet::parse(scopes).unwrap(),
        organization,
    }
}

#[test]
fn a_client_may_do_exactly_what_its_scopes_say() {
    let lineage = group();
    for action in Action::all() {
        let place = place_of(action, &lineage);
        for scope in Scope::ALL {
            let expected = action.scope() == Some(scope) && place != Place::Platform;
            assert_eq!(
                authorize(&client(1, scope.as_str(), None), action, place).is_ok(),
                expected,
                "{scope:?} for {action:?}"
            );
        }
        // Nor in another tenant, whatever it holds.
        let everything = Scope::ALL.map(Scope::as_str).join(" ");
        assert!(authorize(&client(2, &everything, None), action, place).is_err());
    }
}

#[test]
fn an_organization_limited_client_acts_only_in_its_subtree() {
    let everything = Scope::ALL.map(Scope::as_str).join(" ");
    let lineage = group();
    let limited = client(1, &everything, Some(DEPT));
    let write = Action::ManageOrganization;
    assert!(authorize(&limited, write, Place::Organization(&lineage)).is_ok());
    let sibling = Lineage::new(T, vec![ROOT, SIBLING]).unwrap();
    assert!(authorize(&limited, write, Place::Organization(&sibling)).is_err());
    for action in [Action::ViewSites, Action::ViewUsers, Action::ManageUsers] {
        assert!(authorize(&limited, action, Place::Tenant(T)).is_err());
    }
}

#[test]
fn the_readme_shows_the_matrix_as_it_is() {
    let readme = include_str!("../../../README.md");
    assert!(
        readme.contains(&render_markdown()),
        "README.md's permission matrix is stale; paste `atrium permissions` output:\n{}",
        render_markdown()
    );
}

#[test]
fn scope_sets_parse_and_print_in_oauth_syntax() {
    let set = ScopeSet::parse("users:write  sites:read").unwrap();
    assert_eq!(set.encode(), "sites:read users:write");
    assert!(set.contains(Scope::UsersWrite) && !set.contains(Scope::UsersRead));
    assert_eq!(
        ScopeSet::parse("sites:read sites:admin"),
        Err("sites:admin".into())
    );
    assert_eq!(
        ScopeSet::parse_known("sites:read sites:admin").encode(),
        "sites:read"
    );
    assert!(ScopeSet::parse("sites:read").unwrap().is_subset(set));
    assert!(!ScopeSet::parse("sites:write").unwrap().is_subset(set));
    assert!(ScopeSet::parse("").unwrap().is_empty());
    for scope in Scope::ALL {
        assert_eq!(Scope::parse(scope.as_str()), Some(scope));
    }
}
