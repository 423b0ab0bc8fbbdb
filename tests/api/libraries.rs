//! Content libraries (`/api/v1/libraries`, GraphQL `libraries`,
//! `library`, `createLibrary`, `updateLibrary`, `deleteLibrary`): created
//! and partitioned like courses, keys accepted literally and
//! percent-encoded, `If-Match` on changes, one `201` for racing creations
//! of a key, and an organization holding a library kept from deletion.

use std::sync::{Arc, Barrier};

use atrium_tests::{backend_tests, Backend, Provisioned, Response, TestApp};
use serde_json::{json, Value};

use crate::org_tree::{account, admin_grants, tree};

fn create(app: &TestApp, t: &Provisioned, token: &str, org: &str, slug: &str) -> Response {
    app.req("POST", &t.domain, "/api/v1/libraries")
        .bearer(token)
        .json(&json!({"org": org, "slug": slug, "display_name": format!("Library {slug}")}))
}

fn path(key: &str) -> String {
    format!("/api/v1/libraries/{key}")
}

fn get(app: &TestApp, t: &Provisioned, token: &str, key: &str) -> Response {
    app.req("GET", &t.domain, &path(key)).bearer(token).send()
}

fn patch(app: &TestApp, t: &Provisioned, token: &str, key: &str, body: Value) -> Response {
    app.req("PATCH", &t.domain, &path(key))
        .bearer(token)
        .json(&body)
}

fn delete(app: &TestApp, t: &Provisioned, token: &str, key: &str) -> Response {
    app.req("DELETE", &t.domain, &path(key))
        .bearer(token)
        .send()
}

/// The keys of every library `token` lists, through every page.
fn listed(app: &TestApp, t: &Provisioned, token: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("/api/v1/libraries?limit=2&cursor={c}"),
            None => "/api/v1/libraries?limit=2".to_owned(),
        };
        let page = app
            .req("GET", &t.domain, &query)
            .bearer(token)
            .send()
            .expect(200)
            .json();
        for item in page["items"].as_array().expect("items") {
            keys.push(item["key"].as_str().expect("key").to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return keys,
        }
    }
}

fn grants_on(app: &TestApp, t: &Provisioned, key: &str) -> Vec<Value> {
    t.admin(
        app,
        "GET",
        &format!("/api/v1/role-assignments?scope=course:{key}"),
    )
    .send()
    .expect(200)
    .json()["items"]
        .as_array()
        .expect("items")
        .clone()
}

fn audit_actions(app: &TestApp, t: &Provisioned, action: &str) -> i64 {
    app.db.count_as_owner(&format!(
        "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = {} AND action = '{action}'",
        t.tenant_id
    ))
}

fn libraries_are_created_read_changed_and_deleted(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let admin = &acme.admin_token;
    const KEY: &str = "lib:TOP:problems";
    const ENCODED: &str = "lib%3ATOP%3Aproblems";

    let response = acme
        .admin(&app, "POST", "/api/v1/libraries")
        .json(&json!({"org": "TOP", "slug": "problems", "display_name": " Problems ", "description": "Reusable problems"}))
        .expect(201);
    assert_eq!(
        response.header("location"),
        Some("/api/v1/libraries/lib:TOP:problems")
    );
    let created = response.json();
    assert_eq!(created["key"], KEY);
    assert_eq!(created["org"], "TOP");
    assert_eq!(created["slug"], "problems");
    assert_eq!(created["display_name"], "Problems");
    assert_eq!(created["description"], "Reusable problems");
    assert_eq!(created["version"], 1);
    // Its creator is its course instructor.
    let grants = grants_on(&app, acme, KEY);
    assert_eq!(grants.len(), 1, "{grants:?}");
    assert_eq!(grants[0]["user_id"], acme.admin_id);
    assert_eq!(grants[0]["role"], "course_instructor");
    let grant_id = grants[0]["id"].as_i64().expect("id");
    create(&app, acme, admin, "TOP", "problems").expect_problem(409, "conflict");

    // Literal and percent-encoded keys name the same library.
    let read = get(&app, acme, admin, KEY).expect(200);
    assert_eq!(read.header("etag"), Some("\"v1\""));
    assert_eq!(read.json(), created);
    assert_eq!(get(&app, acme, admin, ENCODED).expect(200).json(), created);
    for missing in [
        "lib:TOP:nope",
        "lib:NOPE:problems",
        "lib:TOP",
        "course-v1:TOP+C1+2026",
    ] {
        get(&app, acme, admin, missing).expect_problem(404, "not-found");
    }

    // Changes: If-Match holds the version; the version grows each time.
    let changed = app
        .req("PATCH", &acme.domain, &path(ENCODED))
        .bearer(admin)
        .header("If-Match", "\"v1\"")
        .json(&json!({"display_name": "Problem bank"}));
    let changed = changed.expect(200);
    assert_eq!(changed.header("etag"), Some("\"v2\""));
    let changed = changed.json();
    assert_eq!(changed["display_name"], "Problem bank");
    assert_eq!(changed["description"], "Reusable problems");
    assert_eq!(changed["version"], 2);
    app.req("PATCH", &acme.domain, &path(KEY))
        .bearer(admin)
        .header("If-Match", "\"v1\"")
        .json(&json!({"description": "stale"}))
        .expect_problem(412, "precondition-failed");
    assert_eq!(
        patch(&app, acme, admin, KEY, json!({"description": ""}))
            .expect(200)
            .json()["version"],
        3
    );
    assert_eq!(
        patch(
            &app,
            acme,
            admin,
            KEY,
            json!({"display_name": " ", "description": "a\u{0}b"})
        )
        .field_errors(),
        ["display_name", "description"]
    );
    patch(&app, acme, admin, KEY, json!({"slug": "renamed"})).expect_problem(400, "bad-request");
    patch(
        &app,
        acme,
        admin,
        "lib:TOP:nope",
        json!({"description": ""}),
    )
    .expect_problem(404, "not-found");

    // Idempotency-Key replays the first answer.
    let first = app
        .req("POST", &acme.domain, "/api/v1/libraries")
        .bearer(admin)
        .header("Idempotency-Key", "lib-once")
        .json(&json!({"org": "LOW", "slug": "once", "display_name": "Once"}))
        .expect(201);
    let again = app
        .req("POST", &acme.domain, "/api/v1/libraries")
        .bearer(admin)
        .header("Idempotency-Key", "lib-once")
        .json(&json!({"org": "LOW", "slug": "once", "display_name": "Once"}))
        .expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        again.header("location"),
        Some("/api/v1/libraries/lib:LOW:once")
    );
    assert_eq!(again.json(), first.json());

    assert_eq!(listed(&app, acme, admin), [KEY, "lib:LOW:once"]);

    // Deleting takes its grants with it.
    delete(&app, acme, admin, ENCODED).expect(204);
    get(&app, acme, admin, KEY).expect_problem(404, "not-found");
    delete(&app, acme, admin, KEY).expect_problem(404, "not-found");
    assert!(grants_on(&app, acme, KEY).is_empty());
    assert_eq!(listed(&app, acme, admin), ["lib:LOW:once"]);
    // A new library of the old key starts over.
    assert_eq!(
        create(&app, acme, admin, "TOP", "problems")
            .expect(201)
            .json()["version"],
        1
    );

    assert_eq!(audit_actions(&app, acme, "library.create"), 3);
    assert_eq!(audit_actions(&app, acme, "library.update"), 2);
    assert_eq!(audit_actions(&app, acme, "library.delete"), 1);
    assert_eq!(
        crate::org_tree::audit_count(&app, acme, "role_assignment.delete", grant_id),
        1
    );
}

fn bad_libraries_name_their_fields(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let post = |body: Value| acme.admin(&app, "POST", "/api/v1/libraries").json(&body);
    assert_eq!(
        post(json!({"org": "has space", "slug": "", "display_name": " "})).field_errors(),
        ["org", "slug", "display_name"]
    );
    assert_eq!(
        post(json!({"org": "TOP", "slug": "a:b", "display_name": "x", "description": "\u{7}"}))
            .field_errors(),
        ["slug", "description"]
    );
    assert_eq!(
        post(json!({"org": "TOP", "slug": "s".repeat(65), "display_name": "x".repeat(256)}))
            .field_errors(),
        ["slug", "display_name"]
    );
    assert_eq!(
        post(json!({"org": "NOPE", "slug": "s", "display_name": "x"})).field_errors(),
        ["org"]
    );
    post(json!({"org": "TOP", "slug": "s"})).expect_problem(400, "bad-request");
    post(json!({"org": "TOP", "slug": "s", "display_name": "x", "extra": 1}))
        .expect_problem(400, "bad-request");
    // A deactivated organization takes no new libraries.
    acme.admin(&app, "POST", "/api/v1/organizations")
        .json(&json!({"short_name": "OLD", "name": "Old", "parent": "TOP", "is_active": false}))
        .expect(201);
    assert_eq!(
        post(json!({"org": "OLD", "slug": "s", "display_name": "x"})).field_errors(),
        ["org"]
    );
    app.req("GET", &acme.domain, "/api/v1/libraries")
        .send()
        .expect_problem(401, "unauthenticated");
    app.req("POST", &acme.domain, "/api/v1/libraries")
        .json(&json!({"org": "TOP", "slug": "s", "display_name": "x"}))
        .expect_problem(401, "unauthenticated");
}

/// An API client's token, with `scopes`, limited to `organization`.
fn client_token(
    app: &TestApp,
    t: &Provisioned,
    scopes: &[&str],
    organization: Option<&str>,
) -> String {
    let client = t
        .admin(app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "Library sync", "scopes": scopes, "organization": organization}))
        .expect(201)
        .json();
    app.req("POST", &t.domain, "/api/v1/auth/token")
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
        .to_owned()
}

/// Each caller sees and changes the libraries of its organizations'
/// subtrees and those it is on the team of, and nothing else (404).
fn libraries_are_partitioned_by_organization(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let admin = &acme.admin_token;
    for (org, slug) in [
        ("TOP", "t1"),
        ("LOW", "l1"),
        ("SIB", "s1"),
        ("SIBKID", "k1"),
    ] {
        create(&app, acme, admin, org, slug).expect(201);
    }
    let (boss, boss_token) = account(&app, acme, "boss");
    let (creator, creator_token) = account(&app, acme, "creator");
    let (low_staff, low_token) = account(&app, acme, "lowstaff");
    let (inst, inst_token) = account(&app, acme, "inst");
    let (_, learner_token) = account(&app, acme, "learner");
    admin_grants(&app, acme, boss, "org_admin", "org:TOP");
    admin_grants(&app, acme, creator, "course_creator", "org:SIB");
    admin_grants(&app, acme, low_staff, "org_staff", "org:LOW");
    admin_grants(&app, acme, inst, "course_instructor", "course:lib:SIB:s1");

    // The tenant admin sees all of them.
    assert_eq!(
        listed(&app, acme, admin),
        ["lib:TOP:t1", "lib:LOW:l1", "lib:SIB:s1", "lib:SIBKID:k1"]
    );

    // An org admin of TOP: its subtree, creating there too.
    create(&app, acme, &boss_token, "MID", "m1").expect(201);
    create(&app, acme, &boss_token, "SIB", "nope").expect_problem(403, "forbidden");
    assert_eq!(
        listed(&app, acme, &boss_token),
        ["lib:TOP:t1", "lib:LOW:l1", "lib:MID:m1"]
    );
    for key in ["lib:SIB:s1", "lib:SIBKID:k1"] {
        get(&app, acme, &boss_token, key).expect_problem(404, "not-found");
        patch(&app, acme, &boss_token, key, json!({"description": "x"}))
            .expect_problem(404, "not-found");
        delete(&app, acme, &boss_token, key).expect_problem(404, "not-found");
    }
    patch(
        &app,
        acme,
        &boss_token,
        "lib:LOW:l1",
        json!({"description": "by boss"}),
    )
    .expect(200);

    // A course creator of SIB creates below it and is on that library's
    // team; it does not author the organization's other libraries.
    create(&app, acme, &creator_token, "SIBKID", "mine").expect(201);
    create(&app, acme, &creator_token, "TOP", "nope").expect_problem(403, "forbidden");
    assert_eq!(listed(&app, acme, &creator_token), ["lib:SIBKID:mine"]);
    get(&app, acme, &creator_token, "lib:SIB:s1").expect_problem(404, "not-found");
    patch(
        &app,
        acme,
        &creator_token,
        "lib:SIBKID:mine",
        json!({"display_name": "Mine"}),
    )
    .expect(200);

    // Org staff of LOW authors LOW's libraries but deletes none.
    assert_eq!(listed(&app, acme, &low_token), ["lib:LOW:l1"]);
    get(&app, acme, &low_token, "lib:TOP:t1").expect_problem(404, "not-found");
    patch(
        &app,
        acme,
        &low_token,
        "lib:LOW:l1",
        json!({"description": "by staff"}),
    )
    .expect(200);
    delete(&app, acme, &low_token, "lib:LOW:l1").expect_problem(403, "forbidden");
    create(&app, acme, &low_token, "LOW", "nope").expect_problem(403, "forbidden");

    // A library's instructor: that one only, and it may delete it.
    assert_eq!(listed(&app, acme, &inst_token), ["lib:SIB:s1"]);
    get(&app, acme, &inst_token, "lib:SIBKID:k1").expect_problem(404, "not-found");
    delete(&app, acme, &inst_token, "lib:SIB:s1").expect(204);
    assert!(listed(&app, acme, &inst_token).is_empty());

    // A learner: nothing.
    assert!(listed(&app, acme, &learner_token).is_empty());
    get(&app, acme, &learner_token, "lib:TOP:t1").expect_problem(404, "not-found");
    create(&app, acme, &learner_token, "TOP", "nope").expect_problem(403, "forbidden");

    // The creator deletes its own (it instructs it).
    delete(&app, acme, &creator_token, "lib:SIBKID:mine").expect(204);

    // An API client with courses:write limited to TOP: TOP's subtree.
    let client = client_token(&app, acme, &["courses:write"], Some("TOP"));
    create(&app, acme, &client, "LOW", "synced").expect(201);
    create(&app, acme, &client, "SIB", "nope").expect_problem(403, "forbidden");
    assert_eq!(
        listed(&app, acme, &client),
        ["lib:TOP:t1", "lib:LOW:l1", "lib:MID:m1", "lib:LOW:synced"]
    );
    get(&app, acme, &client, "lib:SIBKID:k1").expect_problem(404, "not-found");
    delete(&app, acme, &client, "lib:LOW:synced").expect(204);
    // Reading is not writing.
    let reader = client_token(&app, acme, &["courses:read"], None);
    create(&app, acme, &reader, "TOP", "nope").expect_problem(403, "forbidden");
    get(&app, acme, &reader, "lib:TOP:t1").expect(200);
    patch(
        &app,
        acme,
        &reader,
        "lib:TOP:t1",
        json!({"description": "x"}),
    )
    .expect_problem(403, "forbidden");

    // Another tenant sees none of it.
    let globex = app.provision("globex");
    assert!(listed(&app, &globex, &globex.admin_token).is_empty());
    get(&app, &globex, &globex.admin_token, "lib:TOP:t1").expect_problem(404, "not-found");
    delete(&app, &globex, &globex.admin_token, "lib:TOP:t1").expect_problem(404, "not-found");
    create(&app, &globex, &globex.admin_token, "TOP", "t1").field_errors();
}

/// Ten creations of one key at once: one 201, nine 409.
fn racing_creations_of_one_key_make_one_library(backend: Backend) {
    let app = Arc::new(TestApp::start(backend));
    let t = tree(&app, "acme");
    let acme = t.tenant;
    let racers = 10;
    let start = Arc::new(Barrier::new(racers));
    let statuses: Vec<u16> = (0..racers)
        .map(|_| {
            let (app, start, domain, token) = (
                Arc::clone(&app),
                Arc::clone(&start),
                acme.domain.clone(),
                acme.admin_token.clone(),
            );
            std::thread::spawn(move || {
                start.wait();
                app.req("POST", &domain, "/api/v1/libraries")
                    .bearer(&token)
                    .json(&json!({"org": "TOP", "slug": "race", "display_name": "Race"}))
                    .status
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|racer| racer.join().expect("racer"))
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        9,
        "{statuses:?}"
    );
    assert_eq!(grants_on(&app, &acme, "lib:TOP:race").len(), 1);
}

/// An organization holding a library is not deleted (409 naming it) until
/// the library is gone.
fn an_organization_holding_a_library_is_kept(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    acme.admin(&app, "POST", "/api/v1/organizations")
        .json(&json!({"short_name": "LIBS", "name": "Libraries", "parent": acme.org}))
        .expect(201);
    create(&app, &acme, &acme.admin_token, "LIBS", "bank").expect(201);
    let refused = acme
        .admin(&app, "DELETE", "/api/v1/organizations/LIBS")
        .send()
        .expect_problem(409, "conflict");
    let detail = refused["detail"].as_str().expect("detail");
    assert!(detail.contains("1 library"), "{detail}");
    delete(&app, &acme, &acme.admin_token, "lib:LIBS:bank").expect(204);
    acme.admin(&app, "DELETE", "/api/v1/organizations/LIBS")
        .send()
        .expect(204);
}

fn graphql_serves_the_same_libraries(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let (_, learner_token) = account(&app, acme, "learner");
    let gql = |token: &str, query: &str, variables: Value| {
        app.graphql(&acme.domain, Some(token), query, variables)
    };
    let admin = &acme.admin_token;
    let created = gql(
        admin,
        "mutation { createLibrary(input: {org: \"TOP\", slug: \"gql\", displayName: \"By GraphQL\"}) { key org slug displayName version } }",
        json!({}),
    );
    assert_eq!(
        created["data"]["createLibrary"],
        json!({"key": "lib:TOP:gql", "org": "TOP", "slug": "gql", "displayName": "By GraphQL", "version": 1}),
        "{created}"
    );
    // REST reads what GraphQL wrote, and the other way round.
    get(&app, acme, admin, "lib:TOP:gql").expect(200);
    create(&app, acme, admin, "LOW", "rest").expect(201);
    let listed = gql(
        admin,
        "{ libraries { items { key } nextCursor } }",
        json!({}),
    );
    assert_eq!(
        listed["data"]["libraries"]["items"],
        json!([{"key": "lib:TOP:gql"}, {"key": "lib:LOW:rest"}])
    );
    let one = gql(
        admin,
        "{ library(key: \"lib:LOW:rest\") { displayName } }",
        json!({}),
    );
    assert_eq!(one["data"]["library"]["displayName"], "Library rest");
    let hidden = gql(
        &learner_token,
        "{ library(key: \"lib:LOW:rest\") { key } }",
        json!({}),
    );
    assert_eq!(
        hidden["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{hidden}"
    );
    let invalid = gql(
        admin,
        "mutation { createLibrary(input: {org: \"NOPE\", slug: \"x\", displayName: \"x\"}) { key } }",
        json!({}),
    );
    assert_eq!(
        invalid["errors"][0]["extensions"]["code"], "VALIDATION",
        "{invalid}"
    );

    let updated = gql(
        admin,
        "mutation { updateLibrary(key: \"lib:TOP:gql\", input: {description: \"d\"}, expectedVersion: 1) { description version } }",
        json!({}),
    );
    assert_eq!(
        updated["data"]["updateLibrary"],
        json!({"description": "d", "version": 2})
    );
    let stale = gql(
        admin,
        "mutation { updateLibrary(key: \"lib:TOP:gql\", input: {description: \"e\"}, expectedVersion: 1) { version } }",
        json!({}),
    );
    assert_eq!(
        stale["errors"][0]["extensions"]["code"], "PRECONDITION_FAILED",
        "{stale}"
    );
    let deleted = gql(
        admin,
        "mutation { deleteLibrary(key: \"lib:TOP:gql\") }",
        json!({}),
    );
    assert_eq!(deleted["data"]["deleteLibrary"], true);
    get(&app, acme, admin, "lib:TOP:gql").expect_problem(404, "not-found");
}

backend_tests!(
    libraries_are_created_read_changed_and_deleted,
    bad_libraries_name_their_fields,
    libraries_are_partitioned_by_organization,
    racing_creations_of_one_key_make_one_library,
    an_organization_holding_a_library_is_kept,
    graphql_serves_the_same_libraries,
);
