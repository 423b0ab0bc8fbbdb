//! Studio's course-creator requests (`/api/v1/course-creator-requests`,
//! GraphQL `courseCreatorRequests`, `requestCourseCreator`,
//! `decideCourseCreatorRequest`): asked by a user, decided by an org admin
//! above the organization or a tenant admin, the grant made with the
//! decision and the request marked `revoked` with the grant's revocation.

use atrium_tests::{backend_tests, Backend, Provisioned, Response, TestApp};
use serde_json::{json, Value};

use crate::org_tree::{account, admin_grants, audit_count, revoke, tree};

fn ask(app: &TestApp, tenant: &Provisioned, token: &str, body: Value) -> Response {
    app.req("POST", &tenant.domain, "/api/v1/course-creator-requests")
        .bearer(token)
        .json(&body)
}

fn decide(app: &TestApp, tenant: &Provisioned, token: &str, id: i64, body: Value) -> Response {
    app.req(
        "PATCH",
        &tenant.domain,
        &format!("/api/v1/course-creator-requests/{id}"),
    )
    .bearer(token)
    .json(&body)
}

fn listed(app: &TestApp, tenant: &Provisioned, token: &str, query: &str) -> Vec<i64> {
    app.req(
        "GET",
        &tenant.domain,
        &format!("/api/v1/course-creator-requests{query}"),
    )
    .bearer(token)
    .send()
    .expect(200)
    .json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect()
}

fn a_request_is_granted_then_revoked_with_its_grant(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let (ada, ada_token) = account(&app, acme, "ada");
    let (_, bob_token) = account(&app, acme, "bob");
    let (top_admin, top_token) = account(&app, acme, "topadmin");
    let (sib_admin, sib_token) = account(&app, acme, "sibadmin");
    admin_grants(&app, acme, top_admin, "org_admin", "org:TOP");
    admin_grants(&app, acme, sib_admin, "org_admin", "org:SIB");

    let response = ask(
        &app,
        acme,
        &ada_token,
        json!({"organization": "LOW", "message": "please"}),
    )
    .expect(201);
    let created = response.json();
    let id = created["id"].as_i64().expect("id");
    assert_eq!(
        response.header("location"),
        Some(format!("/api/v1/course-creator-requests/{id}").as_str())
    );
    assert_eq!(created["state"], "pending");
    assert_eq!(created["organization"], "LOW");
    assert_eq!(created["user_id"], ada);
    assert_eq!(created["message"], "please");
    assert!(created["decided_by"].is_null());
    ask(&app, acme, &ada_token, json!({"organization": "LOW"})).expect_problem(409, "conflict");
    ask(&app, acme, &ada_token, json!({"organization": "NOPE"})).expect_problem(404, "not-found");
    ask(
        &app,
        acme,
        &ada_token,
        json!({"organization": "LOW", "extra": 1}),
    )
    .expect_problem(400, "bad-request");

    // Who sees it: its author and those who may decide it.
    assert_eq!(listed(&app, acme, &ada_token, ""), vec![id]);
    assert_eq!(listed(&app, acme, &bob_token, ""), Vec::<i64>::new());
    assert_eq!(listed(&app, acme, &top_token, "?state=pending"), vec![id]);
    assert_eq!(
        listed(&app, acme, &top_token, "?organization=LOW"),
        vec![id]
    );
    assert_eq!(
        listed(&app, acme, &top_token, "?organization=SIB"),
        Vec::<i64>::new()
    );
    // An organization filter that cannot name one is a field error.
    app.req(
        "GET",
        &acme.domain,
        "/api/v1/course-creator-requests?organization=",
    )
    .bearer(&top_token)
    .send()
    .expect_problem(400, "validation");
    assert_eq!(listed(&app, acme, &sib_token, ""), Vec::<i64>::new());
    assert_eq!(
        listed(&app, acme, &acme.admin_token, "?state=granted"),
        Vec::<i64>::new()
    );
    app.req(
        "GET",
        &acme.domain,
        "/api/v1/course-creator-requests?state=maybe",
    )
    .bearer(&top_token)
    .send()
    .expect_problem(400, "validation");
    let path = format!("/api/v1/course-creator-requests/{id}");
    for token in [&ada_token, &top_token, &acme.admin_token] {
        app.req("GET", &acme.domain, &path)
            .bearer(token)
            .send()
            .expect(200);
    }
    app.req("GET", &acme.domain, &path)
        .bearer(&bob_token)
        .send()
        .expect_problem(403, "forbidden");

    // Only a decider above it decides.
    for token in [&ada_token, &bob_token, &sib_token] {
        decide(&app, acme, token, id, json!({"state": "granted"})).expect_problem(403, "forbidden");
    }
    assert_eq!(
        decide(&app, acme, &top_token, id, json!({"state": "pending"})).field_errors(),
        vec!["state"]
    );
    let granted = decide(
        &app,
        acme,
        &top_token,
        id,
        json!({"state": "granted", "reason": "welcome"}),
    )
    .expect(200)
    .json();
    assert_eq!(granted["state"], "granted");
    assert_eq!(granted["decided_by"], top_admin);
    assert!(granted["decided_at"].is_string());
    decide(
        &app,
        acme,
        &acme.admin_token,
        id,
        json!({"state": "denied"}),
    )
    .expect_problem(409, "conflict");
    // The grant was made with the decision; a course creator there asks
    // no more.
    let grants = acme
        .admin(
            &app,
            "GET",
            &format!("/api/v1/role-assignments?user_id={ada}"),
        )
        .send()
        .expect(200)
        .json();
    assert_eq!(
        grants["items"].as_array().expect("items").len(),
        1,
        "{grants}"
    );
    assert_eq!(grants["items"][0]["role"], "course_creator");
    assert_eq!(grants["items"][0]["scope"], "org:LOW");
    let grant_id = grants["items"][0]["id"].as_i64().expect("id");
    ask(&app, acme, &ada_token, json!({"organization": "LOW"})).expect_problem(409, "conflict");

    // Revoking the grant marks the request revoked; the history stays.
    revoke(&app, acme, &top_token, grant_id).expect(204);
    assert_eq!(listed(&app, acme, &top_token, "?state=revoked"), vec![id]);
    let again = ask(&app, acme, &ada_token, json!({"organization": "LOW"}))
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    let denied = decide(
        &app,
        acme,
        &acme.admin_token,
        again,
        json!({"state": "denied"}),
    )
    .expect(200)
    .json();
    assert_eq!(denied["state"], "denied");
    assert_eq!(listed(&app, acme, &ada_token, ""), vec![id, again]);

    for (action, target) in [
        ("course_creator_request.create", id),
        ("course_creator_request.grant", id),
        ("course_creator_request.revoke", id),
        ("course_creator_request.create", again),
        ("course_creator_request.deny", again),
        ("role_assignment.create", grant_id),
        ("role_assignment.delete", grant_id),
    ] {
        assert_eq!(
            audit_count(&app, acme, action, target),
            1,
            "{action} {target}"
        );
    }
    let reason = app.db.count_as_owner(&format!(
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'course_creator_request.grant' AND after_json LIKE '%welcome%' AND target_id = '{id}'"
    ));
    assert_eq!(reason, 1, "the reason is kept in the audit entry");
}

fn graphql_asks_and_decides_through_the_same_rules(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let (_, ada_token) = account(&app, acme, "ada");
    let asked = app.graphql(
        &acme.domain,
        Some(&ada_token),
        "mutation { requestCourseCreator(input: {organization: \"MID\", message: \"hi\"}) { id state organization } }",
        json!({}),
    );
    let id = asked["data"]["requestCourseCreator"]["id"]
        .as_i64()
        .expect("id");
    assert_eq!(asked["data"]["requestCourseCreator"]["state"], "pending");
    let refused = app.graphql(
        &acme.domain,
        Some(&ada_token),
        "mutation($id: Int!) { decideCourseCreatorRequest(id: $id, input: {state: \"granted\"}) { id } }",
        json!({"id": id}),
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
    let decided = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "mutation($id: Int!) { decideCourseCreatorRequest(id: $id, input: {state: \"granted\"}) { state decidedBy } }",
        json!({"id": id}),
    );
    assert_eq!(
        decided["data"]["decideCourseCreatorRequest"]["state"],
        "granted"
    );
    assert_eq!(
        decided["data"]["decideCourseCreatorRequest"]["decidedBy"],
        acme.admin_id
    );
    let list = app.graphql(
        &acme.domain,
        Some(&ada_token),
        "{ courseCreatorRequests(state: \"granted\", organization: \"MID\") { items { id } nextCursor } }",
        json!({}),
    );
    assert_eq!(
        list["data"]["courseCreatorRequests"]["items"],
        json!([{"id": id}])
    );
}

/// A grant made directly while a request waits: deciding the request
/// grants it all the same (what it asked for holds) and leaves the one
/// grant. The decision's insert meets the existing grant exactly as it
/// meets one a concurrent request commits between its reads and its
/// insert, so this is that race, made deterministic.
fn granting_a_request_already_held_marks_it_granted(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let (ada, ada_token) = account(&app, acme, "ada");
    let id = ask(&app, acme, &ada_token, json!({"organization": "LOW"}))
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    let direct = admin_grants(&app, acme, ada, "course_creator", "org:LOW");

    let granted = decide(
        &app,
        acme,
        &acme.admin_token,
        id,
        json!({"state": "granted"}),
    )
    .expect(200)
    .json();
    assert_eq!(granted["state"], "granted");
    let grants = acme
        .admin(
            &app,
            "GET",
            &format!("/api/v1/role-assignments?user_id={ada}"),
        )
        .send()
        .expect(200)
        .json();
    let ids: Vec<i64> = grants["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|g| g["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, vec![direct], "{grants}");
    assert_eq!(
        audit_count(&app, acme, "course_creator_request.grant", id),
        1
    );
    assert_eq!(audit_count(&app, acme, "role_assignment.create", direct), 1);
    // The decision stuck: it is no longer pending.
    decide(
        &app,
        acme,
        &acme.admin_token,
        id,
        json!({"state": "denied"}),
    )
    .expect_problem(409, "conflict");
}

backend_tests!(
    a_request_is_granted_then_revoked_with_its_grant,
    graphql_asks_and_decides_through_the_same_rules,
    granting_a_request_already_held_marks_it_granted,
);
