//! Sites of a tenant: domains, names, the primary site.

use atrium_tests::{backend_tests, Backend, TestApp};
use serde_json::json;

fn domains_are_validated_and_stored_as_punycode(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    for bad in [
        "https://x.acme.test",
        "x.acme.test:8080",
        "x.acme.test/path",
        "x acme.test",
        "X.acme.test",
        "-x.acme.test",
        "",
    ] {
        let fields = acme
            .admin(&app, "POST", "/api/v1/sites")
            .json(&json!({"domain": bad, "name": "X"}))
            .field_errors();
        assert_eq!(fields, ["domain"], "{bad:?}");
    }
    let created = acme
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "bücher.acme.test", "name": "Bücher"}))
        .expect(201)
        .json();
    assert_eq!(created["domain"], "xn--bcher-kva.acme.test");
    app.req("GET", "xn--bcher-kva.acme.test", "/api/v1/site")
        .send()
        .expect(200);
    let fields = acme
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "ok.acme.test", "name": ""}))
        .field_errors();
    assert_eq!(fields, ["name"]);
    acme.admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "ok.acme.test"}))
        .expect_problem(400, "bad-request");
}

fn domains_are_unique_across_the_platform(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    globex
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": acme.domain, "name": "Mine"}))
        .expect_problem(409, "conflict");
    acme.admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": acme.domain, "name": "Again"}))
        .expect_problem(409, "conflict");
    let site = globex
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "www.globex.test", "name": "WWW"}))
        .expect(201)
        .json();
    globex
        .admin(&app, "PATCH", &format!("/api/v1/sites/{}", site["id"]))
        .json(&json!({"domain": acme.domain}))
        .expect_problem(409, "conflict");
    app.req("GET", &acme.domain, "/api/v1/site")
        .send()
        .expect(200);
}

fn exactly_one_primary_site_and_never_zero_sites(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let primary = format!("/api/v1/sites/{}", acme.site_id);
    acme.admin(&app, "DELETE", &primary)
        .send()
        .expect_problem(409, "conflict");
    acme.admin(&app, "PATCH", &primary)
        .json(&json!({"is_primary": false}))
        .expect_problem(409, "conflict");
    let second = acme
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "two.acme.test", "name": "Two", "is_primary": true}))
        .expect(201)
        .json();
    assert_eq!(second["is_primary"], true);
    let old = acme.admin(&app, "GET", &primary).send().expect(200).json();
    assert_eq!(old["is_primary"], false);
    // The old primary can go now; the new one cannot.
    acme.admin(&app, "DELETE", &format!("/api/v1/sites/{}", second["id"]))
        .send()
        .expect_problem(409, "conflict");
    acme.admin(&app, "DELETE", &primary).send().expect(204);
    // Its host is gone; the tenant's token works on the remaining site.
    app.req("GET", &acme.domain, "/api/v1/site")
        .send()
        .expect_problem(404, "unknown-site");
    let two = |method: &str, path: &str| {
        app.req(method, "two.acme.test", path)
            .bearer(&acme.admin_token)
    };
    two("GET", &primary).send().expect_problem(404, "not-found");
    let renamed = two("PATCH", &format!("/api/v1/sites/{}", second["id"]))
        .json(&json!({"name": "Renamed"}))
        .expect(200)
        .json();
    assert_eq!(renamed["name"], "Renamed");
    let list = two("GET", "/api/v1/sites").send().expect(200).json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

fn sites_page_through_a_cursor(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    for n in 0..4 {
        acme.admin(&app, "POST", "/api/v1/sites")
            .json(&json!({"domain": format!("s{n}.acme.test"), "name": "S"}))
            .expect(201);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/sites?limit=2".to_owned();
    loop {
        let page = acme.admin(&app, "GET", &path).send().expect(200).json();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/sites?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
}

backend_tests!(
    domains_are_validated_and_stored_as_punycode,
    domains_are_unique_across_the_platform,
    exactly_one_primary_site_and_never_zero_sites,
    sites_page_through_a_cursor,
);
