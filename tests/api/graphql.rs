//! GraphQL: the same scoping, permissions and errors as REST.

use atrium_tests::{backend_tests, Backend, Response, TestApp, TestDb, TestOptions};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

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
        graphiql: false,
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

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// POSTs a GraphQL request with this `Accept`, as the operator.
fn post_accepting(app: &TestApp, token: &str, accept: &str, body: &Value) -> Response {
    app.platform("POST", "/graphql")
        .bearer(token)
        .header("Accept", accept)
        .json(body)
}

/// A request error in `application/graphql-response+json`: 400, errors
/// with codes, and no `data` entry at all.
#[track_caller]
fn expect_request_error(response: Response, code: &str) -> Value {
    let response = response.expect(400);
    assert_eq!(response.content_type, GRAPHQL_RESPONSE, "{}", response.text);
    let body = response.json();
    assert!(
        body.get("data").is_none(),
        "a request error has no data: {body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
    body
}

fn graphql_response_json_has_the_spec_status_codes(backend: Backend) {
    let app = TestApp::start(backend);
    let token = app.operator_token();
    let success = post_accepting(
        &app,
        &token,
        GRAPHQL_RESPONSE,
        &json!({"query": "{ me { id } }"}),
    )
    .expect(200);
    assert_eq!(success.content_type, GRAPHQL_RESPONSE);
    assert_eq!(success.json()["data"]["me"]["id"], 1);
    // Request errors: parse, validation, unknown operation, no query, a
    // body that is not JSON, a query that is not a string.
    for (body, code) in [
        (json!({"query": "{ me { id "}), "GRAPHQL_VALIDATION_FAILED"),
        (json!({"query": "{ nothing }"}), "GRAPHQL_VALIDATION_FAILED"),
        (
            json!({"query": "query A { me { id } }", "operationName": "B"}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({"query": "query($s: String!) { tenant(slug: $s) { name } }", "variables": {"s": null}}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (json!({"qeury": "{ me { id } }"}), "BAD_REQUEST"),
        (json!({"query": 7}), "BAD_REQUEST"),
    ] {
        expect_request_error(post_accepting(&app, &token, GRAPHQL_RESPONSE, &body), code);
    }
    let not_json = app
        .platform("POST", "/graphql")
        .header("Accept", GRAPHQL_RESPONSE)
        .body("application/json", b"{ \"not json");
    expect_request_error(not_json, "BAD_REQUEST");
    // A field error is not a request error: 200, with its path, even when
    // it nulls the whole data.
    let field_error = post_accepting(
        &app,
        &token,
        GRAPHQL_RESPONSE,
        &json!({"query": "{ tenant(slug: \"nope\") { name } }"}),
    )
    .expect(200);
    assert_eq!(field_error.content_type, GRAPHQL_RESPONSE);
    let field_error = field_error.json();
    assert_eq!(field_error["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(field_error["errors"][0]["path"], json!(["tenant"]));
    assert!(field_error.get("data").is_some(), "{field_error}");
    // application/json (asked for, preferred, or by default) keeps a 200
    // for every well-formed request.
    for accept in [
        "application/json",
        "*/*",
        "application/json, application/graphql-response+json",
        "application/graphql-response+json;q=0.5, application/json",
    ] {
        let old = post_accepting(&app, &token, accept, &json!({"query": "{ me { id "})).expect(200);
        assert_eq!(old.content_type, "application/json", "Accept: {accept}");
        assert_eq!(
            old.json()["errors"][0]["extensions"]["code"],
            "GRAPHQL_VALIDATION_FAILED"
        );
    }
    // The client's preference picks the spec's media type.
    let preferred = post_accepting(
        &app,
        &token,
        "application/json;q=0.9, application/graphql-response+json",
        &json!({"query": "{ nothing }"}),
    );
    expect_request_error(preferred, "GRAPHQL_VALIDATION_FAILED");
    // A malformed request stays a problem for application/json clients.
    post_accepting(
        &app,
        &token,
        "application/json",
        &json!({"qeury": "{ me { id } }"}),
    )
    .expect_problem(400, "bad-request");
    // Transport failures are problems whatever the client accepts.
    app.platform("POST", "/graphql")
        .header("Accept", GRAPHQL_RESPONSE)
        .body("text/plain", b"{ me { id } }")
        .expect_problem(415, "unsupported-media-type");
    post_accepting(
        &app,
        "not-a-token",
        GRAPHQL_RESPONSE,
        &json!({"query": "{ me { id } }"}),
    )
    .expect_problem(401, "unauthenticated");
}

fn an_unacceptable_accept_is_406(backend: Backend) {
    let app = TestApp::start(backend);
    let token = app.operator_token();
    for accept in [
        "text/html",
        "application/xml",
        "application/json;q=0, */*;q=0",
    ] {
        post_accepting(&app, &token, accept, &json!({"query": "{ me { id } }"}))
            .expect_problem(406, "not-acceptable");
    }
    // A GET with a query has nothing to show as HTML.
    app.platform("GET", "/graphql")
        .query("query", "{ me { id } }")
        .header("Accept", "text/html")
        .send()
        .expect_problem(406, "not-acceptable");
}

fn queries_run_over_get(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let token = app.operator_token();
    let answer = app
        .platform("GET", "/graphql")
        .bearer(&token)
        .query(
            "query",
            "query One($s: String!) { tenant(slug: $s) { name } }",
        )
        .query("operationName", "One")
        .query("variables", r#"{"s": "acme"}"#)
        .header("Accept", "application/json")
        .send()
        .expect(200);
    assert_eq!(answer.content_type, "application/json");
    assert_eq!(answer.json()["data"]["tenant"]["name"], "Tenant acme");
    // The tenant's host, no token, the spec's media type.
    let public = app
        .req("GET", &acme.domain, "/graphql")
        .query("query", "{ currentSite { domain } }")
        .header("Accept", GRAPHQL_RESPONSE)
        .send()
        .expect(200);
    assert_eq!(public.content_type, GRAPHQL_RESPONSE);
    assert_eq!(public.json()["data"]["currentSite"]["domain"], acme.domain);
    // The same authentication as POST: the caller is known, and a token of
    // another realm is refused before execution.
    let me = app
        .req("GET", &acme.domain, "/graphql")
        .bearer(&acme.admin_token)
        .query("query", "{ me { tenant } }")
        .send()
        .expect(200);
    assert_eq!(me.json()["data"]["me"]["tenant"], "acme");
    app.req("GET", &acme.domain, "/graphql")
        .bearer(&token)
        .query("query", "{ me { id } }")
        .send()
        .expect_problem(401, "unauthenticated");
    // Variables that are not a JSON object are a request error.
    app.platform("GET", "/graphql")
        .query("query", "{ me { id } }")
        .query("variables", "[1]")
        .header("Accept", "application/json")
        .send()
        .expect_problem(400, "bad-request");
    let bad = app
        .platform("GET", "/graphql")
        .query("query", "{ me { id } }")
        .query("variables", "{")
        .header("Accept", GRAPHQL_RESPONSE)
        .send();
    expect_request_error(bad, "BAD_REQUEST");
}

fn mutations_over_get_are_405(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let theme_path = format!("/api/v1/sites/{}/theme", acme.site_id);
    let before = acme
        .admin(&app, "GET", &theme_path)
        .send()
        .expect(200)
        .json();
    let mutation =
        "mutation M($site: Int!) { putSiteTheme(siteId: $site, name: \"dark\") { name } }";
    let get = |accept: &str| {
        acme.admin(&app, "GET", "/graphql")
            .query("query", mutation)
            .query("variables", &json!({"site": acme.site_id}).to_string())
            .header("Accept", accept)
            .send()
    };
    let problem = get("application/json");
    assert_eq!(problem.header("allow"), Some("POST"));
    problem.expect_problem(405, "method-not-allowed");
    let spec = get(GRAPHQL_RESPONSE).expect(405);
    assert_eq!(spec.header("allow"), Some("POST"));
    assert_eq!(spec.content_type, GRAPHQL_RESPONSE);
    let body = spec.json();
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "METHOD_NOT_ALLOWED"
    );
    // Nothing ran.
    let after = acme
        .admin(&app, "GET", &theme_path)
        .send()
        .expect(200)
        .json();
    assert_eq!(before, after);
    assert_ne!(after["name"], "dark");
    // A query chosen by name from a document that also holds a mutation runs.
    let read = acme
        .admin(&app, "GET", "/graphql")
        .query(
            "query",
            &format!("query Q {{ me {{ tenant }} }} {mutation}"),
        )
        .query("operationName", "Q")
        .send()
        .expect(200);
    assert_eq!(read.json()["data"]["me"]["tenant"], "acme");
}

fn graphiql_is_served_to_browsers_only(backend: Backend) {
    let app = TestApp::start(backend);
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let page = app
        .platform("GET", "/graphql")
        .header("Accept", browser)
        .send()
        .expect(200);
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    assert!(page.text.contains("graphiql"), "{}", page.text);
    // A JSON client without a query made a request without a query.
    app.platform("GET", "/graphql")
        .header("Accept", "application/json")
        .send()
        .expect_problem(400, "bad-request");
    let spec = app
        .platform("GET", "/graphql")
        .header("Accept", GRAPHQL_RESPONSE)
        .send();
    expect_request_error(spec, "BAD_REQUEST");
    // A browser with a query gets the answer, not the page.
    let answer = app
        .platform("GET", "/graphql")
        .query("query", "{ __typename }")
        .header("Accept", browser)
        .send()
        .expect(200);
    assert_eq!(answer.json()["data"]["__typename"], "Query");
}

fn persisted_queries_round_trip(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let query = "query Domain { currentSite { domain } }";
    let hash = format!("{:x}", Sha256::digest(query.as_bytes()));
    let extensions = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
    let by_get = |accept: &str| {
        app.req("GET", &acme.domain, "/graphql")
            .query("extensions", &extensions.to_string())
            .header("Accept", accept)
            .send()
    };
    // The hash alone, before the query was ever sent: not found.
    let unknown = app
        .req("POST", &acme.domain, "/graphql")
        .json(&json!({"extensions": extensions}))
        .expect(200)
        .json();
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    let unknown = expect_request_error(by_get(GRAPHQL_RESPONSE), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
    // A hash that is not the query's is refused, and registers nothing.
    let wrong = app
        .req("POST", &acme.domain, "/graphql")
        .json(&json!({"query": "{ __typename }", "extensions": extensions}))
        .expect(200)
        .json();
    assert!(wrong["errors"].is_array(), "{wrong}");
    assert_eq!(
        by_get("application/json").expect(200).json()["errors"][0]["message"],
        "PersistedQueryNotFound"
    );
    // The query with its hash registers it, and runs.
    let registered = app
        .req("POST", &acme.domain, "/graphql")
        .json(&json!({"query": query, "extensions": extensions}))
        .expect(200)
        .json();
    assert_eq!(registered["data"]["currentSite"]["domain"], acme.domain);
    // Then the hash alone works, over GET and POST.
    let cached = by_get(GRAPHQL_RESPONSE).expect(200);
    assert_eq!(cached.content_type, GRAPHQL_RESPONSE);
    assert_eq!(cached.json()["data"]["currentSite"]["domain"], acme.domain);
    let cached = app
        .req("POST", &acme.domain, "/graphql")
        .json(&json!({"operationName": "Domain", "extensions": extensions}))
        .expect(200)
        .json();
    assert_eq!(
        cached["data"]["currentSite"]["domain"], acme.domain,
        "{cached}"
    );
    // A persisted mutation cannot run over GET by its hash.
    let mutation = "mutation { putSiteTheme(siteId: 0, name: \"dark\") { name } }";
    let mutation_hash = format!("{:x}", Sha256::digest(mutation.as_bytes()));
    let mutation_extensions =
        json!({"persistedQuery": {"version": 1, "sha256Hash": mutation_hash}});
    acme.admin(&app, "POST", "/graphql")
        .json(&json!({"query": mutation, "extensions": mutation_extensions}))
        .expect(200);
    let refused = acme
        .admin(&app, "GET", "/graphql")
        .query("extensions", &mutation_extensions.to_string())
        .send();
    assert_eq!(refused.header("allow"), Some("POST"));
    refused.expect_problem(405, "method-not-allowed");
}

backend_tests!(
    operators_query_tenants_on_the_platform_host_only,
    tenant_admins_see_their_own_sites_only,
    depth_complexity_and_introspection_are_limited,
    graphiql_is_served_when_introspection_is_on,
    graphql_response_json_has_the_spec_status_codes,
    an_unacceptable_accept_is_406,
    queries_run_over_get,
    mutations_over_get_are_405,
    graphiql_is_served_to_browsers_only,
    persisted_queries_round_trip,
);
