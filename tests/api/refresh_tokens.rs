//! Refresh tokens (issue 8 item 4): rotation, reuse revoking the family,
//! expiry from the login, RFC 7009 revocation, operators' tokens, the
//! throttle on failed refreshes, and login failures that cannot be told
//! apart.

use std::time::Duration;

use atrium_tests::{
    backend_tests, Backend, Response, TestApp, TestDb, TestOptions, OPERATOR_EMAIL,
    OPERATOR_PASSWORD,
};
use serde_json::{json, Value};

const ADMIN_PASSWORD: &str = "admin-password";

/// A password grant's whole answer.
fn log_in(app: &TestApp, host: &str, username: &str, password: &str) -> Value {
    app.req("POST", host, "/api/v1/auth/token")
        .form(&[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
        ])
        .expect(200)
        .json()
}

fn refresh(app: &TestApp, host: &str, token: &str) -> Response {
    app.req("POST", host, "/api/v1/auth/token")
        .form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
}

fn revoke(app: &TestApp, host: &str, token: &str) {
    let response = app
        .req("POST", host, "/api/v1/auth/revoke")
        .form(&[("token", token)])
        .expect(200);
    assert_eq!(response.text, "");
    assert_eq!(response.header("cache-control"), Some("no-store"));
}

fn refresh_token_of(answer: &Value) -> String {
    answer["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no refresh_token in {answer}"))
        .to_owned()
}

#[track_caller]
fn invalid_grant(response: Response) {
    let body = response.expect_problem(400, "oauth");
    assert_eq!(body["error"], "invalid_grant");
}

#[track_caller]
fn me(app: &TestApp, host: &str, access_token: &str) -> Value {
    app.req("GET", host, "/api/v1/me")
        .bearer(access_token)
        .send()
        .expect(200)
        .json()
}

fn rotation_issues_a_new_pair_and_reuse_revokes_the_family(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let host = acme.domain.as_str();
    let first = log_in(&app, host, "admin", ADMIN_PASSWORD);
    let first_refresh = refresh_token_of(&first);
    assert_eq!(first_refresh.len(), 43, "32 bytes, base64url");
    // Another login is another family, untouched by what follows.
    let other_login = refresh_token_of(&log_in(&app, host, "admin", ADMIN_PASSWORD));

    let rotated = refresh(&app, host, &first_refresh).expect(200);
    assert_eq!(rotated.header("cache-control"), Some("no-store"));
    let second = rotated.json();
    assert_eq!(second["token_type"], "Bearer");
    let second_refresh = refresh_token_of(&second);
    assert_ne!(second_refresh, first_refresh);
    let access = second["access_token"].as_str().unwrap();
    assert_ne!(access, first["access_token"].as_str().unwrap());
    assert_eq!(me(&app, host, access)["id"], acme.admin_id);

    // JSON works as well as forms.
    let third = app
        .req("POST", host, "/api/v1/auth/token")
        .json(&json!({"grant_type": "refresh_token", "refresh_token": second_refresh}))
        .expect(200)
        .json();
    let third_refresh = refresh_token_of(&third);

    // The spent first token again: refused, and the family is revoked, its
    // newest token included.
    invalid_grant(refresh(&app, host, &first_refresh));
    invalid_grant(refresh(&app, host, &third_refresh));
    invalid_grant(refresh(&app, host, &second_refresh));
    // The other login goes on.
    let other = refresh(&app, host, &other_login).expect(200).json();
    me(&app, host, other["access_token"].as_str().unwrap());
}

fn refresh_tokens_are_bound_to_their_realm_and_checked(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    let token = refresh_token_of(&log_in(&app, &acme.domain, "admin", ADMIN_PASSWORD));
    // Another tenant's host, or the platform's: unknown there, and not
    // spent by the attempt.
    invalid_grant(refresh(&app, &globex.domain, &token));
    invalid_grant(refresh(&app, "localhost", &token));
    for junk in [
        "",
        "x",
        "not a token at all",
        &"A".repeat(43),
        &"é".repeat(40),
    ] {
        invalid_grant(refresh(&app, &acme.domain, junk));
    }
    let missing = app
        .req("POST", &acme.domain, "/api/v1/auth/token")
        .form(&[("grant_type", "refresh_token")])
        .expect_problem(400, "oauth");
    assert_eq!(missing["error"], "invalid_request");
    let next = refresh_token_of(&refresh(&app, &acme.domain, &token).expect(200).json());

    // A deactivated account refreshes no more; a deleted one neither.
    app.db.execute_as_owner(&format!(
        "UPDATE users SET is_active = FALSE WHERE id = {}",
        acme.admin_id
    ));
    invalid_grant(refresh(&app, &acme.domain, &next));
    app.db.execute_as_owner(&format!(
        "UPDATE users SET is_active = TRUE WHERE id = {}",
        acme.admin_id
    ));
    let next = refresh_token_of(&refresh(&app, &acme.domain, &next).expect(200).json());
    app.db
        .execute_as_owner(&format!("DELETE FROM users WHERE id = {}", acme.admin_id));
    invalid_grant(refresh(&app, &acme.domain, &next));
}

fn a_login_expires_on_time_and_rotation_does_not_extend_it(backend: Backend) {
    let app = TestApp::with(
        TestDb::new(backend),
        TestOptions {
            refresh_token_ttl_secs: 3,
            ..TestOptions::default()
        },
    );
    let acme = app.provision("acme");
    let host = acme.domain.as_str();
    let first = refresh_token_of(&log_in(&app, host, "admin", ADMIN_PASSWORD));
    let spare = refresh_token_of(&log_in(&app, host, "admin", ADMIN_PASSWORD));
    std::thread::sleep(Duration::from_millis(1500));
    let second = refresh_token_of(&refresh(&app, host, &first).expect(200).json());
    std::thread::sleep(Duration::from_millis(2000));
    // 3.5 s after the login, 2 s after its rotation: the family has expired.
    invalid_grant(refresh(&app, host, &second));
    invalid_grant(refresh(&app, host, &spare));
}

fn concurrent_uses_of_one_token_cannot_both_succeed(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let host = acme.domain.clone();
    let token = refresh_token_of(&log_in(&app, &host, "admin", ADMIN_PASSWORD));
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let request = app.req("POST", &host, "/api/v1/auth/token");
            let token = token.clone();
            let barrier = std::sync::Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                request.form(&[("grant_type", "refresh_token"), ("refresh_token", &token)])
            })
        })
        .collect();
    let answers: Vec<Response> = racers.into_iter().map(|r| r.join().unwrap()).collect();
    let (won, lost): (Vec<_>, Vec<_>) = answers.into_iter().partition(|r| r.status == 200);
    assert_eq!(won.len(), 1, "exactly one use spends the token");
    for answer in lost {
        invalid_grant(answer);
    }
    // The losers saw a reuse: the winner's new token is revoked with its
    // family.
    invalid_grant(refresh(&app, &host, &refresh_token_of(&won[0].json())));
}

fn revocation_answers_200_and_revokes_the_family(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let host = acme.domain.as_str();
    let first = refresh_token_of(&log_in(&app, host, "admin", ADMIN_PASSWORD));
    let second = refresh_token_of(&refresh(&app, host, &first).expect(200).json());
    // Revoking the spent first token revokes the family, the live second
    // one included; again, it changes nothing and still answers 200.
    revoke(&app, host, &first);
    invalid_grant(refresh(&app, host, &second));
    revoke(&app, host, &first);
    // Unknown tokens, access tokens and another tenant's tokens: 200, and
    // nothing happens.
    let live = refresh_token_of(&log_in(&app, host, "admin", ADMIN_PASSWORD));
    let globex = app.provision("globex");
    revoke(&app, &globex.domain, &live);
    revoke(&app, "localhost", &live);
    revoke(&app, host, "no-such-token");
    revoke(&app, host, &acme.admin_token);
    let live = refresh_token_of(&refresh(&app, host, &live).expect(200).json());
    // JSON, with a hint.
    app.req("POST", host, "/api/v1/auth/revoke")
        .json(&json!({"token": live, "token_type_hint": "refresh_token"}))
        .expect(200);
    invalid_grant(refresh(&app, host, &live));
    // RFC 7009 §2.1: the token is required.
    let missing = app
        .req("POST", host, "/api/v1/auth/revoke")
        .form(&[("token_type_hint", "refresh_token")])
        .expect_problem(400, "oauth");
    assert_eq!(missing["error"], "invalid_request");
    app.req("POST", host, "/api/v1/auth/revoke")
        .body("text/plain", b"token=x")
        .expect_problem(415, "unsupported-media-type");
}

fn operators_refresh_on_the_platform_host(backend: Backend) {
    let app = TestApp::start(backend);
    let login = log_in(&app, "localhost", OPERATOR_EMAIL, OPERATOR_PASSWORD);
    let first = refresh_token_of(&login);
    let acme = app.provision("acme");
    // Not a tenant's token.
    invalid_grant(refresh(&app, &acme.domain, &first));
    let second = refresh(&app, "localhost", &first).expect(200).json();
    assert_eq!(
        me(&app, "localhost", second["access_token"].as_str().unwrap())["kind"],
        "operator"
    );
    let second = refresh_token_of(&second);
    // Reuse revokes the operator's family.
    invalid_grant(refresh(&app, "localhost", &first));
    invalid_grant(refresh(&app, "localhost", &second));
    // Revocation on the platform host.
    let live = refresh_token_of(&log_in(
        &app,
        "localhost",
        OPERATOR_EMAIL,
        OPERATOR_PASSWORD,
    ));
    revoke(&app, "localhost", &live);
    invalid_grant(refresh(&app, "localhost", &live));
    // A disabled operator neither refreshes nor logs in.
    let live = refresh_token_of(&log_in(
        &app,
        "localhost",
        OPERATOR_EMAIL,
        OPERATOR_PASSWORD,
    ));
    app.db.execute_as_owner(
        "UPDATE operators SET is_active = FALSE WHERE email = 'ops@platform.test'",
    );
    invalid_grant(refresh(&app, "localhost", &live));
    invalid_grant(
        app.platform("POST", "/api/v1/auth/token").json(
            &json!({"grant_type": "password", "username": OPERATOR_EMAIL, "password": OPERATOR_PASSWORD}),
        ),
    );
}

fn failed_refreshes_count_against_the_client_address(backend: Backend) {
    let app = TestApp::with(
        TestDb::new(backend),
        TestOptions {
            login_max_failures_per_name: 100,
            login_max_failures_per_address: 3,
            // Long enough not to roll over during the test.
            login_failure_window_secs: 120,
            ..TestOptions::default()
        },
    );
    let acme = app.provision("acme");
    let host = acme.domain.as_str();
    let good = refresh_token_of(&log_in(&app, host, "admin", ADMIN_PASSWORD));
    // A success does not count against the address.
    let good = refresh_token_of(&refresh(&app, host, &good).expect(200).json());
    for guess in 0..3 {
        invalid_grant(refresh(&app, host, &format!("{guess:0>43}")));
    }
    // Past the limit: refused before any look-up, a good token too, and
    // password logins from the address alike.
    let throttled = refresh(&app, host, &good);
    assert!(throttled.header("retry-after").is_some());
    throttled.expect_problem(429, "too-many-requests");
    app.req("POST", host, "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}))
        .expect_problem(429, "too-many-requests");
}

/// Unknown user, wrong password and disabled account: the same status and
/// the same bytes, on a tenant's host and on the platform host.
fn login_failures_are_byte_identical(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    app.req("POST", &acme.domain, "/api/v1/auth/register")
        .json(&json!({"email": "gone@acme.test", "username": "gone", "password": "gone-password"}))
        .expect(201);
    app.db
        .execute_as_owner("UPDATE users SET is_active = FALSE WHERE username = 'gone'");
    let attempt = |host: &str, username: &str, password: &str| {
        let response = app
            .req("POST", host, "/api/v1/auth/token")
            .json(&json!({"grant_type": "password", "username": username, "password": password}));
        assert_eq!(response.status, 400, "{}", response.text);
        response.text
    };
    let unknown = attempt(&acme.domain, "nobody", "some-password");
    assert_eq!(attempt(&acme.domain, "admin", "wrong-password"), unknown);
    assert_eq!(attempt(&acme.domain, "gone", "gone-password"), unknown);
    assert!(unknown.contains("invalid_grant"), "{unknown}");

    let operator = attempt("localhost", "nobody@platform.test", "some-password");
    assert_eq!(
        attempt("localhost", OPERATOR_EMAIL, "wrong-password"),
        operator
    );
    app.db.execute_as_owner(
        "UPDATE operators SET is_active = FALSE WHERE email = 'ops@platform.test'",
    );
    assert_eq!(
        attempt("localhost", OPERATOR_EMAIL, OPERATOR_PASSWORD),
        operator
    );
    assert_eq!(operator, unknown, "the platform's answer is the tenants'");
}

backend_tests!(
    rotation_issues_a_new_pair_and_reuse_revokes_the_family,
    refresh_tokens_are_bound_to_their_realm_and_checked,
    a_login_expires_on_time_and_rotation_does_not_extend_it,
    concurrent_uses_of_one_token_cannot_both_succeed,
    revocation_answers_200_and_revokes_the_family,
    operators_refresh_on_the_platform_host,
    failed_refreshes_count_against_the_client_address,
    login_failures_are_byte_identical,
);
