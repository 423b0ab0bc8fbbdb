//! Password reset by mail and email verification: the mail is read from
//! the test server's folder of `.eml` files, as a person would read it.

use std::time::{Duration, Instant};

use atrium_tests::{backend_tests, postgres_tests, Backend, Provisioned, TestApp, TestOptions};
use serde_json::json;

const RESET: &str = "/api/v1/auth/password-reset";
const CONFIRM: &str = "/api/v1/auth/password-reset/confirm";
const VERIFY: &str = "/api/v1/auth/verify-email";
const NEW_PASSWORD: &str = "a brand new passphrase";

fn configure(app: &TestApp, tenant: &Provisioned, values: serde_json::Value) {
    tenant
        .admin(
            app,
            "PUT",
            &format!("/api/v1/sites/{}/configuration", tenant.site_id),
        )
        .json(&json!({"values": values, "enabled": true}))
        .expect(200);
}

fn token_request(
    app: &TestApp,
    host: &str,
    username: &str,
    password: &str,
) -> atrium_tests::Response {
    app.req("POST", host, "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": username, "password": password}))
}

/// Waits (bounded) until `sql` counts `expected`.
fn wait_for_count(app: &TestApp, sql: &str, expected: i64) {
    let start = Instant::now();
    loop {
        let n = app.db.count_as_owner(sql);
        if n == expected {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{sql}: {n}, expected {expected}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn a_password_reset_is_completed_from_the_mail(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    configure(
        &app,
        &acme,
        json!({"PLATFORM_NAME": "Acme Learning", "contact_email": "help@acme.test",
               "email_from_address": "learn@acme.test"}),
    );
    // A live login of the account, which the reset must end.
    let before_reset = token_request(&app, &acme.domain, "admin", "admin-password")
        .expect(200)
        .json()["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();

    let accepted = app
        .req("POST", &acme.domain, RESET)
        .json(&json!({"email": " Admin@ACME.test "}))
        .expect(202);
    let mail = app.mail().wait_for("admin@acme.test");
    assert!(
        mail.header("From").unwrap().contains("Acme Learning")
            && mail.header("From").unwrap().contains("<learn@acme.test>"),
        "{mail:?}"
    );
    assert!(mail.header("Subject").unwrap().contains("Acme Learning"));
    assert!(mail.body.contains("help@acme.test"), "{}", mail.body);
    let link = mail.link();
    assert!(
        link.starts_with("https://acme.test.localhost/reset-password?token="),
        "{link}"
    );
    let token = mail.token();
    // Stored only as its hash.
    assert_eq!(
        app.db.count_as_owner(&format!(
            "SELECT COUNT(*) AS n FROM account_tokens WHERE token_hash = '{token}'"
        )),
        0
    );
    // Delivered mail leaves the spool.
    wait_for_count(&app, "SELECT COUNT(*) AS n FROM mail_outbox", 0);

    app.req("POST", &acme.domain, CONFIRM)
        .json(&json!({"token": token, "password": NEW_PASSWORD}))
        .expect(204);
    app.login(&acme.domain, "admin", NEW_PASSWORD);
    let old =
        token_request(&app, &acme.domain, "admin", "admin-password").expect_problem(400, "oauth");
    assert_eq!(old["error"], "invalid_grant");
    let refreshed = app
        .req("POST", &acme.domain, "/api/v1/auth/token")
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &before_reset),
        ])
        .expect_problem(400, "oauth");
    assert_eq!(
        refreshed["error"], "invalid_grant",
        "the login from before the reset is over"
    );
    // Used once, never again.
    let fields = app
        .req("POST", &acme.domain, CONFIRM)
        .json(&json!({"token": token, "password": "yet another passphrase"}))
        .field_errors();
    assert_eq!(fields, ["token"]);
    app.login(&acme.domain, "admin", NEW_PASSWORD);
    assert!(accepted.json()["detail"].is_string());
}

fn unknown_and_inactive_emails_get_the_same_answer_and_no_mail(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    app.req("POST", &acme.domain, "/api/v1/auth/register")
        .json(
            &json!({"email": "gone@acme.test", "username": "gone", "password": "learner-password"}),
        )
        .expect(201);
    app.db
        .execute_as_owner("UPDATE users SET is_active = FALSE WHERE email = 'gone@acme.test'");

    let unknown = app
        .req("POST", &acme.domain, RESET)
        .json(&json!({"email": "nobody@acme.test"}))
        .expect(202);
    let inactive = app
        .req("POST", &acme.domain, RESET)
        .json(&json!({"email": "gone@acme.test"}))
        .expect(202);
    let known = app
        .req("POST", &acme.domain, RESET)
        .json(&json!({"email": "admin@acme.test"}))
        .expect(202);
    assert_eq!(unknown.text, known.text);
    assert_eq!(inactive.text, known.text);
    assert_eq!(unknown.content_type, known.content_type);

    app.mail().wait_for("admin@acme.test");
    wait_for_count(&app, "SELECT COUNT(*) AS n FROM mail_outbox", 0);
    assert_eq!(app.mail().all().len(), 1, "only the known account got mail");
    assert_eq!(
        app.db
            .count_as_owner("SELECT COUNT(*) AS n FROM account_tokens"),
        1
    );

    // Asking again at once sends nothing more (the first link still works).
    app.req("POST", &acme.domain, RESET)
        .json(&json!({"email": "admin@acme.test"}))
        .expect(202);
    assert_eq!(
        app.db
            .count_as_owner("SELECT COUNT(*) AS n FROM account_tokens"),
        1
    );

    // Not an email at all: a field error. The platform host has no such
    // endpoint.
    let fields = app
        .req("POST", &acme.domain, RESET)
        .json(&json!({"email": "nope"}))
        .field_errors();
    assert_eq!(fields, ["email"]);
    app.platform("POST", RESET)
        .json(&json!({"email": "ops@platform.test"}))
        .expect_problem(404, "not-found");
    app.platform("POST", CONFIRM)
        .json(&json!({"token": "x", "password": NEW_PASSWORD}))
        .expect_problem(404, "not-found");
}

fn reset_tokens_expire_and_belong_to_their_tenant(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    app.req("POST", &acme.domain, RESET)
        .json(&json!({"email": "admin@acme.test"}))
        .expect(202);
    let token = app.mail().wait_for("admin@acme.test").token();

    // On another tenant's host the token is unknown; nothing changes there.
    let fields = app
        .req("POST", &globex.domain, CONFIRM)
        .json(&json!({"token": token, "password": NEW_PASSWORD}))
        .field_errors();
    assert_eq!(fields, ["token"]);
    app.login(&globex.domain, "admin", "admin-password");

    // A weak password is refused and does not spend the token.
    let fields = app
        .req("POST", &acme.domain, CONFIRM)
        .json(&json!({"token": token, "password": "short"}))
        .field_errors();
    assert_eq!(fields, ["password"]);

    // Expired: refused, and the password is unchanged.
    app.db.execute_as_owner(
        "UPDATE account_tokens SET expires_at = '2000-01-01 00:00:00', created_at = '2000-01-01 00:00:00'",
    );
    let fields = app
        .req("POST", &acme.domain, CONFIRM)
        .json(&json!({"token": token, "password": NEW_PASSWORD}))
        .field_errors();
    assert_eq!(fields, ["token"]);
    app.login(&acme.domain, "admin", "admin-password");

    // A new link works.
    app.req("POST", &acme.domain, RESET)
        .json(&json!({"email": "admin@acme.test"}))
        .expect(202);
    let mails = app.mail().wait_for_count("admin@acme.test", 2);
    let fresh = mails
        .iter()
        .map(|m| m.token())
        .find(|t| *t != token)
        .expect("a second token");
    app.req("POST", &acme.domain, CONFIRM)
        .json(&json!({"token": fresh, "password": NEW_PASSWORD}))
        .expect(204);
    app.login(&acme.domain, "admin", NEW_PASSWORD);
    app.login(&globex.domain, "admin", "admin-password");
}

fn registration_can_require_email_verification(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    configure(
        &app,
        &acme,
        json!({"REQUIRE_EMAIL_VERIFICATION": true, "PLATFORM_NAME": "Acme Learning"}),
    );
    let learner =
        json!({"email": "ada@example.org", "username": "ada", "password": "learner-password"});
    let created = app
        .req("POST", &acme.domain, "/api/v1/auth/register")
        .json(&learner)
        .expect(201)
        .json();
    assert_eq!(created["email_verified"], false);

    // The right password is told the account waits; a wrong one learns
    // nothing more than usual.
    let refused =
        token_request(&app, &acme.domain, "ada", "learner-password").expect_problem(400, "oauth");
    assert!(
        refused["detail"].as_str().unwrap().contains("not verified"),
        "{refused}"
    );
    let wrong =
        token_request(&app, &acme.domain, "ada", "wrong-password!").expect_problem(400, "oauth");
    assert!(!wrong["detail"].as_str().unwrap().contains("verified"));

    let mail = app.mail().wait_for("ada@example.org");
    assert!(mail.header("Subject").unwrap().contains("Acme Learning"));
    assert!(
        mail.link()
            .starts_with("https://acme.test.localhost/verify-email?token="),
        "{}",
        mail.link()
    );
    let token = mail.token();
    let fields = app
        .req("POST", &globex.domain, VERIFY)
        .json(&json!({"token": token}))
        .field_errors();
    assert_eq!(fields, ["token"]);
    app.req("POST", &acme.domain, VERIFY)
        .json(&json!({"token": token}))
        .expect(204);
    app.login(&acme.domain, "ada", "learner-password");
    let fields = app
        .req("POST", &acme.domain, VERIFY)
        .json(&json!({"token": token}))
        .field_errors();
    assert_eq!(fields, ["token"]);

    // Without the key, registration is verified at once.
    let open = app
        .req("POST", &globex.domain, "/api/v1/auth/register")
        .json(&learner)
        .expect(201)
        .json();
    assert_eq!(open["email_verified"], true);
    app.login(&globex.domain, "ada", "learner-password");

    // An account without a password (as an admin may create one) and
    // never verified gets in through a reset, which verifies it too.
    app.req("POST", &acme.domain, "/api/v1/auth/register")
        .json(
            &json!({"email": "bob@example.org", "username": "bob", "password": "learner-password"}),
        )
        .expect(201);
    app.db
        .execute_as_owner("UPDATE users SET password_hash = '' WHERE username = 'bob'");
    token_request(&app, &acme.domain, "bob", "learner-password").expect_problem(400, "oauth");
    app.req("POST", &acme.domain, RESET)
        .json(&json!({"email": "bob@example.org"}))
        .expect(202);
    let reset = app
        .mail()
        .wait_for_count("bob@example.org", 2)
        .into_iter()
        .find(|m| m.link().contains("/reset-password?"))
        .expect("the reset mail");
    app.req("POST", &acme.domain, CONFIRM)
        .json(&json!({"token": reset.token(), "password": NEW_PASSWORD}))
        .expect(204);
    app.login(&acme.domain, "bob", NEW_PASSWORD);
}

fn a_failed_delivery_is_kept_and_retried_later(backend: Backend) {
    let db = atrium_tests::TestDb::new(backend);
    let app = TestApp::with(
        db,
        TestOptions {
            // Nothing listens on port 1: every send fails.
            mail_transport: Some("smtp://127.0.0.1:1".into()),
            ..TestOptions::default()
        },
    );
    let acme = app.provision("acme");
    app.req("POST", &acme.domain, RESET)
        .json(&json!({"email": "admin@acme.test"}))
        .expect(202);
    wait_for_count(
        &app,
        "SELECT COUNT(*) AS n FROM mail_outbox WHERE attempts = 1 AND last_error IS NOT NULL",
        1,
    );
    // Due again later, not at once.
    assert_eq!(
        app.db.count_as_owner(
            "SELECT COUNT(*) AS n FROM mail_outbox WHERE next_attempt_at > created_at"
        ),
        1
    );
}

/// Two replicas draining one spool send each mail once.
fn replicas_send_each_mail_once() {
    let app = TestApp::start(Backend::Postgres);
    let replica = app.replica();
    let acme = app.provision("acme");
    configure(&app, &acme, json!({"REQUIRE_EMAIL_VERIFICATION": true}));
    for i in 0..8 {
        let server = if i % 2 == 0 { &app } else { &replica };
        server
            .req("POST", &acme.domain, "/api/v1/auth/register")
            .json(
                &json!({"email": format!("l{i}@example.org"), "username": format!("l{i}"),
                          "password": "learner-password"}),
            )
            .expect(201);
    }
    wait_for_count(&app, "SELECT COUNT(*) AS n FROM mail_outbox", 0);
    // Give a duplicate, if any, the time to land.
    std::thread::sleep(Duration::from_millis(500));
    let mails = app.mail().all();
    assert_eq!(mails.len(), 8);
    for i in 0..8 {
        assert_eq!(app.mail().to(&format!("l{i}@example.org")).len(), 1);
    }
}

backend_tests!(
    a_password_reset_is_completed_from_the_mail,
    unknown_and_inactive_emails_get_the_same_answer_and_no_mail,
    reset_tokens_expire_and_belong_to_their_tenant,
    registration_can_require_email_verification,
    a_failed_delivery_is_kept_and_retried_later,
);

postgres_tests!(replicas_send_each_mail_once);
