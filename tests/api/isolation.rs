//! Nothing of one tenant shows through another's hosts, tokens or ids.

use atrium_tests::{backend_tests, Backend, TestApp};
use serde_json::json;

fn a_token_only_works_where_it_was_issued(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    // Tenant A's token on tenant B's host: 401.
    app.req("GET", &globex.domain, "/api/v1/sites")
        .bearer(&acme.admin_token)
        .send()
        .expect_problem(401, "unauthenticated");
    // The operator's token on a tenant host: 401.
    app.req("GET", &acme.domain, "/api/v1/sites")
        .bearer(&app.operator_token())
        .send()
        .expect_problem(401, "unauthenticated");
    // A token for another site of the same tenant works.
    acme.admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "www.acme.test", "name": "WWW"}))
        .expect(201);
    app.req("GET", "www.acme.test", "/api/v1/sites")
        .bearer(&acme.admin_token)
        .send()
        .expect(200);
    // The same username on two tenants is two accounts with their own passwords.
    for (tenant, password) in [(&acme, "acme-learner-pw"), (&globex, "globex-learner-pw")] {
        app.req("POST", &tenant.domain, "/api/v1/auth/register")
            .json(&json!({"email": "learner@example.org", "username": "learner", "password": password}))
            .expect(201);
    }
    app.login(&globex.domain, "learner", "globex-learner-pw");
    app.req("POST", &globex.domain, "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": "learner", "password": "acme-learner-pw"}))
        .expect_problem(400, "oauth");
    app.req("POST", &globex.domain, "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": "admin@acme.test", "password": "admin-password"}))
        .expect_problem(400, "oauth");
}

fn ids_of_another_tenant_are_not_found(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    let theirs = globex.site_id;
    for path in [
        format!("/api/v1/sites/{theirs}"),
        format!("/api/v1/sites/{theirs}/configuration"),
        format!("/api/v1/sites/{theirs}/theme"),
        format!("/api/v1/sites/{theirs}/configuration/history"),
    ] {
        acme.admin(&app, "GET", &path)
            .send()
            .expect_problem(404, "not-found");
    }
    acme.admin(&app, "PATCH", &format!("/api/v1/sites/{theirs}"))
        .json(&json!({"name": "stolen"}))
        .expect_problem(404, "not-found");
    acme.admin(&app, "DELETE", &format!("/api/v1/sites/{theirs}"))
        .send()
        .expect_problem(404, "not-found");
    acme.admin(
        &app,
        "PUT",
        &format!("/api/v1/sites/{theirs}/configuration"),
    )
    .json(&json!({"values": {"PLATFORM_NAME": "stolen"}, "enabled": true}))
    .expect_problem(404, "not-found");
    acme.admin(&app, "PUT", &format!("/api/v1/sites/{theirs}/theme"))
        .json(&json!({"name": "stolen"}))
        .expect_problem(404, "not-found");
    // The same through GraphQL mutations.
    for mutation in [
        "mutation($id: Int!) { updateSite(id: $id, input: {name: \"stolen\"}) { id } }",
        "mutation($id: Int!) { deleteSite(id: $id) }",
        "mutation($id: Int!) { putSiteConfiguration(siteId: $id, values: {}, enabled: true) { version } }",
        "mutation($id: Int!) { putSiteTheme(siteId: $id, name: \"stolen\") { version } }",
    ] {
        let answer = app.graphql(&acme.domain, Some(&acme.admin_token), mutation, json!({"id": theirs}));
        assert_eq!(answer["errors"][0]["extensions"]["code"], "NOT_FOUND", "{mutation}: {answer}");
    }
    // Their site is untouched.
    let site = globex
        .admin(&app, "GET", &format!("/api/v1/sites/{theirs}"))
        .send()
        .expect(200)
        .json();
    assert_eq!(site["name"], "Tenant globex");
    // Each lists only its own sites.
    let sites = acme
        .admin(&app, "GET", "/api/v1/sites")
        .send()
        .expect(200)
        .json();
    let domains: Vec<_> = sites["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["domain"].clone())
        .collect();
    assert_eq!(domains, [json!(acme.domain)]);
}

fn unknown_hosts_are_404_and_hosts_ignore_port_and_case(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    app.req("GET", "nobody.example", "/api/v1/site")
        .send()
        .expect_problem(404, "unknown-site");
    app.req("GET", "nobody.example", "/api/v1/me")
        .send()
        .expect_problem(404, "unknown-site");
    let site = app
        .req("GET", "ACME.Test.Localhost:8443", "/api/v1/site")
        .send()
        .expect(200)
        .json();
    assert_eq!(site["domain"], acme.domain);
    // Probes answer on any host.
    app.req("GET", "nobody.example", "/health/live")
        .send()
        .expect(200);
}

fn a_new_site_resolves_at_once_and_a_removed_one_stops(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    app.req("GET", "learn.acme.test", "/api/v1/site")
        .send()
        .expect_problem(404, "unknown-site");
    let site = acme
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "learn.acme.test", "name": "Learn"}))
        .expect(201)
        .json();
    app.req("GET", "learn.acme.test", "/api/v1/site")
        .send()
        .expect(200);
    acme.admin(&app, "PATCH", &format!("/api/v1/sites/{}", site["id"]))
        .json(&json!({"domain": "study.acme.test"}))
        .expect(200);
    app.req("GET", "learn.acme.test", "/api/v1/site")
        .send()
        .expect_problem(404, "unknown-site");
    app.req("GET", "study.acme.test", "/api/v1/site")
        .send()
        .expect(200);
    acme.admin(&app, "DELETE", &format!("/api/v1/sites/{}", site["id"]))
        .send()
        .expect(204);
    app.req("GET", "study.acme.test", "/api/v1/site")
        .send()
        .expect_problem(404, "unknown-site");
}

/// Every host of tenant B refuses tenant A's tokens: its primary domain,
/// a second site, and the same host written with a port or in capitals.
fn a_token_of_one_tenant_is_refused_on_every_host_of_another(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    globex
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "learn.globex.test", "name": "Learn"}))
        .expect(201);
    let hosts = [
        globex.domain.clone(),
        "learn.globex.test".to_owned(),
        format!("{}:8443", globex.domain),
        globex.domain.to_uppercase(),
    ];
    for host in &hosts {
        for path in ["/api/v1/sites", "/api/v1/me", "/api/v1/users"] {
            app.req("GET", host, path)
                .bearer(&acme.admin_token)
                .send()
                .expect_problem(401, "unauthenticated");
        }
        // B's own admin is served on the same host: the refusal is A's.
        app.req("GET", host, "/api/v1/me")
            .bearer(&globex.admin_token)
            .send()
            .expect(200);
    }
}

backend_tests!(
    a_token_only_works_where_it_was_issued,
    a_token_of_one_tenant_is_refused_on_every_host_of_another,
    ids_of_another_tenant_are_not_found,
    unknown_hosts_are_404_and_hosts_ignore_port_and_case,
    a_new_site_resolves_at_once_and_a_removed_one_stops,
);
