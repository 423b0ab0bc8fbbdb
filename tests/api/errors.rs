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
}

backend_tests!(framework_failures_are_problems);
