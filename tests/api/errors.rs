//! The framework's own failures answer problem+json too.

use atrium_tests::{backend_tests, Backend, TestApp, TestDb, TestOptions};
use serde_json::json;

fn framework_failures_are_problems(backend: Backend) {
    let app = TestApp::with(
        TestDb::new(backend),
        TestOptions {
            max_body_bytes: 4096,
            ..TestOptions::default()
        },
    );
    let token = app.operator_token();
    let acme = app.provision("acme");
    // Malformed JSON, with where it broke.
    let problem = app
        .platform("POST", "/api/v1/tenants")
        .bearer(&token)
        .body("application/json", b"{\"slug\": ")
        .expect_problem(400, "bad-request");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("line 1 column"),
        "{problem}"
    );
    // Wrong content type.
    app.platform("POST", "/api/v1/tenants")
        .bearer(&token)
        .body("text/plain", b"slug=acme")
        .expect_problem(415, "unsupported-media-type");
    // Body over the limit.
    let huge = json!({"values": {"x": "y".repeat(10_000)}, "enabled": true});
    acme.admin(
        &app,
        "PUT",
        &format!("/api/v1/sites/{}/configuration", acme.site_id),
    )
    .json(&huge)
    .expect_problem(413, "payload-too-large");
    // Unknown route, wrong method.
    app.platform("GET", "/api/v1/nothing-here")
        .send()
        .expect_problem(404, "not-found");
    app.platform("PUT", "/api/v1/tenants")
        .bearer(&token)
        .json(&json!({}))
        .expect_problem(405, "method-not-allowed");
    // A path parameter of the wrong type.
    acme.admin(&app, "GET", "/api/v1/sites/not-a-number")
        .send()
        .expect_problem(400, "bad-request");
    // A bad query string.
    acme.admin(&app, "GET", "/api/v1/sites?limit=lots")
        .send()
        .expect_problem(400, "bad-request");
    // A malformed Authorization header.
    app.platform("GET", "/api/v1/tenants")
        .header("Authorization", "Basic abc")
        .send()
        .expect_problem(401, "unauthenticated");
    // The GraphQL endpoint refuses batches, as a problem.
    app.platform("POST", "/graphql")
        .body("application/json", b"[{\"query\": \"{ me { id } }\"}]")
        .expect_problem(400, "bad-request");
    let huge_query = json!({"query": format!("{{ me {{ id }} }} # {}", "x".repeat(10_000))});
    app.platform("POST", "/graphql")
        .json(&huge_query)
        .expect_problem(413, "payload-too-large");
    // Errors of async-graphql itself carry a code too.
    let broken = app.graphql("localhost", Some(&token), "{ me { id ", json!({}));
    assert_eq!(
        broken["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{broken}"
    );
    let unknown = app.graphql("localhost", Some(&token), "{ nothing }", json!({}));
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{unknown}"
    );
}

/// Characters a database cannot store are the client's error, never a 500
/// (PostgreSQL refuses NUL in text).
fn text_the_database_cannot_store_is_a_400(backend: Backend) {
    let app = TestApp::start(backend);
    let token = app.operator_token();
    let acme = app.provision("acme");
    let nul = "a\u{0}b";
    let fields = acme
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "x.acme.test", "name": nul}))
        .field_errors();
    assert_eq!(fields, ["name"]);
    let response = app
        .platform("GET", "/api/v1/tenants/a%00b")
        .bearer(&token)
        .send();
    assert!(
        response.status == 400 || response.status == 404,
        "{response:?}"
    );
    let login = app
        .req("POST", &acme.domain, "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": nul, "password": "whatever-password"}));
    assert_eq!(login.status, 400, "{login:?}");
    let register = app
        .req("POST", &acme.domain, "/api/v1/auth/register")
        .json(&json!({"email": "n@acme.test", "username": "nul", "password": "long-password", "name": nul}));
    assert_eq!(register.field_errors(), ["name"]);
    let mut body = TestApp::tenant_body("nul");
    body["organization"]["name"] = json!(nul);
    assert_eq!(
        app.platform("POST", "/api/v1/tenants")
            .bearer(&token)
            .json(&body)
            .field_errors(),
        ["organization.name"]
    );
    // Inside a JSON document it is escaped, and stored as sent.
    let saved = acme
        .admin(
            &app,
            "PUT",
            &format!("/api/v1/sites/{}/configuration", acme.site_id),
        )
        .json(&json!({"values": {"note": nul}, "enabled": true}))
        .expect(200)
        .json();
    assert_eq!(saved["values"]["note"], nul);
}

/// serde's derived structs also read a JSON array of their fields in order;
/// every body is an object, so an array is a 400 and changes nothing.
fn bodies_must_be_json_objects(backend: Backend) {
    let app = TestApp::start(backend);
    let token = app.operator_token();
    let acme = app.provision("acme");
    app.platform("PATCH", "/api/v1/tenants/acme")
        .bearer(&token)
        .json(&json!(["Renamed", "suspended"]))
        .expect_problem(400, "bad-request");
    let tenant = app
        .platform("GET", "/api/v1/tenants/acme")
        .bearer(&token)
        .send()
        .expect(200)
        .json();
    assert_eq!(tenant["status"], "active");
    assert_eq!(tenant["name"], "Tenant acme");
    acme.admin(&app, "POST", "/api/v1/sites")
        .json(&json!(["array.acme.test", "Array"]))
        .expect_problem(400, "bad-request");
    acme.admin(&app, "PATCH", &format!("/api/v1/sites/{}", acme.site_id))
        .json(&json!([null, "Renamed"]))
        .expect_problem(400, "bad-request");
    app.req("POST", &acme.domain, "/api/v1/auth/token")
        .json(&json!(["password", "admin", "admin-password"]))
        .expect(400);
}

backend_tests!(
    framework_failures_are_problems,
    text_the_database_cannot_store_is_a_400,
    bodies_must_be_json_objects
);
