//! `PATCH` of a site or a tenant honours `If-Match` against the `ETag` of a
//! `GET`: a stale tag is a 412, no `If-Match` changes whatever is current.

use atrium_tests::{backend_tests, Backend, TestApp};
use serde_json::json;

fn a_stale_site_etag_is_a_412(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let path = format!("/api/v1/sites/{}", acme.site_id);
    let read = acme.admin(&app, "GET", &path).send().expect(200);
    let first = read.header("etag").expect("ETag on GET").to_owned();
    let changed = acme
        .admin(&app, "PATCH", &path)
        .header("If-Match", &first)
        .json(&json!({"name": "Renamed"}))
        .expect(200);
    let second = changed.header("etag").expect("ETag on PATCH").to_owned();
    assert_ne!(first, second);
    assert_eq!(changed.json()["name"], "Renamed");
    // Another client still holding the first tag loses nothing silently.
    acme.admin(&app, "PATCH", &path)
        .header("If-Match", &first)
        .json(&json!({"name": "Lost update"}))
        .expect_problem(412, "precondition-failed");
    acme.admin(&app, "PATCH", &path)
        .header("If-Match", &format!("W/{second}"))
        .json(&json!({"name": "Weak"}))
        .expect_problem(412, "precondition-failed");
    let now = acme.admin(&app, "GET", &path).send().expect(200);
    assert_eq!(now.header("etag"), Some(second.as_str()));
    assert_eq!(now.json()["name"], "Renamed");
    // No If-Match: allowed, as before.
    acme.admin(&app, "PATCH", &path)
        .json(&json!({"name": "Unconditional"}))
        .expect(200);
    acme.admin(&app, "PATCH", &path)
        .header("If-Match", "*")
        .json(&json!({"name": "Any version"}))
        .expect(200);
}

fn a_stale_tenant_etag_is_a_412(backend: Backend) {
    let app = TestApp::start(backend);
    app.provision("acme");
    let token = app.operator_token();
    let path = "/api/v1/tenants/acme";
    let read = app.platform("GET", path).bearer(&token).send().expect(200);
    let first = read.header("etag").expect("ETag on GET").to_owned();
    let changed = app
        .platform("PATCH", path)
        .bearer(&token)
        .header("If-Match", &first)
        .json(&json!({"name": "Acme Two"}))
        .expect(200);
    let second = changed.header("etag").expect("ETag on PATCH").to_owned();
    assert_ne!(first, second);
    app.platform("PATCH", path)
        .bearer(&token)
        .header("If-Match", &first)
        .json(&json!({"status": "suspended"}))
        .expect_problem(412, "precondition-failed");
    let now = app.platform("GET", path).bearer(&token).send().expect(200);
    assert_eq!(now.header("etag"), Some(second.as_str()));
    assert_eq!(now.json()["status"], "active");
    app.platform("PATCH", path)
        .bearer(&token)
        .json(&json!({"name": "Acme Three"}))
        .expect(200);
}

backend_tests!(a_stale_site_etag_is_a_412, a_stale_tenant_etag_is_a_412);
