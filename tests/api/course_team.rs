//! A course's team (`/api/v1/courses/{course_key}/team`, GraphQL
//! `courseTeam`, `addTeamMember`, `removeTeamMember`): entries are the
//! course-scoped grants of `/api/v1/role-assignments`, managed by course
//! instructors and everyone above them; a course the caller cannot see is
//! a `404`; and the loader behind `Course.team` reads many courses' teams
//! in a fixed number of statements.

use atrium_core::CourseId;
use atrium_permissions::Role;
use atrium_tests::{backend_tests, Backend, Provisioned, TestApp};
use serde_json::{json, Value};

use crate::org_tree::{
    account, admin_grants, audit_count, insert_course_with, settings, tree, COURSE,
};

/// A private course of organization `org`, which the tree does not have.
fn insert_private_course(app: &TestApp, slug: &str, org: i64, key: &str) {
    let mut private = settings(key);
    private.visibility = "private".into();
    insert_course_with(app, slug, org, key, private);
}

const PRIVATE: &str = "course-v1:TOP+PRIV+2026";

fn team_path(key: &str) -> String {
    format!("/api/v1/courses/{key}/team")
}

fn add(
    app: &TestApp,
    t: &Provisioned,
    token: &str,
    key: &str,
    user: i64,
    role: &str,
) -> atrium_tests::Response {
    app.req("POST", &t.domain, &team_path(key))
        .bearer(token)
        .json(&json!({"user_id": user, "role": role}))
}

fn remove(
    app: &TestApp,
    t: &Provisioned,
    token: &str,
    key: &str,
    user: i64,
    role: Option<&str>,
) -> atrium_tests::Response {
    let path = match role {
        Some(role) => format!("{}/{user}?role={role}", team_path(key)),
        None => format!("{}/{user}", team_path(key)),
    };
    app.req("DELETE", &t.domain, &path).bearer(token).send()
}

fn list(app: &TestApp, t: &Provisioned, token: &str, key: &str) -> atrium_tests::Response {
    app.req("GET", &t.domain, &team_path(key))
        .bearer(token)
        .send()
}

/// `(user_id, role)` of each entry of a page.
fn entries(page: &Value) -> Vec<(i64, String)> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["user_id"].as_i64().expect("user_id"),
                i["role"].as_str().expect("role").to_owned(),
            )
        })
        .collect()
}

fn members_are_added_listed_and_removed(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let admin = &acme.admin_token;
    let (ada, _) = account(&app, acme, "ada");
    let (bob, _) = account(&app, acme, "bob");

    let response = add(&app, acme, admin, COURSE, ada, "course_staff").expect(201);
    let staff = response.json();
    let staff_id = staff["assignment_id"].as_i64().expect("assignment_id");
    assert_eq!(
        response.header("location"),
        Some(format!("/api/v1/role-assignments/{staff_id}").as_str())
    );
    assert_eq!(staff["user_id"], ada);
    assert_eq!(staff["role"], "course_staff");
    assert!(staff["created_at"].is_string());
    let beta_id = add(&app, acme, admin, COURSE, ada, "beta_tester")
        .expect(201)
        .json()["assignment_id"]
        .as_i64()
        .expect("id");
    // Percent-encoded, as a client that escapes the key sends it.
    let instructor_id = add(
        &app,
        acme,
        admin,
        "course-v1%3ATOP%2BC1%2B2026",
        bob,
        "course_instructor",
    )
    .expect(201)
    .json()["assignment_id"]
        .as_i64()
        .expect("id");
    add(&app, acme, admin, COURSE, ada, "course_staff").expect_problem(409, "conflict");

    // Only course roles; unknown accounts and courses are 404s.
    for role in ["org_admin", "learner", "tenant_admin", ""] {
        assert_eq!(
            add(&app, acme, admin, COURSE, ada, role).field_errors(),
            ["role"],
            "{role}"
        );
    }
    acme.admin(&app, "POST", &team_path(COURSE))
        .json(&json!({"user_id": ada, "role": "course_staff", "scope": "tenant"}))
        .expect_problem(400, "bad-request");
    add(&app, acme, admin, COURSE, 999_999, "course_staff").expect_problem(404, "not-found");
    for missing in [
        "course-v1:TOP+NOPE+2026",
        "course-v1:NOPE+C1+2026",
        "not-a-key",
    ] {
        add(&app, acme, admin, missing, ada, "course_staff").expect_problem(404, "not-found");
        list(&app, acme, admin, missing).expect_problem(404, "not-found");
        remove(&app, acme, admin, missing, ada, None).expect_problem(404, "not-found");
    }

    // Listed in the order added, paged, and the same rows as the grants.
    let page = list(&app, acme, admin, COURSE).expect(200).json();
    assert_eq!(
        entries(&page),
        [
            (ada, "course_staff".to_owned()),
            (ada, "beta_tester".to_owned()),
            (bob, "course_instructor".to_owned())
        ]
    );
    assert!(page["next_cursor"].is_null());
    let first = acme
        .admin(&app, "GET", &format!("{}?limit=2", team_path(COURSE)))
        .send()
        .expect(200)
        .json();
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = acme
        .admin(
            &app,
            "GET",
            &format!("{}?limit=2&cursor={cursor}", team_path(COURSE)),
        )
        .send()
        .expect(200)
        .json();
    assert_eq!(entries(&second), [(bob, "course_instructor".to_owned())]);
    assert_eq!(
        list(&app, acme, admin, "course-v1%3ATOP%2BC1%2B2026")
            .expect(200)
            .json(),
        page
    );
    let grants = acme
        .admin(&app, "GET", "/api/v1/role-assignments")
        .query("scope", &format!("course:{COURSE}"))
        .send()
        .expect(200)
        .json();
    let grant_ids: Vec<i64> = grants["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|g| g["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(grant_ids, [staff_id, beta_id, instructor_id]);
    // Another course's team is its own.
    assert_eq!(
        entries(
            &list(&app, acme, admin, "course-v1:TOP+OTHER+2026")
                .expect(200)
                .json()
        ),
        []
    );

    // One role, then the rest; nothing left is a 404.
    remove(&app, acme, admin, COURSE, ada, Some("org_admin")).field_errors();
    remove(&app, acme, admin, COURSE, ada, Some("beta_tester")).expect(204);
    remove(&app, acme, admin, COURSE, ada, Some("beta_tester")).expect_problem(404, "not-found");
    assert_eq!(
        entries(&list(&app, acme, admin, COURSE).expect(200).json()),
        [
            (ada, "course_staff".to_owned()),
            (bob, "course_instructor".to_owned())
        ]
    );
    add(&app, acme, admin, COURSE, ada, "beta_tester").expect(201);
    remove(&app, acme, admin, COURSE, ada, None).expect(204);
    remove(&app, acme, admin, COURSE, ada, None).expect_problem(404, "not-found");
    assert_eq!(
        entries(&list(&app, acme, admin, COURSE).expect(200).json()),
        [(bob, "course_instructor".to_owned())]
    );
    acme.admin(&app, "GET", &format!("/api/v1/role-assignments/{staff_id}"))
        .send()
        .expect_problem(404, "not-found");

    // Each change is a grant's, audited as such.
    for id in [staff_id, beta_id, instructor_id] {
        assert_eq!(audit_count(&app, acme, "role_assignment.create", id), 1);
    }
    assert_eq!(
        audit_count(&app, acme, "role_assignment.delete", staff_id),
        1
    );
    assert_eq!(
        audit_count(&app, acme, "role_assignment.delete", beta_id),
        1
    );
    assert_eq!(
        audit_count(&app, acme, "role_assignment.delete", instructor_id),
        0
    );
}

/// Course instructors manage their course's team, and everyone above them
/// theirs; course staff and learners do not; a course the caller cannot
/// see is a 404, as is another tenant's.
fn who_may_manage_the_team(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    insert_private_course(&app, "acme", t.top, PRIVATE);
    let (inst, inst_token) = account(&app, acme, "inst");
    let (staff, staff_token) = account(&app, acme, "staff");
    let (beta, beta_token) = account(&app, acme, "beta");
    let (boss, boss_token) = account(&app, acme, "boss");
    let (_, learner_token) = account(&app, acme, "learner");
    let (x, _) = account(&app, acme, "xena");
    admin_grants(
        &app,
        acme,
        inst,
        "course_instructor",
        &format!("course:{COURSE}"),
    );
    admin_grants(
        &app,
        acme,
        inst,
        "course_instructor",
        &format!("course:{PRIVATE}"),
    );
    admin_grants(
        &app,
        acme,
        staff,
        "course_staff",
        &format!("course:{COURSE}"),
    );
    admin_grants(
        &app,
        acme,
        staff,
        "course_staff",
        &format!("course:{PRIVATE}"),
    );
    admin_grants(
        &app,
        acme,
        beta,
        "beta_tester",
        &format!("course:{PRIVATE}"),
    );
    admin_grants(&app, acme, boss, "org_admin", "org:TOP");

    // A course instructor: staff, beta testers and fellow instructors.
    for role in ["course_staff", "beta_tester", "course_instructor"] {
        add(&app, acme, &inst_token, COURSE, x, role).expect(201);
    }
    remove(
        &app,
        acme,
        &inst_token,
        COURSE,
        x,
        Some("course_instructor"),
    )
    .expect(204);
    add(&app, acme, &inst_token, PRIVATE, x, "beta_tester").expect(201);
    // Not on a course it is not on: visible (public) is a 403, private 404.
    add(
        &app,
        acme,
        &inst_token,
        "course-v1:TOP+OTHER+2026",
        x,
        "course_staff",
    )
    .expect_problem(403, "forbidden");

    // Course staff reads the team but does not change it.
    assert_eq!(
        list(&app, acme, &staff_token, PRIVATE).expect(200).json()["items"]
            .as_array()
            .expect("items")
            .len(),
        4
    );
    add(&app, acme, &staff_token, PRIVATE, x, "course_staff").expect_problem(403, "forbidden");
    remove(&app, acme, &staff_token, PRIVATE, x, None).expect_problem(403, "forbidden");
    remove(&app, acme, &staff_token, COURSE, inst, None).expect_problem(403, "forbidden");
    // A beta tester previews, so it reads the team.
    list(&app, acme, &beta_token, PRIVATE).expect(200);
    add(&app, acme, &beta_token, PRIVATE, x, "course_staff").expect_problem(403, "forbidden");

    // A learner of the tenant: a public course's team is not its to read
    // (403); a private course does not exist for it (404).
    list(&app, acme, &learner_token, COURSE).expect_problem(403, "forbidden");
    add(&app, acme, &learner_token, COURSE, x, "beta_tester").expect_problem(403, "forbidden");
    list(&app, acme, &learner_token, PRIVATE).expect_problem(404, "not-found");
    add(&app, acme, &learner_token, PRIVATE, x, "beta_tester").expect_problem(404, "not-found");
    remove(&app, acme, &learner_token, PRIVATE, x, None).expect_problem(404, "not-found");
    app.req("GET", &acme.domain, &team_path(COURSE))
        .send()
        .expect_problem(401, "unauthenticated");

    // An org admin manages the teams of its subtree, not its sibling's.
    add(
        &app,
        acme,
        &boss_token,
        "course-v1:LOW+X+1",
        x,
        "course_instructor",
    )
    .expect(201);
    add(&app, acme, &boss_token, PRIVATE, x, "course_staff").expect(201);
    remove(&app, acme, &boss_token, PRIVATE, inst, None).expect(204);
    add(
        &app,
        acme,
        &boss_token,
        "course-v1:SIB+X+1",
        x,
        "course_staff",
    )
    .expect_problem(403, "forbidden");
    // The instructor it removed has lost the private course altogether.
    list(&app, acme, &inst_token, PRIVATE).expect_problem(404, "not-found");

    // Another tenant: the same key is nothing there; this tenant's token
    // is refused on its host.
    let globex = app.provision("globex");
    list(&app, &globex, &globex.admin_token, COURSE).expect_problem(404, "not-found");
    add(
        &app,
        &globex,
        &globex.admin_token,
        COURSE,
        x,
        "course_staff",
    )
    .expect_problem(404, "not-found");
    app.req("GET", &globex.domain, &team_path(COURSE))
        .bearer(&inst_token)
        .send()
        .expect_problem(401, "unauthenticated");
}

fn graphql_manages_the_same_team(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let (ada, _) = account(&app, acme, "ada");
    let gql = |query: &str, variables: Value| {
        app.graphql(&acme.domain, Some(&acme.admin_token), query, variables)
    };
    let added = gql(
        "mutation($k: String!, $u: Int!) { addTeamMember(courseKey: $k, userId: $u, role: \"course_staff\") { assignmentId userId role } }",
        json!({"k": COURSE, "u": ada}),
    );
    let id = added["data"]["addTeamMember"]["assignmentId"]
        .as_i64()
        .unwrap_or_else(|| panic!("{added}"));
    assert_eq!(added["data"]["addTeamMember"]["role"], "course_staff");
    // REST sees what GraphQL wrote.
    assert_eq!(
        entries(
            &list(&app, acme, &acme.admin_token, COURSE)
                .expect(200)
                .json()
        ),
        [(ada, "course_staff".to_owned())]
    );
    let listed = gql(
        "query($k: String!) { courseTeam(courseKey: $k) { items { assignmentId userId role } nextCursor } }",
        json!({"k": COURSE}),
    );
    assert_eq!(
        listed["data"]["courseTeam"]["items"],
        json!([{"assignmentId": id, "userId": ada, "role": "course_staff"}])
    );
    let refused = gql(
        "mutation($k: String!, $u: Int!) { addTeamMember(courseKey: $k, userId: $u, role: \"org_admin\") { assignmentId } }",
        json!({"k": COURSE, "u": ada}),
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "VALIDATION",
        "{refused}"
    );
    let missing = gql(
        "query { courseTeam(courseKey: \"course-v1:TOP+NOPE+1\") { items { userId } } }",
        json!({}),
    );
    assert_eq!(
        missing["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{missing}"
    );
    let removed = gql(
        "mutation($k: String!, $u: Int!) { removeTeamMember(courseKey: $k, userId: $u) }",
        json!({"k": COURSE, "u": ada}),
    );
    assert_eq!(removed["data"]["removeTeamMember"], true, "{removed}");
    assert_eq!(audit_count(&app, acme, "role_assignment.delete", id), 1);
}

fn course_id(app: &TestApp, tenant: &Provisioned, key: &str) -> CourseId {
    CourseId(app.db.count_as_owner(&format!(
        "SELECT id AS n FROM courses WHERE tenant_id = {} AND course_key = '{key}'",
        tenant.tenant_id
    )))
}

/// The domain function behind GraphQL's `Course.team`: each course checked
/// as the team listing checks it, and as many statements for forty
/// courses as for two.
fn teams_of_many_courses_load_in_a_fixed_number_of_statements(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let (inst, _) = account(&app, acme, "inst");
    let (ada, _) = account(&app, acme, "ada");
    admin_grants(
        &app,
        acme,
        inst,
        "course_instructor",
        &format!("course:{COURSE}"),
    );
    admin_grants(&app, acme, ada, "beta_tester", &format!("course:{COURSE}"));
    admin_grants(&app, acme, ada, "course_staff", "course:course-v1:SIB+X+1");
    let mut keys = Vec::new();
    for n in 0..40 {
        let key = format!("course-v1:LOW+MANY+{n}");
        crate::org_tree::insert_course(&app, "acme", t.low, &key);
        if n % 2 == 0 {
            admin_grants(&app, acme, ada, "course_staff", &format!("course:{key}"));
        }
        keys.push(key);
    }
    let ids: Vec<CourseId> = keys.iter().map(|k| course_id(&app, acme, k)).collect();
    let (c1, sib) = (
        course_id(&app, acme, COURSE),
        course_id(&app, acme, "course-v1:SIB+X+1"),
    );
    let courses = &app.state.courses;
    actix_web::rt::System::new().block_on(async {
        let atrium_sites::Resolution::Tenant(entry) = app
            .state
            .sites
            .directory
            .resolve(&acme.domain)
            .await
            .unwrap()
        else {
            panic!("the tenant's host does not resolve");
        };
        let scope = entry.scope;
        let instructor = t.user_caller(
            inst,
            Some((Role::CourseInstructor, &format!("course:{COURSE}"))),
        );
        let teams = courses
            .teams_of(&instructor, scope, vec![c1, sib, CourseId(999_999)])
            .await
            .unwrap();
        let team = teams[&c1].as_ref().expect("its own course's team");
        let roles: Vec<(i64, &str)> = team
            .iter()
            .map(|m| (m.user_id.0, m.role.as_str()))
            .collect();
        assert_eq!(roles, [(inst, "course_instructor"), (ada, "beta_tester")]);
        assert_eq!(teams[&sib], None, "another course's team");
        assert_eq!(teams[&CourseId(999_999)], None);

        let admin = t.user_caller(acme.admin_id, Some((Role::TenantAdmin, "tenant")));
        // The fewest of three runs: the counter is the pool's, and a
        // background task's statement may land in a run.
        let mut for_two = u64::MAX;
        let mut for_forty = u64::MAX;
        let mut two = Default::default();
        let mut forty = Default::default();
        for _ in 0..3 {
            let before = app.state.db.statements_executed();
            two = courses
                .teams_of(&admin, scope, ids[..2].to_vec())
                .await
                .unwrap();
            for_two = for_two.min(app.state.db.statements_executed() - before);
            let before = app.state.db.statements_executed();
            forty = courses.teams_of(&admin, scope, ids.clone()).await.unwrap();
            for_forty = for_forty.min(app.state.db.statements_executed() - before);
        }
        assert_eq!(two.len(), 2);
        assert_eq!(forty.len(), 40);
        for (n, id) in ids.iter().enumerate() {
            let team = forty[id].as_ref().expect("a tenant admin reads every team");
            assert_eq!(team.len(), usize::from(n % 2 == 0), "course {n}");
        }
        assert_eq!(for_forty, for_two, "statements for 40 courses vs 2");
        assert!(for_forty <= 8, "{for_forty} statements");

        let anonymous = courses
            .teams_of(&atrium_permissions::Caller::Anonymous, scope, vec![c1])
            .await
            .unwrap();
        assert_eq!(anonymous[&c1], None);
    });
}

/// What a caller who may not manage a team learns about courses and teams
/// it cannot see: nothing. A grant on a private course or a library it
/// cannot see is the same 404 as on a key that does not exist, and a
/// removal from a public course's team is refused before the team is read.
fn refusals_tell_nothing_about_what_the_caller_cannot_see(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    insert_private_course(&app, &acme.slug, t.top, PRIVATE);
    acme.admin(&app, "POST", "/api/v1/libraries")
        .json(&json!({"org": "TOP", "slug": "hidden", "display_name": "Hidden"}))
        .expect(201);
    let (learner, learner_token) = account(&app, acme, "learner");
    let (bob, _) = account(&app, acme, "bob");
    let (carl, _) = account(&app, acme, "carl");
    admin_grants(
        &app,
        acme,
        bob,
        "course_instructor",
        &format!("course:{COURSE}"),
    );
    let grant = |scope: &str| {
        app.req("POST", &acme.domain, "/api/v1/role-assignments")
            .bearer(&learner_token)
            .json(&json!({"user_id": learner, "role": "beta_tester", "scope": scope}))
    };
    for scope in [
        format!("course:{PRIVATE}"),
        "course:course-v1:TOP+NOPE+2026".to_owned(),
        "course:lib:TOP:hidden".to_owned(),
        "course:lib:TOP:nope".to_owned(),
    ] {
        let problem = grant(&scope).expect_problem(404, "not-found");
        assert_eq!(problem["detail"], "course not found", "{scope}");
    }
    // The public course it sees: refused, as a 403.
    grant(&format!("course:{COURSE}")).expect_problem(403, "forbidden");
    // Members or not, with or without a role: the same 403.
    for (user, role) in [
        (bob, None),
        (carl, None),
        (bob, Some("beta_tester")),
        (bob, Some("course_instructor")),
    ] {
        remove(&app, acme, &learner_token, COURSE, user, role).expect_problem(403, "forbidden");
    }
    assert_eq!(
        entries(
            &list(&app, acme, &acme.admin_token, COURSE)
                .expect(200)
                .json()
        ),
        [(bob, "course_instructor".to_owned())]
    );
}

/// A course deleted while its team is being added to leaves no grant
/// behind: the addition holds the course row until it commits, and the
/// deletion takes it before it reads the team. Raced a few times, since
/// a loss depends on the interleaving.
fn a_deleted_course_keeps_no_team_added_meanwhile(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let (ada, _) = account(&app, acme, "ada");
    for round in 0..8 {
        let key = format!("course-v1:TOP+RACE+{round}");
        acme.admin(&app, "POST", "/api/v1/courses")
            .json(&json!({"org": "TOP", "number": "RACE", "run": round.to_string(), "display_name": "Race"}))
            .expect(201);
        let (added, deleted) = std::thread::scope(|s| {
            let adding =
                s.spawn(|| add(&app, acme, &acme.admin_token, &key, ada, "course_staff").status);
            let deleting = s.spawn(|| {
                app.req("DELETE", &acme.domain, &format!("/api/v1/courses/{key}"))
                    .bearer(&acme.admin_token)
                    .send()
                    .status
            });
            (
                adding.join().expect("add"),
                deleting.join().expect("delete"),
            )
        });
        assert_eq!(deleted, 204, "round {round}");
        assert!([201, 404].contains(&added), "round {round}: {added}");
        let left = app.db.count_as_owner(&format!(
            "SELECT COUNT(*) AS n FROM role_assignments WHERE scope = 'course:{key}'"
        ));
        assert_eq!(left, 0, "round {round}: a grant outlived its course");
    }
}

backend_tests!(
    members_are_added_listed_and_removed,
    who_may_manage_the_team,
    graphql_manages_the_same_team,
    teams_of_many_courses_load_in_a_fixed_number_of_statements,
    refusals_tell_nothing_about_what_the_caller_cannot_see,
    a_deleted_course_keeps_no_team_added_meanwhile,
);
