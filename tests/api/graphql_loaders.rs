//! GraphQL's organization tree: nested fields load through per-request
//! loaders, so a query's SQL statement count does not grow with the number
//! of organizations it shows.

use atrium_permissions::Role;
use atrium_tests::{backend_tests, Backend, Provisioned, TestApp};
use serde_json::{json, Value};

use crate::organizations::{create_org, create_user, grant};

const TREE: &str = "{ organizations(limit: 100) { items {
    shortName isActive
    parent { shortName }
    children { shortName members { userId } myRoles { role scope } }
    members { userId isActive }
    myRoles { role scope }
} nextCursor } }";

/// A tenant whose root has `children` organizations below it, each with a
/// member, and a caller holding a tenant and an organization grant.
fn tree_of(app: &TestApp, slug: &str, children: usize) -> Provisioned {
    let tenant = app.provision(slug);
    let member = create_user(app, &tenant, "member");
    for n in 0..children {
        let name = format!("D{n}");
        create_org(app, &tenant, &name, Some(&tenant.org));
        tenant
            .admin(
                app,
                "POST",
                &format!("/api/v1/organizations/{name}/members"),
            )
            .json(&json!({"user_id": member}))
            .expect(201);
    }
    grant(app, slug, tenant.admin_id, Role::OrgAdmin, Some("D0"));
    tenant
}

/// The statements one run of [`TREE`] takes (the fewest of five runs: the
/// counter is the pool's, so a background task's statement, such as the
/// mail spool's poll, may land in a run on a loaded machine), and its
/// answer.
fn statements_of_tree_query(app: &TestApp, tenant: &Provisioned) -> (u64, Value) {
    // Warm the caller's grants cache first.
    let answer = app.graphql(&tenant.domain, Some(&tenant.admin_token), TREE, json!({}));
    let mut fewest = u64::MAX;
    for _ in 0..5 {
        let before = app.state.db.statements_executed();
        app.graphql(&tenant.domain, Some(&tenant.admin_token), TREE, json!({}));
        fewest = fewest.min(app.state.db.statements_executed() - before);
    }
    (fewest, answer)
}

fn the_tree_query_takes_as_many_statements_for_fifty_organizations_as_for_ten(backend: Backend) {
    let app = TestApp::start(backend);
    let small = tree_of(&app, "small", 9);
    let big = tree_of(&app, "big", 49);
    let (small_count, small_answer) = statements_of_tree_query(&app, &small);
    let (big_count, answer) = statements_of_tree_query(&app, &big);
    assert_eq!(small_answer["errors"], Value::Null, "{small_answer}");
    assert_eq!(answer["errors"], Value::Null, "{answer}");
    let items = answer["data"]["organizations"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 50);
    let root = &items[0];
    assert_eq!(root["shortName"], big.org.as_str());
    assert_eq!(root["parent"], Value::Null);
    assert_eq!(root["children"].as_array().unwrap().len(), 49);
    assert_eq!(
        root["myRoles"],
        json!([{"role": "tenant_admin", "scope": "tenant"}])
    );
    let d0 = &items[1];
    assert_eq!(d0["parent"]["shortName"], big.org.as_str());
    assert_eq!(d0["members"].as_array().unwrap().len(), 1);
    assert_eq!(
        d0["myRoles"],
        json!([{"role": "tenant_admin", "scope": "tenant"}, {"role": "org_admin", "scope": "org:D0"}])
    );
    assert_eq!(items[2]["myRoles"].as_array().unwrap().len(), 1);
    eprintln!("tree query: {small_count} statements for 10 organizations, {big_count} for 50");
    // Each loader runs at most one batch per level of the query, so the
    // count is bounded whatever the tree; it is not a fixed number, though:
    // on a fast run a nested level's keys can join a batch of the level
    // above that has not fired yet (22 instead of 30 was seen). A statement
    // per organization (an N+1) would take at least 50 for the big tree.
    assert!(small_count > 0);
    assert!(
        big_count < 50 && small_count < 50,
        "10 organizations took {small_count} statements, 50 took {big_count}"
    );
}

fn graphql_mutations_and_nested_members_follow_the_same_rules_as_rest(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let learner = create_user(&app, &acme, "learner");
    let admin = Some(acme.admin_token.as_str());
    let created = app.graphql(
        &acme.domain,
        admin,
        "mutation($parent: String) { createOrganization(input: {shortName: \"GQL\", name: \"By GraphQL\", parent: $parent}) { shortName parent { shortName } } }",
        json!({"parent": acme.org}),
    );
    assert_eq!(
        created["data"]["createOrganization"]["parent"]["shortName"],
        acme.org.as_str(),
        "{created}"
    );
    let added = app.graphql(
        &acme.domain,
        admin,
        "mutation($u: Int!) { addMember(shortName: \"GQL\", userId: $u) { organization userId isActive } }",
        json!({"u": learner}),
    );
    assert_eq!(added["data"]["addMember"]["userId"], learner, "{added}");
    let moved = app.graphql(
        &acme.domain,
        admin,
        "mutation { updateOrganization(shortName: \"GQL\", input: {toTopLevel: true}) { parent { shortName } } }",
        json!({}),
    );
    assert_eq!(
        moved["data"]["updateOrganization"]["parent"],
        Value::Null,
        "{moved}"
    );
    // A learner reads the tree but not its members.
    let token = app.login(&acme.domain, "learner", crate::organizations::PASSWORD);
    let read = app.graphql(
        &acme.domain,
        Some(&token),
        "{ organization(shortName: \"GQL\") { shortName members { userId } } }",
        json!({}),
    );
    assert_eq!(
        read["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{read}"
    );
    // The refusal nulls that field only: the rest of the answer stands.
    assert_eq!(read["data"]["organization"]["shortName"], "GQL", "{read}");
    assert_eq!(read["data"]["organization"]["members"], Value::Null);
    // A user's own memberships, as REST lists them; another's are refused.
    let own = app.graphql(
        &acme.domain,
        Some(&token),
        "query($u: Int!) { userOrganizations(userId: $u) { items { organization } nextCursor } }",
        json!({"u": learner}),
    );
    assert_eq!(own["errors"], Value::Null, "{own}");
    let rest = app
        .req(
            "GET",
            &acme.domain,
            &format!("/api/v1/users/{learner}/organizations"),
        )
        .bearer(&token)
        .send()
        .expect(200)
        .json();
    assert_eq!(
        own["data"]["userOrganizations"]["items"]
            .as_array()
            .map(Vec::len),
        rest["items"].as_array().map(Vec::len),
        "{own} {rest}"
    );
    let others = app.graphql(
        &acme.domain,
        Some(&token),
        "query($u: Int!) { userOrganizations(userId: $u) { items { organization } } }",
        json!({"u": acme.admin_id}),
    );
    assert_eq!(
        others["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{others}"
    );
    let refused = app.graphql(
        &acme.domain,
        Some(&token),
        "mutation { deleteOrganization(shortName: \"GQL\") }",
        json!({}),
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
    let removed = app.graphql(
        &acme.domain,
        admin,
        "mutation($u: Int!) { removeMember(shortName: \"GQL\", userId: $u) }",
        json!({"u": learner}),
    );
    assert_eq!(removed["data"]["removeMember"], true, "{removed}");
    let deleted = app.graphql(
        &acme.domain,
        admin,
        "mutation { deleteOrganization(shortName: \"GQL\") }",
        json!({}),
    );
    assert_eq!(deleted["data"]["deleteOrganization"], true, "{deleted}");
    // Another tenant's organization is not found.
    let globex = app.provision("globex");
    let foreign = app.graphql(
        &globex.domain,
        Some(&globex.admin_token),
        "query($s: String!) { organization(shortName: $s) { shortName } }",
        json!({"s": acme.org}),
    );
    assert_eq!(
        foreign["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{foreign}"
    );
}

/// A nested `members` shows an organization's first 100 members, however
/// many it has, and each organization its own.
fn nested_members_are_bounded_per_organization(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    create_org(&app, &acme, "SMALL", Some(&acme.org));
    let t = acme.tenant_id;
    app.db.execute_as_owner(&format!(
        "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 103) \
         INSERT INTO users (tenant_id, email, username, name, password_hash, is_active, created_at, updated_at) \
         SELECT {t}, 'bulk' || i || '@acme.test', 'bulk' || i, '', '', TRUE, '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM n"
    ));
    app.db.execute_as_owner(&format!(
        "INSERT INTO organization_members (tenant_id, organization_id, user_id, is_active, created_at, updated_at) \
         SELECT {t}, o.id, u.id, TRUE, '2026-01-01 00:00:00', '2026-01-01 00:00:00' \
           FROM users u, organizations o \
          WHERE u.tenant_id = {t} AND o.tenant_id = {t} AND u.username LIKE 'bulk%' \
            AND (o.short_name = '{root}' OR (o.short_name = 'SMALL' AND u.username IN ('bulk1', 'bulk2')))",
        root = acme.org
    ));
    let answer = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "{ organizations(limit: 10) { items { shortName members { userId } } } }",
        json!({}),
    );
    assert_eq!(answer["errors"], Value::Null, "{answer}");
    let counts: Vec<(String, usize)> = answer["data"]["organizations"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|org| {
            (
                org["shortName"].as_str().unwrap().to_owned(),
                org["members"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [(acme.org.clone(), 100), ("SMALL".to_owned(), 2)],
        "{answer}"
    );
    // REST pages through all 103.
    let first = acme
        .admin(
            &app,
            "GET",
            &format!("/api/v1/organizations/{}/members?limit=100", acme.org),
        )
        .send()
        .expect(200)
        .json();
    assert_eq!(first["items"].as_array().unwrap().len(), 100);
    assert!(first["next_cursor"].is_string(), "{first}");
}

backend_tests!(
    nested_members_are_bounded_per_organization,
    the_tree_query_takes_as_many_statements_for_fifty_organizations_as_for_ten,
    graphql_mutations_and_nested_members_follow_the_same_rules_as_rest,
);
