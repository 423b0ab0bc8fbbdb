//! Role assignments (`/api/v1/role-assignments`, GraphQL `roleAssignments`,
//! `grantRole`, `revokeRole`): validation, inheritance down the tree,
//! escalation refused, the last tenant admin kept, and grants taking effect
//! on the next request on every server.

use std::time::{Duration, Instant};

use atrium_tests::{backend_tests, postgres_tests, Backend, TestApp};
use serde_json::json;

use crate::org_tree::{account, admin_grants, audit_count, grant, revoke, tree, COURSE};

fn grants_are_validated_listed_and_revoked(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let (ada, _) = account(&app, acme, "ada");

    let response = grant(&app, acme, &acme.admin_token, ada, "org_staff", "org:LOW").expect(201);
    let created = response.json();
    let id = created["id"].as_i64().expect("id");
    assert_eq!(
        response.header("location"),
        Some(format!("/api/v1/role-assignments/{id}").as_str())
    );
    assert_eq!(created["user_id"], ada);
    assert_eq!(created["role"], "org_staff");
    assert_eq!(created["scope"], "org:LOW");
    assert!(created["created_at"].is_string());
    assert_eq!(
        acme.admin(&app, "GET", &format!("/api/v1/role-assignments/{id}"))
            .send()
            .expect(200)
            .json(),
        created
    );
    grant(&app, acme, &acme.admin_token, ada, "org_staff", "org:LOW")
        .expect_problem(409, "conflict");

    // Field errors, each named.
    for (role, scope, field) in [
        ("learner", "org:LOW", "role"),
        ("org_staff", "department:LOW", "scope"),
        ("org_staff", "course:MIT+1+2", "scope"),
        ("org_admin", "tenant", "scope"),
        ("tenant_admin", "org:LOW", "scope"),
        ("beta_tester", "org:LOW", "scope"),
        ("org_staff", &format!("course:{COURSE}"), "scope"),
    ] {
        let errors = grant(&app, acme, &acme.admin_token, ada, role, scope).field_errors();
        assert_eq!(errors, vec![field.to_owned()], "{role} on {scope}");
    }
    acme.admin(&app, "POST", "/api/v1/role-assignments")
        .json(&json!({"user_id": ada, "role": "org_staff"}))
        .expect_problem(400, "bad-request");
    // What the tenant does not have: 404.
    grant(
        &app,
        acme,
        &acme.admin_token,
        999_999,
        "org_staff",
        "org:LOW",
    )
    .expect_problem(404, "not-found");
    grant(&app, acme, &acme.admin_token, ada, "org_staff", "org:NOPE")
        .expect_problem(404, "not-found");
    grant(
        &app,
        acme,
        &acme.admin_token,
        ada,
        "course_staff",
        "course:course-v1:NOPE+1+2",
    )
    .expect_problem(404, "not-found");

    let course = admin_grants(&app, acme, ada, "course_staff", &format!("course:{COURSE}"));
    // Filters and paging.
    let list = |query: &str| {
        acme.admin(&app, "GET", &format!("/api/v1/role-assignments{query}"))
            .send()
            .expect(200)
            .json()
    };
    let ids = |page: &serde_json::Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["id"].as_i64().expect("id"))
            .collect()
    };
    assert_eq!(ids(&list(&format!("?user_id={ada}"))), vec![id, course]);
    assert_eq!(ids(&list("?role=course_staff")), vec![course]);
    assert_eq!(ids(&list("?scope=org:LOW")), vec![id]);
    let all = list("");
    assert_eq!(all["items"].as_array().expect("items").len(), 3, "{all}");
    assert_eq!(all["items"][0]["role"], "tenant_admin");
    let first = list("?limit=2");
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = list(&format!("?limit=2&cursor={cursor}"));
    assert_eq!(ids(&second), vec![course]);
    assert!(second["next_cursor"].is_null());
    acme.admin(&app, "GET", "/api/v1/role-assignments?role=emperor")
        .send()
        .expect_problem(400, "validation");
    acme.admin(&app, "GET", "/api/v1/role-assignments?cursor=nonsense!")
        .send()
        .expect_problem(400, "validation");

    revoke(&app, acme, &acme.admin_token, id).expect(204);
    revoke(&app, acme, &acme.admin_token, id).expect_problem(404, "not-found");
    assert_eq!(ids(&list(&format!("?user_id={ada}"))), vec![course]);
    assert_eq!(audit_count(&app, acme, "role_assignment.create", id), 1);
    assert_eq!(audit_count(&app, acme, "role_assignment.delete", id), 1);
    assert_eq!(audit_count(&app, acme, "role_assignment.create", course), 1);

    // GraphQL: the same service.
    let granted = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "mutation($u: Int!) { grantRole(input: {userId: $u, role: \"org_admin\", scope: \"org:MID\"}) { id role scope userId } }",
        json!({"u": ada}),
    );
    let gql_id = granted["data"]["grantRole"]["id"].as_i64().expect("id");
    assert_eq!(granted["data"]["grantRole"]["scope"], "org:MID");
    let listed = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "query($u: Int) { roleAssignments(userId: $u, role: \"org_admin\") { items { id } nextCursor } }",
        json!({"u": ada}),
    );
    assert_eq!(
        listed["data"]["roleAssignments"]["items"],
        json!([{"id": gql_id}])
    );
    let refused = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "mutation($u: Int!) { grantRole(input: {userId: $u, role: \"org_admin\", scope: \"org:NOPE\"}) { id } }",
        json!({"u": ada}),
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );
    let revoked = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "mutation($id: Int!) { revokeRole(id: $id) }",
        json!({"id": gql_id}),
    );
    assert_eq!(revoked["data"]["revokeRole"], true);
    assert_eq!(audit_count(&app, acme, "role_assignment.delete", gql_id), 1);
}

/// An org admin of TOP manages grants two levels below, and nowhere else:
/// not on a sibling's subtree, not on the parent.
fn org_roles_are_inherited_down_the_tree(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let (boss, boss_token) = account(&app, acme, "boss");
    let (ada, _) = account(&app, acme, "ada");
    admin_grants(&app, acme, boss, "org_admin", "org:TOP");
    let on_sib = admin_grants(&app, acme, ada, "org_staff", "org:SIB");

    let on_low = grant(&app, acme, &boss_token, ada, "org_staff", "org:LOW")
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    let on_course = grant(
        &app,
        acme,
        &boss_token,
        ada,
        "course_staff",
        "course:course-v1:LOW+X+1",
    )
    .expect(201)
    .json()["id"]
        .as_i64()
        .expect("id");
    for scope in ["org:SIB", "org:SIBKID", "org:ACME"] {
        grant(&app, acme, &boss_token, ada, "org_staff", scope).expect_problem(403, "forbidden");
    }
    grant(
        &app,
        acme,
        &boss_token,
        ada,
        "course_staff",
        "course:course-v1:SIB+X+1",
    )
    .expect_problem(403, "forbidden");
    // Nor read or revoke there.
    let read = |id: i64| {
        app.req(
            "GET",
            &acme.domain,
            &format!("/api/v1/role-assignments/{id}"),
        )
        .bearer(&boss_token)
        .send()
    };
    read(on_sib).expect_problem(403, "forbidden");
    read(on_low).expect(200);
    read(on_course).expect(200);
    revoke(&app, acme, &boss_token, on_sib).expect_problem(403, "forbidden");

    // It sees the grants of its subtree only (its own included).
    let seen: Vec<i64> = app
        .req("GET", &acme.domain, "/api/v1/role-assignments")
        .bearer(&boss_token)
        .send()
        .expect(200)
        .json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen.contains(&on_low) && seen.contains(&on_course) && !seen.contains(&on_sib));

    revoke(&app, acme, &boss_token, on_low).expect(204);
    revoke(&app, acme, &boss_token, on_course).expect(204);
}

fn escalation_is_refused(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let globex = app.provision("globex");
    let (foreign, _) = account(&app, &globex, "foreign");
    let (boss, boss_token) = account(&app, acme, "boss");
    let (teacher, teacher_token) = account(&app, acme, "teacher");
    let (ada, ada_token) = account(&app, acme, "ada");
    admin_grants(&app, acme, boss, "org_admin", "org:TOP");
    admin_grants(
        &app,
        acme,
        teacher,
        "course_instructor",
        &format!("course:{COURSE}"),
    );

    // Above one's own role.
    grant(&app, acme, &boss_token, ada, "tenant_admin", "tenant").expect_problem(403, "forbidden");
    grant(&app, acme, &teacher_token, ada, "org_staff", "org:TOP").expect_problem(403, "forbidden");
    grant(
        &app,
        acme,
        &ada_token,
        ada,
        "beta_tester",
        &format!("course:{COURSE}"),
    )
    .expect_problem(403, "forbidden");
    // A course instructor manages its own course's team, no other course.
    grant(
        &app,
        acme,
        &teacher_token,
        ada,
        "course_staff",
        &format!("course:{COURSE}"),
    )
    .expect(201);
    grant(
        &app,
        acme,
        &teacher_token,
        ada,
        "course_staff",
        "course:course-v1:TOP+OTHER+2026",
    )
    .expect_problem(403, "forbidden");
    // In another organization's subtree.
    grant(&app, acme, &boss_token, ada, "org_admin", "org:SIB").expect_problem(403, "forbidden");
    // In another tenant: its organization and its account are not found,
    // even by this tenant's admin.
    insert_globex_only(&app);
    for token in [&boss_token, &acme.admin_token] {
        grant(&app, acme, token, ada, "org_staff", "org:GLOBEXONLY")
            .expect_problem(404, "not-found");
    }
    grant(
        &app,
        acme,
        &acme.admin_token,
        foreign,
        "org_staff",
        "org:TOP",
    )
    .expect_problem(404, "not-found");
    grant(&app, acme, &boss_token, foreign, "org_staff", "org:LOW")
        .expect_problem(404, "not-found");
    // An API client holds no roles and grants none.
    let client = acme
        .admin(&app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "sync", "scopes": ["users:write", "organizations:write"]}))
        .expect(201)
        .json();
    let client_token = app
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
    // Without a courses scope it does not see the course either: the same
    // 404 as for a course that does not exist.
    grant(
        &app,
        acme,
        &client_token,
        ada,
        "beta_tester",
        &format!("course:{COURSE}"),
    )
    .expect_problem(404, "not-found");
    app.req("GET", &acme.domain, "/api/v1/role-assignments")
        .bearer(&client_token)
        .send()
        .expect_problem(403, "forbidden");
    // Nothing was granted by any refused attempt.
    assert_eq!(
        app.db.count_as_owner(&format!(
            "SELECT COUNT(*) AS n FROM role_assignments WHERE user_id IN ({ada}, {foreign})"
        )),
        1
    );
}

fn insert_globex_only(app: &TestApp) {
    crate::org_tree::insert_org(app, "globex", "GLOBEXONLY", None);
}

fn the_last_tenant_admin_stays(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let admin_grant = acme
        .admin(&app, "GET", "/api/v1/role-assignments?role=tenant_admin")
        .send()
        .expect(200)
        .json()["items"][0]["id"]
        .as_i64()
        .expect("the admin's grant");
    revoke(&app, &acme, &acme.admin_token, admin_grant).expect_problem(409, "conflict");
    let (second, second_token) = account(&app, &acme, "second");
    let second_grant = admin_grants(&app, &acme, second, "tenant_admin", "tenant");
    // A second admin can be removed, and can remove the first...
    revoke(&app, &acme, &second_token, admin_grant).expect(204);
    // ...and is then the last.
    revoke(&app, &acme, &second_token, second_grant).expect_problem(409, "conflict");
}

/// `status` of `request` once it stops answering anything else, within 1 s
/// (the other server hears of a change through a notification).
fn settles_on(what: &str, status: u16, request: impl Fn() -> u16) {
    let started = Instant::now();
    loop {
        let got = request();
        if got == status {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{what}: still {got} after 1 s"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn users_status(app: &TestApp, domain: &str, token: &str) -> u16 {
    app.req("GET", domain, "/api/v1/users")
        .bearer(token)
        .send()
        .status
}

/// On one server (both backends): the next request sees the change.
fn a_grant_and_a_revoke_take_effect_on_the_next_request(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let (ada, token) = account(&app, &acme, "ada");
    assert_eq!(users_status(&app, &acme.domain, &token), 403);
    let id = admin_grants(&app, &acme, ada, "tenant_admin", "tenant");
    assert_eq!(users_status(&app, &acme.domain, &token), 200);
    revoke(&app, &acme, &acme.admin_token, id).expect(204);
    assert_eq!(users_status(&app, &acme.domain, &token), 403);
}

fn a_grant_and_a_revoke_take_effect_on_the_other_server() {
    let first = TestApp::start(Backend::Postgres);
    let second = first.replica();
    let acme = first.provision("acme");
    let (ada, token) = account(&first, &acme, "ada");
    // Both servers cache ada without roles.
    assert_eq!(users_status(&first, &acme.domain, &token), 403);
    assert_eq!(users_status(&second, &acme.domain, &token), 403);
    let id = admin_grants(&first, &acme, ada, "tenant_admin", "tenant");
    settles_on("the grant on the other server", 200, || {
        users_status(&second, &acme.domain, &token)
    });
    revoke(&first, &acme, &acme.admin_token, id).expect(204);
    settles_on("the revoke on the other server", 403, || {
        users_status(&second, &acme.domain, &token)
    });
    for _ in 0..5 {
        assert_eq!(users_status(&second, &acme.domain, &token), 403);
    }
}

/// A stored grant whose role does not belong on its scope (an organization
/// role on the whole tenant, written by hand) grants nothing.
fn a_role_on_the_wrong_kind_of_scope_grants_nothing(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let (ada, token) = account(&app, acme, "ada");
    app.db.execute_as_owner(&format!(
        "INSERT INTO role_assignments (tenant_id, user_id, role, scope, created_at) \
         VALUES ({}, {ada}, 'org_admin', 'tenant', '2026-01-01 00:00:00')",
        acme.tenant_id
    ));
    app.req("GET", &acme.domain, "/api/v1/organizations/LOW/members")
        .bearer(&token)
        .send()
        .expect_problem(403, "forbidden");
    let me = app
        .req("GET", &acme.domain, "/api/v1/me")
        .bearer(&token)
        .send()
        .expect(200)
        .json();
    assert_eq!(me["roles"], json!([]), "{me}");
}

backend_tests!(
    a_role_on_the_wrong_kind_of_scope_grants_nothing,
    grants_are_validated_listed_and_revoked,
    org_roles_are_inherited_down_the_tree,
    escalation_is_refused,
    the_last_tenant_admin_stays,
    a_grant_and_a_revoke_take_effect_on_the_next_request,
);

postgres_tests!(a_grant_and_a_revoke_take_effect_on_the_other_server);
