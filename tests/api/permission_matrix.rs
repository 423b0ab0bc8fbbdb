//! The permission matrix through the API: for every role (and a plain
//! learner, and an API client holding every scope), an account holding it
//! on a three-level tree calls one endpoint per action that has one, and
//! gets 2xx (or the endpoint's not-found for a missing target) exactly
//! where `atrium_permissions::may` (the matrix's data) says yes, and 403
//! elsewhere.
//!
//! Where the roles are held: `tenant_admin` on the tenant; organization
//! roles on TOP (the grandparent of LOW, where organization actions are
//! tried, so every answer there is inherited); course roles on a course of
//! TOP, where course grants are tried.
//!
//! Actions without an endpoint yet are listed in [`endpoint_of`] with the
//! reason; endpoints built on other branches (organizations, members, the
//! audit log) are tried only when this build routes them, and a line says
//! which were skipped.

use atrium_permissions::{may, Action, Caller, Level, Place, Role};
use atrium_tests::{backend_tests, Backend, TestApp};
use serde_json::{json, Value};

use crate::org_tree::{account, admin_grants, grant, revoke, tree, Tree, COURSE};

const ALL_SCOPES: &str = "sites:read sites:write users:read users:write organizations:read \
                          organizations:write courses:read courses:write enrollments:read \
                          enrollments:write";

/// Who is tried: an account with a role (or none), or an API client.
struct Subject {
    name: String,
    caller: Caller,
    token: String,
}

/// Where an action is tried.
#[derive(Clone, Copy)]
enum At {
    Tenant,
    Low,
    Sib,
    Course,
}

/// One endpoint standing for an action.
struct Probe {
    method: &'static str,
    /// As routed (`{..}` for a path parameter) and as sent.
    route: &'static str,
    path: String,
    body: Option<Value>,
    at: At,
    /// What an allowed call answers: the endpoints that write are called
    /// on a target that does not exist where that shows the decision
    /// without changing anything (authorization comes first).
    allowed: &'static [u16],
}

enum Case {
    Probe(Probe),
    /// Grant and revoke this role at the place its level says.
    Grant(Role),
    /// Deny a pending request at LOW.
    Decide,
    /// No endpoint today: why.
    Untested(&'static str),
}

const SELF_ENROLLMENT: &str =
    "every account holds it; the course's own rules decide (tests/api/enrollments.rs)";
const PLATFORM: &str =
    "platform host only: operators' actions are tried by the tenants and operators tests";

fn endpoint_of(action: Action, t: &Tree) -> Case {
    let probe = |method, route, path: String, body, at, allowed| {
        Case::Probe(Probe {
            method,
            route,
            path,
            body,
            at,
            allowed,
        })
    };
    let site = t.tenant.site_id;
    match action {
        Action::ManageTenants | Action::ManageOperators | Action::ViewPlatformAudit => {
            Case::Untested(PLATFORM)
        }
        Action::ViewSites => probe(
            "GET",
            "/api/v1/sites",
            "/api/v1/sites".into(),
            None,
            At::Tenant,
            &[200],
        ),
        Action::ManageSites => probe(
            "DELETE",
            "/api/v1/sites/{}",
            format!("/api/v1/sites/{}", site + 1_000_000),
            None,
            At::Tenant,
            &[404],
        ),
        Action::ViewUsers => probe(
            "GET",
            "/api/v1/users",
            "/api/v1/users".into(),
            None,
            At::Tenant,
            &[200],
        ),
        Action::ManageUsers => probe(
            "DELETE",
            "/api/v1/users/{}",
            "/api/v1/users/999999".into(),
            None,
            At::Tenant,
            &[404],
        ),
        Action::ManageApiClients => probe(
            "GET",
            "/api/v1/api-clients",
            "/api/v1/api-clients".into(),
            None,
            At::Tenant,
            &[200],
        ),
        // Another branch adds the endpoint; tried once it is routed.
        Action::ViewAuditLog => probe(
            "GET",
            "/api/v1/audit-events",
            "/api/v1/audit-events".into(),
            None,
            At::Tenant,
            &[200],
        ),
        Action::ViewOrganizations => probe(
            "GET",
            "/api/v1/organizations/{}",
            "/api/v1/organizations/LOW".into(),
            None,
            At::Low,
            &[200],
        ),
        Action::ManageOrganization => probe(
            "PATCH",
            "/api/v1/organizations/{}",
            "/api/v1/organizations/LOW".into(),
            Some(json!({"name": "LOW"})),
            At::Low,
            &[200],
        ),
        Action::ViewMembers => probe(
            "GET",
            "/api/v1/organizations/{}/members",
            "/api/v1/organizations/LOW/members".into(),
            None,
            At::Low,
            &[200],
        ),
        Action::ManageMembers => probe(
            "DELETE",
            "/api/v1/organizations/{}/members/{}",
            "/api/v1/organizations/LOW/members/999999".into(),
            None,
            At::Low,
            &[204, 404],
        ),
        Action::ViewRoleAssignments => probe(
            "GET",
            "/api/v1/role-assignments",
            "/api/v1/role-assignments".into(),
            None,
            // The listing answers 200 to whoever may view grants where its
            // own role holds: the expectation is read there.
            At::Tenant,
            &[200],
        ),
        Action::Grant(role) => Case::Grant(role),
        // Asked where no subject holds a role, so no course creator is one
        // there already.
        Action::RequestCourseCreator => probe(
            "POST",
            "/api/v1/course-creator-requests",
            "/api/v1/course-creator-requests".into(),
            Some(json!({"organization": "SIB"})),
            At::Sib,
            &[201],
        ),
        Action::DecideCourseCreatorRequests => Case::Decide,
        // One key for every subject: the first allowed creates it, the
        // next find it taken (409 comes after the decision).
        Action::CreateCourse => probe(
            "POST",
            "/api/v1/courses",
            "/api/v1/courses".into(),
            Some(json!({"org": "LOW", "number": "PROBE", "run": "1", "display_name": "Probe"})),
            At::Low,
            &[201, 409],
        ),
        // The course is public: every account of the tenant sees it, so a
        // refusal is a 403, not the 404 of a course one cannot see.
        Action::AuthorCourse => probe(
            "PATCH",
            "/api/v1/courses/{}",
            format!("/api/v1/courses/{COURSE}"),
            Some(json!({})),
            At::Course,
            &[200],
        ),
        // Whoever may author a course may preview it too: the team is
        // shown to both.
        Action::PreviewCourse => probe(
            "GET",
            "/api/v1/courses/{}/team",
            format!("/api/v1/courses/{COURSE}/team"),
            None,
            At::Course,
            &[200],
        ),
        Action::ManageCourseTeam => probe(
            "POST",
            "/api/v1/courses/{}/team",
            format!("/api/v1/courses/{COURSE}/team"),
            Some(json!({"user_id": 999_999, "role": "beta_tester"})),
            At::Course,
            &[404],
        ),
        Action::ManageEnrollments => probe(
            "GET",
            "/api/v1/courses/{}/enrollments",
            format!("/api/v1/courses/{COURSE}/enrollments"),
            None,
            At::Course,
            &[200],
        ),
        Action::EnrollSelf => Case::Untested(SELF_ENROLLMENT),
    }
}

fn normalized(route: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in route.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if inside => {}
            _ => out.push(c),
        }
    }
    out
}

fn routed(method: &str, route: &str) -> bool {
    atrium_api::routes::table()
        .registered()
        .iter()
        .any(|r| r.method.as_str() == method && normalized(&r.path) == route)
}

fn scope_of(role: Role) -> String {
    match role.level() {
        Level::Tenant => "tenant".into(),
        Level::Organization => "org:TOP".into(),
        Level::Course => format!("course:{COURSE}"),
    }
}

/// Where a grant of `role` is tried: the tenant, LOW, or the course.
fn trial_scope(role: Role) -> (String, At) {
    match role.level() {
        Level::Tenant => ("tenant".into(), At::Tenant),
        Level::Organization => ("org:LOW".into(), At::Low),
        Level::Course => (format!("course:{COURSE}"), At::Course),
    }
}

fn expected(t: &Tree, subject: &Subject, action: Action, at: At) -> bool {
    let low = t.lineage(t.low);
    let sib = t.lineage(t.sib);
    let top = t.lineage(t.top);
    let place = match at {
        At::Tenant => Place::Tenant(t.tenant_id()),
        At::Low => Place::Organization(&low),
        At::Sib => Place::Organization(&sib),
        At::Course => Place::Course(&top, COURSE),
    };
    let here = may(&subject.caller, action, place).expect("an authenticated caller");
    if action == Action::ViewRoleAssignments {
        // The listing shows what the caller may view wherever its role
        // holds: its own grant's place.
        let own = match subject.caller.grants().first().map(|g| g.role.level()) {
            Some(Level::Organization) => Place::Organization(&top),
            Some(Level::Course) => Place::Course(&top, COURSE),
            _ => place,
        };
        return here || may(&subject.caller, action, own).expect("authenticated");
    }
    here
}

fn subjects(app: &TestApp, t: &Tree) -> Vec<Subject> {
    let acme = &t.tenant;
    let mut subjects = Vec::new();
    for role in Role::ALL {
        let name = role.as_str().replace('_', "");
        let (id, token) = account(app, acme, &name);
        let scope = scope_of(role);
        admin_grants(app, acme, id, role.as_str(), &scope);
        subjects.push(Subject {
            name: role.as_str().into(),
            caller: t.user_caller(id, Some((role, &scope))),
            token,
        });
    }
    let (id, token) = account(app, acme, "learner");
    subjects.push(Subject {
        name: "learner".into(),
        caller: t.user_caller(id, None),
        token,
    });
    let scopes: Vec<&str> = ALL_SCOPES.split_whitespace().collect();
    let client = acme
        .admin(app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "everything", "scopes": scopes}))
        .expect(201)
        .json();
    let token = app
        .req("POST", &acme.domain, "/api/v1/auth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            (
                "client_id",
                client["client_id"].as_str().expect("client_id"),
            ),
            (
                "client_secret",
                client["client_secret"].as_str().expect("secret"),
            ),
        ])
        .expect(200)
        .json()["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    subjects.push(Subject {
        name: "api client".into(),
        caller: t.client_caller(client["id"].as_i64().expect("id"), ALL_SCOPES),
        token,
    });
    subjects
}

fn the_whole_matrix_holds_through_the_api(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let subjects = subjects(&app, &t);
    let (target, _) = account(&app, acme, "target");
    let (_, requester_token) = account(&app, acme, "requester");

    let mut tried = 0;
    let mut allowed_seen = 0;
    let mut skipped = Vec::new();
    let mut untested = Vec::new();
    for action in Action::all() {
        match endpoint_of(action, &t) {
            Case::Untested(why) => untested.push(format!("{} ({why})", action.describe())),
            Case::Probe(probe) => {
                if !routed(probe.method, probe.route) {
                    skipped.push(format!("{} {}", probe.method, probe.route));
                    continue;
                }
                for subject in &subjects {
                    let want = expected(&t, subject, action, probe.at);
                    let request = app
                        .req(probe.method, &acme.domain, &probe.path)
                        .bearer(&subject.token);
                    let response = match &probe.body {
                        Some(body) => request.json(body),
                        None => request.send(),
                    };
                    let ok = probe.allowed.contains(&response.status);
                    assert!(
                        if want { ok } else { response.status == 403 },
                        "{} {} by {}: {} (the matrix says {}); {}",
                        probe.method,
                        probe.path,
                        subject.name,
                        response.status,
                        if want { "allowed" } else { "denied" },
                        response.text
                    );
                    tried += 1;
                    allowed_seen += usize::from(want);
                }
            }
            Case::Grant(role) => {
                let (scope, at) = trial_scope(role);
                for subject in &subjects {
                    let want = expected(&t, subject, action, at);
                    let response = grant(&app, acme, &subject.token, target, role.as_str(), &scope);
                    let what = format!("grant {} on {scope} by {}", role.as_str(), subject.name);
                    let id = if want {
                        assert_eq!(response.status, 201, "{what}: {}", response.text);
                        response.json()["id"].as_i64().expect("id")
                    } else {
                        assert_eq!(response.status, 403, "{what}: {}", response.text);
                        admin_grants(&app, acme, target, role.as_str(), &scope)
                    };
                    let revoked = revoke(&app, acme, &subject.token, id);
                    assert_eq!(
                        revoked.status,
                        if want { 204 } else { 403 },
                        "revoke {} on {scope} by {}: {}",
                        role.as_str(),
                        subject.name,
                        revoked.text
                    );
                    if !want {
                        revoke(&app, acme, &acme.admin_token, id).expect(204);
                    }
                    tried += 2;
                    allowed_seen += 2 * usize::from(want);
                }
            }
            Case::Decide => {
                for subject in &subjects {
                    let want = expected(&t, subject, action, At::Low);
                    let id = app
                        .req("POST", &acme.domain, "/api/v1/course-creator-requests")
                        .bearer(&requester_token)
                        .json(&json!({"organization": "LOW"}))
                        .expect(201)
                        .json()["id"]
                        .as_i64()
                        .expect("id");
                    let path = format!("/api/v1/course-creator-requests/{id}");
                    let response = app
                        .req("PATCH", &acme.domain, &path)
                        .bearer(&subject.token)
                        .json(&json!({"state": "denied"}));
                    assert_eq!(
                        response.status,
                        if want { 200 } else { 403 },
                        "decide by {}: {}",
                        subject.name,
                        response.text
                    );
                    if !want {
                        acme.admin(&app, "PATCH", &path)
                            .json(&json!({"state": "denied"}))
                            .expect(200);
                    }
                    tried += 1;
                    allowed_seen += usize::from(want);
                }
            }
        }
    }
    eprintln!("matrix: {tried} cells tried through the API, {allowed_seen} allowed");
    eprintln!("not routed in this build, skipped: {skipped:?}");
    eprintln!("no endpoint yet: {untested:?}");
    // The walk covers both answers, and enough of the matrix to mean it.
    assert!(tried >= 10 * 20, "only {tried} cells tried");
    assert!(allowed_seen > 30 && allowed_seen < tried - 30);
}

backend_tests!(the_whole_matrix_holds_through_the_api);
