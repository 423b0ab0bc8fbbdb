//! Account administration (`/api/v1/users`, GraphQL `users`…), the caller's
//! own account (`/api/v1/me`) and the password rules.

use atrium_core::UserId;
use atrium_db::Access;
use atrium_permissions::{GrantScope, Role};
use atrium_tests::{backend_tests, Backend, Provisioned, TestApp, OPERATOR_PASSWORD};
use serde_json::{json, Value};

/// Creates an account as `tenant`'s admin and answers its id.
fn create(app: &TestApp, tenant: &Provisioned, body: Value) -> i64 {
    let response = tenant
        .admin(app, "POST", "/api/v1/users")
        .json(&body)
        .expect(201);
    let id = response.json()["id"].as_i64().expect("id");
    assert_eq!(
        response.header("location"),
        Some(format!("/api/v1/users/{id}").as_str())
    );
    id
}

fn me(app: &TestApp, host: &str, token: &str) -> Value {
    app.req("GET", host, "/api/v1/me")
        .bearer(token)
        .send()
        .expect(200)
        .json()
}

/// Grants the tenant admin role to an account, as the role endpoints of a
/// later issue will.
fn make_admin(app: &TestApp, slug: &str, user: i64) {
    let slug = slug.to_owned();
    let db = app.state.db.clone();
    actix_web::rt::System::new()
        .block_on(db.platform(Access::Write, move |tx| {
            let tenant = atrium_db::tenants::find_by_slug(tx, &slug)?;
            let mut scoped = tx.enter_tenant(&tenant)?;
            atrium_permissions::tx::grant(
                &mut scoped,
                UserId(user),
                Role::TenantAdmin,
                &GrantScope::Tenant,
                None,
            )
        }))
        .expect("grant tenant_admin");
}

fn the_same_email_in_two_tenants_is_two_accounts(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    let in_acme = create(
        &app,
        &acme,
        json!({"email": "Ada@Example.org", "username": "ada", "name": "Ada A", "password": "acme analytical engine"}),
    );
    let in_globex = create(
        &app,
        &globex,
        json!({"email": "ada@example.org", "username": "ada", "name": "Ada G", "password": "globex difference engine"}),
    );
    let acme_token = app.login(&acme.domain, "ada@example.org", "acme analytical engine");
    let globex_token = app.login(&globex.domain, "ada", "globex difference engine");
    // Each tenant's password is its account's only.
    app.req("POST", &acme.domain, "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": "ada", "password": "globex difference engine"}))
        .expect_problem(400, "oauth");

    // Changing acme's Ada leaves globex's as it was.
    let changed = acme
        .admin(&app, "PATCH", &format!("/api/v1/users/{in_acme}"))
        .json(&json!({"name": "Ada Lovelace", "email": "ada@acme.test", "username": "lovelace"}))
        .expect(200)
        .json();
    assert_eq!(changed["email"], "ada@acme.test");
    assert_eq!(changed["username"], "lovelace");
    let theirs = globex
        .admin(&app, "GET", &format!("/api/v1/users/{in_globex}"))
        .send()
        .expect(200)
        .json();
    assert_eq!(theirs["email"], "ada@example.org");
    assert_eq!(theirs["username"], "ada");
    assert_eq!(theirs["name"], "Ada G");
    app.login(
        &globex.domain,
        "ada@example.org",
        "globex difference engine",
    );
    app.login(&acme.domain, "lovelace", "acme analytical engine");

    // Deleting acme's Ada ends its access at once; globex's keeps working.
    acme.admin(&app, "DELETE", &format!("/api/v1/users/{in_acme}"))
        .send()
        .expect(204);
    app.req("GET", &acme.domain, "/api/v1/me")
        .bearer(&acme_token)
        .send()
        .expect_problem(401, "unauthenticated");
    acme.admin(&app, "GET", &format!("/api/v1/users/{in_acme}"))
        .send()
        .expect_problem(404, "not-found");
    let still = me(&app, &globex.domain, &globex_token);
    assert_eq!(still["id"], in_globex);
    assert_eq!(still["email"], "ada@example.org");
    app.login(&globex.domain, "ada", "globex difference engine");
    // The email is free again in acme.
    create(
        &app,
        &acme,
        json!({"email": "ada@example.org", "username": "ada"}),
    );
}

fn lists_search_filter_and_page(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    for (username, name) in [
        ("grace", "Grace Hopper"),
        ("alan", "Alan Turing"),
        ("edsger", "Edsger Dijkstra"),
        ("barbara", "Barbara Liskov"),
        ("per_cent", "100% Sure"),
    ] {
        create(
            &app,
            &acme,
            json!({"email": format!("{username}@people.test"), "username": username, "name": name}),
        );
    }
    let list = |query: &[(&str, &str)]| {
        let mut request = acme.admin(&app, "GET", "/api/v1/users");
        for (name, value) in query {
            request = request.query(name, value);
        }
        request.send().expect(200).json()
    };
    let usernames = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    let everyone = list(&[]);
    assert_eq!(
        usernames(&everyone),
        ["admin", "grace", "alan", "edsger", "barbara", "per_cent"]
    );
    assert!(everyone["items"][0].get("password_hash").is_none());
    // Over name, username and email, ignoring case.
    assert_eq!(usernames(&list(&[("q", "TURING")])), ["alan"]);
    assert_eq!(usernames(&list(&[("q", "edsg")])), ["edsger"]);
    assert_eq!(
        usernames(&list(&[("q", "PEOPLE.test")])).len(),
        5,
        "emails are searched"
    );
    // Wildcards match themselves.
    assert_eq!(usernames(&list(&[("q", "%")])), ["per_cent"]);
    assert_eq!(usernames(&list(&[("q", "_")])), ["per_cent"]);

    // Deactivated accounts, and only them.
    let alan = everyone["items"][2]["id"].as_i64().unwrap();
    acme.admin(&app, "PATCH", &format!("/api/v1/users/{alan}"))
        .json(&json!({"is_active": false}))
        .expect(200);
    assert_eq!(usernames(&list(&[("is_active", "false")])), ["alan"]);
    assert_eq!(
        list(&[("is_active", "true")])["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert_eq!(
        usernames(&list(&[("is_active", "true"), ("q", "a")])),
        ["admin", "grace", "edsger", "barbara"]
    );

    // Pages by cursor.
    let first = list(&[("limit", "4")]);
    assert_eq!(usernames(&first), ["admin", "grace", "alan", "edsger"]);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = list(&[("limit", "4"), ("cursor", &cursor)]);
    assert_eq!(usernames(&second), ["barbara", "per_cent"]);
    assert_eq!(second["next_cursor"], Value::Null);
    let filtered = list(&[("limit", "1"), ("q", "people")]);
    assert_eq!(usernames(&filtered), ["grace"]);
    let cursor = filtered["next_cursor"].as_str().unwrap().to_owned();
    assert_eq!(
        usernames(&list(&[
            ("limit", "1"),
            ("q", "people"),
            ("cursor", &cursor)
        ])),
        ["alan"]
    );
    // Bad paging or filters are 400s.
    assert_eq!(
        acme.admin(&app, "GET", "/api/v1/users")
            .query("cursor", "garbage")
            .send()
            .field_errors(),
        ["cursor"]
    );
    acme.admin(&app, "GET", "/api/v1/users")
        .query("is_active", "maybe")
        .send()
        .expect_problem(400, "bad-request");
    assert_eq!(
        acme.admin(&app, "GET", "/api/v1/users")
            .query("q", &"x".repeat(256))
            .send()
            .field_errors(),
        ["q"]
    );
}

fn creates_with_or_without_a_password_and_refuses_taken_names(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let created = acme
        .admin(&app, "POST", "/api/v1/users")
        .json(&json!({"email": " Nopass@Example.org ", "username": "nopass"}))
        .expect(201)
        .json();
    assert_eq!(created["email"], "nopass@example.org");
    assert_eq!(created["name"], "");
    assert_eq!(created["is_active"], true);
    assert_eq!(created["has_password"], false);
    // No password verifies, not even an empty one.
    for password in ["", "anything at all"] {
        app.req("POST", &acme.domain, "/api/v1/auth/token")
            .json(&json!({"grant_type": "password", "username": "nopass", "password": password}))
            .expect_problem(400, "oauth");
    }
    let with = create(
        &app,
        &acme,
        json!({"email": "with@example.org", "username": "with", "password": "a sturdy passphrase"}),
    );
    app.login(&acme.domain, "with", "a sturdy passphrase");

    // Taken, ignoring case: 409 naming the field.
    let taken = acme
        .admin(&app, "POST", "/api/v1/users")
        .json(&json!({"email": "NOPASS@example.org", "username": "other"}))
        .expect_problem(409, "conflict");
    assert!(
        taken["detail"].as_str().unwrap().contains("email"),
        "{taken}"
    );
    let taken = acme
        .admin(&app, "POST", "/api/v1/users")
        .json(&json!({"email": "other@example.org", "username": "NoPass"}))
        .expect_problem(409, "conflict");
    assert!(
        taken["detail"].as_str().unwrap().contains("username"),
        "{taken}"
    );
    let taken = acme
        .admin(&app, "PATCH", &format!("/api/v1/users/{with}"))
        .json(&json!({"username": "NOPASS"}))
        .expect_problem(409, "conflict");
    assert!(
        taken["detail"].as_str().unwrap().contains("username"),
        "{taken}"
    );

    // An empty change changes nothing.
    let same = acme
        .admin(&app, "PATCH", &format!("/api/v1/users/{with}"))
        .json(&json!({}))
        .expect(200)
        .json();
    assert_eq!(same["username"], "with");
    assert_eq!(same["is_active"], true);

    // Every bad field at once, and unknown fields refused.
    let fields = acme
        .admin(&app, "POST", "/api/v1/users")
        .json(&json!({"email": "nope", "username": "a b", "name": "x\u{7}", "password": "short"}))
        .field_errors();
    assert_eq!(fields, ["email", "username", "name", "password"]);
    acme.admin(&app, "POST", "/api/v1/users")
        .json(&json!({"email": "x@example.org", "username": "xx", "is_admin": true}))
        .expect_problem(400, "bad-request");
    acme.admin(&app, "PATCH", &format!("/api/v1/users/{with}"))
        .json(&json!({"password": "a new passphrase"}))
        .expect_problem(400, "bad-request");
}

fn password_rules_are_field_errors_everywhere(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let errors = |response: atrium_tests::Response| -> Vec<(String, String)> {
        let body = response.expect_problem(400, "validation");
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap().to_owned(),
                    e["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    // The username (ignoring case), a common password, too short, too long.
    let cases = [
        ("MARGARET-H", "must not be the account's username or email"),
        (
            "Margaret-H@Example.org",
            "must not be the account's username or email",
        ),
        ("Password123", "is one of the most common passwords"),
        ("qwertyuiop", "is one of the most common passwords"),
        ("short", "must be at least 10 characters"),
    ];
    for (password, message) in cases {
        let found = errors(
            acme.admin(&app, "POST", "/api/v1/users")
                .json(&json!({"email": "margaret-h@example.org", "username": "margaret-h", "password": password})),
        );
        assert_eq!(found.len(), 1, "{password}: {found:?}");
        assert_eq!(found[0].0, "password");
        assert!(found[0].1.starts_with(message), "{password}: {found:?}");
    }
    let long = "é".repeat(513);
    let found = errors(
        acme.admin(&app, "POST", "/api/v1/users")
            .json(&json!({"email": "m@example.org", "username": "mm", "password": long})),
    );
    assert_eq!(
        found,
        [(
            "password".to_owned(),
            "must be at most 1024 bytes".to_owned()
        )]
    );
    // Two rules at once: two errors on the same field.
    let found = errors(
        acme.admin(&app, "POST", "/api/v1/users")
            .json(&json!({"email": "m@example.org", "username": "mm", "password": "MM"})),
    );
    assert_eq!(found.len(), 2, "{found:?}");

    // Registration and provisioning obey the same rules.
    let found = errors(
        app.req("POST", &acme.domain, "/api/v1/auth/register")
            .json(&json!({"email": "r@example.org", "username": "reg", "password": "iloveyou123"})),
    );
    assert_eq!(found[0].0, "password");
    let mut body = TestApp::tenant_body("globex");
    body["admin"]["password"] = json!("1234567890");
    let found = errors(
        app.platform("POST", "/api/v1/tenants")
            .bearer(&app.operator_token())
            .json(&body),
    );
    assert_eq!(found[0].0, "admin.password");
}

fn me_shows_the_caller_and_changes_its_own_account(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let admin = me(&app, &acme.domain, &acme.admin_token);
    assert_eq!(admin["kind"], "user");
    assert_eq!(admin["id"], acme.admin_id);
    assert_eq!(admin["email"], "admin@acme.test");
    assert_eq!(admin["username"], "admin");
    assert_eq!(admin["tenant"], "acme");
    assert_eq!(
        admin["roles"],
        json!([{"role": "tenant_admin", "scope": "tenant"}])
    );
    let operator = me(&app, "localhost", &app.operator_token());
    assert_eq!(operator["kind"], "operator");
    assert_eq!(operator["email"], atrium_tests::OPERATOR_EMAIL);
    assert_eq!(operator["tenant"], Value::Null);
    assert_eq!(operator["username"], Value::Null);
    app.req("GET", &acme.domain, "/api/v1/me")
        .send()
        .expect_problem(401, "unauthenticated");

    let id = create(
        &app,
        &acme,
        json!({"email": "kim@example.org", "username": "kim", "name": "Kim", "password": "first passphrase"}),
    );
    let kim = app.login(&acme.domain, "kim", "first passphrase");
    let shown = me(&app, &acme.domain, &kim);
    assert_eq!(shown["id"], id);
    assert_eq!(shown["name"], "Kim");
    assert_eq!(shown["roles"], json!([]));
    let patch = |body: Value| {
        app.req("PATCH", &acme.domain, "/api/v1/me")
            .bearer(&kim)
            .json(&body)
    };
    let renamed = patch(json!({"name": "Kim Lee"})).expect(200).json();
    assert_eq!(renamed["name"], "Kim Lee");
    // A new password needs the current one, right, and obeys the rules.
    assert_eq!(
        patch(json!({"password": "second passphrase"})).field_errors(),
        ["current_password"]
    );
    assert_eq!(
        patch(json!({"password": "second passphrase", "current_password": "not my password"}))
            .field_errors(),
        ["current_password"]
    );
    assert_eq!(
        patch(json!({"password": "KIM", "current_password": "first passphrase"})).field_errors(),
        ["password", "password"]
    );
    app.login(&acme.domain, "kim", "first passphrase");
    patch(json!({"password": "second passphrase", "current_password": "first passphrase"}))
        .expect(200);
    app.login(&acme.domain, "kim", "second passphrase");
    app.req("POST", &acme.domain, "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": "kim", "password": "first passphrase"}))
        .expect_problem(400, "oauth");
    patch(json!({"is_active": false})).expect_problem(400, "bad-request");

    // Operators change their password the same way, and have no name.
    let ops = app.operator_token();
    let patch_ops = |body: Value| {
        app.req("PATCH", "localhost", "/api/v1/me")
            .bearer(&ops)
            .json(&body)
    };
    assert_eq!(patch_ops(json!({"name": "Ops"})).field_errors(), ["name"]);
    patch_ops(json!({"password": "new operator secret", "current_password": OPERATOR_PASSWORD}))
        .expect(200);
    app.login(
        "localhost",
        atrium_tests::OPERATOR_EMAIL,
        "new operator secret",
    );
}

fn other_tenants_accounts_are_not_found(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    let theirs = create(
        &app,
        &globex,
        json!({"email": "g@globex.test", "username": "gg"}),
    );
    for (method, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"name": "Mine now"}))),
        ("DELETE", None),
    ] {
        for id in [theirs, globex.admin_id, 999_999] {
            let request = acme.admin(&app, method, &format!("/api/v1/users/{id}"));
            let response = match &body {
                Some(body) => request.json(body),
                None => request.send(),
            };
            response.expect_problem(404, "not-found");
        }
    }
    // Untouched.
    let still = globex
        .admin(&app, "GET", &format!("/api/v1/users/{theirs}"))
        .send()
        .expect(200)
        .json();
    assert_eq!(still["name"], "");
    let listed = acme
        .admin(&app, "GET", "/api/v1/users")
        .send()
        .expect(200)
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

fn the_last_active_admin_stays(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let me_path = format!("/api/v1/users/{}", acme.admin_id);
    let refused = acme
        .admin(&app, "PATCH", &me_path)
        .json(&json!({"is_active": false}))
        .expect_problem(409, "conflict");
    assert!(refused["detail"]
        .as_str()
        .unwrap()
        .contains("last active tenant admin"));
    acme.admin(&app, "DELETE", &me_path)
        .send()
        .expect_problem(409, "conflict");
    // Other changes of the last admin are fine.
    acme.admin(&app, "PATCH", &me_path)
        .json(&json!({"name": "Still here", "is_active": true}))
        .expect(200);

    // With a second admin, either may go, but not both.
    let second = create(
        &app,
        &acme,
        json!({"email": "second@acme.test", "username": "second", "password": "second admin pass"}),
    );
    make_admin(&app, "acme", second);
    let second_token = app.login(&acme.domain, "second", "second admin pass");
    acme.admin(&app, "PATCH", &me_path)
        .json(&json!({"is_active": false}))
        .expect(200);
    // The first admin's access ended at once.
    app.req("GET", &acme.domain, "/api/v1/users")
        .bearer(&acme.admin_token)
        .send()
        .expect_problem(401, "unauthenticated");
    let second_path = format!("/api/v1/users/{second}");
    app.req("DELETE", &acme.domain, &second_path)
        .bearer(&second_token)
        .send()
        .expect_problem(409, "conflict");
    // An inactive admin does not count, and may be deleted.
    app.req("DELETE", &acme.domain, &me_path)
        .bearer(&second_token)
        .send()
        .expect(204);

    // Two admins removing each other at the same moment: one wins.
    let third = create_as(&app, &acme.domain, &second_token, "third");
    make_admin(&app, "acme", third);
    let third_token = app.login(&acme.domain, "third", "third admin pass");
    let answers: Vec<u16> = std::thread::scope(|s| {
        let one = s.spawn(|| {
            app.req("PATCH", &acme.domain, &format!("/api/v1/users/{third}"))
                .bearer(&second_token)
                .json(&json!({"is_active": false}))
                .status
        });
        let other = s.spawn(|| {
            app.req("DELETE", &acme.domain, &second_path)
                .bearer(&third_token)
                .send()
                .status
        });
        vec![one.join().unwrap(), other.join().unwrap()]
    });
    let succeeded = answers.iter().filter(|s| matches!(s, 200 | 204)).count();
    assert_eq!(succeeded, 1, "{answers:?}");
    let active = [&second_token, &third_token]
        .iter()
        .filter(|token| {
            app.req("GET", &acme.domain, "/api/v1/users")
                .bearer(token)
                .send()
                .status
                == 200
        })
        .count();
    assert_eq!(active, 1, "exactly one admin is left");
}

fn create_as(app: &TestApp, host: &str, token: &str, username: &str) -> i64 {
    app.req("POST", host, "/api/v1/users")
        .bearer(token)
        .json(&json!({
            "email": format!("{username}@acme.test"),
            "username": username,
            "password": format!("{username} admin pass"),
        }))
        .expect(201)
        .json()["id"]
        .as_i64()
        .unwrap()
}

fn only_tenant_admins_manage_accounts(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let learner = create(
        &app,
        &acme,
        json!({"email": "learner@acme.test", "username": "learner", "password": "learner-password"}),
    );
    let token = app.login(&acme.domain, "learner", "learner-password");
    let path = format!("/api/v1/users/{learner}");
    for (method, path) in [
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/users"),
        ("GET", path.as_str()),
        ("PATCH", path.as_str()),
        ("DELETE", path.as_str()),
    ] {
        let body = json!({"email": "x@acme.test", "username": "xx", "name": "Self-made"});
        app.req(method, &acme.domain, path)
            .bearer(&token)
            .json(&body)
            .expect_problem(403, "forbidden");
        app.req(method, &acme.domain, path)
            .json(&body)
            .expect_problem(401, "unauthenticated");
    }
    // Operators manage tenants, not their accounts; and not here.
    app.req("GET", "localhost", "/api/v1/users")
        .bearer(&app.operator_token())
        .send()
        .expect_problem(404, "not-found");
}

fn graphql_manages_accounts_with_the_same_checks(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let created = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "mutation($input: CreateUserInput!) { createUser(input: $input) { id email hasPassword isActive } }",
        json!({"input": {"email": "Gq@Example.org", "username": "gq", "password": "graph pass phrase"}}),
    );
    let user = &created["data"]["createUser"];
    assert_eq!(user["email"], "gq@example.org", "{created}");
    assert_eq!(user["hasPassword"], true);
    let id = user["id"].as_i64().unwrap();
    let weak = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "mutation { createUser(input: {email: \"w@example.org\", username: \"ww\", password: \"password123\"}) { id } }",
        json!({}),
    );
    assert_eq!(
        weak["errors"][0]["extensions"]["code"], "VALIDATION",
        "{weak}"
    );
    assert_eq!(
        weak["errors"][0]["extensions"]["errors"][0]["field"],
        "password"
    );

    let listed = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "{ users(q: \"GQ\", isActive: true, limit: 10) { items { id username } nextCursor } }",
        json!({}),
    );
    assert_eq!(
        listed["data"]["users"],
        json!({"items": [{"id": id, "username": "gq"}], "nextCursor": null})
    );
    let updated = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "mutation($id: Int!) { updateUser(id: $id, input: {name: \"Graph Q\"}) { name } }",
        json!({"id": id}),
    );
    assert_eq!(
        updated["data"]["updateUser"]["name"], "Graph Q",
        "{updated}"
    );
    let fetched = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "query($id: Int!) { user(id: $id) { name } }",
        json!({"id": id}),
    );
    assert_eq!(fetched["data"]["user"]["name"], "Graph Q");

    // The last admin: 409 as CONFLICT, by deletion or deactivation.
    let last = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "mutation($id: Int!) { deleteUser(id: $id) }",
        json!({"id": acme.admin_id}),
    );
    assert_eq!(
        last["errors"][0]["extensions"]["code"], "CONFLICT",
        "{last}"
    );
    assert_eq!(last["errors"][0]["extensions"]["status"], 409);
    let last = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "mutation($id: Int!) { updateUser(id: $id, input: {isActive: false}) { isActive } }",
        json!({"id": acme.admin_id}),
    );
    assert_eq!(
        last["errors"][0]["extensions"]["code"], "CONFLICT",
        "{last}"
    );

    // A user who is no admin is refused, and sees itself through `me`.
    let token = app.login(&acme.domain, "gq", "graph pass phrase");
    let denied = app.graphql(
        &acme.domain,
        Some(&token),
        "{ users { items { id } } }",
        json!({}),
    );
    assert_eq!(
        denied["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{denied}"
    );
    let denied = app.graphql(
        &acme.domain,
        Some(&token),
        "mutation($id: Int!) { deleteUser(id: $id) }",
        json!({"id": acme.admin_id}),
    );
    assert_eq!(denied["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let me = app.graphql(
        &acme.domain,
        Some(&token),
        "{ me { kind id email username name tenant roles { role } } }",
        json!({}),
    );
    assert_eq!(
        me["data"]["me"],
        json!({"kind": "user", "id": id, "email": "gq@example.org", "username": "gq",
               "name": "Graph Q", "tenant": "acme", "roles": []})
    );
    let deleted = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "mutation($id: Int!) { deleteUser(id: $id) }",
        json!({"id": id}),
    );
    assert_eq!(deleted["data"]["deleteUser"], true, "{deleted}");
    // Its token ends with it, for GraphQL as for REST.
    app.req("POST", &acme.domain, "/graphql")
        .bearer(&token)
        .json(&json!({"query": "{ me { id } }"}))
        .expect(401);
}

backend_tests!(
    the_same_email_in_two_tenants_is_two_accounts,
    lists_search_filter_and_page,
    creates_with_or_without_a_password_and_refuses_taken_names,
    password_rules_are_field_errors_everywhere,
    me_shows_the_caller_and_changes_its_own_account,
    other_tenants_accounts_are_not_found,
    the_last_active_admin_stays,
    only_tenant_admins_manage_accounts,
    graphql_manages_accounts_with_the_same_checks,
);
