//! The organization tree (`/api/v1/organizations`): creation and its
//! rules, moves, deletion and what refuses it, tenancy, inheritance of
//! `org_admin` down the tree, and an audit entry for every write.

use atrium_core::{OrganizationId, UserId};
use atrium_db::Access;
use atrium_permissions::{GrantScope, Role};
use atrium_tests::{backend_tests, Backend, Provisioned, TestApp};
use serde_json::{json, Value};

pub(crate) const PASSWORD: &str = "correct horse battery";

/// Creates an organization as the tenant's admin.
pub(crate) fn create_org(
    app: &TestApp,
    tenant: &Provisioned,
    short: &str,
    parent: Option<&str>,
) -> Value {
    tenant
        .admin(app, "POST", "/api/v1/organizations")
        .json(&json!({"short_name": short, "name": format!("Org {short}"), "parent": parent}))
        .expect(201)
        .json()
}

/// Creates an account as the tenant's admin and answers its id.
pub(crate) fn create_user(app: &TestApp, tenant: &Provisioned, username: &str) -> i64 {
    tenant
        .admin(app, "POST", "/api/v1/users")
        .json(&json!({"email": format!("{username}@example.org"), "username": username, "password": PASSWORD}))
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id")
}

/// Grants `role` on an organization (or the tenant) directly, as
/// tests/api/users.rs does for tenant admins, and tells the caches.
pub(crate) fn grant(app: &TestApp, slug: &str, user: i64, role: Role, org: Option<&str>) {
    let slug = slug.to_owned();
    let org = org.map(str::to_owned);
    let db = app.state.db.clone();
    actix_web::rt::System::new()
        .block_on(db.platform(Access::Write, move |tx| {
            let tenant = atrium_db::tenants::find_by_slug(tx, &slug)?;
            let mut scoped = tx.enter_tenant(&tenant)?;
            let (scope, id) = match &org {
                Some(short) => {
                    let row = atrium_db::organizations::find_by_short_name(&mut scoped, short)?
                        .expect("organization");
                    (
                        GrantScope::Organization(short.clone()),
                        Some(OrganizationId(row.id)),
                    )
                }
                None => (GrantScope::Tenant, None),
            };
            atrium_permissions::tx::grant(&mut scoped, UserId(user), role, &scope, id)?;
            // The user's cached grants are dropped, as the role endpoints do.
            let change = atrium_db::access::AccessChange::User {
                tenant: scoped.tenant_id(),
                user: UserId(user),
            };
            atrium_db::access::announce(&mut scoped, &change)
        }))
        .expect("grant");
}

/// Replaces a site's configuration (with the If-Match its writes need).
pub(crate) fn put_configuration(app: &TestApp, tenant: &Provisioned, site: i64, values: Value) {
    let path = format!("/api/v1/sites/{site}/configuration");
    let current = tenant.admin(app, "GET", &path).send().expect(200);
    let etag = current.header("etag").expect("etag").to_owned();
    tenant
        .admin(app, "PUT", &path)
        .header("if-match", &etag)
        .json(&json!({"values": values, "enabled": true}))
        .expect(200);
}

/// The audit entries of a tenant with `action` and `target_id`.
pub(crate) fn audited(app: &TestApp, tenant: &Provisioned, action: &str, target: &str) -> i64 {
    app.db.count_as_owner(&format!(
        "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = {} AND action = '{action}' \
         AND target_id = '{target}'",
        tenant.tenant_id
    ))
}

fn organizations_are_created_read_listed_and_validated(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let created = acme
        .admin(&app, "POST", "/api/v1/organizations")
        .json(
            &json!({"short_name": "MATH", "name": "Mathematics", "description": "Numbers",
            "logo_url": "https://cdn.example.org/math.png", "parent": acme.org}),
        )
        .expect(201);
    assert_eq!(
        created.header("location"),
        Some("/api/v1/organizations/MATH")
    );
    let math = created.json();
    assert_eq!(math["parent"], acme.org.as_str());
    assert_eq!(math["is_active"], true);
    assert_eq!(math["is_root"], false);
    assert_eq!(math["logo_url"], "https://cdn.example.org/math.png");
    let read = acme
        .admin(&app, "GET", "/api/v1/organizations/MATH")
        .send()
        .expect(200)
        .json();
    assert_eq!(read, math);
    let root = acme
        .admin(&app, "GET", &format!("/api/v1/organizations/{}", acme.org))
        .send()
        .expect(200)
        .json();
    assert_eq!(root["is_root"], true);
    assert_eq!(root["parent"], Value::Null);

    // Validation: each broken rule is its own field error.
    let fields = acme
        .admin(&app, "POST", "/api/v1/organizations")
        .json(&json!({"short_name": "has space", "name": "", "logo_url": "http://plain.example/x.png"}))
        .field_errors();
    assert_eq!(fields, ["short_name", "name", "logo_url"]);
    let long = "a".repeat(65);
    assert_eq!(
        acme.admin(&app, "POST", "/api/v1/organizations")
            .json(&json!({"short_name": long, "name": "Long"}))
            .field_errors(),
        ["short_name"]
    );
    // A parent the tenant does not have is a field error.
    assert_eq!(
        acme.admin(&app, "POST", "/api/v1/organizations")
            .json(&json!({"short_name": "X", "name": "X", "parent": "NOPE"}))
            .field_errors(),
        ["parent"]
    );
    // Unique in the tenant: 409.
    acme.admin(&app, "POST", "/api/v1/organizations")
        .json(&json!({"short_name": "MATH", "name": "Again"}))
        .expect_problem(409, "conflict");

    // The list, its parent filter and its cursor.
    create_org(&app, &acme, "PHYS", Some(&acme.org));
    create_org(&app, &acme, "ALGEBRA", Some("MATH"));
    let all = acme
        .admin(&app, "GET", "/api/v1/organizations")
        .send()
        .expect(200)
        .json();
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["short_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [acme.org.as_str(), "MATH", "PHYS", "ALGEBRA"]);
    let children = acme
        .admin(&app, "GET", "/api/v1/organizations")
        .query("parent", &acme.org)
        .send()
        .expect(200)
        .json();
    let names: Vec<&str> = children["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["short_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["MATH", "PHYS"]);
    let first = acme
        .admin(&app, "GET", "/api/v1/organizations")
        .query("limit", "3")
        .send()
        .expect(200)
        .json();
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let rest = acme
        .admin(&app, "GET", "/api/v1/organizations")
        .query("limit", "3")
        .query("cursor", cursor)
        .send()
        .expect(200)
        .json();
    assert_eq!(rest["items"][0]["short_name"], "ALGEBRA");
    assert_eq!(rest["next_cursor"], Value::Null);
    acme.admin(&app, "GET", "/api/v1/organizations")
        .query("parent", "NOPE")
        .send()
        .expect_problem(404, "not-found");
    assert_eq!(audited(&app, &acme, "organization.create", "MATH"), 1);
}

fn short_names_are_immutable_and_moves_keep_the_tree_sound(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    create_org(&app, &acme, "A", Some(&acme.org));
    create_org(&app, &acme, "B", Some("A"));
    create_org(&app, &acme, "C", Some("B"));
    create_org(&app, &acme, "OTHER", Some(&acme.org));
    let patch = |name: &str, body: Value| {
        acme.admin(&app, "PATCH", &format!("/api/v1/organizations/{name}"))
            .json(&body)
    };
    assert_eq!(
        patch("A", json!({"short_name": "Z"})).field_errors(),
        ["short_name"]
    );
    // The same short name is no change.
    let renamed = patch(
        "A",
        json!({"short_name": "A", "name": "Renamed", "is_active": false}),
    )
    .expect(200)
    .json();
    assert_eq!(renamed["name"], "Renamed");
    assert_eq!(renamed["is_active"], false);
    // No cycles: not under itself, not under a descendant.
    assert_eq!(
        patch("A", json!({"parent": "A"})).field_errors(),
        ["parent"]
    );
    assert_eq!(
        patch("A", json!({"parent": "C"})).field_errors(),
        ["parent"]
    );
    // The root stays at the top.
    assert_eq!(
        patch(&acme.org, json!({"parent": "OTHER"})).field_errors(),
        ["parent"]
    );
    // A move under a sibling, then to the top.
    let moved = patch("B", json!({"parent": "OTHER"})).expect(200).json();
    assert_eq!(moved["parent"], "OTHER");
    let top = patch("B", json!({"parent": null})).expect(200).json();
    assert_eq!(top["parent"], Value::Null);
    assert_eq!(audited(&app, &acme, "organization.update", "B"), 2);

    // Depth: at most 8 levels, the root being level 1.
    let mut parent = acme.org.clone();
    for level in 2..=8 {
        let name = format!("L{level}");
        create_org(&app, &acme, &name, Some(&parent));
        parent = name;
    }
    assert_eq!(
        acme.admin(&app, "POST", "/api/v1/organizations")
            .json(&json!({"short_name": "L9", "name": "Too deep", "parent": "L8"}))
            .field_errors(),
        ["parent"]
    );
    // Moving B (with its child C: two levels) under L7 would make it 9 deep.
    assert_eq!(
        patch("B", json!({"parent": "L7"})).field_errors(),
        ["parent"]
    );
    patch("B", json!({"parent": "L6"})).expect(200);
}

fn deletion_is_refused_while_anything_holds_the_organization(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    create_org(&app, &acme, "PARENT", Some(&acme.org));
    create_org(&app, &acme, "CHILD", Some("PARENT"));
    let delete = |name: &str| {
        acme.admin(&app, "DELETE", &format!("/api/v1/organizations/{name}"))
            .send()
    };
    // The root, never.
    let problem = delete(&acme.org).expect_problem(409, "conflict");
    assert!(
        problem["detail"].as_str().unwrap().contains("root"),
        "{problem}"
    );
    // Children.
    let problem = delete("PARENT").expect_problem(409, "conflict");
    assert!(
        problem["detail"].as_str().unwrap().contains("below it"),
        "{problem}"
    );
    // Grants.
    let user = create_user(&app, &acme, "grace");
    grant(&app, &acme.slug, user, Role::OrgStaff, Some("CHILD"));
    let problem = delete("CHILD").expect_problem(409, "conflict");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("role assignment"),
        "{problem}"
    );
    app.db
        .execute_as_owner("DELETE FROM role_assignments WHERE role = 'org_staff'");
    // A site's course_org_filter.
    put_configuration(
        &app,
        &acme,
        acme.site_id,
        json!({"course_org_filter": ["CHILD"]}),
    );
    let problem = delete("CHILD").expect_problem(409, "conflict");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("course_org_filter"),
        "{problem}"
    );
    put_configuration(&app, &acme, acme.site_id, json!({}));
    // An API client limited to it.
    let client = acme
        .admin(&app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "lms", "scopes": ["organizations:read"], "organization": "CHILD"}))
        .expect(201)
        .json();
    let problem = delete("CHILD").expect_problem(409, "conflict");
    assert!(
        problem["detail"].as_str().unwrap().contains("API client"),
        "{problem}"
    );
    acme.admin(
        &app,
        "DELETE",
        &format!("/api/v1/api-clients/{}", client["id"]),
    )
    .send()
    .expect(204);
    // A pending course-creator request; decided ones are history and go.
    let token = app.login(&acme.domain, "grace", PASSWORD);
    let request = app
        .req("POST", &acme.domain, "/api/v1/course-creator-requests")
        .bearer(&token)
        .json(&json!({"organization": "CHILD"}))
        .expect(201)
        .json();
    let problem = delete("CHILD").expect_problem(409, "conflict");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("course-creator request"),
        "{problem}"
    );
    acme.admin(
        &app,
        "PATCH",
        &format!("/api/v1/course-creator-requests/{}", request["id"]),
    )
    .json(&json!({"state": "denied"}))
    .expect(200);
    // Nothing holds it now; its members go with it.
    acme.admin(&app, "POST", "/api/v1/organizations/CHILD/members")
        .json(&json!({"user_id": user}))
        .expect(201);
    delete("CHILD").expect(204);
    delete("CHILD").expect_problem(404, "not-found");
    delete("PARENT").expect(204);
    assert_eq!(audited(&app, &acme, "organization.delete", "CHILD"), 1);
    assert_eq!(
        app.db
            .count_as_owner("SELECT COUNT(*) AS n FROM organization_members"),
        0
    );
}

fn another_tenants_organizations_are_not_found(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    create_org(&app, &globex, "SECRET", Some(&globex.org));
    for (method, path) in [
        ("GET", "/api/v1/organizations/SECRET"),
        ("PATCH", "/api/v1/organizations/SECRET"),
        ("DELETE", "/api/v1/organizations/SECRET"),
        ("GET", "/api/v1/organizations/SECRET/members"),
    ] {
        acme.admin(&app, method, path)
            .json(&json!({"name": "Mine"}))
            .expect_problem(404, "not-found");
    }
    // The same short name is free in another tenant.
    create_org(&app, &acme, "SECRET", None);
    // A parent of another tenant is unknown here.
    assert_eq!(
        acme.admin(&app, "POST", "/api/v1/organizations")
            .json(&json!({"short_name": "X", "name": "X", "parent": globex.org}))
            .field_errors(),
        ["parent"]
    );
    // Globex's token on acme's site: 401.
    app.req("GET", &acme.domain, "/api/v1/organizations")
        .bearer(&globex.admin_token)
        .send()
        .expect(401);
}

fn org_admin_is_inherited_down_the_tree_and_nowhere_else(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    create_org(&app, &acme, "UNI", Some(&acme.org));
    create_org(&app, &acme, "FACULTY", Some("UNI"));
    create_org(&app, &acme, "DEPT", Some("FACULTY"));
    create_org(&app, &acme, "SIBLING", Some(&acme.org));
    let admin = create_user(&app, &acme, "oadmin");
    grant(&app, &acme.slug, admin, Role::OrgAdmin, Some("UNI"));
    let token = app.login(&acme.domain, "oadmin", PASSWORD);
    let as_admin = |method: &str, path: &str| app.req(method, &acme.domain, path).bearer(&token);
    // The grandchild: managed through the grant on its grandparent.
    let changed = as_admin("PATCH", "/api/v1/organizations/DEPT")
        .json(&json!({"description": "Managed from above"}))
        .expect(200)
        .json();
    assert_eq!(changed["description"], "Managed from above");
    as_admin("POST", "/api/v1/organizations")
        .json(&json!({"short_name": "LAB", "name": "Lab", "parent": "DEPT"}))
        .expect(201);
    let member = create_user(&app, &acme, "learner");
    as_admin("POST", "/api/v1/organizations/DEPT/members")
        .json(&json!({"user_id": member}))
        .expect(201);
    // Not on a sibling, not on the parent, not at the top.
    as_admin("PATCH", "/api/v1/organizations/SIBLING")
        .json(&json!({"name": "Mine"}))
        .expect_problem(403, "forbidden");
    as_admin("PATCH", &format!("/api/v1/organizations/{}", acme.org))
        .json(&json!({"name": "Mine"}))
        .expect_problem(403, "forbidden");
    as_admin("POST", "/api/v1/organizations")
        .json(&json!({"short_name": "TOP", "name": "Top"}))
        .expect_problem(403, "forbidden");
    as_admin("POST", "/api/v1/organizations/SIBLING/members")
        .json(&json!({"user_id": member}))
        .expect_problem(403, "forbidden");
    // A move needs the new parent too.
    as_admin("PATCH", "/api/v1/organizations/DEPT")
        .json(&json!({"parent": "SIBLING"}))
        .expect_problem(403, "forbidden");
    as_admin("PATCH", "/api/v1/organizations/DEPT")
        .json(&json!({"parent": "UNI"}))
        .expect(200);
    // Anyone of the tenant may read the tree; a learner manages nothing.
    let learner = app.login(&acme.domain, "learner", PASSWORD);
    app.req("GET", &acme.domain, "/api/v1/organizations/SIBLING")
        .bearer(&learner)
        .send()
        .expect(200);
    app.req("PATCH", &acme.domain, "/api/v1/organizations/DEPT")
        .bearer(&learner)
        .json(&json!({"name": "Mine"}))
        .expect_problem(403, "forbidden");
    app.req("GET", &acme.domain, "/api/v1/organizations")
        .send()
        .expect(401);
    assert_eq!(audited(&app, &acme, "organization.create", "LAB"), 1);

    // An API client limited to UNI sees its subtree only (DEPT, moved
    // under UNI above, with LAB below it).
    let client = acme
        .admin(&app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "sync", "scopes": ["organizations:read"], "organization": "UNI"}))
        .expect(201)
        .json();
    let token = app
        .req("POST", &acme.domain, "/api/v1/auth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client["client_id"].as_str().unwrap()),
            ("client_secret", client["client_secret"].as_str().unwrap()),
        ])
        .expect(200)
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = app
        .req("GET", &acme.domain, "/api/v1/organizations")
        .bearer(&token)
        .send()
        .expect(200)
        .json();
    let names: Vec<&str> = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["short_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["UNI", "FACULTY", "DEPT", "LAB"]);
    app.req("GET", &acme.domain, "/api/v1/organizations/SIBLING")
        .bearer(&token)
        .send()
        .expect_problem(403, "forbidden");

    // Its pages cost as many statements however many organizations lie
    // outside its subtree: 40 others stand between LAB and NEWLAB in id
    // order. Each page is counted as the fewest of three runs (the pool's
    // counter also sees background polls).
    for n in 0..40 {
        create_org(&app, &acme, &format!("ELSEWHERE{n}"), None);
    }
    create_org(&app, &acme, "NEWLAB", Some("UNI"));
    let page_at = |cursor: &Option<String>| {
        let path = match cursor {
            Some(c) => format!("/api/v1/organizations?limit=2&cursor={c}"),
            None => "/api/v1/organizations?limit=2".to_owned(),
        };
        let mut fewest = u64::MAX;
        let mut page = Value::Null;
        for _ in 0..3 {
            let before = app.state.db.statements_executed();
            page = app
                .req("GET", &acme.domain, &path)
                .bearer(&token)
                .send()
                .expect(200)
                .json();
            fewest = fewest.min(app.state.db.statements_executed() - before);
        }
        (fewest, page)
    };
    let (mut cursor, mut seen, mut costs) = (None, Vec::new(), Vec::new());
    loop {
        let (cost, page) = page_at(&cursor);
        costs.push(cost);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["short_name"].as_str().unwrap().to_owned()),
        );
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["UNI", "FACULTY", "DEPT", "LAB", "NEWLAB"]);
    eprintln!("a narrowed caller's pages cost {costs:?} statements");
    assert!(costs.iter().all(|c| *c <= costs[0]), "{costs:?}");
}

backend_tests!(
    organizations_are_created_read_listed_and_validated,
    short_names_are_immutable_and_moves_keep_the_tree_sound,
    deletion_is_refused_while_anything_holds_the_organization,
    another_tenants_organizations_are_not_found,
    org_admin_is_inherited_down_the_tree_and_nowhere_else,
);
