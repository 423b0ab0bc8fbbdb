//! The audit log (`/api/v1/audit-events`, GraphQL `auditEvents`): one entry
//! per write, with its actor, target, before/after and request id; filters
//! and paging; tenant admins only; no tenant sees another's entries; the
//! platform's log of operators' actions on the platform host.
//!
//! The writes are a table ([`TENANT_WRITES`], [`PLATFORM_WRITES`]): a row
//! sends one request and names the entry it must leave. A new write
//! endpoint gets a row.

use std::cell::RefCell;
use std::collections::HashMap;

use atrium_tests::{backend_tests, Backend, Provisioned, TestApp, OPERATOR_PASSWORD};
use serde_json::{json, Value};

const EVENTS: &str = "/api/v1/audit-events";
const LEARNER_EMAIL: &str = "ada@example.org";
const LEARNER_PASSWORD: &str = "learner-password";
const LEARNER_NEW_PASSWORD: &str = "learner-second-password";
const RESET_PASSWORD: &str = "learner-third-password";

/// Who a row's entry must name.
#[derive(Clone, Copy)]
enum Actor {
    Admin,
    Operator,
    Anonymous,
    /// The account a row saved under `"user"`, acting on itself.
    SavedUser,
    /// The command line (`atrium operator …`).
    Cli,
}

/// One write and the entry it must leave.
struct Write {
    name: &'static str,
    /// Sends the request with `x-request-id: request_id` and answers the
    /// id the entry must name as its target.
    send: fn(&Fixture, &str) -> String,
    action: &'static str,
    target_type: &'static str,
    actor: Actor,
    /// Whether the entry has a `before` and an `after`.
    before: bool,
    after: bool,
}

/// The world the rows act in: one tenant, and ids saved by earlier rows.
struct Fixture {
    app: TestApp,
    tenant: Provisioned,
    saved: RefCell<HashMap<&'static str, String>>,
}

impl Fixture {
    fn save(&self, key: &'static str, value: impl ToString) -> String {
        let value = value.to_string();
        self.saved.borrow_mut().insert(key, value.clone());
        value
    }

    fn saved(&self, key: &str) -> String {
        self.saved
            .borrow()
            .get(key)
            .cloned()
            .unwrap_or_else(|| panic!("no {key} saved by an earlier row"))
    }

    fn admin(&self, method: &str, path: &str, request_id: &str) -> atrium_tests::Request {
        self.tenant
            .admin(&self.app, method, path)
            .header("x-request-id", request_id)
    }

    fn anonymous(&self, method: &str, path: &str, request_id: &str) -> atrium_tests::Request {
        self.app
            .req(method, &self.tenant.domain, path)
            .header("x-request-id", request_id)
    }

    fn operator(&self, method: &str, path: &str, request_id: &str) -> atrium_tests::Request {
        self.app
            .platform(method, path)
            .bearer(&self.app.operator_token())
            .header("x-request-id", request_id)
    }

    fn id_of(response: atrium_tests::Response) -> String {
        response.json()["id"].as_i64().expect("id").to_string()
    }
}

const TENANT_WRITES: &[Write] = &[
    Write {
        name: "create a site",
        send: |f, rid| {
            let site = f
                .admin("POST", "/api/v1/sites", rid)
                .json(&json!({"domain": "two.acme.test.localhost", "name": "Two"}))
                .expect(201);
            f.save("site", Fixture::id_of(site))
        },
        action: "site.create",
        target_type: "site",
        actor: Actor::Admin,
        before: false,
        after: true,
    },
    Write {
        name: "rename a site",
        send: |f, rid| {
            let id = f.saved("site");
            f.admin("PATCH", &format!("/api/v1/sites/{id}"), rid)
                .json(&json!({"name": "Second"}))
                .expect(200);
            id
        },
        action: "site.update",
        target_type: "site",
        actor: Actor::Admin,
        before: true,
        after: true,
    },
    Write {
        name: "configure a site (verification on, for the rows below)",
        send: |f, rid| {
            let id = f.tenant.site_id.to_string();
            f.admin("PUT", &format!("/api/v1/sites/{id}/configuration"), rid)
                .json(&json!({"values": {"REQUIRE_EMAIL_VERIFICATION": true}, "enabled": true}))
                .expect(200);
            id
        },
        action: "site.configuration.update",
        target_type: "site",
        actor: Actor::Admin,
        before: false,
        after: true,
    },
    Write {
        name: "theme a site",
        send: |f, rid| {
            let id = f.tenant.site_id.to_string();
            f.admin("PUT", &format!("/api/v1/sites/{id}/theme"), rid)
                .json(&json!({"name": "indigo", "branding": {"primary_color": "#123456"}}))
                .expect(200);
            id
        },
        action: "site.theme.update",
        target_type: "site",
        actor: Actor::Admin,
        before: false,
        after: true,
    },
    Write {
        name: "delete a site",
        send: |f, rid| {
            let id = f.saved("site");
            f.admin("DELETE", &format!("/api/v1/sites/{id}"), rid)
                .send()
                .expect(204);
            id
        },
        action: "site.delete",
        target_type: "site",
        actor: Actor::Admin,
        before: true,
        after: false,
    },
    Write {
        name: "create an account",
        send: |f, rid| {
            let user = f
                .admin("POST", "/api/v1/users", rid)
                .json(&json!({"email": "grace@example.org", "username": "grace",
                              "password": "grace-password-1"}))
                .expect(201);
            f.save("admin_made", Fixture::id_of(user))
        },
        action: "user.create",
        target_type: "user",
        actor: Actor::Admin,
        before: false,
        after: true,
    },
    Write {
        name: "change an account",
        send: |f, rid| {
            let id = f.saved("admin_made");
            f.admin("PATCH", &format!("/api/v1/users/{id}"), rid)
                .json(&json!({"name": "Grace Hopper", "is_active": false}))
                .expect(200);
            id
        },
        action: "user.update",
        target_type: "user",
        actor: Actor::Admin,
        before: true,
        after: true,
    },
    Write {
        name: "register",
        send: |f, rid| {
            let user = f
                .anonymous("POST", "/api/v1/auth/register", rid)
                .json(&json!({"email": LEARNER_EMAIL, "username": "ada",
                              "password": LEARNER_PASSWORD}))
                .expect(201);
            f.save("user", Fixture::id_of(user))
        },
        action: "user.register",
        target_type: "user",
        actor: Actor::Anonymous,
        before: false,
        after: true,
    },
    Write {
        name: "verify an email",
        send: |f, rid| {
            let token = f.app.mail().wait_for(LEARNER_EMAIL).token();
            f.anonymous("POST", "/api/v1/auth/verify-email", rid)
                .json(&json!({"token": token}))
                .expect(204);
            f.saved("user")
        },
        action: "user.email_verified",
        target_type: "user",
        actor: Actor::Anonymous,
        before: true,
        after: true,
    },
    Write {
        name: "change one's own password",
        send: |f, rid| {
            let token = f.app.login(&f.tenant.domain, "ada", LEARNER_PASSWORD);
            f.anonymous("PATCH", "/api/v1/me", rid)
                .bearer(&token)
                .json(&json!({"name": "Ada", "password": LEARNER_NEW_PASSWORD,
                              "current_password": LEARNER_PASSWORD}))
                .expect(200);
            f.saved("user")
        },
        action: "user.update",
        target_type: "user",
        actor: Actor::SavedUser,
        before: true,
        after: true,
    },
    Write {
        name: "reset a password by mail",
        send: |f, rid| {
            // Asking for the mail changes no account: no entry of its own.
            f.anonymous("POST", "/api/v1/auth/password-reset", "ask-for-reset")
                .json(&json!({"email": LEARNER_EMAIL}))
                .expect(202);
            let token = f
                .app
                .mail()
                .wait_for_count(LEARNER_EMAIL, 2)
                .into_iter()
                .find(|mail| mail.link().contains("reset-password"))
                .expect("the reset mail")
                .token();
            f.anonymous("POST", "/api/v1/auth/password-reset/confirm", rid)
                .json(&json!({"token": token, "password": RESET_PASSWORD}))
                .expect(204);
            f.saved("user")
        },
        action: "user.password_reset",
        target_type: "user",
        actor: Actor::Anonymous,
        before: true,
        after: true,
    },
    Write {
        name: "create an API client",
        send: |f, rid| {
            let client = f
                .admin("POST", "/api/v1/api-clients", rid)
                .json(&json!({"name": "Sync", "scopes": ["sites:read"]}))
                .expect(201);
            let body = client.json();
            f.save(
                "secret",
                body["client_secret"].as_str().expect("client_secret"),
            );
            f.save("client", body["id"].as_i64().expect("id"))
        },
        action: "api_client.create",
        target_type: "api_client",
        actor: Actor::Admin,
        before: false,
        after: true,
    },
    Write {
        name: "delete an API client",
        send: |f, rid| {
            let id = f.saved("client");
            f.admin("DELETE", &format!("/api/v1/api-clients/{id}"), rid)
                .send()
                .expect(204);
            id
        },
        action: "api_client.delete",
        target_type: "api_client",
        actor: Actor::Admin,
        before: true,
        after: false,
    },
    Write {
        name: "create an organization",
        send: |f, rid| {
            f.admin("POST", "/api/v1/organizations", rid)
                .json(&json!({"short_name": "DEPT", "name": "Department", "parent": f.tenant.org}))
                .expect(201);
            "DEPT".into()
        },
        action: "organization.create",
        target_type: "organization",
        actor: Actor::Admin,
        before: false,
        after: true,
    },
    Write {
        name: "change an organization",
        send: |f, rid| {
            f.admin("PATCH", "/api/v1/organizations/DEPT", rid)
                .json(&json!({"name": "Department of Audits"}))
                .expect(200);
            "DEPT".into()
        },
        action: "organization.update",
        target_type: "organization",
        actor: Actor::Admin,
        before: true,
        after: true,
    },
    Write {
        name: "add a member",
        send: |f, rid| {
            let user = f.saved("admin_made");
            f.admin("POST", "/api/v1/organizations/DEPT/members", rid)
                .json(&json!({"user_id": user.parse::<i64>().expect("an id")}))
                .expect(201);
            format!("DEPT:{user}")
        },
        action: "membership.create",
        target_type: "membership",
        actor: Actor::Admin,
        before: false,
        after: true,
    },
    Write {
        name: "remove a member",
        send: |f, rid| {
            let user = f.saved("admin_made");
            f.admin(
                "DELETE",
                &format!("/api/v1/organizations/DEPT/members/{user}"),
                rid,
            )
            .send()
            .expect(204);
            format!("DEPT:{user}")
        },
        action: "membership.delete",
        target_type: "membership",
        actor: Actor::Admin,
        before: true,
        after: false,
    },
    Write {
        name: "grant a role",
        send: |f, rid| {
            let user = f.saved("admin_made");
            let grant = f
                .admin("POST", "/api/v1/role-assignments", rid)
                .json(&json!({"user_id": user.parse::<i64>().expect("an id"), "role": "org_staff", "scope": "org:DEPT"}))
                .expect(201);
            f.save("grant", Fixture::id_of(grant))
        },
        action: "role_assignment.create",
        target_type: "role_assignment",
        actor: Actor::Admin,
        before: false,
        after: true,
    },
    Write {
        name: "revoke a role",
        send: |f, rid| {
            let id = f.saved("grant");
            f.admin("DELETE", &format!("/api/v1/role-assignments/{id}"), rid)
                .send()
                .expect(204);
            id
        },
        action: "role_assignment.delete",
        target_type: "role_assignment",
        actor: Actor::Admin,
        before: true,
        after: false,
    },
    Write {
        name: "delete an organization",
        send: |f, rid| {
            f.admin("DELETE", "/api/v1/organizations/DEPT", rid)
                .send()
                .expect(204);
            "DEPT".into()
        },
        action: "organization.delete",
        target_type: "organization",
        actor: Actor::Admin,
        before: true,
        after: false,
    },
    Write {
        name: "delete an account",
        send: |f, rid| {
            let id = f.saved("admin_made");
            f.admin("DELETE", &format!("/api/v1/users/{id}"), rid)
                .send()
                .expect(204);
            id
        },
        action: "user.delete",
        target_type: "user",
        actor: Actor::Admin,
        before: true,
        after: false,
    },
];

const PLATFORM_WRITES: &[Write] = &[
    Write {
        name: "provision a tenant",
        send: |f, rid| {
            f.operator("POST", "/api/v1/tenants", rid)
                .json(&TestApp::tenant_body("globex"))
                .expect(201);
            "globex".into()
        },
        action: "tenant.create",
        target_type: "tenant",
        actor: Actor::Operator,
        before: false,
        after: true,
    },
    Write {
        name: "suspend a tenant",
        send: |f, rid| {
            f.operator("PATCH", "/api/v1/tenants/globex", rid)
                .json(&json!({"status": "suspended"}))
                .expect(200);
            "globex".into()
        },
        action: "tenant.update",
        target_type: "tenant",
        actor: Actor::Operator,
        before: true,
        after: true,
    },
    Write {
        name: "reactivate a tenant",
        send: |f, rid| {
            f.operator("PATCH", "/api/v1/tenants/globex", rid)
                .json(&json!({"status": "active"}))
                .expect(200);
            "globex".into()
        },
        action: "tenant.update",
        target_type: "tenant",
        actor: Actor::Operator,
        before: true,
        after: true,
    },
    Write {
        name: "approve a domain claim",
        send: |f, rid| {
            // The claim itself is the tenant's write (its own log).
            f.tenant
                .admin(&f.app, "POST", "/api/v1/sites")
                .json(&json!({"domain": "learn.acme.example", "name": "Learn"}))
                .expect(201);
            f.operator(
                "POST",
                "/api/v1/domain-claims/learn.acme.example/approve",
                rid,
            )
            .send()
            .expect(200);
            "learn.acme.example".into()
        },
        action: "domain_claim.approve",
        target_type: "domain_claim",
        actor: Actor::Operator,
        before: false,
        after: true,
    },
    Write {
        name: "reject a domain claim",
        send: |f, rid| {
            f.tenant
                .admin(&f.app, "POST", "/api/v1/sites")
                .json(&json!({"domain": "www.acme.example", "name": "Www"}))
                .expect(201);
            f.operator("POST", "/api/v1/domain-claims/www.acme.example/reject", rid)
                .send()
                .expect(200);
            "www.acme.example".into()
        },
        action: "domain_claim.reject",
        target_type: "domain_claim",
        actor: Actor::Operator,
        before: false,
        after: true,
    },
    Write {
        name: "create an operator (command line)",
        send: |f, _| {
            let id = actix_web::rt::System::new()
                .block_on(
                    f.app
                        .identity()
                        .create_operator("second@platform.test", OPERATOR_PASSWORD),
                )
                .expect("second operator");
            f.save("operator", id.0)
        },
        action: "operator.create",
        target_type: "operator",
        actor: Actor::Cli,
        before: false,
        after: true,
    },
    Write {
        name: "disable an operator",
        send: |f, rid| {
            let id = f.saved("operator");
            f.operator("PATCH", &format!("/api/v1/operators/{id}"), rid)
                .json(&json!({"is_active": false}))
                .expect(200);
            id
        },
        action: "operator.update",
        target_type: "operator",
        actor: Actor::Operator,
        before: true,
        after: true,
    },
    Write {
        name: "delete an operator",
        send: |f, rid| {
            let id = f.saved("operator");
            f.operator("DELETE", &format!("/api/v1/operators/{id}"), rid)
                .send()
                .expect(204);
            id
        },
        action: "operator.delete",
        target_type: "operator",
        actor: Actor::Operator,
        before: true,
        after: false,
    },
    Write {
        name: "change an operator's own password",
        send: |f, rid| {
            let id = f
                .operator("PATCH", "/api/v1/me", rid)
                .json(&json!({"password": "operator-second-password",
                              "current_password": OPERATOR_PASSWORD}))
                .expect(200)
                .json()["id"]
                .to_string();
            f.save("self", id)
        },
        action: "operator.update",
        target_type: "operator",
        actor: Actor::Operator,
        before: false,
        after: true,
    },
    Write {
        name: "delete a tenant",
        send: |f, rid| {
            f.operator("DELETE", "/api/v1/tenants/globex", rid)
                .send()
                .expect(204);
            "globex".into()
        },
        action: "tenant.delete",
        target_type: "tenant",
        actor: Actor::Operator,
        before: true,
        after: false,
    },
];

/// Every entry `token` reads on `host` matching `query`, newest first,
/// following the cursor.
fn all_entries(app: &TestApp, host: &str, token: &str, query: &[(&str, &str)]) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = app
            .req("GET", host, EVENTS)
            .bearer(token)
            .query("limit", "100");
        for (name, value) in query {
            request = request.query(name, value);
        }
        if let Some(cursor) = &cursor {
            request = request.query("cursor", cursor);
        }
        let page = request.send().expect(200).json();
        entries.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return entries,
        }
    }
}

fn newest_id(entries: &[Value]) -> i64 {
    entries.first().map_or(0, |e| e["id"].as_i64().expect("id"))
}

/// Runs each row and checks that it left exactly one new entry, as named.
fn run_rows(fixture: &Fixture, rows: &[Write], host: &str, token: &dyn Fn() -> String) {
    let mut seen = newest_id(&all_entries(&fixture.app, host, &token(), &[]));
    let operator = fixture
        .app
        .platform("GET", "/api/v1/me")
        .bearer(&fixture.app.operator_token())
        .send()
        .expect(200)
        .json()["id"]
        .clone();
    for (n, row) in rows.iter().enumerate() {
        let request_id = format!("audit-row-{n}");
        let target = (row.send)(fixture, &request_id);
        let entries = all_entries(&fixture.app, host, &token(), &[]);
        let new: Vec<&Value> = entries
            .iter()
            .filter(|e| e["id"].as_i64().expect("id") > seen)
            .collect();
        assert_eq!(new.len(), 1, "{}: one new entry, got {new:#?}", row.name);
        let entry = new[0];
        seen = entry["id"].as_i64().expect("id");
        let actor = match row.actor {
            Actor::Admin => format!("user:{}", fixture.tenant.admin_id),
            Actor::Operator => format!("operator:{operator}"),
            Actor::Anonymous => "anonymous".to_owned(),
            Actor::SavedUser => format!("user:{}", fixture.saved("user")),
            Actor::Cli => "cli".to_owned(),
        };
        assert_eq!(entry["action"], row.action, "{}: {entry}", row.name);
        assert_eq!(entry["target_type"], row.target_type, "{}", row.name);
        assert_eq!(entry["target_id"], target.as_str(), "{}", row.name);
        assert_eq!(entry["actor"], actor.as_str(), "{}", row.name);
        let expected_request_id = match row.actor {
            Actor::Cli => Value::Null,
            _ => Value::from(request_id.as_str()),
        };
        assert_eq!(entry["request_id"], expected_request_id, "{}", row.name);
        assert_eq!(
            !entry["before"].is_null(),
            row.before,
            "{}: {entry}",
            row.name
        );
        assert_eq!(
            !entry["after"].is_null(),
            row.after,
            "{}: {entry}",
            row.name
        );
        let text = entry.to_string();
        for secret in [
            "password_hash",
            "secret_hash",
            "$argon2",
            LEARNER_NEW_PASSWORD,
        ] {
            assert!(!text.contains(secret), "{}: {secret} in {text}", row.name);
        }
        if let Some(secret) = fixture.saved.borrow().get("secret") {
            assert!(
                !text.contains(secret.as_str()),
                "{}: the client secret",
                row.name
            );
        }
    }
}

fn every_tenant_write_has_one_entry(backend: Backend) {
    let app = TestApp::start(backend);
    let tenant = app.provision("acme");
    let fixture = Fixture {
        app,
        tenant,
        saved: RefCell::default(),
    };
    let token = fixture.tenant.admin_token.clone();
    run_rows(&fixture, TENANT_WRITES, &fixture.tenant.domain, &|| {
        token.clone()
    });

    // What the entries say, beyond their shape.
    let user = fixture.saved("user");
    let own = all_entries(
        &fixture.app,
        &fixture.tenant.domain,
        &fixture.tenant.admin_token,
        &[("target_type", "user"), ("target_id", &user)],
    );
    let actions: Vec<&str> = own.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "user.password_reset",
            "user.update",
            "user.email_verified",
            "user.register"
        ]
    );
    assert_eq!(own[0]["after"]["password_changed"], true);
    assert_eq!(own[1]["after"]["password_changed"], true);
    assert_eq!(own[1]["before"]["name"], "");
    assert_eq!(own[1]["after"]["name"], "Ada");
    assert_eq!(own[2]["before"]["email_verified"], false);
    assert_eq!(own[2]["after"]["email_verified"], true);
    assert!(own[3]["after"].get("password_changed").is_none());
    let changed = all_entries(
        &fixture.app,
        &fixture.tenant.domain,
        &fixture.tenant.admin_token,
        &[
            ("action", "user.update"),
            ("target_id", &fixture.saved("admin_made")),
        ],
    );
    assert_eq!(changed[0]["before"]["is_active"], true);
    assert_eq!(changed[0]["after"]["is_active"], false);
    assert_eq!(changed[0]["after"]["name"], "Grace Hopper");
    let client = all_entries(
        &fixture.app,
        &fixture.tenant.domain,
        &fixture.tenant.admin_token,
        &[("action", "api_client.create")],
    );
    assert_eq!(client[0]["after"]["scopes"], json!(["sites:read"]));
}

fn every_platform_write_has_one_entry(backend: Backend) {
    let app = TestApp::start(backend);
    let tenant = app.provision("acme");
    let fixture = Fixture {
        app,
        tenant,
        saved: RefCell::default(),
    };
    let operator = fixture.app.operator_token();
    run_rows(&fixture, PLATFORM_WRITES, "localhost", &|| operator.clone());

    // The tenant's whole story, kept after its deletion.
    let story = all_entries(
        &fixture.app,
        "localhost",
        &operator,
        &[("target_type", "tenant"), ("target_id", "globex")],
    );
    let actions: Vec<&str> = story
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "tenant.delete",
            "tenant.update",
            "tenant.update",
            "tenant.create"
        ]
    );
    assert_eq!(story[2]["after"]["status"], "suspended");
    assert_eq!(story[1]["before"]["status"], "suspended");
    assert_eq!(story[1]["after"]["status"], "active");
    assert_eq!(story[3]["after"]["admin"]["username"], "admin");
    assert!(!story[3].to_string().contains("admin-password"));
    let own = all_entries(
        &fixture.app,
        "localhost",
        &operator,
        &[
            ("action", "operator.update"),
            ("target_id", &fixture.saved("self")),
        ],
    );
    assert_eq!(own[0]["after"], json!({"password_changed": true}));
}

fn the_log_is_for_tenant_admins(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    acme.admin(&app, "POST", "/api/v1/users")
        .json(&json!({"email": "lea@example.org", "username": "lea",
                      "password": "learner-password"}))
        .expect(201);
    let learner = app.login(&acme.domain, "lea", "learner-password");
    app.req("GET", &acme.domain, EVENTS)
        .bearer(&learner)
        .send()
        .expect_problem(403, "forbidden");
    app.req("GET", &acme.domain, EVENTS)
        .send()
        .expect_problem(401, "unauthenticated");
    let denied = app.graphql(
        &acme.domain,
        Some(&learner),
        "{ auditEvents { items { id } } }",
        json!({}),
    );
    assert_eq!(
        denied["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{denied}"
    );
    // Operators manage tenants, not their content: no tenant log for them.
    app.req("GET", &acme.domain, EVENTS)
        .bearer(&app.operator_token())
        .send()
        .expect(401);
    // Nor the platform's log for a tenant's admin.
    app.platform("GET", EVENTS)
        .bearer(&acme.admin_token)
        .send()
        .expect(401);
    app.platform("GET", EVENTS)
        .send()
        .expect_problem(401, "unauthenticated");
}

fn no_tenant_sees_anothers_entries(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    for (tenant, name) in [(&acme, "acme-user"), (&globex, "globex-user")] {
        tenant
            .admin(&app, "POST", "/api/v1/users")
            .json(&json!({"email": format!("{name}@example.org"), "username": name}))
            .expect(201);
    }
    let acme_log = all_entries(&app, &acme.domain, &acme.admin_token, &[]);
    let globex_log = all_entries(&app, &globex.domain, &globex.admin_token, &[]);
    let count = |tenant: &Provisioned| {
        app.db.count_as_owner(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = {}",
            tenant.tenant_id
        ))
    };
    assert_eq!(acme_log.len() as i64, count(&acme));
    assert_eq!(globex_log.len() as i64, count(&globex));
    let created = |log: &[Value]| -> Vec<String> {
        log.iter()
            .filter(|e| e["action"] == "user.create")
            .map(|e| e["after"]["username"].as_str().unwrap().to_owned())
            .collect()
    };
    // Newest first: each tenant's own user, then its first admin.
    assert_eq!(created(&acme_log), ["acme-user", "admin"]);
    assert_eq!(created(&globex_log), ["globex-user", "admin"]);
    let ids =
        |log: &[Value]| -> Vec<i64> { log.iter().map(|e| e["id"].as_i64().unwrap()).collect() };
    let globex_ids = ids(&globex_log);
    assert!(ids(&acme_log).iter().all(|id| !globex_ids.contains(id)));
    // Filters do not reach across either: globex's user by its id.
    let globex_user = &globex_log[0]["target_id"];
    let across = all_entries(
        &app,
        &acme.domain,
        &acme.admin_token,
        &[
            ("target_id", globex_user.as_str().unwrap()),
            ("target_type", "user"),
        ],
    );
    assert!(across.is_empty(), "{across:?}");
    // GraphQL shows the same.
    let graphql = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "{ auditEvents(limit: 100) { items { id } } }",
        json!({}),
    );
    let graphql_ids: Vec<i64> = graphql["data"]["auditEvents"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(graphql_ids, ids(&acme_log));
}

fn filters_and_paging(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let mut users = Vec::new();
    for n in 0..5 {
        let user = acme
            .admin(&app, "POST", "/api/v1/users")
            .json(&json!({"email": format!("u{n}@example.org"), "username": format!("u{n}")}))
            .expect(201);
        users.push(user.json()["id"].as_i64().unwrap().to_string());
    }
    acme.admin(&app, "PATCH", &format!("/api/v1/users/{}", users[0]))
        .json(&json!({"name": "Changed"}))
        .expect(200);
    let token = &acme.admin_token;
    let host = &acme.domain;

    // Paging: newest first, no entry twice, none skipped.
    // Five made, one changed, and the first admin made by provisioning.
    let all = all_entries(&app, host, token, &[("target_type", "user")]);
    assert_eq!(all.len(), 7);
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = app
            .req("GET", host, EVENTS)
            .bearer(token)
            .query("limit", "2");
        request = request.query("target_type", "user");
        if let Some(cursor) = &cursor {
            request = request.query("cursor", cursor);
        }
        let page = request.send().expect(200).json();
        let items = page["items"].as_array().unwrap().clone();
        assert!(items.len() <= 2);
        paged.extend(items);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, all);
    let ids: Vec<i64> = all.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    assert_eq!(all[0]["action"], "user.update");

    // Each filter narrows.
    let admin = format!("user:{}", acme.admin_id);
    assert_eq!(
        all_entries(
            &app,
            host,
            token,
            &[("actor", &admin), ("target_type", "user")]
        )
        .len(),
        6,
        "the operator made the first admin"
    );
    assert!(all_entries(&app, host, token, &[("actor", "user:999999")]).is_empty());
    let one = all_entries(
        &app,
        host,
        token,
        &[("target_type", "user"), ("target_id", &users[0])],
    );
    assert_eq!(one.len(), 2);
    let updates = all_entries(&app, host, token, &[("action", "user.update")]);
    assert_eq!(updates.len(), 1);
    assert!(all_entries(&app, host, token, &[("target_type", "site")])
        .iter()
        .all(|e| e["target_type"] == "site"));
    let newest = &all[0]["occurred_at"].as_str().unwrap().to_owned();
    let since = all_entries(
        &app,
        host,
        token,
        &[("since", newest), ("target_type", "user")],
    );
    assert!(
        since.iter().any(|e| e["action"] == "user.update"),
        "since is inclusive"
    );
    assert!(all_entries(&app, host, token, &[("since", "2999-01-01T00:00:00Z")]).is_empty());
    assert!(all_entries(&app, host, token, &[("until", "2000-01-01T00:00:00+02:00")]).is_empty());
    assert_eq!(
        all_entries(
            &app,
            host,
            token,
            &[("until", "2999-01-01T00:00:00Z"), ("target_type", "user")]
        )
        .len(),
        7
    );

    // Bad input is a field error.
    for (name, value) in [
        ("since", "yesterday"),
        ("until", "2026-13-01T00:00:00Z"),
        ("cursor", "not-a-cursor"),
        ("limit", "101"),
    ] {
        let fields = app
            .req("GET", host, EVENTS)
            .bearer(token)
            .query(name, value)
            .send()
            .field_errors();
        assert_eq!(fields, [name]);
    }

    // GraphQL: the same filters, the same answer.
    let graphql = app.graphql(
        host,
        Some(token),
        "query($id: String) { auditEvents(targetType: \"user\", targetId: $id, limit: 1) {
            items { id actor action targetType targetId before after requestId occurredAt }
            nextCursor } }",
        json!({"id": users[0]}),
    );
    let page = &graphql["data"]["auditEvents"];
    assert_eq!(page["items"][0]["id"], one[0]["id"], "{graphql}");
    assert_eq!(page["items"][0]["after"]["name"], "Changed");
    assert_eq!(page["items"][0]["actor"], admin.as_str());
    assert!(page["nextCursor"].is_string());
    let bad = app.graphql(
        host,
        Some(token),
        "{ auditEvents(since: \"soon\") { items { id } } }",
        json!({}),
    );
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "VALIDATION",
        "{bad}"
    );
}

fn an_entry_outlives_its_target(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let user = acme
        .admin(&app, "POST", "/api/v1/users")
        .json(&json!({"email": "gone@example.org", "username": "gone"}))
        .expect(201)
        .json()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    acme.admin(&app, "DELETE", &format!("/api/v1/users/{user}"))
        .send()
        .expect(204);
    app.req("GET", &acme.domain, &format!("/api/v1/users/{user}"))
        .bearer(&acme.admin_token)
        .send()
        .expect(404);
    let entries = all_entries(
        &app,
        &acme.domain,
        &acme.admin_token,
        &[("target_type", "user"), ("target_id", &user)],
    );
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["user.delete", "user.create"]);
    assert_eq!(entries[0]["before"]["username"], "gone");
    // A site's configuration history is this log, seen through the site.
    acme.admin(
        &app,
        "PUT",
        &format!("/api/v1/sites/{}/theme", acme.site_id),
    )
    .json(&json!({"name": "indigo", "branding": {}}))
    .expect(200);
    let history = acme
        .admin(
            &app,
            "GET",
            &format!("/api/v1/sites/{}/configuration/history", acme.site_id),
        )
        .send()
        .expect(200)
        .json();
    let theme = all_entries(
        &app,
        &acme.domain,
        &acme.admin_token,
        &[("action", "site.theme.update")],
    );
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
    assert_eq!(history["items"][0]["id"], theme[0]["id"]);
    assert_eq!(history["items"][0]["after"], theme[0]["after"]);
}

/// A GraphQL mutation goes through the same services, so it leaves the
/// same entry, with the request id of its HTTP request.
fn a_graphql_write_is_recorded_alike(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let created = app
        .req("POST", &acme.domain, "/graphql")
        .bearer(&acme.admin_token)
        .header("x-request-id", "graphql-write")
        .json(&json!({"query": "mutation { createUser(input: {email: \"q@example.org\", username: \"qq\"}) { id } }"}))
        .expect(200)
        .json();
    let id = created["data"]["createUser"]["id"].to_string();
    let entries = all_entries(&app, &acme.domain, &acme.admin_token, &[("target_id", &id)]);
    assert_eq!(entries.len(), 1, "{created}");
    assert_eq!(entries[0]["action"], "user.create");
    assert_eq!(entries[0]["request_id"], "graphql-write");
    assert_eq!(entries[0]["actor"], format!("user:{}", acme.admin_id));
}

/// The one platform entry `action` on `target` (an operator's write), for
/// the actor and request id the tenant's entries of the same write share.
fn platform_entry(app: &TestApp, action: &str, target: &str) -> Value {
    let found = all_entries(
        app,
        "localhost",
        &app.operator_token(),
        &[("action", action), ("target_id", target)],
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    found[0].clone()
}

/// The site's `site.update` entries, newest first.
fn site_updates(app: &TestApp, tenant: &Provisioned, site: i64) -> Vec<Value> {
    all_entries(
        app,
        &tenant.domain,
        &tenant.admin_token,
        &[("action", "site.update"), ("target_id", &site.to_string())],
    )
}

fn a_new_tenants_log_starts_with_what_provisioning_made(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let provisioned = platform_entry(&app, "tenant.create", "acme");
    assert!(provisioned["request_id"].is_string(), "{provisioned}");

    let mut entries = all_entries(&app, &acme.domain, &acme.admin_token, &[]);
    entries.reverse();
    let made: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().expect("action"),
                e["target_type"].as_str().expect("target_type"),
                e["target_id"].as_str().expect("target_id"),
            )
        })
        .collect();
    let site = acme.site_id.to_string();
    let admin = acme.admin_id.to_string();
    let grant = entries[3]["after"]["id"].to_string();
    assert_eq!(
        made,
        [
            ("site.create", "site", site.as_str()),
            ("organization.create", "organization", "ACME"),
            ("user.create", "user", admin.as_str()),
            ("role_assignment.create", "role_assignment", grant.as_str()),
        ]
    );
    for entry in &entries {
        assert_eq!(entry["actor"], provisioned["actor"], "{entry}");
        assert_eq!(entry["request_id"], provisioned["request_id"], "{entry}");
        assert!(entry["before"].is_null(), "{entry}");
        let text = entry.to_string();
        for secret in ["password_hash", "$argon2", "admin-password"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    assert_eq!(entries[0]["after"]["is_primary"], true);
    assert_eq!(entries[1]["after"]["short_name"], "ACME");
    assert_eq!(entries[2]["after"]["username"], "admin");
    assert_eq!(entries[2]["after"]["has_password"], true);
    assert_eq!(entries[3]["after"]["role"], "tenant_admin");
    assert_eq!(entries[3]["after"]["scope"], "tenant");
    assert_eq!(entries[3]["after"]["user_id"], acme.admin_id);
}

fn the_site_that_loses_primary_has_its_own_entry(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let first = acme.site_id;
    let admin = format!("user:{}", acme.admin_id);

    // A new primary site (POST) takes the flag from the first one.
    let second = acme
        .admin(&app, "POST", "/api/v1/sites")
        .header("x-request-id", "new-primary")
        .json(&json!({"domain": "two.acme.test", "name": "Two", "is_primary": true}))
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    let demoted = site_updates(&app, &acme, first);
    assert_eq!(demoted.len(), 1, "{demoted:#?}");
    assert_eq!(demoted[0]["before"]["is_primary"], true);
    assert_eq!(demoted[0]["after"]["is_primary"], false);
    assert_ne!(
        demoted[0]["before"]["updated_at"],
        demoted[0]["after"]["updated_at"]
    );
    assert_eq!(demoted[0]["actor"], admin.as_str());
    assert_eq!(demoted[0]["request_id"], "new-primary");
    let shown = acme
        .admin(&app, "GET", &format!("/api/v1/sites/{first}"))
        .send()
        .expect(200)
        .json();
    // The API writes its times with a `Z`, the log as stored.
    assert_eq!(
        shown["updated_at"]
            .as_str()
            .map(|t| t.trim_end_matches('Z')),
        demoted[0]["after"]["updated_at"].as_str()
    );

    // And back (PATCH): the first site's change and the second's.
    acme.admin(&app, "PATCH", &format!("/api/v1/sites/{first}"))
        .header("x-request-id", "old-primary")
        .json(&json!({"is_primary": true}))
        .expect(200);
    let promoted = site_updates(&app, &acme, first);
    assert_eq!(promoted.len(), 2, "{promoted:#?}");
    assert_eq!(promoted[0]["before"]["is_primary"], false);
    assert_eq!(promoted[0]["after"]["is_primary"], true);
    let demoted = site_updates(&app, &acme, second);
    assert_eq!(demoted.len(), 1, "{demoted:#?}");
    assert_eq!(demoted[0]["before"]["is_primary"], true);
    assert_eq!(demoted[0]["after"]["is_primary"], false);
    assert_eq!(demoted[0]["request_id"], "old-primary");
    assert_eq!(demoted[0]["actor"], admin.as_str());

    // A change that moves no flag names one site only.
    acme.admin(&app, "PATCH", &format!("/api/v1/sites/{second}"))
        .json(&json!({"name": "Second"}))
        .expect(200);
    assert_eq!(site_updates(&app, &acme, first).len(), 2);
}

fn a_decided_domain_claim_is_in_the_tenants_log(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    for (domain, decision, status) in [
        ("learn.acme.example", "approve", "active"),
        ("www.acme.example", "reject", "rejected"),
    ] {
        let site = acme
            .admin(&app, "POST", "/api/v1/sites")
            .json(&json!({"domain": domain, "name": "Claimed"}))
            .expect(201)
            .json()["id"]
            .as_i64()
            .expect("id");
        let request_id = format!("{decision}-claim");
        app.platform(
            "POST",
            &format!("/api/v1/domain-claims/{domain}/{decision}"),
        )
        .bearer(&app.operator_token())
        .header("x-request-id", &request_id)
        .send()
        .expect(200);
        let platform = platform_entry(&app, &format!("domain_claim.{decision}"), domain);
        let changed = site_updates(&app, &acme, site);
        assert_eq!(changed.len(), 1, "{decision}: {changed:#?}");
        assert_eq!(changed[0]["actor"], platform["actor"], "{decision}");
        assert_eq!(changed[0]["request_id"], request_id.as_str(), "{decision}");
        assert_eq!(
            changed[0]["before"]["domain_status"], "pending",
            "{decision}"
        );
        assert_eq!(changed[0]["after"]["domain_status"], status, "{decision}");
    }
}

backend_tests!(
    a_graphql_write_is_recorded_alike,
    every_tenant_write_has_one_entry,
    every_platform_write_has_one_entry,
    the_log_is_for_tenant_admins,
    no_tenant_sees_anothers_entries,
    filters_and_paging,
    an_entry_outlives_its_target,
    a_new_tenants_log_starts_with_what_provisioning_made,
    the_site_that_loses_primary_has_its_own_entry,
    a_decided_domain_claim_is_in_the_tenants_log,
);
