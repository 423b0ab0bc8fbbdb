//! Limits on password guessing (issue item 1): failed logins and
//! registrations per name and per client address, a 429 with `Retry-After`
//! past them, the same for names that exist and names that do not, a clean
//! slate after a success, and counters shared by replicas on PostgreSQL.

use std::time::Duration;

use atrium_tests::{
    backend_tests, postgres_tests, Backend, Response, TestApp, TestDb, TestOptions, OPERATOR_EMAIL,
    OPERATOR_PASSWORD,
};
use serde_json::json;

const ADMIN_PASSWORD: &str = "admin-password";
const WINDOW_SECS: u64 = 5;

fn limited(per_name: u32, per_address: u32) -> TestOptions {
    TestOptions {
        login_max_failures_per_name: per_name,
        login_max_failures_per_address: per_address,
        login_failure_window_secs: WINDOW_SECS,
        ..TestOptions::default()
    }
}

fn log_in(app: &TestApp, host: &str, username: &str, password: &str) -> Response {
    app.req("POST", host, "/api/v1/auth/token").json(&json!({
        "grant_type": "password", "username": username, "password": password
    }))
}

#[track_caller]
fn refused(response: Response) {
    let body = response.expect_problem(400, "oauth");
    assert_eq!(body["error"], "invalid_grant");
}

/// Asserts a 429 problem and returns its `Retry-After`.
#[track_caller]
fn throttled(response: Response) -> u64 {
    let retry_after: u64 = response
        .header("retry-after")
        .expect("Retry-After on a 429")
        .parse()
        .expect("Retry-After in seconds");
    response.expect_problem(429, "too-many-requests");
    assert!((1..=WINDOW_SECS).contains(&retry_after), "{retry_after}");
    retry_after
}

fn wait(retry_after: u64) {
    std::thread::sleep(Duration::from_secs(retry_after) + Duration::from_millis(300));
}

fn known_and_unknown_names_are_throttled_alike(backend: Backend) {
    let app = TestApp::with(TestDb::new(backend), limited(3, 100));
    let acme = app.provision("acme");
    let platform = "localhost";
    let cases = [
        (platform, OPERATOR_EMAIL, OPERATOR_PASSWORD),
        (platform, "nobody@platform.test", "no-such-password"),
        (acme.domain.as_str(), "admin", ADMIN_PASSWORD),
        (acme.domain.as_str(), "ghost", "no-such-password"),
    ];
    let mut retry_after = 0;
    for (host, name, password) in cases {
        for _ in 0..3 {
            refused(log_in(&app, host, name, "wrong password!"));
        }
        // Past the limit: refused before the password is checked, the
        // right one included, and the name is matched as normalized.
        retry_after = retry_after.max(throttled(log_in(&app, host, name, password)));
        let shouted = format!("  {}  ", name.to_uppercase());
        throttled(log_in(&app, host, &shouted, password));
    }
    // Other names are not held back.
    refused(log_in(
        &app,
        platform,
        "someone@platform.test",
        "wrong password!",
    ));
    refused(log_in(&app, &acme.domain, "someone", "wrong password!"));

    // Once the window has passed, the right password works again...
    wait(retry_after);
    log_in(&app, platform, OPERATOR_EMAIL, OPERATOR_PASSWORD).expect(200);
    log_in(&app, &acme.domain, "admin", ADMIN_PASSWORD).expect(200);

    // ...and a success wipes the name's slate: two failures before it and
    // three after it would be five in one window.
    for _ in 0..2 {
        refused(log_in(&app, &acme.domain, "admin", "wrong password!"));
    }
    log_in(&app, &acme.domain, "admin", ADMIN_PASSWORD).expect(200);
    for _ in 0..3 {
        refused(log_in(&app, &acme.domain, "admin", "wrong password!"));
    }
    throttled(log_in(&app, &acme.domain, "admin", ADMIN_PASSWORD));
}

fn each_client_address_has_a_limit_of_its_own(backend: Backend) {
    // Without trusted proxies X-Forwarded-For is the client's to write and
    // changes nothing: every guess below comes from 127.0.0.1.
    let app = TestApp::with(TestDb::new(backend), limited(100, 3));
    for n in 0..3 {
        let forged = format!("203.0.113.{n}");
        refused(
            app.platform("POST", "/api/v1/auth/token")
                .header("X-Forwarded-For", &forged)
                .json(&json!({"grant_type": "password",
                    "username": format!("guess{n}@platform.test"), "password": "wrong password!"})),
        );
    }
    throttled(log_in(&app, "localhost", OPERATOR_EMAIL, OPERATOR_PASSWORD));

    // Behind a trusted proxy the nearest untrusted hop is the client.
    let options = TestOptions {
        trusted_proxies: vec!["127.0.0.1/32".into()],
        ..limited(100, 3)
    };
    let proxied = TestApp::with(TestDb::new(backend), options);
    let from = |client: &str, name: &str, password: &str| {
        proxied
            .platform("POST", "/api/v1/auth/token")
            .header("X-Forwarded-For", &format!("6.6.6.6, {client}"))
            .json(&json!({"grant_type": "password", "username": name, "password": password}))
    };
    for n in 0..3 {
        refused(from(
            "203.0.113.7",
            &format!("guess{n}@platform.test"),
            "wrong password!",
        ));
    }
    throttled(from("203.0.113.7", OPERATOR_EMAIL, OPERATOR_PASSWORD));
    from("203.0.113.8", OPERATOR_EMAIL, OPERATOR_PASSWORD).expect(200);
}

fn registration_is_throttled_too(backend: Backend) {
    let app = TestApp::with(TestDb::new(backend), limited(2, 100));
    let acme = app.provision("acme");
    let register = |email: &str, username: &str| {
        app.req("POST", &acme.domain, "/api/v1/auth/register")
            .json(&json!({"email": email, "username": username, "password": "a long password"}))
    };
    // Probing whether an email is taken: twice, then no more.
    register("admin@acme.test", "probe1").expect_problem(409, "conflict");
    register("admin@acme.test", "probe2").expect_problem(409, "conflict");
    throttled(register("Admin@ACME.test", "probe3"));
    // A name nobody has is limited the same way.
    register("new@acme.test", "admin").expect_problem(409, "conflict");
    register("other@acme.test", "admin").expect_problem(409, "conflict");
    throttled(register("third@acme.test", "admin"));
    // Fresh names still register.
    register("ada@acme.test", "ada").expect(201);
}

backend_tests!(
    known_and_unknown_names_are_throttled_alike,
    each_client_address_has_a_limit_of_its_own,
    registration_is_throttled_too,
);

/// Two servers on one PostgreSQL count the same failures.
fn replicas_share_the_counters() {
    let app = TestApp::with(TestDb::new(Backend::Postgres), limited(3, 100));
    let replica = app.replica();
    refused(log_in(&app, "localhost", OPERATOR_EMAIL, "wrong password!"));
    refused(log_in(
        &replica,
        "localhost",
        OPERATOR_EMAIL,
        "wrong password!",
    ));
    refused(log_in(&app, "localhost", OPERATOR_EMAIL, "wrong password!"));
    let retry_after = throttled(log_in(
        &replica,
        "localhost",
        OPERATOR_EMAIL,
        OPERATOR_PASSWORD,
    ));
    throttled(log_in(&app, "localhost", OPERATOR_EMAIL, OPERATOR_PASSWORD));
    wait(retry_after);
    log_in(&replica, "localhost", OPERATOR_EMAIL, OPERATOR_PASSWORD).expect(200);
}

postgres_tests!(replicas_share_the_counters);
