//! API clients for integrators: created by tenant admins with a secret
//! shown once, exchanged for scoped tokens with the client credentials
//! grant, refused at once when deleted, and bound to their tenant.

use atrium_tests::{backend_tests, Backend, Provisioned, TestApp, TestDb, TestOptions};
use serde_json::{json, Value};

/// Creates a client of `tenant` with `scopes` and answers its body.
fn create(app: &TestApp, tenant: &Provisioned, scopes: &[&str]) -> Value {
    tenant
        .admin(app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "Course sync", "scopes": scopes}))
        .expect(201)
        .json()
}

/// A client credentials token request on `host`, as a form.
fn grant(app: &TestApp, host: &str, fields: &[(&str, &str)]) -> atrium_tests::Response {
    let mut all = vec![("grant_type", "client_credentials")];
    all.extend_from_slice(fields);
    app.req("POST", host, "/api/v1/auth/token").form(&all)
}

fn credentials(client: &Value) -> (String, String) {
    (
        client["client_id"].as_str().expect("client_id").to_owned(),
        client["client_secret"]
            .as_str()
            .expect("client_secret")
            .to_owned(),
    )
}

/// A token of `client` on `host`, or a panic with the server's answer.
fn token_of(app: &TestApp, host: &str, client: &Value) -> String {
    let (id, secret) = credentials(client);
    grant(app, host, &[("client_id", &id), ("client_secret", &secret)])
        .expect(200)
        .json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

fn the_secret_is_shown_once_and_input_is_checked(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let response = acme
        .admin(&app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "Course sync", "scopes": ["sites:read", "users:write"]}))
        .expect(201);
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let created = response.json();
    let id = created["id"].as_i64().expect("id");
    assert_eq!(
        response.header("location"),
        Some(format!("/api/v1/api-clients/{id}").as_str())
    );
    let (client_id, secret) = credentials(&created);
    assert!(client_id.starts_with("atc_"), "{client_id}");
    assert_eq!(secret.len(), 43, "32 random bytes, base64url");
    assert_eq!(created["scopes"], json!(["sites:read", "users:write"]));
    assert_eq!(created["organization"], Value::Null);

    let list = acme
        .admin(&app, "GET", "/api/v1/api-clients")
        .send()
        .expect(200);
    assert!(!list.text.contains(&secret), "{}", list.text);
    assert!(!list.text.contains("client_secret"), "{}", list.text);
    let list = list.json();
    assert_eq!(list["items"][0]["client_id"], client_id.as_str());
    assert_eq!(list["next_cursor"], Value::Null);
    let one = acme
        .admin(&app, "GET", &format!("/api/v1/api-clients/{id}"))
        .send()
        .expect(200);
    assert!(!one.text.contains(&secret), "{}", one.text);
    assert_eq!(one.json()["name"], "Course sync");

    let fields = acme
        .admin(&app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "X", "scopes": ["sites:read", "sites:admin"]}))
        .field_errors();
    assert_eq!(fields, ["scopes"]);
    let fields = acme
        .admin(&app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "", "scopes": []}))
        .field_errors();
    assert_eq!(fields, ["name", "scopes"]);
    let fields = acme
        .admin(&app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "X", "scopes": ["sites:read"], "organization": "NOPE"}))
        .field_errors();
    assert_eq!(fields, ["organization"]);
    // An organization of another tenant is as unknown as one of none.
    let globex = app.provision("globex");
    let fields = acme
        .admin(&app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "X", "scopes": ["sites:read"], "organization": globex.org}))
        .field_errors();
    assert_eq!(fields, ["organization"]);
    acme.admin(&app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "X", "scopes": "sites:read"}))
        .expect_problem(400, "bad-request");
    let limited = acme
        .admin(&app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "Dept", "scopes": ["sites:read"], "organization": acme.org}))
        .expect(201)
        .json();
    assert_eq!(limited["organization"], acme.org.as_str());
}

fn a_client_token_is_scoped(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let client = create(&app, &acme, &["sites:read"]);
    let (id, secret) = credentials(&client);
    let response = grant(
        &app,
        &acme.domain,
        &[("client_id", &id), ("client_secret", &secret)],
    )
    .expect(200);
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let issued = response.json();
    assert_eq!(issued["token_type"], "Bearer");
    assert_eq!(issued["expires_in"], 900);
    assert_eq!(issued["scope"], "sites:read");
    assert!(
        issued.get("refresh_token").is_none(),
        "no refresh token for client credentials (RFC 6749 §4.4.3): {issued}"
    );
    let token = issued["access_token"].as_str().unwrap();
    let sites = app
        .req("GET", &acme.domain, "/api/v1/sites")
        .bearer(token)
        .send()
        .expect(200)
        .json();
    assert_eq!(sites["items"][0]["domain"], acme.domain.as_str());
    app.req("POST", &acme.domain, "/api/v1/sites")
        .bearer(token)
        .json(&json!({"domain": "new.acme.test", "name": "New"}))
        .expect_problem(403, "forbidden");
    // A client never manages clients, whatever its scopes.
    app.req("GET", &acme.domain, "/api/v1/api-clients")
        .bearer(token)
        .send()
        .expect_problem(403, "forbidden");

    let me = app
        .req("GET", &acme.domain, "/api/v1/me")
        .bearer(token)
        .send()
        .expect(200)
        .json();
    assert_eq!(me["kind"], "client");
    assert_eq!(me["id"], client["id"]);
    assert_eq!(me["client_id"], id.as_str());
    assert_eq!(me["name"], "Course sync");
    assert_eq!(me["tenant"], "acme");
    assert_eq!(me["scopes"], json!(["sites:read"]));
    assert_eq!(me["roles"], json!([]));

    // HTTP Basic (RFC 6749 §2.3.1) works too, but not both at once.
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    app.req("POST", &acme.domain, "/api/v1/auth/token")
        .header("Authorization", &format!("Basic {basic}"))
        .form(&[("grant_type", "client_credentials")])
        .expect(200);
    let both = app
        .req("POST", &acme.domain, "/api/v1/auth/token")
        .header("Authorization", &format!("Basic {basic}"))
        .form(&[("grant_type", "client_credentials"), ("client_id", &id)])
        .expect_problem(400, "oauth");
    assert_eq!(both["error"], "invalid_request");
}

fn a_client_may_ask_for_fewer_scopes(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let client = create(&app, &acme, &["sites:read", "sites:write"]);
    let (id, secret) = credentials(&client);
    let narrowed = grant(
        &app,
        &acme.domain,
        &[
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", "sites:read"),
        ],
    )
    .expect(200)
    .json();
    assert_eq!(narrowed["scope"], "sites:read");
    let token = narrowed["access_token"].as_str().unwrap();
    app.req("GET", &acme.domain, "/api/v1/sites")
        .bearer(token)
        .send()
        .expect(200);
    app.req("POST", &acme.domain, "/api/v1/sites")
        .bearer(token)
        .json(&json!({"domain": "new.acme.test", "name": "New"}))
        .expect_problem(403, "forbidden");
    let full = token_of(&app, &acme.domain, &client);
    app.req("POST", &acme.domain, "/api/v1/sites")
        .bearer(&full)
        .json(&json!({"domain": "new.acme.test", "name": "New"}))
        .expect(201);
    for scope in ["users:read", "sites:read sites:admin"] {
        let refused = grant(
            &app,
            &acme.domain,
            &[
                ("client_id", &id),
                ("client_secret", &secret),
                ("scope", scope),
            ],
        )
        .expect_problem(400, "oauth");
        assert_eq!(refused["error"], "invalid_scope", "{scope}");
    }
}

fn bad_client_credentials_are_invalid_client(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let client = create(&app, &acme, &["sites:read"]);
    let (id, secret) = credentials(&client);
    let wrong = grant(
        &app,
        &acme.domain,
        &[("client_id", &id), ("client_secret", "not-the-secret")],
    );
    assert!(wrong.header("www-authenticate").is_some());
    let wrong = wrong.expect_problem(401, "oauth");
    assert_eq!(wrong["error"], "invalid_client");
    let unknown = grant(
        &app,
        &acme.domain,
        &[("client_id", "atc_nobody"), ("client_secret", &secret)],
    )
    .expect_problem(401, "oauth");
    assert_eq!(
        unknown, wrong,
        "unknown clients and wrong secrets look alike"
    );
    let missing = grant(&app, &acme.domain, &[("client_id", &id)]).expect_problem(400, "oauth");
    assert_eq!(missing["error"], "invalid_request");
    // Operators have no clients.
    let platform = grant(
        &app,
        "localhost",
        &[("client_id", &id), ("client_secret", &secret)],
    )
    .expect_problem(400, "oauth");
    assert_eq!(platform["error"], "unsupported_grant_type");
}

fn failed_client_credentials_are_throttled(backend: Backend) {
    let options = TestOptions {
        login_max_failures_per_name: 2,
        ..TestOptions::default()
    };
    let app = TestApp::with(TestDb::new(backend), options);
    let acme = app.provision("acme");
    let client = create(&app, &acme, &["sites:read"]);
    let (id, secret) = credentials(&client);
    for _ in 0..2 {
        grant(
            &app,
            &acme.domain,
            &[("client_id", &id), ("client_secret", "wrong")],
        )
        .expect_problem(401, "oauth");
    }
    let throttled = grant(
        &app,
        &acme.domain,
        &[("client_id", &id), ("client_secret", &secret)],
    );
    assert!(throttled.header("retry-after").is_some());
    throttled.expect_problem(429, "too-many-requests");
}

fn a_deleted_client_is_refused_at_once(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let client = create(&app, &acme, &["sites:read"]);
    let token = token_of(&app, &acme.domain, &client);
    app.req("GET", &acme.domain, "/api/v1/sites")
        .bearer(&token)
        .send()
        .expect(200);
    let path = format!("/api/v1/api-clients/{}", client["id"]);
    acme.admin(&app, "DELETE", &path).send().expect(204);
    app.req("GET", &acme.domain, "/api/v1/sites")
        .bearer(&token)
        .send()
        .expect_problem(401, "unauthenticated");
    app.req("GET", &acme.domain, "/api/v1/me")
        .bearer(&token)
        .send()
        .expect_problem(401, "unauthenticated");
    let (id, secret) = credentials(&client);
    let again = grant(
        &app,
        &acme.domain,
        &[("client_id", &id), ("client_secret", &secret)],
    )
    .expect_problem(401, "oauth");
    assert_eq!(again["error"], "invalid_client");
    acme.admin(&app, "DELETE", &path)
        .send()
        .expect_problem(404, "not-found");
    let list = acme
        .admin(&app, "GET", "/api/v1/api-clients")
        .send()
        .expect(200)
        .json();
    assert_eq!(list["items"], json!([]));
}

/// What the cross-replica broadcast calls on every other replica:
/// `Identity::forget_client` makes that replica refuse the client too.
fn a_replica_told_to_forget_a_client_refuses_it(backend: Backend) {
    let app = TestApp::start(backend);
    let other = app.replica();
    let acme = app.provision("acme");
    let client = create(&app, &acme, &["sites:read"]);
    let token = token_of(&app, &acme.domain, &client);
    other
        .req("GET", &acme.domain, "/api/v1/sites")
        .bearer(&token)
        .send()
        .expect(200);
    let id = client["id"].as_i64().unwrap();
    acme.admin(&app, "DELETE", &format!("/api/v1/api-clients/{id}"))
        .send()
        .expect(204);
    other.identity().forget_client(
        atrium_core::TenantId(acme.tenant_id),
        atrium_core::ApiClientId(id),
    );
    other
        .req("GET", &acme.domain, "/api/v1/sites")
        .bearer(&token)
        .send()
        .expect_problem(401, "unauthenticated");
}

fn a_client_is_bound_to_its_tenant(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    let client = create(&app, &acme, &["sites:read"]);
    let token = token_of(&app, &acme.domain, &client);
    app.req("GET", &globex.domain, "/api/v1/sites")
        .bearer(&token)
        .send()
        .expect_problem(401, "unauthenticated");
    let (id, secret) = credentials(&client);
    let elsewhere = grant(
        &app,
        &globex.domain,
        &[("client_id", &id), ("client_secret", &secret)],
    )
    .expect_problem(401, "oauth");
    assert_eq!(elsewhere["error"], "invalid_client");
    let path = format!("/api/v1/api-clients/{}", client["id"]);
    globex
        .admin(&app, "GET", &path)
        .send()
        .expect_problem(404, "not-found");
    globex
        .admin(&app, "DELETE", &path)
        .send()
        .expect_problem(404, "not-found");
    let theirs = globex
        .admin(&app, "GET", "/api/v1/api-clients")
        .send()
        .expect(200)
        .json();
    assert_eq!(theirs["items"], json!([]));
    app.req("GET", &acme.domain, "/api/v1/sites")
        .bearer(&token)
        .send()
        .expect(200);
}

fn an_organization_limited_client_gets_nothing_tenant_wide(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let client = acme
        .admin(&app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "Dept", "scopes": ["sites:read"], "organization": acme.org}))
        .expect(201)
        .json();
    let token = token_of(&app, &acme.domain, &client);
    app.req("GET", &acme.domain, "/api/v1/sites")
        .bearer(&token)
        .send()
        .expect_problem(403, "forbidden");
    let me = app
        .req("GET", &acme.domain, "/api/v1/me")
        .bearer(&token)
        .send()
        .expect(200)
        .json();
    assert_eq!(me["organization"], acme.org.as_str());
}

fn only_tenant_admins_manage_clients(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    app.req("POST", &acme.domain, "/api/v1/auth/register")
        .json(&json!({"email": "ada@acme.test", "username": "ada", "password": "ada-password-1"}))
        .expect(201);
    let learner = app.login(&acme.domain, "ada", "ada-password-1");
    app.req("GET", &acme.domain, "/api/v1/api-clients")
        .bearer(&learner)
        .send()
        .expect_problem(403, "forbidden");
    app.req("POST", &acme.domain, "/api/v1/api-clients")
        .bearer(&learner)
        .json(&json!({"name": "Mine", "scopes": ["sites:read"]}))
        .expect_problem(403, "forbidden");
    app.req("GET", &acme.domain, "/api/v1/api-clients")
        .send()
        .expect_problem(401, "unauthenticated");
    app.platform("GET", "/api/v1/api-clients")
        .bearer(&app.operator_token())
        .send()
        .expect_problem(404, "not-found");
}

const CREATE: &str = "mutation($input: CreateApiClientInput!) { createApiClient(input: $input) \
                      { id clientId clientSecret name scopes organization } }";
const LIST: &str = "{ apiClients { items { id clientId name scopes } nextCursor } }";
const DELETE: &str = "mutation($id: Int!) { deleteApiClient(id: $id) }";

fn graphql_manages_clients_with_the_same_checks(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let admin = Some(acme.admin_token.as_str());
    let created = app.graphql(
        &acme.domain,
        admin,
        CREATE,
        json!({"input": {"name": "Sync", "scopes": ["users:read", "sites:read"]}}),
    );
    let created = &created["data"]["createApiClient"];
    assert_eq!(created["scopes"], json!(["sites:read", "users:read"]));
    let secret = created["clientSecret"].as_str().expect("secret").to_owned();
    let client = json!({"client_id": created["clientId"], "client_secret": secret});
    let token = token_of(&app, &acme.domain, &client);

    let listed = app.graphql(&acme.domain, admin, LIST, json!({}));
    assert_eq!(
        listed["data"]["apiClients"]["items"][0]["clientId"],
        created["clientId"]
    );
    assert!(!listed.to_string().contains(&secret));
    // The list's type has no secret to ask for.
    let asked = app.graphql(
        &acme.domain,
        admin,
        "{ apiClients { items { clientSecret } } }",
        json!({}),
    );
    assert!(asked["errors"].is_array(), "{asked}");

    let invalid = app.graphql(
        &acme.domain,
        admin,
        CREATE,
        json!({"input": {"name": "Bad", "scopes": ["sites:admin"]}}),
    );
    assert_eq!(
        invalid["errors"][0]["extensions"]["code"], "VALIDATION",
        "{invalid}"
    );

    let me = app.graphql(
        &acme.domain,
        Some(&token),
        "{ me { kind clientId name scopes tenant } }",
        json!({}),
    );
    assert_eq!(me["data"]["me"]["kind"], "client", "{me}");
    assert_eq!(me["data"]["me"]["clientId"], created["clientId"]);
    assert_eq!(
        me["data"]["me"]["scopes"],
        json!(["sites:read", "users:read"])
    );
    let by_client = app.graphql(&acme.domain, Some(&token), LIST, json!({}));
    assert_eq!(by_client["errors"][0]["extensions"]["code"], "FORBIDDEN");

    app.req("POST", &acme.domain, "/api/v1/auth/register")
        .json(&json!({"email": "ada@acme.test", "username": "ada", "password": "ada-password-1"}))
        .expect(201);
    let learner = app.login(&acme.domain, "ada", "ada-password-1");
    for (query, variables) in [
        (LIST, json!({})),
        (
            CREATE,
            json!({"input": {"name": "Mine", "scopes": ["sites:read"]}}),
        ),
        (DELETE, json!({"id": created["id"]})),
    ] {
        let refused = app.graphql(&acme.domain, Some(&learner), query, variables);
        assert_eq!(
            refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{refused}"
        );
    }

    let deleted = app.graphql(&acme.domain, admin, DELETE, json!({"id": created["id"]}));
    assert_eq!(deleted["data"]["deleteApiClient"], true, "{deleted}");
    app.req("GET", &acme.domain, "/api/v1/sites")
        .bearer(&token)
        .send()
        .expect_problem(401, "unauthenticated");
    let listed = app.graphql(&acme.domain, admin, LIST, json!({}));
    assert_eq!(listed["data"]["apiClients"]["items"], json!([]));
}

/// `users:write` manages learners, not role holders: a client that could
/// change an admin's email (and then reset its password) or deactivate it
/// would hold more than its scopes.
fn a_users_write_client_cannot_touch_role_holders(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let client = create(&app, &acme, &["users:read", "users:write"]);
    let token = token_of(&app, &acme.domain, &client);
    let admin = format!("/api/v1/users/{}", acme.admin_id);
    for (method, body) in [
        ("PATCH", Some(json!({"email": "taken-over@evil.test"}))),
        ("PATCH", Some(json!({"is_active": false}))),
        ("DELETE", None),
    ] {
        let request = app.req(method, &acme.domain, &admin).bearer(&token);
        match body {
            Some(body) => request.json(&body),
            None => request.send(),
        }
        .expect_problem(403, "forbidden");
    }
    let unchanged = acme.admin(&app, "GET", &admin).send().expect(200).json();
    assert_eq!(unchanged["email"], "admin@acme.test");
    assert_eq!(unchanged["is_active"], true);
    // A learner's account is the client's to manage.
    let learner = app
        .req("POST", &acme.domain, "/api/v1/users")
        .bearer(&token)
        .json(&json!({"email": "lea@acme.test", "username": "lea"}))
        .expect(201)
        .json();
    app.req(
        "PATCH",
        &acme.domain,
        &format!("/api/v1/users/{}", learner["id"]),
    )
    .bearer(&token)
    .json(&json!({"name": "Léa"}))
    .expect(200);
}

backend_tests!(
    a_users_write_client_cannot_touch_role_holders,
    the_secret_is_shown_once_and_input_is_checked,
    a_client_token_is_scoped,
    a_client_may_ask_for_fewer_scopes,
    bad_client_credentials_are_invalid_client,
    failed_client_credentials_are_throttled,
    a_deleted_client_is_refused_at_once,
    a_replica_told_to_forget_a_client_refuses_it,
    a_client_is_bound_to_its_tenant,
    an_organization_limited_client_gets_nothing_tenant_wide,
    only_tenant_admins_manage_clients,
    graphql_manages_clients_with_the_same_checks,
);
