//! Access ends on the next request, on every server: disabled operators,
//! deactivated or deleted accounts, removed roles and deleted API clients.

use std::time::{Duration, Instant};

use atrium_core::{TenantId, UserId};
use atrium_db::access::{announce, AccessChange};
use atrium_db::{Access, DbError};
use atrium_tests::{backend_tests, postgres_tests, Backend, Provisioned, TestApp};
use serde_json::json;

const SECOND_EMAIL: &str = "second@platform.test";
const SECOND_PASSWORD: &str = "second-operator-password";

fn block_on<T>(work: impl std::future::Future<Output = T>) -> T {
    actix_web::rt::System::new().block_on(work)
}

/// A second operator and its token.
fn second_operator(app: &TestApp) -> (i64, String) {
    let id = block_on(
        app.identity()
            .create_operator(SECOND_EMAIL, SECOND_PASSWORD),
    )
    .expect("create operator");
    (id.0, app.login("localhost", SECOND_EMAIL, SECOND_PASSWORD))
}

fn operators_status(app: &TestApp, token: &str) -> u16 {
    app.platform("GET", "/api/v1/operators")
        .bearer(token)
        .send()
        .status
}

/// How long `server` keeps answering something else than `status` to
/// `request`. The other server hears of a change by a notification it
/// polls for every 10 ms, so this waits a little, and fails past 1 s:
/// the point is that there is no 30-second window.
fn refused_within(what: &str, status: u16, request: impl Fn() -> u16) -> Duration {
    let started = Instant::now();
    loop {
        let got = request();
        if got == status {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{what}: still {got} after 1 s"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn a_disabled_operator_is_refused_at_once_on_every_server() {
    let first = TestApp::start(Backend::Postgres);
    let second = first.replica();
    let (id, token) = second_operator(&first);
    // Both servers know (and cache) the operator as active.
    assert_eq!(operators_status(&first, &token), 200);
    assert_eq!(operators_status(&second, &token), 200);

    let disabled = first
        .platform("PATCH", &format!("/api/v1/operators/{id}"))
        .bearer(&first.operator_token())
        .json(&json!({"is_active": false}))
        .expect(200)
        .json();
    assert_eq!(disabled["is_active"], false);
    assert_eq!(disabled["email"], SECOND_EMAIL);
    assert_eq!(operators_status(&first, &token), 401);
    let waited = refused_within("the other server", 401, || {
        operators_status(&second, &token)
    });
    eprintln!("the other server refused the token after {waited:?}");
    for _ in 0..5 {
        assert_eq!(operators_status(&second, &token), 401);
    }
    // Nor can it log in again, on either server.
    for server in [&first, &second] {
        server
            .platform("POST", "/api/v1/auth/token")
            .json(&json!({"grant_type": "password", "username": SECOND_EMAIL, "password": SECOND_PASSWORD}))
            .expect_problem(400, "oauth");
    }

    // Enabled again through the other server: its token works again there
    // and here.
    second
        .platform("PATCH", &format!("/api/v1/operators/{id}"))
        .bearer(&second.operator_token())
        .json(&json!({"is_active": true}))
        .expect(200);
    assert_eq!(operators_status(&second, &token), 200);
    refused_within("re-enabled on the first server", 200, || {
        operators_status(&first, &token)
    });

    // Deleted through the first: refused on the second.
    first
        .platform("DELETE", &format!("/api/v1/operators/{id}"))
        .bearer(&first.operator_token())
        .send()
        .expect(204);
    refused_within("deleted, on the other server", 401, || {
        operators_status(&second, &token)
    });
}

/// Removes `acme`'s admin's grants (or deactivates the account) behind the
/// service's back, then announces it from a write transaction as domain
/// code does.
fn change_admin_and_announce(app: &TestApp, acme: &Provisioned, sql: &str) {
    app.db.execute_as_owner(sql);
    let (tenant, user) = (TenantId(acme.tenant_id), UserId(acme.admin_id));
    let slug = acme.slug.clone();
    block_on(app.state.db.platform(Access::Write, move |tx| {
        let row = atrium_db::tenants::find_by_slug(tx, &slug)?;
        let mut tenant_tx = tx.enter_tenant(&row)?;
        announce(&mut tenant_tx, &AccessChange::User { tenant, user })
    }))
    .expect("announce");
}

fn sites_status(app: &TestApp, acme: &Provisioned) -> u16 {
    acme.admin(app, "GET", "/api/v1/sites").send().status
}

fn a_tenant_admin_loses_access_on_the_other_server_at_once() {
    let first = TestApp::start(Backend::Postgres);
    let second = first.replica();
    let acme = first.provision("acme");
    assert_eq!(sites_status(&second, &acme), 200);
    assert_eq!(sites_status(&first, &acme), 200);

    // A role removed: still signed in, no longer an admin.
    change_admin_and_announce(
        &first,
        &acme,
        &format!(
            "DELETE FROM role_assignments WHERE tenant_id = {} AND user_id = {}",
            acme.tenant_id, acme.admin_id
        ),
    );
    assert_eq!(sites_status(&first, &acme), 403);
    refused_within("the role, on the other server", 403, || {
        sites_status(&second, &acme)
    });

    // The account deactivated: the token is refused.
    change_admin_and_announce(
        &first,
        &acme,
        &format!(
            "UPDATE users SET is_active = FALSE WHERE tenant_id = {} AND id = {}",
            acme.tenant_id, acme.admin_id
        ),
    );
    assert_eq!(sites_status(&first, &acme), 401);
    refused_within("the account, on the other server", 401, || {
        sites_status(&second, &acme)
    });
}

/// A learner made by the admin through the API, and its token.
fn learner(app: &TestApp, acme: &Provisioned) -> (i64, String) {
    let created = acme
        .admin(app, "POST", "/api/v1/users")
        .json(&json!({"email": "lea@acme.test", "username": "lea",
                      "password": "lea's own passphrase"}))
        .expect(201)
        .json();
    let token = app.login(&acme.domain, "lea", "lea's own passphrase");
    (created["id"].as_i64().expect("an id"), token)
}

fn me_status(app: &TestApp, acme: &Provisioned, token: &str) -> u16 {
    app.req("GET", &acme.domain, "/api/v1/me")
        .bearer(token)
        .send()
        .status
}

/// The API paths, end to end: an admin deactivates an account, reactivates
/// it and deletes it on one server; the other server follows on the next
/// request (within the listener's poll, bounded at 1 s here).
fn deactivating_an_account_cuts_its_access_on_the_other_server() {
    let first = TestApp::start(Backend::Postgres);
    let second = first.replica();
    let acme = first.provision("acme");
    let (id, token) = learner(&first, &acme);
    // Both servers know (and cache) the account as active.
    assert_eq!(me_status(&first, &acme, &token), 200);
    assert_eq!(me_status(&second, &acme, &token), 200);

    acme.admin(&first, "PATCH", &format!("/api/v1/users/{id}"))
        .json(&json!({"is_active": false}))
        .expect(200);
    assert_eq!(me_status(&first, &acme, &token), 401);
    let waited = refused_within("deactivated, on the other server", 401, || {
        me_status(&second, &acme, &token)
    });
    eprintln!("the other server refused the account after {waited:?}");

    acme.admin(&second, "PATCH", &format!("/api/v1/users/{id}"))
        .json(&json!({"is_active": true}))
        .expect(200);
    assert_eq!(me_status(&second, &acme, &token), 200);
    refused_within("reactivated, on the first server", 200, || {
        me_status(&first, &acme, &token)
    });

    acme.admin(&first, "DELETE", &format!("/api/v1/users/{id}"))
        .send()
        .expect(204);
    refused_within("deleted, on the other server", 401, || {
        me_status(&second, &acme, &token)
    });
}

/// A deleted API client's token is refused on the next request of every
/// server.
fn a_deleted_api_client_is_refused_on_the_other_server() {
    let first = TestApp::start(Backend::Postgres);
    let second = first.replica();
    let acme = first.provision("acme");
    let client = acme
        .admin(&first, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "Course sync", "scopes": ["sites:read"]}))
        .expect(201)
        .json();
    let token = first
        .req("POST", &acme.domain, "/api/v1/auth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            (
                "client_id",
                client["client_id"].as_str().expect("client_id"),
            ),
            (
                "client_secret",
                client["client_secret"].as_str().expect("secret"),
            ),
        ])
        .expect(200)
        .json()["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let sites = |server: &TestApp| {
        server
            .req("GET", &acme.domain, "/api/v1/sites")
            .bearer(&token)
            .send()
            .status
    };
    assert_eq!(sites(&first), 200);
    assert_eq!(sites(&second), 200);
    acme.admin(
        &first,
        "DELETE",
        &format!("/api/v1/api-clients/{}", client["id"]),
    )
    .send()
    .expect(204);
    assert_eq!(sites(&first), 401);
    refused_within("the deleted client, on the other server", 401, || {
        sites(&second)
    });
}

fn an_announced_change_takes_effect_on_the_next_request_of_the_same_server(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let other = app.provision("other");
    assert_eq!(sites_status(&app, &acme), 200);
    assert_eq!(sites_status(&app, &other), 200);
    change_admin_and_announce(
        &app,
        &acme,
        &format!(
            "UPDATE users SET is_active = FALSE WHERE tenant_id = {} AND id = {}",
            acme.tenant_id, acme.admin_id
        ),
    );
    // No waiting: this server forgot before the write returned.
    assert_eq!(sites_status(&app, &acme), 401);
    assert_eq!(sites_status(&app, &other), 200);
}

fn a_change_of_another_tenant_cannot_be_announced_from_this_one(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let slug = acme.slug.clone();
    let refused = block_on(app.state.db.platform(Access::Write, move |tx| {
        let row = atrium_db::tenants::find_by_slug(tx, &slug)?;
        let mut tenant_tx = tx.enter_tenant(&row)?;
        let change = AccessChange::User {
            tenant: TenantId(row.id().0 + 1),
            user: UserId(1),
        };
        announce(&mut tenant_tx, &change)
    }));
    assert!(matches!(refused, Err(DbError::Config(_))), "{refused:?}");
}

fn operators_are_listed_and_the_last_active_one_stays(backend: Backend) {
    let app = TestApp::start(backend);
    let ops = app.operator_token();
    let me = app
        .platform("GET", "/api/v1/operators")
        .bearer(&ops)
        .send()
        .expect(200)
        .json();
    let my_id = me["items"][0]["id"].as_i64().expect("id");
    assert_eq!(me["items"].as_array().map(Vec::len), Some(1));
    assert!(me["items"][0].get("password_hash").is_none());
    // Alone: neither disabled nor deleted, even by itself.
    app.platform("PATCH", &format!("/api/v1/operators/{my_id}"))
        .bearer(&ops)
        .json(&json!({"is_active": false}))
        .expect_problem(409, "conflict");
    app.platform("DELETE", &format!("/api/v1/operators/{my_id}"))
        .bearer(&ops)
        .send()
        .expect_problem(409, "conflict");

    let (second, second_token) = second_operator(&app);
    let page = app
        .platform("GET", "/api/v1/operators")
        .query("limit", "1")
        .bearer(&ops)
        .send()
        .expect(200)
        .json();
    assert_eq!(page["items"][0]["id"], my_id);
    let cursor = page["next_cursor"].as_str().expect("a next page");
    let next = app
        .platform("GET", "/api/v1/operators")
        .query("limit", "1")
        .query("cursor", cursor)
        .bearer(&ops)
        .send()
        .expect(200)
        .json();
    assert_eq!(next["items"][0]["id"], second);
    assert_eq!(next["next_cursor"], json!(null));

    // With two, one may go; then the other is the last again.
    app.platform("PATCH", &format!("/api/v1/operators/{second}"))
        .bearer(&ops)
        .json(&json!({"is_active": false}))
        .expect(200);
    assert_eq!(operators_status(&app, &second_token), 401);
    app.platform("PATCH", &format!("/api/v1/operators/{my_id}"))
        .bearer(&ops)
        .json(&json!({"is_active": false}))
        .expect_problem(409, "conflict");
    // A disabled operator can be deleted even so.
    app.platform("DELETE", &format!("/api/v1/operators/{second}"))
        .bearer(&ops)
        .send()
        .expect(204);
    app.platform("DELETE", &format!("/api/v1/operators/{second}"))
        .bearer(&ops)
        .send()
        .expect_problem(404, "not-found");
    app.platform("PATCH", "/api/v1/operators/999999")
        .bearer(&ops)
        .json(&json!({"is_active": true}))
        .expect_problem(404, "not-found");
    app.platform("PATCH", &format!("/api/v1/operators/{my_id}"))
        .bearer(&ops)
        .json(&json!({"is_active": "no"}))
        .expect(400);

    // Operators only, platform host only.
    let acme = app.provision("acme");
    app.platform("GET", "/api/v1/operators")
        .send()
        .expect_problem(401, "unauthenticated");
    app.platform("GET", "/api/v1/operators")
        .bearer(&acme.admin_token)
        .send()
        .expect(401);
    acme.admin(&app, "GET", "/api/v1/operators")
        .send()
        .expect(404);
}

postgres_tests!(
    a_disabled_operator_is_refused_at_once_on_every_server,
    a_tenant_admin_loses_access_on_the_other_server_at_once,
    deactivating_an_account_cuts_its_access_on_the_other_server,
    a_deleted_api_client_is_refused_on_the_other_server,
);

/// Disabling an operator ends its logins: enabled again, it must sign in
/// anew, its old refresh token is worth nothing.
fn a_disabled_operators_logins_do_not_come_back(backend: Backend) {
    let app = TestApp::start(backend);
    let (id, _) = second_operator(&app);
    let refresh = app
        .platform("POST", "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": SECOND_EMAIL, "password": SECOND_PASSWORD}))
        .expect(200)
        .json()["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    for active in [false, true] {
        app.platform("PATCH", &format!("/api/v1/operators/{id}"))
            .bearer(&app.operator_token())
            .json(&json!({"is_active": active}))
            .expect(200);
    }
    let refused = app
        .platform("POST", "/api/v1/auth/token")
        .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .expect_problem(400, "oauth");
    assert_eq!(refused["error"], "invalid_grant");
    app.login("localhost", SECOND_EMAIL, SECOND_PASSWORD);
}

backend_tests!(
    a_disabled_operators_logins_do_not_come_back,
    an_announced_change_takes_effect_on_the_next_request_of_the_same_server,
    a_change_of_another_tenant_cannot_be_announced_from_this_one,
    operators_are_listed_and_the_last_active_one_stays,
);
