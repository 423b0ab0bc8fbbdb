//! Provisioning and administration of tenants (platform host).

use atrium_tests::{backend_tests, Backend, TestApp};
use serde_json::json;

fn provisioning_creates_tenant_site_organization_and_admin(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    assert_eq!(acme.body["tenant"]["status"], "active");
    assert_eq!(acme.body["site"]["is_primary"], true);
    assert_eq!(acme.body["organization"]["short_name"], "ACME");
    assert_eq!(acme.body["admin"]["email"], "admin@acme.test");
    assert!(acme.body["admin"].get("password").is_none());
    // The admin logged in on the tenant's host and is its tenant admin.
    let me = acme
        .admin(&app, "GET", "/api/v1/me")
        .send()
        .expect(200)
        .json();
    assert_eq!(me["kind"], "user");
    assert_eq!(me["tenant"], "acme");
    assert_eq!(
        me["roles"],
        json!([{"role": "tenant_admin", "scope": "tenant"}])
    );
    let site = app
        .req("GET", &acme.domain, "/api/v1/site")
        .send()
        .expect(200)
        .json();
    assert_eq!(site["domain"], "acme.test.localhost");
    assert_eq!(site["name"], "Tenant acme");
}

fn provisioning_validates_every_field(backend: Backend) {
    let app = TestApp::start(backend);
    let body = json!({
        "slug": "-Bad", "name": "", "domain": "https://acme.example",
        "organization": {"short_name": "has space", "name": "Acme"},
        "admin": {"email": "not-an-email", "username": "a", "password": "short"},
    });
    let fields = app
        .platform("POST", "/api/v1/tenants")
        .bearer(&app.operator_token())
        .json(&body)
        .field_errors();
    for field in [
        "slug",
        "name",
        "domain",
        "organization.short_name",
        "admin.email",
        "admin.username",
        "admin.password",
    ] {
        assert!(
            fields.contains(&field.to_owned()),
            "{field} missing from {fields:?}"
        );
    }
    // Nothing was made.
    let list = app
        .platform("GET", "/api/v1/tenants")
        .bearer(&app.operator_token())
        .send()
        .expect(200)
        .json();
    assert_eq!(list["items"], json!([]));
}

fn provisioning_rejects_uppercase_domains_and_bad_shapes(backend: Backend) {
    let app = TestApp::start(backend);
    let mut body = TestApp::tenant_body("acme");
    body["domain"] = json!("Acme.Example.org");
    assert_eq!(
        app.platform("POST", "/api/v1/tenants")
            .bearer(&app.operator_token())
            .json(&body)
            .field_errors(),
        ["domain"]
    );
    let mut body = TestApp::tenant_body("acme");
    body["unexpected"] = json!(1);
    app.platform("POST", "/api/v1/tenants")
        .bearer(&app.operator_token())
        .json(&body)
        .expect_problem(400, "bad-request");
    body = TestApp::tenant_body("acme");
    body["domain"] = json!("localhost");
    assert_eq!(
        app.platform("POST", "/api/v1/tenants")
            .bearer(&app.operator_token())
            .json(&body)
            .field_errors(),
        ["domain"]
    );
}

fn duplicate_slug_or_domain_is_a_conflict(backend: Backend) {
    let app = TestApp::start(backend);
    app.provision("acme");
    let token = app.operator_token();
    let same_slug = TestApp::tenant_body("acme");
    app.platform("POST", "/api/v1/tenants")
        .bearer(&token)
        .json(&same_slug)
        .expect_problem(409, "conflict");
    let mut same_domain = TestApp::tenant_body("globex");
    same_domain["domain"] = json!("acme.test.localhost");
    app.platform("POST", "/api/v1/tenants")
        .bearer(&token)
        .json(&same_domain)
        .expect_problem(409, "conflict");
    // All or nothing: the failed tenant left no row behind.
    app.platform("GET", "/api/v1/tenants/globex")
        .bearer(&token)
        .send()
        .expect_problem(404, "not-found");
    let list = app
        .platform("GET", "/api/v1/tenants")
        .bearer(&token)
        .send()
        .expect(200)
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

fn provisioning_is_all_or_nothing(backend: Backend) {
    let app = TestApp::start(backend);
    // The configuration names an organization the new tenant will not have:
    // refused before anything is written.
    let mut body = TestApp::tenant_body("acme");
    body["configuration"] = json!({"course_org_filter": ["OTHER"]});
    app.platform("POST", "/api/v1/tenants")
        .bearer(&app.operator_token())
        .json(&body)
        .expect_problem(400, "validation");
    // A failure inside the transaction (the admin email taken is impossible
    // in a new tenant, the domain is not): the tenant row is rolled back.
    app.provision("first");
    let mut body = TestApp::tenant_body("second");
    body["domain"] = json!("first.test.localhost");
    app.platform("POST", "/api/v1/tenants")
        .bearer(&app.operator_token())
        .json(&body)
        .expect(409);
    app.platform("GET", "/api/v1/tenants/second")
        .bearer(&app.operator_token())
        .send()
        .expect(404);
    // The slug is free again: nothing half-made holds it.
    app.provision("second");
}

fn idempotency_key_replays_and_refuses_a_different_body(backend: Backend) {
    let app = TestApp::start(backend);
    let token = app.operator_token();
    let body = TestApp::tenant_body("acme");
    let first = app
        .platform("POST", "/api/v1/tenants")
        .bearer(&token)
        .header("Idempotency-Key", "k-1")
        .json(&body)
        .expect(201);
    let again = app
        .platform("POST", "/api/v1/tenants")
        .bearer(&token)
        .header("Idempotency-Key", "k-1")
        .json(&body)
        .expect(201);
    assert_eq!(first.json(), again.json());
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.header("idempotent-replayed"), None);
    // Same key, other body: 422, and nothing new made.
    let other = TestApp::tenant_body("globex");
    app.platform("POST", "/api/v1/tenants")
        .bearer(&token)
        .header("Idempotency-Key", "k-1")
        .json(&other)
        .expect_problem(422, "unprocessable");
    app.platform("GET", "/api/v1/tenants/globex")
        .bearer(&token)
        .send()
        .expect(404);
    // Key order does not make a body different.
    let reordered: serde_json::Value = serde_json::from_str(&{
        let mut fields: Vec<_> = body.as_object().unwrap().iter().collect();
        fields.reverse();
        format!(
            "{{{}}}",
            fields
                .iter()
                .map(|(k, v)| format!("{:?}:{}", k, v))
                .collect::<Vec<_>>()
                .join(",")
        )
    })
    .unwrap();
    app.platform("POST", "/api/v1/tenants")
        .bearer(&token)
        .header("Idempotency-Key", "k-1")
        .json(&reordered)
        .expect(201);
}

/// Who asks comes before what they sent: a keyed write without a token is a
/// 401 even when its key is malformed.
fn a_keyed_write_without_a_token_is_401(backend: Backend) {
    let app = TestApp::start(backend);
    let body = TestApp::tenant_body("acme");
    for key in ["k 1", "k-1"] {
        app.platform("POST", "/api/v1/tenants")
            .header("Idempotency-Key", key)
            .json(&body)
            .expect_problem(401, "unauthenticated");
    }
    // With a token, a key with a space is refused as the document says.
    app.platform("POST", "/api/v1/tenants")
        .bearer(&app.operator_token())
        .header("Idempotency-Key", "k 1")
        .json(&body)
        .expect_problem(400, "validation");
}

fn operators_list_read_suspend_reactivate_and_delete(backend: Backend) {
    let app = TestApp::start(backend);
    let token = app.operator_token();
    let acme = app.provision("acme");
    for slug in ["b1", "b2", "b3"] {
        app.provision(slug);
    }
    let page = app
        .platform("GET", "/api/v1/tenants?limit=3")
        .bearer(&token)
        .send()
        .expect(200)
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let cursor = page["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let rest = app
        .platform("GET", &format!("/api/v1/tenants?limit=3&cursor={cursor}"))
        .bearer(&token)
        .send()
        .expect(200)
        .json();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["next_cursor"], serde_json::Value::Null);
    app.platform("GET", "/api/v1/tenants?cursor=garbage")
        .bearer(&token)
        .send()
        .expect_problem(400, "validation");
    app.platform("GET", "/api/v1/tenants?limit=101")
        .bearer(&token)
        .send()
        .expect_problem(400, "validation");

    let read = app
        .platform("GET", "/api/v1/tenants/acme")
        .bearer(&token)
        .send()
        .expect(200)
        .json();
    assert_eq!(read["slug"], "acme");

    // Suspended: 403 on every path of its hosts, public ones included.
    let suspended = app
        .platform("PATCH", "/api/v1/tenants/acme")
        .bearer(&token)
        .json(&json!({"status": "suspended"}))
        .expect(200);
    assert_eq!(suspended.json()["status"], "suspended");
    app.req("GET", &acme.domain, "/api/v1/site")
        .send()
        .expect_problem(403, "tenant-suspended");
    acme.admin(&app, "GET", "/api/v1/sites")
        .send()
        .expect_problem(403, "tenant-suspended");
    app.req("POST", &acme.domain, "/api/v1/auth/token")
        .form(&[("grant_type", "password")])
        .expect_problem(403, "tenant-suspended");
    app.platform("PATCH", "/api/v1/tenants/acme")
        .bearer(&token)
        .json(&json!({"status": "active", "name": "Acme U"}))
        .expect(200);
    let site = app
        .req("GET", &acme.domain, "/api/v1/site")
        .send()
        .expect(200)
        .json();
    assert_eq!(site["domain"], acme.domain);
    app.platform("PATCH", "/api/v1/tenants/acme")
        .bearer(&token)
        .json(&json!({"status": "gone"}))
        .expect_problem(400, "bad-request");

    app.platform("DELETE", "/api/v1/tenants/acme")
        .bearer(&token)
        .send()
        .expect(204);
    app.platform("GET", "/api/v1/tenants/acme")
        .bearer(&token)
        .send()
        .expect_problem(404, "not-found");
    app.req("GET", &acme.domain, "/api/v1/site")
        .send()
        .expect_problem(404, "unknown-site");
    app.platform("DELETE", "/api/v1/tenants/acme")
        .bearer(&token)
        .send()
        .expect_problem(404, "not-found");
}

fn only_operators_manage_tenants(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    app.platform("GET", "/api/v1/tenants")
        .send()
        .expect_problem(401, "unauthenticated");
    // A tenant admin's token is not valid on the platform host at all.
    app.platform("GET", "/api/v1/tenants")
        .bearer(&acme.admin_token)
        .send()
        .expect_problem(401, "unauthenticated");
    // Tenant endpoints are not served on tenant hosts.
    acme.admin(&app, "GET", "/api/v1/tenants")
        .send()
        .expect_problem(404, "not-found");
}

backend_tests!(
    provisioning_creates_tenant_site_organization_and_admin,
    provisioning_validates_every_field,
    provisioning_rejects_uppercase_domains_and_bad_shapes,
    duplicate_slug_or_domain_is_a_conflict,
    provisioning_is_all_or_nothing,
    idempotency_key_replays_and_refuses_a_different_body,
    a_keyed_write_without_a_token_is_401,
    operators_list_read_suspend_reactivate_and_delete,
    only_operators_manage_tenants,
);
