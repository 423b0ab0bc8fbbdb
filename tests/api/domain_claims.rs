//! Domain claims: a tenant's admin adds names below its own base
//! (`{slug}.{tenant_domain_base}`, `test` in tests) at once; any other
//! domain waits, unrouted, for an operator's approval.

use atrium_tests::{backend_tests, Backend, TestApp};
use serde_json::{json, Value};

fn claims(app: &TestApp) -> Vec<Value> {
    app.platform("GET", "/api/v1/domain-claims")
        .bearer(&app.operator_token())
        .send()
        .expect(200)
        .json()["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn a_domain_outside_the_base_is_pending_and_does_not_resolve(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let google = acme
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "www.google.com", "name": "Google"}))
        .expect(201)
        .json();
    assert_eq!(google["domain"], "www.google.com");
    assert_eq!(google["domain_status"], "pending");
    assert_eq!(google["active_domain"], Value::Null);
    app.req("GET", "www.google.com", "/api/v1/site")
        .send()
        .expect_problem(404, "unknown-site");
    // Its own base is free, at once.
    let own = acme
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "learn.acme.test", "name": "Learn"}))
        .expect(201)
        .json();
    assert_eq!(own["domain_status"], "active");
    assert_eq!(own["active_domain"], "learn.acme.test");
    app.req("GET", "learn.acme.test", "/api/v1/site")
        .send()
        .expect(200);
    // Another tenant's base is not its own, and a claim reserves the name.
    let globex = app.provision("globex");
    let claimed = globex
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "www.acme.test", "name": "Squat"}))
        .expect(201)
        .json();
    assert_eq!(claimed["domain_status"], "pending");
    globex
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "www.google.com", "name": "Mine too"}))
        .expect_problem(409, "conflict");
    // A site that does not route cannot be the primary one.
    acme.admin(&app, "PATCH", &format!("/api/v1/sites/{}", google["id"]))
        .json(&json!({"is_primary": true}))
        .expect_problem(409, "conflict");
    acme.admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "learn.acme.example", "name": "X", "is_primary": true}))
        .expect_problem(409, "conflict");
    // GraphQL shows the status too.
    let listed = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "{ sites { items { domain domainStatus activeDomain } } }",
        json!({}),
    );
    assert!(
        listed["data"]["sites"]["items"]
            .as_array()
            .unwrap()
            .contains(&json!({"domain": "www.google.com", "domainStatus": "PENDING", "activeDomain": null})),
        "{listed}"
    );
}

fn an_operator_approves_and_the_domain_resolves(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let site = acme
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "learn.acme.example", "name": "Learn"}))
        .expect(201)
        .json();
    // Asked before the approval, so the unknown host is cached.
    app.req("GET", "learn.acme.example", "/api/v1/site")
        .send()
        .expect_problem(404, "unknown-site");
    assert_eq!(
        claims(&app),
        [
            json!({"domain": "learn.acme.example", "tenant": "acme", "site_id": site["id"], "status": "pending"})
        ]
    );
    // Operators only, on the platform host only.
    app.platform("GET", "/api/v1/domain-claims")
        .bearer(&acme.admin_token)
        .send()
        .expect(401);
    acme.admin(
        &app,
        "POST",
        "/api/v1/domain-claims/learn.acme.example/approve",
    )
    .send()
    .expect(404);
    let approved = app
        .platform("POST", "/api/v1/domain-claims/learn.acme.example/approve")
        .bearer(&app.operator_token())
        .send()
        .expect(200)
        .json();
    assert_eq!(approved["status"], "active");
    assert_eq!(approved["tenant"], "acme");
    let public = app
        .req("GET", "learn.acme.example", "/api/v1/site")
        .send()
        .expect(200)
        .json();
    assert_eq!(public["domain"], "learn.acme.example");
    let read = acme
        .admin(&app, "GET", &format!("/api/v1/sites/{}", site["id"]))
        .send()
        .expect(200)
        .json();
    assert_eq!(read["domain_status"], "active");
    assert_eq!(read["active_domain"], "learn.acme.example");
    assert!(claims(&app).is_empty());
    app.platform("POST", "/api/v1/domain-claims/learn.acme.example/approve")
        .bearer(&app.operator_token())
        .send()
        .expect_problem(404, "not-found");
}

fn a_move_out_of_the_base_keeps_the_old_domain_routed_until_approval(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let primary = format!("/api/v1/sites/{}", acme.site_id);
    let moved = acme
        .admin(&app, "PATCH", &primary)
        .json(&json!({"domain": "learn.acme.example"}))
        .expect(200)
        .json();
    assert_eq!(moved["domain"], "learn.acme.example");
    assert_eq!(moved["domain_status"], "pending");
    assert_eq!(moved["active_domain"], acme.domain);
    assert_eq!(moved["is_primary"], true);
    let public = app
        .req("GET", &acme.domain, "/api/v1/site")
        .send()
        .expect(200)
        .json();
    assert_eq!(public["domain"], acme.domain);
    app.req("GET", "learn.acme.example", "/api/v1/site")
        .send()
        .expect_problem(404, "unknown-site");
    // The routed domain stays the tenant's own meanwhile.
    let globex = app.provision("globex");
    globex
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": acme.domain, "name": "Taken"}))
        .expect_problem(409, "conflict");
    // Another pending domain replaces the first claim; moving back ends it.
    acme.admin(&app, "PATCH", &primary)
        .json(&json!({"domain": "www.acme.example"}))
        .expect(200);
    assert_eq!(claims(&app).len(), 1);
    assert_eq!(claims(&app)[0]["domain"], "www.acme.example");
    let back = acme
        .admin(&app, "PATCH", &primary)
        .json(&json!({"domain": acme.domain}))
        .expect(200)
        .json();
    assert_eq!(back["domain_status"], "active");
    assert!(claims(&app).is_empty());
    // Claimed again and approved: the new domain routes, the old one goes.
    acme.admin(&app, "PATCH", &primary)
        .json(&json!({"domain": "learn.acme.example"}))
        .expect(200);
    app.platform("POST", "/api/v1/domain-claims/learn.acme.example/approve")
        .bearer(&app.operator_token())
        .send()
        .expect(200);
    app.req("GET", "learn.acme.example", "/api/v1/site")
        .send()
        .expect(200);
    app.req("GET", &acme.domain, "/api/v1/site")
        .send()
        .expect_problem(404, "unknown-site");
}

fn a_rejected_claim_frees_the_name(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let reject = |domain: &str| {
        app.platform("POST", &format!("/api/v1/domain-claims/{domain}/reject"))
            .bearer(&app.operator_token())
            .send()
    };
    let google = acme
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "www.google.com", "name": "Google"}))
        .expect(201)
        .json();
    let rejected = reject("www.google.com").expect(200).json();
    assert_eq!(rejected["status"], "rejected");
    let site = acme
        .admin(&app, "GET", &format!("/api/v1/sites/{}", google["id"]))
        .send()
        .expect(200)
        .json();
    assert_eq!(site["domain_status"], "rejected");
    assert_eq!(site["active_domain"], Value::Null);
    assert!(claims(&app).is_empty());
    reject("www.google.com").expect_problem(404, "not-found");
    // The name is free for whoever the operator provisions next.
    let mut body = TestApp::tenant_body("google");
    body["domain"] = json!("www.google.com");
    app.provision_with(body);
    app.req("GET", "www.google.com", "/api/v1/site")
        .send()
        .expect(200);
    // A site that had a domain falls back to it.
    let primary = format!("/api/v1/sites/{}", acme.site_id);
    acme.admin(&app, "PATCH", &primary)
        .json(&json!({"domain": "learn.acme.example"}))
        .expect(200);
    reject("learn.acme.example").expect(200);
    let back = acme.admin(&app, "GET", &primary).send().expect(200).json();
    assert_eq!(back["domain"], acme.domain);
    assert_eq!(back["domain_status"], "active");
    assert_eq!(back["active_domain"], acme.domain);
}

backend_tests!(
    a_rejected_claim_frees_the_name,
    a_domain_outside_the_base_is_pending_and_does_not_resolve,
    an_operator_approves_and_the_domain_resolves,
    a_move_out_of_the_base_keeps_the_old_domain_routed_until_approval,
);
