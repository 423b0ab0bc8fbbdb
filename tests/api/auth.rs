//! The token endpoint, the JWKS, the caller, registration.

use atrium_tests::{backend_tests, Backend, TestApp, OPERATOR_EMAIL, OPERATOR_PASSWORD};
use serde_json::json;

fn token_endpoint_takes_json_and_forms_and_answers_rfc6749_errors(backend: Backend) {
    let app = TestApp::start(backend);
    let form = app
        .platform("POST", "/api/v1/auth/token")
        .form(&[
            ("grant_type", "password"),
            ("username", OPERATOR_EMAIL),
            ("password", OPERATOR_PASSWORD),
        ])
        .expect(200);
    assert_eq!(form.header("cache-control"), Some("no-store"));
    let token = form.json();
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 900);
    let wrong = app
        .platform("POST", "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": OPERATOR_EMAIL, "password": "wrong password"}))
        .expect_problem(400, "oauth");
    assert_eq!(wrong["error"], "invalid_grant");
    let unknown = app
        .platform("POST", "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": "nobody@x.org", "password": "whatever123"}))
        .expect_problem(400, "oauth");
    assert_eq!(
        unknown["detail"], wrong["detail"],
        "unknown users and wrong passwords look alike"
    );
    let grant = app
        .platform("POST", "/api/v1/auth/token")
        .json(&json!({"grant_type": "magic"}))
        .expect_problem(400, "oauth");
    assert_eq!(grant["error"], "unsupported_grant_type");
    let missing = app
        .platform("POST", "/api/v1/auth/token")
        .json(&json!({"grant_type": "password"}))
        .expect_problem(400, "oauth");
    assert_eq!(missing["error"], "invalid_request");
    app.platform("POST", "/api/v1/auth/token")
        .body("text/plain", b"x")
        .expect_problem(415, "unsupported-media-type");
}

fn jwks_publishes_the_key_that_signs_tokens(backend: Backend) {
    let app = TestApp::start(backend);
    let token = app.operator_token();
    let header: serde_json::Value = {
        use base64::Engine;
        let encoded = token.split('.').next().unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(encoded)
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(header["alg"], "EdDSA");
    let jwks = app
        .platform("GET", "/.well-known/jwks.json")
        .send()
        .expect(200)
        .json();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["kid"], header["kid"]);
    // Served on tenant hosts too.
    let acme = app.provision("acme");
    app.req("GET", &acme.domain, "/.well-known/jwks.json")
        .send()
        .expect(200);
}

fn a_tampered_or_foreign_token_is_refused(backend: Backend) {
    let app = TestApp::start(backend);
    let token = app.operator_token();
    app.platform("GET", "/api/v1/me")
        .bearer(&token)
        .send()
        .expect(200);
    let mut tampered = token.clone();
    tampered.pop();
    app.platform("GET", "/api/v1/me")
        .bearer(&tampered)
        .send()
        .expect_problem(401, "unauthenticated");
    app.platform("GET", "/api/v1/me")
        .bearer("not.a.jwt")
        .send()
        .expect_problem(401, "unauthenticated");
    app.platform("GET", "/api/v1/me")
        .send()
        .expect_problem(401, "unauthenticated");
    let me = app
        .platform("GET", "/api/v1/me")
        .bearer(&token)
        .send()
        .expect(200)
        .json();
    assert_eq!(me["kind"], "operator");
    assert_eq!(me["tenant"], serde_json::Value::Null);
}

fn users_log_in_by_username_or_email(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    app.login(&acme.domain, "ADMIN@acme.test", "admin-password");
    app.login(&acme.domain, "Admin", "admin-password");
}

fn registration_follows_the_site_configuration(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    acme.admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "open.acme.test", "name": "Open"}))
        .expect(201);
    let user = json!({"email": "learner@example.org", "username": "learner", "password": "learner-password"});
    app.req("POST", &acme.domain, "/api/v1/auth/register")
        .json(&user)
        .expect(201);
    app.login(&acme.domain, "learner", "learner-password");
    app.req("POST", &acme.domain, "/api/v1/auth/register")
        .json(&user)
        .expect_problem(409, "conflict");
    // Closed on the primary site only.
    acme.admin(
        &app,
        "PUT",
        &format!("/api/v1/sites/{}/configuration", acme.site_id),
    )
    .json(&json!({"values": {"ALLOW_PUBLIC_ACCOUNT_CREATION": false}, "enabled": true}))
    .expect(200);
    let other = json!({"email": "second@example.org", "username": "second", "password": "learner-password"});
    app.req("POST", &acme.domain, "/api/v1/auth/register")
        .json(&other)
        .expect_problem(403, "forbidden");
    app.req("POST", "open.acme.test", "/api/v1/auth/register")
        .json(&other)
        .expect(201);
    assert_eq!(
        app.req("GET", &acme.domain, "/api/v1/site").send().json()["registration_open"],
        false
    );
    assert_eq!(
        app.req("GET", "open.acme.test", "/api/v1/site")
            .send()
            .json()["registration_open"],
        true
    );
    // The same email on another tenant is another account.
    let globex = app.provision("globex");
    app.req("POST", &globex.domain, "/api/v1/auth/register")
        .json(&user)
        .expect(201);
    // Registration validates its fields.
    let fields = app
        .req("POST", &globex.domain, "/api/v1/auth/register")
        .json(&json!({"email": "x", "username": "?", "password": "short"}))
        .field_errors();
    assert_eq!(fields, ["email", "username", "password"]);
}

backend_tests!(
    token_endpoint_takes_json_and_forms_and_answers_rfc6749_errors,
    jwks_publishes_the_key_that_signs_tokens,
    a_tampered_or_foreign_token_is_refused,
    users_log_in_by_username_or_email,
    registration_follows_the_site_configuration,
);
