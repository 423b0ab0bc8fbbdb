//! Access tokens (issue 8 item 5): RFC 9068's `typ: at+jwt`, `nbf`, and
//! the known attacks on JWT verification. Each forged token differs from
//! a valid one in one way only, and each gets a 401 problem, never a 500.

use atrium_tests::{backend_tests, Backend, Provisioned, TestApp};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn decode_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("a JWT part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

/// The claims of a valid token of `tenant`'s admin.
fn claims_of(tenant: &Provisioned) -> Value {
    let now = now();
    json!({
        "iss": format!("atrium:tenant:{}", tenant.tenant_id),
        "sub": format!("user:{}", tenant.admin_id),
        "aud": "atrium-api",
        "exp": now + 600,
        "nbf": now,
        "iat": now,
        "jti": "forged",
    })
}

fn header(alg: Algorithm, typ: Option<&str>, kid: &str) -> Header {
    let mut header = Header::new(alg);
    header.typ = typ.map(str::to_owned);
    header.kid = Some(kid.to_owned());
    header
}

fn me(app: &TestApp, host: &str, token: &str) -> atrium_tests::Response {
    app.req("GET", host, "/api/v1/me").bearer(token).send()
}

#[track_caller]
fn refused(app: &TestApp, host: &str, token: &str, what: &str) {
    let response = me(app, host, token);
    assert_eq!(response.status, 401, "{what}: {}", response.text);
    response.expect_problem(401, "unauthenticated");
}

fn issued_tokens_are_typed_and_carry_nbf(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let header = decode_part(&acme.admin_token, 0);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "EdDSA");
    let claims = decode_part(&acme.admin_token, 1);
    let nbf = claims["nbf"].as_i64().expect("nbf");
    assert!(nbf <= now() && nbf >= now() - 600, "{claims}");
    assert_eq!(claims["nbf"], claims["iat"]);
}

fn forged_and_misused_tokens_get_401(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    let host = acme.domain.as_str();
    let jwks = app
        .platform("GET", "/.well-known/jwks.json")
        .send()
        .expect(200)
        .json();
    let kid = jwks["keys"][0]["kid"].as_str().unwrap().to_owned();
    let public_key = URL_SAFE_NO_PAD
        .decode(jwks["keys"][0]["x"].as_str().unwrap())
        .unwrap();
    let claims = claims_of(&acme);

    // The control: signed with the server's key, with the right header
    // and claims, a forged token is as good as an issued one; so each
    // refusal below is for its one difference.
    let valid = app.sign_with_server_key(&header(Algorithm::EdDSA, Some("at+jwt"), &kid), &claims);
    me(&app, host, &valid).expect(200);

    // `alg: none`, unsigned.
    let none_header = URL_SAFE_NO_PAD.encode(
        json!({"alg": "none", "typ": "at+jwt", "kid": kid})
            .to_string()
            .as_bytes(),
    );
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes());
    refused(&app, host, &format!("{none_header}.{payload}."), "alg none");
    refused(
        &app,
        host,
        &format!(
            "{none_header}.{}",
            valid.split('.').skip(1).collect::<Vec<_>>().join(".")
        ),
        "alg none over a valid signature",
    );

    // HS256 with the public key as the HMAC secret (key confusion).
    let hmac = jsonwebtoken::encode(
        &header(Algorithm::HS256, Some("at+jwt"), &kid),
        &claims,
        &EncodingKey::from_secret(&public_key),
    )
    .unwrap();
    refused(&app, host, &hmac, "HS256 signed with the public key");

    // A key id the server does not have (the signature is the server's).
    let unknown_kid = app.sign_with_server_key(
        &header(Algorithm::EdDSA, Some("at+jwt"), "no-such-kid"),
        &claims,
    );
    refused(&app, host, &unknown_kid, "unknown kid");

    // Another tenant's token, issued or forged, on this tenant's host.
    refused(&app, host, &globex.admin_token, "another tenant's token");
    let mut foreign = claims_of(&globex);
    foreign["sub"] = json!(format!("user:{}", acme.admin_id));
    let foreign =
        app.sign_with_server_key(&header(Algorithm::EdDSA, Some("at+jwt"), &kid), &foreign);
    refused(&app, host, &foreign, "issued for another tenant");

    // Expired (beyond the leeway), and not valid yet.
    let mut expired = claims.clone();
    expired["exp"] = json!(now() - 3600);
    expired["nbf"] = json!(now() - 7200);
    expired["iat"] = json!(now() - 7200);
    let expired =
        app.sign_with_server_key(&header(Algorithm::EdDSA, Some("at+jwt"), &kid), &expired);
    refused(&app, host, &expired, "expired");
    let mut early = claims.clone();
    early["nbf"] = json!(now() + 3600);
    let early = app.sign_with_server_key(&header(Algorithm::EdDSA, Some("at+jwt"), &kid), &early);
    refused(&app, host, &early, "nbf in the future");

    // Any other JWT the key might sign: the wrong `typ`, or none.
    for typ in [Some("JWT"), Some("id+jwt"), None] {
        let token = app.sign_with_server_key(&header(Algorithm::EdDSA, typ, &kid), &claims);
        refused(&app, host, &token, &format!("typ {typ:?}"));
    }
    // Without `nbf`.
    let mut without_nbf = claims.clone();
    without_nbf.as_object_mut().unwrap().remove("nbf");
    let without_nbf = app.sign_with_server_key(
        &header(Algorithm::EdDSA, Some("at+jwt"), &kid),
        &without_nbf,
    );
    refused(&app, host, &without_nbf, "no nbf");
}

backend_tests!(
    issued_tokens_are_typed_and_carry_nbf,
    forged_and_misused_tokens_get_401,
);
