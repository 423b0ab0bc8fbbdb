//! GraphQL: the same scoping, permissions and errors as REST.

use atrium_tests::{backend_tests, Backend, TestApp, TestDb, TestOptions};
use serde_json::json;

fn operators_query_tenants_on_the_platform_host_only(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let token = app.operator_token();
    let data = app.graphql(
        "localhost",
        Some(&token),
        "{ tenants(limit: 10) { items { slug status } nextCursor } }",
        json!({}),
    );
    assert_eq!(
        data["data"]["tenants"]["items"],
        json!([{"slug": "acme", "status": "active"}])
    );
    let one = app.graphql(
        "localhost",
        Some(&token),
        "query($s: String!) { tenant(slug: $s) { name } }",
        json!({"s": "acme"}),
    );
    assert_eq!(one["data"]["tenant"]["name"], "Tenant acme");
    let missing = app.graphql(
        "localhost",
        Some(&token),
        "{ tenant(slug: \"nope\") { name } }",
        json!({}),
    );
    assert_eq!(missing["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let anonymous = app.graphql(
        "localhost",
        None,
        "{ tenants { items { slug } } }",
        json!({}),
    );
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    // On a tenant host the tenant admin cannot list tenants.
    let admin = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "{ tenants { items { slug } } }",
        json!({}),
    );
    assert_eq!(admin["errors"][0]["extensions"]["code"], "NOT_FOUND");
    // A token of another realm is refused before execution, as in REST.
    app.req("POST", &acme.domain, "/graphql")
        .bearer(&token)
        .json(&json!({"query": "{ me { id } }"}))
        .expect_problem(401, "unauthenticated");
}

fn tenant_admins_see_their_own_sites_only(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    let query = "{ me { kind tenant roles { role scope } } sites { items { id domain isPrimary } } currentSite { domain platformName registrationOpen } }";
    let data = app.graphql(&acme.domain, Some(&acme.admin_token), query, json!({}));
    assert_eq!(data["data"]["me"]["tenant"], "acme");
    assert_eq!(
        data["data"]["sites"]["items"],
        json!([{"id": acme.site_id, "domain": acme.domain, "isPrimary": true}])
    );
    assert_eq!(data["data"]["currentSite"]["platformName"], "Atrium");
    let theirs = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "query($id: Int!) { site(id: $id) { domain } }",
        json!({"id": globex.site_id}),
    );
    assert_eq!(theirs["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(theirs["data"], serde_json::Value::Null);
    // A learner is forbidden, as in REST.
    app.req("POST", &acme.domain, "/api/v1/auth/register")
        .json(
            &json!({"email": "l@acme.test", "username": "learner", "password": "learner-password"}),
        )
        .expect(201);
    let learner = app.login(&acme.domain, "learner", "learner-password");
    let denied = app.graphql(
        &acme.domain,
        Some(&learner),
        "{ sites { items { id } } }",
        json!({}),
    );
    assert_eq!(denied["errors"][0]["extensions"]["code"], "FORBIDDEN");
    acme.admin(&app, "GET", "/api/v1/sites")
        .bearer(&learner)
        .send()
        .expect_problem(403, "forbidden");
    // The public bootstrap needs no token.
    let public = app.graphql(
        &acme.domain,
        None,
        "{ currentSite { name domain theme { name } } }",
        json!({}),
    );
    assert_eq!(public["data"]["currentSite"]["domain"], acme.domain);
}

fn depth_complexity_and_introspection_are_limited(backend: Backend) {
    let options = TestOptions {
        graphql_introspection: false,
        graphql_max_depth: 2,
        graphql_max_complexity: 8,
        ..TestOptions::default()
    };
    let app = TestApp::with(TestDb::new(backend), options);
    let token = app.operator_token();
    let introspection = app.graphql(
        "localhost",
        Some(&token),
        "{ __schema { types { name } } }",
        json!({}),
    );
    assert!(introspection["errors"].is_array(), "{introspection}");
    app.platform("GET", "/graphql")
        .send()
        .expect_problem(404, "not-found");
    let deep = app.graphql(
        "localhost",
        Some(&token),
        "{ tenants { items { slug } } }",
        json!({}),
    );
    assert!(
        deep["errors"].is_array(),
        "a query of depth 3 passed a limit of 2: {deep}"
    );
    let shallow = app.graphql("localhost", Some(&token), "{ me { id } }", json!({}));
    assert_eq!(shallow["data"]["me"]["id"], 1);
    let complex = app.graphql(
        "localhost",
        Some(&token),
        "{ a: me { id kind } b: me { id kind } c: me { id kind } }",
        json!({}),
    );
    assert!(
        complex["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("complex"),
        "{complex}"
    );
}

fn graphiql_is_served_when_introspection_is_on(backend: Backend) {
    let app = TestApp::start(backend);
    let page = app.platform("GET", "/graphql").send().expect(200);
    assert!(page.text.contains("graphiql"), "{}", page.text);
}

backend_tests!(
    operators_query_tenants_on_the_platform_host_only,
    tenant_admins_see_their_own_sites_only,
    depth_complexity_and_introspection_are_limited,
    graphiql_is_served_when_introspection_is_on,
);
