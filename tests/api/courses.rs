//! Studio's courses (`/api/v1/courses`): creation and every rule it
//! checks, partitioning per organization (what a caller lists, reads,
//! changes), conditional changes, deletion and what refuses it, reruns
//! copying the team, all-or-nothing batches, keys in URLs literally and
//! percent-encoded, API clients, GraphQL parity, and the audit entries.

use atrium_tests::{backend_tests, Backend, Provisioned, Response, TestApp};
use serde_json::{json, Value};

use crate::org_tree::{account, admin_grants, tree, COURSE};

fn new_course(org: &str, number: &str, run: &str) -> Value {
    json!({"org": org, "number": number, "run": run, "display_name": format!("{number} {run}")})
}

fn create(app: &TestApp, tenant: &Provisioned, token: &str, body: &Value) -> Response {
    app.req("POST", &tenant.domain, "/api/v1/courses")
        .bearer(token)
        .json(body)
}

fn course_path(key: &str) -> String {
    format!("/api/v1/courses/{key}")
}

/// The keys of a list answer, in order.
fn keys(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["key"].as_str().expect("key").to_owned())
        .collect()
}

/// Every key `token` lists (all pages), sorted.
fn listed(app: &TestApp, tenant: &Provisioned, token: &str, query: &str) -> Vec<String> {
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .req(
                "GET",
                &tenant.domain,
                &format!("/api/v1/courses?limit=2{query}{cursor}"),
            )
            .bearer(token)
            .send()
            .expect(200)
            .json();
        all.extend(keys(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return sorted(all),
        }
    }
}

fn sorted(mut keys: Vec<String>) -> Vec<String> {
    keys.sort();
    keys
}

fn strings(keys: &[&str]) -> Vec<String> {
    sorted(keys.iter().map(|k| (*k).to_owned()).collect())
}

/// Audit entries of `tenant` with `action` on `target_id`.
fn audited(app: &TestApp, tenant: &Provisioned, action: &str, target_id: &str) -> i64 {
    app.db.count_as_owner(&format!(
        "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = {} AND action = '{action}' AND target_id = '{target_id}'",
        tenant.tenant_id
    ))
}

/// The course grants on `key`, as `(user_id, role)`, sorted.
fn team(app: &TestApp, tenant: &Provisioned, key: &str) -> Vec<(i64, String)> {
    let list = tenant
        .admin(app, "GET", "/api/v1/role-assignments")
        .query("scope", &format!("course:{key}"))
        .query("limit", "100")
        .send()
        .expect(200)
        .json();
    let mut team: Vec<(i64, String)> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|g| {
            (
                g["user_id"].as_i64().expect("user_id"),
                g["role"].as_str().expect("role").to_owned(),
            )
        })
        .collect();
    team.sort();
    team
}

fn course_id(app: &TestApp, tenant: &Provisioned, key: &str) -> i64 {
    app.db.count_as_owner(&format!(
        "SELECT id AS n FROM courses WHERE tenant_id = {} AND course_key = '{key}'",
        tenant.tenant_id
    ))
}

/// An enrollment written beside the API (the enrollments endpoints are
/// built elsewhere).
fn enroll(app: &TestApp, tenant: &Provisioned, key: &str, user: i64, active: bool) {
    let course = course_id(app, tenant, key);
    app.db.execute_as_owner(&format!(
        "INSERT INTO enrollments (tenant_id, course_id, user_id, mode, is_active, created_at, updated_at) \
         VALUES ({}, {course}, {user}, 'audit', {active}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        tenant.tenant_id
    ));
}

fn creation_checks_every_field_and_makes_the_creator_instructor(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let (creator, token) = account(&app, acme, "creator");
    admin_grants(&app, acme, creator, "course_creator", "org:TOP");

    let bad = |body: Value| create(&app, acme, &token, &body).field_errors();
    assert_eq!(
        bad(json!({"org": "TOP", "number": "has space", "run": "2026+T1", "display_name": " "})),
        ["number", "run", "display_name"]
    );
    assert_eq!(
        bad(json!({"org": "", "number": "N", "run": "R", "display_name": "x"})),
        ["org"]
    );
    assert_eq!(
        bad(
            json!({"org": "TOP", "number": "N", "run": format!("{}", "r".repeat(65)), "display_name": "x"})
        ),
        ["run"]
    );
    let mut dates = new_course("TOP", "N", "R");
    dates["start"] = json!("2026-09-01T00:00:00Z");
    dates["end"] = json!("2026-09-01T00:00:00Z");
    dates["enrollment_start"] = json!("2026-08-01T00:00:00Z");
    dates["enrollment_end"] = json!("2026-07-01T00:00:00Z");
    assert_eq!(bad(dates), ["end", "enrollment_end"]);
    // Dates no course has, some beyond what PostgreSQL stores: field
    // errors, never a 500.
    let mut ancient = new_course("TOP", "OLD", "1");
    ancient["start"] = json!("-5000-01-01T00:00:00Z");
    ancient["enrollment_end"] = json!("+20000-01-01T00:00:00Z");
    assert_eq!(bad(ancient), ["start", "enrollment_end"]);
    let mut settings = new_course("TOP", "N", "R");
    settings["language"] = json!("en_US");
    settings["visibility"] = json!("secret");
    settings["enrollment_limit"] = json!(-1);
    assert_eq!(
        bad(settings),
        ["language", "visibility", "enrollment_limit"]
    );
    // Organizations: one the tenant lacks, and a deactivated one.
    assert_eq!(bad(new_course("NOPE", "N", "R")), ["org"]);
    acme.admin(&app, "PATCH", "/api/v1/organizations/MID")
        .json(&json!({"is_active": false}))
        .expect(200);
    assert_eq!(bad(new_course("MID", "N", "R")), ["org"]);
    // Outside its subtree a course creator may not create.
    create(&app, acme, &token, &new_course("SIB", "N", "R")).expect_problem(403, "forbidden");
    // Nor may a plain account, or nobody.
    let (_, learner) = account(&app, acme, "learner");
    create(&app, acme, &learner, &new_course("TOP", "N", "R")).expect_problem(403, "forbidden");
    app.req("POST", &acme.domain, "/api/v1/courses")
        .json(&new_course("TOP", "N", "R"))
        .expect_problem(401, "unauthenticated");

    let mut body = new_course("TOP", "CS101", "2026_T1");
    body["language"] = json!("pt-BR");
    body["visibility"] = json!("unlisted");
    body["enrollment_limit"] = json!(30);
    body["start"] = json!("2026-09-01T00:00:00Z");
    body["end"] = json!("2026-12-01T00:00:00Z");
    let created = create(&app, acme, &token, &body).expect(201);
    let key = "course-v1:TOP+CS101+2026_T1";
    assert_eq!(created.header("location"), Some(course_path(key).as_str()));
    let course = created.json();
    assert_eq!(course["key"], key);
    assert_eq!(course["org"], "TOP");
    assert_eq!(course["language"], "pt-BR");
    assert_eq!(course["visibility"], "unlisted");
    assert_eq!(course["enrollment_limit"], 30);
    assert_eq!(course["start"], "2026-09-01T00:00:00Z");
    assert_eq!(course["version"], 1);
    assert_eq!(course["rerun_of"], Value::Null);
    assert_eq!(
        team(&app, acme, key),
        [(creator, "course_instructor".into())]
    );
    assert_eq!(audited(&app, acme, "course.create", key), 1);
    // Below its organization too (LOW under MID under TOP; LOW is active).
    create(&app, acme, &token, &new_course("LOW", "N", "R")).expect(201);

    // A taken key is a 409, also in the same tenant under another run.
    create(&app, acme, &token, &body).expect_problem(409, "conflict");
    // Another tenant may use the same key.
    let globex = app.provision("globex");
    let mut there = body.clone();
    there["org"] = json!(globex.org);
    create(&app, &globex, &globex.admin_token, &there).expect(201);
}

fn idempotency_keys_replay_the_first_answer(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let body = new_course(&acme.org, "IDEM", "1");
    let send = || {
        acme.admin(&app, "POST", "/api/v1/courses")
            .header("Idempotency-Key", "create-idem-1")
            .json(&body)
    };
    let first = send().expect(201);
    let again = send().expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.json(), again.json());
    assert_eq!(first.header("location"), again.header("location"));
    assert_eq!(
        audited(&app, &acme, "course.create", "course-v1:ACME+IDEM+1"),
        1
    );
}

fn studio_lists_and_edits_only_what_the_caller_may_author(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let all = [
        COURSE,
        "course-v1:TOP+OTHER+2026",
        "course-v1:LOW+X+1",
        "course-v1:SIB+X+1",
    ];
    assert_eq!(listed(&app, acme, &acme.admin_token, ""), strings(&all));
    // The pages are in creation order and the cursor goes on from there.
    let first = acme
        .admin(&app, "GET", "/api/v1/courses?limit=3")
        .send()
        .expect(200)
        .json();
    assert_eq!(keys(&first), all[..3]);

    let (top_admin_id, _) = account(&app, acme, "topadmin");
    admin_grants(&app, acme, top_admin_id, "org_admin", "org:TOP");
    let top_admin = app.login(&acme.domain, "topadmin", crate::org_tree::PASSWORD);
    // Its organization and the ones below; none of SIB's.
    assert_eq!(
        listed(&app, acme, &top_admin, ""),
        strings(&[COURSE, "course-v1:TOP+OTHER+2026", "course-v1:LOW+X+1"])
    );
    assert_eq!(
        listed(&app, acme, &top_admin, "&org=MID"),
        strings(&["course-v1:LOW+X+1"])
    );
    assert!(listed(&app, acme, &top_admin, "&org=SIB").is_empty());
    let fields = app
        .req("GET", &acme.domain, "/api/v1/courses?org=NOPE")
        .bearer(&top_admin)
        .send()
        .field_errors();
    assert_eq!(fields, ["org"]);
    // It edits its subtree's courses, not SIB's: a public one it can see
    // is a 403, a private one a 404.
    app.req("PATCH", &acme.domain, &course_path("course-v1:LOW+X+1"))
        .bearer(&top_admin)
        .json(&json!({"display_name": "Low, edited"}))
        .expect(200);
    app.req("PATCH", &acme.domain, &course_path("course-v1:SIB+X+1"))
        .bearer(&top_admin)
        .json(&json!({"display_name": "Mine now"}))
        .expect_problem(403, "forbidden");
    let mut private = new_course("SIB", "SECRET", "1");
    private["visibility"] = json!("private");
    create(&app, acme, &acme.admin_token, &private).expect(201);
    let secret = course_path("course-v1:SIB+SECRET+1");
    app.req("GET", &acme.domain, &secret)
        .bearer(&top_admin)
        .send()
        .expect_problem(404, "not-found");
    app.req("PATCH", &acme.domain, &secret)
        .bearer(&top_admin)
        .json(&json!({"display_name": "Mine now"}))
        .expect_problem(404, "not-found");

    // A course team member: its course only, even in SIB.
    let (staff, _) = account(&app, acme, "staff");
    admin_grants(
        &app,
        acme,
        staff,
        "course_staff",
        "course:course-v1:SIB+X+1",
    );
    let staff_token = app.login(&acme.domain, "staff", crate::org_tree::PASSWORD);
    assert_eq!(
        listed(&app, acme, &staff_token, ""),
        strings(&["course-v1:SIB+X+1"])
    );
    assert_eq!(
        listed(&app, acme, &staff_token, "&org=SIB"),
        strings(&["course-v1:SIB+X+1"])
    );
    assert!(listed(&app, acme, &staff_token, "&org=TOP").is_empty());
    // A beta tester previews but does not author: nothing in Studio.
    let (tester, _) = account(&app, acme, "tester");
    admin_grants(
        &app,
        acme,
        tester,
        "beta_tester",
        &format!("course:{COURSE}"),
    );
    let tester_token = app.login(&acme.domain, "tester", crate::org_tree::PASSWORD);
    assert!(listed(&app, acme, &tester_token, "").is_empty());
    // A learner lists nothing, reads a public course, edits none.
    let (_, learner) = account(&app, acme, "learner");
    assert!(listed(&app, acme, &learner, "").is_empty());
    app.req("GET", &acme.domain, &course_path(COURSE))
        .bearer(&learner)
        .send()
        .expect(200);
    app.req("GET", &acme.domain, &secret)
        .bearer(&learner)
        .send()
        .expect_problem(404, "not-found");

    // Another tenant's admin finds nothing of this tenant's.
    let globex = app.provision("globex");
    assert!(listed(&app, &globex, &globex.admin_token, "").is_empty());
    for (method, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"display_name": "x"}))),
        ("DELETE", None),
    ] {
        let request = globex.admin(&app, method, &course_path(COURSE));
        let response = match body {
            Some(body) => request.json(&body),
            None => request.send(),
        };
        response.expect_problem(404, "not-found");
    }
}

fn ten_concurrent_creations_of_one_key_give_one_201(backend: Backend) {
    use std::sync::{Arc, Barrier};
    let app = Arc::new(TestApp::start(backend));
    let acme = app.provision("acme");
    let start = Arc::new(Barrier::new(10));
    let statuses: Vec<u16> = (0..10)
        .map(|_| {
            let (app, start, domain, token, org) = (
                Arc::clone(&app),
                Arc::clone(&start),
                acme.domain.clone(),
                acme.admin_token.clone(),
                acme.org.clone(),
            );
            std::thread::spawn(move || {
                start.wait();
                app.req("POST", &domain, "/api/v1/courses")
                    .bearer(&token)
                    .json(&new_course(&org, "RACE", "1"))
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
    assert_eq!(
        app.db.count_as_owner(&format!(
            "SELECT COUNT(*) AS n FROM courses WHERE tenant_id = {} AND course_key = 'course-v1:ACME+RACE+1'",
            acme.tenant_id
        )),
        1
    );
}

fn changes_are_conditional_and_keep_the_key(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let key = "course-v1:ACME+EDIT+1";
    let path = course_path(key);
    create(
        &app,
        &acme,
        &acme.admin_token,
        &new_course("ACME", "EDIT", "1"),
    )
    .expect(201);
    let read = acme.admin(&app, "GET", &path).send().expect(200);
    let etag = read.header("etag").expect("etag").to_owned();
    assert_eq!(etag, "\"v1\"");

    let changed = acme
        .admin(&app, "PATCH", &path)
        .header("If-Match", &etag)
        .json(&json!({"display_name": "Edited", "start": "2026-01-01T00:00:00Z", "enrollment_limit": 5}))
        .expect(200);
    assert_eq!(changed.header("etag"), Some("\"v2\""));
    let body = changed.json();
    assert_eq!(body["display_name"], "Edited");
    assert_eq!(body["enrollment_limit"], 5);
    assert_eq!(body["version"], 2);
    // The stale tag is refused and changes nothing.
    acme.admin(&app, "PATCH", &path)
        .header("If-Match", &etag)
        .json(&json!({"display_name": "Lost"}))
        .expect_problem(412, "precondition-failed");
    // Without If-Match the change applies to what is current; null clears.
    let body = acme
        .admin(&app, "PATCH", &path)
        .json(&json!({"enrollment_limit": null, "org": "ACME", "number": "EDIT"}))
        .expect(200)
        .json();
    assert_eq!(body["display_name"], "Edited");
    assert_eq!(body["enrollment_limit"], Value::Null);
    assert_eq!(body["version"], 3);
    // The key's parts cannot change, and the rules hold on a change.
    let fields = acme
        .admin(&app, "PATCH", &path)
        .json(&json!({"number": "OTHER", "run": "2"}))
        .field_errors();
    assert_eq!(fields, ["number", "run"]);
    let fields = acme
        .admin(&app, "PATCH", &path)
        .json(&json!({"end": "2025-12-31T00:00:00Z", "language": "??", "display_name": ""}))
        .field_errors();
    assert_eq!(fields, ["display_name", "language", "end"]);
    acme.admin(&app, "PATCH", &path)
        .json(&json!({"surprise": 1}))
        .expect_problem(400, "bad-request");
    assert_eq!(audited(&app, &acme, "course.update", key), 2);
    assert_eq!(
        acme.admin(&app, "GET", &path).send().expect(200).json()["version"],
        3
    );
}

fn concurrent_changes_are_not_lost(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let key = "course-v1:ACME+RACE+1";
    create(
        &app,
        &acme,
        &acme.admin_token,
        &new_course("ACME", "RACE", "1"),
    )
    .expect(201);
    let app = std::sync::Arc::new(app);
    let racers: Vec<_> = (0..8)
        .map(|i| {
            let (app, domain, token) = (
                std::sync::Arc::clone(&app),
                acme.domain.clone(),
                acme.admin_token.clone(),
            );
            std::thread::spawn(move || {
                app.req("PATCH", &domain, &course_path(key))
                    .bearer(&token)
                    .json(&json!({"short_description": format!("racer {i}")}))
                    .status
            })
        })
        .collect();
    let statuses: Vec<u16> = racers
        .into_iter()
        .map(|r| r.join().expect("racer"))
        .collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    // Every change counted: eight versions on top of the first.
    let course = acme
        .admin(&app, "GET", &course_path(key))
        .send()
        .expect(200)
        .json();
    assert_eq!(course["version"], 9);
    assert_eq!(audited(&app, &acme, "course.update", key), 8);
}

fn deletion_needs_no_active_enrollment_and_takes_the_team(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let (creator, creator_token) = account(&app, acme, "creator");
    admin_grants(&app, acme, creator, "course_creator", "org:TOP");
    let key = "course-v1:TOP+GONE+1";
    let path = course_path(key);
    create(&app, acme, &creator_token, &new_course("TOP", "GONE", "1")).expect(201);
    let (staff, _) = account(&app, acme, "staff");
    admin_grants(&app, acme, staff, "course_staff", &format!("course:{key}"));
    let staff_token = app.login(&acme.domain, "staff", crate::org_tree::PASSWORD);
    let (learner, learner_token) = account(&app, acme, "learner");

    // Its staff author it but may not delete it; a learner sees it (public).
    app.req("DELETE", &acme.domain, &path)
        .bearer(&staff_token)
        .send()
        .expect_problem(403, "forbidden");
    app.req("DELETE", &acme.domain, &path)
        .bearer(&learner_token)
        .send()
        .expect_problem(403, "forbidden");

    enroll(&app, acme, key, learner, true);
    enroll(&app, acme, key, staff, false);
    let body = app
        .req("DELETE", &acme.domain, &path)
        .bearer(&creator_token)
        .send()
        .expect_problem(409, "conflict");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("1 active enrollment"),
        "{body}"
    );
    app.db.execute_as_owner(&format!(
        "UPDATE enrollments SET is_active = FALSE WHERE tenant_id = {} AND user_id = {learner}",
        acme.tenant_id
    ));
    let grants_before = team(&app, acme, key);
    assert_eq!(grants_before.len(), 2, "{grants_before:?}");
    // Its instructor (who created it) deletes it.
    app.req("DELETE", &acme.domain, &path)
        .bearer(&creator_token)
        .send()
        .expect(204);
    acme.admin(&app, "GET", &path)
        .send()
        .expect_problem(404, "not-found");
    assert!(team(&app, acme, key).is_empty());
    assert_eq!(
        app.db.count_as_owner(&format!(
            "SELECT COUNT(*) AS n FROM enrollments WHERE tenant_id = {}",
            acme.tenant_id
        )),
        0
    );
    assert_eq!(audited(&app, acme, "course.delete", key), 1);
    assert_eq!(
        app.db.count_as_owner(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = {} AND action = 'role_assignment.delete'",
            acme.tenant_id
        )),
        2
    );
    // The former staff's access went with the course: on its token too.
    app.req("PATCH", &acme.domain, &path)
        .bearer(&staff_token)
        .json(&json!({"display_name": "x"}))
        .expect_problem(404, "not-found");
    // The key may be used again, with no team left over.
    create(
        &app,
        acme,
        &acme.admin_token,
        &new_course("TOP", "GONE", "1"),
    )
    .expect(201);
    assert_eq!(
        team(&app, acme, key),
        [(acme.admin_id, "course_instructor".into())]
    );
}

fn reruns_copy_settings_and_team(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let (author, author_token) = account(&app, acme, "author");
    admin_grants(&app, acme, author, "course_creator", "org:MID");
    let mut body = new_course("LOW", "BIO", "2026");
    body["language"] = json!("fr");
    body["visibility"] = json!("unlisted");
    body["invitation_only"] = json!(true);
    body["enrollment_limit"] = json!(40);
    body["short_description"] = json!("Cells.");
    body["start"] = json!("2026-01-10T00:00:00Z");
    body["end"] = json!("2026-05-01T00:00:00Z");
    let source = "course-v1:LOW+BIO+2026";
    create(&app, acme, &author_token, &body).expect(201);
    let (staff, _) = account(&app, acme, "staff");
    let (tester, _) = account(&app, acme, "tester");
    admin_grants(
        &app,
        acme,
        staff,
        "course_staff",
        &format!("course:{source}"),
    );
    admin_grants(
        &app,
        acme,
        tester,
        "beta_tester",
        &format!("course:{source}"),
    );
    // Another course creator of the tree makes the rerun.
    let (rerunner, _) = account(&app, acme, "rerunner");
    admin_grants(&app, acme, rerunner, "course_creator", "org:TOP");
    let rerunner_token = app.login(&acme.domain, "rerunner", crate::org_tree::PASSWORD);

    let reruns = format!("{}/reruns", course_path(source));
    let send = |token: &str, body: Value| {
        app.req("POST", &acme.domain, &reruns)
            .bearer(token)
            .json(&body)
    };
    // A rerun copies the source: creating courses is not enough, the
    // rerunner must be able to author the source too.
    send(&rerunner_token, json!({"run": "2027"})).expect_problem(403, "forbidden");
    admin_grants(
        &app,
        acme,
        rerunner,
        "course_staff",
        &format!("course:{source}"),
    );
    assert_eq!(
        send(&rerunner_token, json!({"run": "2027 T1"})).field_errors(),
        ["run"]
    );
    // The copied end falls before the new start: the rules apply.
    assert_eq!(
        send(
            &rerunner_token,
            json!({"run": "2027", "start": "2027-01-10T00:00:00Z"})
        )
        .field_errors(),
        ["end"]
    );
    // Its staff may author it but not create courses.
    let staff_token = app.login(&acme.domain, "staff", crate::org_tree::PASSWORD);
    send(&staff_token, json!({"run": "2027"})).expect_problem(403, "forbidden");

    let created = app
        .req("POST", &acme.domain, &reruns)
        .bearer(&rerunner_token)
        .header("Idempotency-Key", "rerun-bio-2027")
        .json(&json!({"run": "2027", "start": "2027-01-10T00:00:00Z", "end": "2027-05-01T00:00:00Z", "display_name": "Biology 2027"}))
        .expect(201);
    let key = "course-v1:LOW+BIO+2027";
    assert_eq!(created.header("location"), Some(course_path(key).as_str()));
    let rerun = created.json();
    assert_eq!(rerun["key"], key);
    assert_eq!(rerun["rerun_of"], source);
    assert_eq!(rerun["org"], "LOW");
    assert_eq!(rerun["number"], "BIO");
    assert_eq!(rerun["display_name"], "Biology 2027");
    assert_eq!(rerun["start"], "2027-01-10T00:00:00Z");
    for copied in [
        "language",
        "visibility",
        "invitation_only",
        "enrollment_limit",
        "short_description",
    ] {
        assert_eq!(rerun[copied], body[copied], "{copied}");
    }
    let mut expected = vec![
        (author, "course_instructor".to_owned()),
        (staff, "course_staff".to_owned()),
        (tester, "beta_tester".to_owned()),
        (rerunner, "course_staff".to_owned()),
        (rerunner, "course_instructor".to_owned()),
    ];
    expected.sort();
    assert_eq!(team(&app, acme, key), expected);
    // The replay answers the same without a second course or entry.
    let again = app
        .req("POST", &acme.domain, &reruns)
        .bearer(&rerunner_token)
        .header("Idempotency-Key", "rerun-bio-2027")
        .json(&json!({"run": "2027", "start": "2027-01-10T00:00:00Z", "end": "2027-05-01T00:00:00Z", "display_name": "Biology 2027"}))
        .expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json(), rerun);
    assert_eq!(audited(&app, acme, "course.rerun", key), 1);
    // Without the key, a second rerun to the same run is a conflict; a
    // rerun of a rerun keeps its own source.
    send(
        &rerunner_token,
        json!({"run": "2027", "end": "2027-06-01T00:00:00Z"}),
    )
    .expect_problem(409, "conflict");
    let next = app
        .req(
            "POST",
            &acme.domain,
            &format!("{}/reruns", course_path(key)),
        )
        .bearer(&author_token)
        .json(
            &json!({"run": "2028", "start": "2028-01-10T00:00:00Z", "end": "2028-05-01T00:00:00Z"}),
        )
        .expect(201)
        .json();
    assert_eq!(next["rerun_of"], key);
    assert_eq!(next["display_name"], "Biology 2027");
    // A deactivated organization takes no reruns either.
    acme.admin(&app, "PATCH", "/api/v1/organizations/LOW")
        .json(&json!({"is_active": false}))
        .expect(200);
    send(
        &rerunner_token,
        json!({"run": "2029", "end": "2029-06-01T00:00:00Z"}),
    )
    .expect_problem(409, "conflict");
    // A source the caller cannot see is a 404.
    let (_, learner) = account(&app, acme, "learner");
    let mut private = new_course("SIB", "HID", "1");
    private["visibility"] = json!("private");
    create(&app, acme, &acme.admin_token, &private).expect(201);
    app.req(
        "POST",
        &acme.domain,
        "/api/v1/courses/course-v1:SIB+HID+1/reruns",
    )
    .bearer(&learner)
    .json(&json!({"run": "2"}))
    .expect_problem(404, "not-found");
}

fn batches_are_all_or_nothing(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let batch = |courses: Vec<Value>| {
        acme.admin(&app, "POST", "/api/v1/courses/batch")
            .json(&json!({"courses": courses}))
    };
    let count = || {
        app.db.count_as_owner(&format!(
            "SELECT COUNT(*) AS n FROM courses WHERE tenant_id = {}",
            acme.tenant_id
        ))
    };
    let before = count();
    let mut bad_run = new_course("TOP", "T3", "R");
    bad_run["run"] = json!("no spaces");
    let fields = batch(vec![
        new_course("TOP", "T0", "R"),
        new_course("TOP", "T1", "R"),
        new_course("MID", "T2", "R"),
        bad_run,
        new_course("LOW", "T4", "R"),
    ])
    .field_errors();
    assert_eq!(fields, ["courses[3].run"]);
    assert_eq!(count(), before, "nothing created");

    acme.admin(&app, "PATCH", "/api/v1/organizations/SIBKID")
        .json(&json!({"is_active": false}))
        .expect(200);
    let mut dates = new_course("TOP", "D", "R");
    dates["start"] = json!("2026-02-01T00:00:00Z");
    dates["end"] = json!("2026-01-01T00:00:00Z");
    let fields = batch(vec![
        new_course("TOP", "OK", "R"),
        new_course("TOP", "C1", "2026"), // taken by the tree
        new_course("NOPE", "X", "R"),
        new_course("TOP", "OK", "R"), // repeats item 0
        dates,
        new_course("SIBKID", "X", "R"),
    ])
    .field_errors();
    assert_eq!(
        sorted(fields),
        strings(&[
            "courses[1].run",
            "courses[2].org",
            "courses[3].run",
            "courses[4].end",
            "courses[5].org"
        ])
    );
    assert_eq!(count(), before, "nothing created");
    assert_eq!(batch(vec![]).field_errors(), ["courses"]);
    let many: Vec<Value> = (0..101)
        .map(|i| new_course("TOP", &format!("M{i}"), "R"))
        .collect();
    assert_eq!(batch(many).field_errors(), ["courses"]);
    // One item where the caller may not create refuses the whole batch.
    let (creator, _) = account(&app, acme, "creator");
    admin_grants(&app, acme, creator, "course_creator", "org:TOP");
    let creator_token = app.login(&acme.domain, "creator", crate::org_tree::PASSWORD);
    app.req("POST", &acme.domain, "/api/v1/courses/batch")
        .bearer(&creator_token)
        .json(&json!({"courses": [new_course("TOP", "A", "R"), new_course("SIB", "B", "R")]}))
        .expect_problem(403, "forbidden");
    assert_eq!(count(), before, "nothing created");

    let good: Vec<Value> = (0..5)
        .map(|i| new_course(["TOP", "MID", "LOW"][i % 3], &format!("TERM{i}"), "2027_T1"))
        .collect();
    let send = || {
        app.req("POST", &acme.domain, "/api/v1/courses/batch")
            .bearer(&creator_token)
            .header("Idempotency-Key", "term-2027")
            .json(&json!({"courses": good}))
    };
    let created = send().expect(201).json();
    let made = keys(&created);
    assert_eq!(made[0], "course-v1:TOP+TERM0+2027_T1");
    assert_eq!(made.len(), 5);
    assert_eq!(count(), before + 5);
    let again = send().expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json(), created);
    assert_eq!(count(), before + 5);
    for key in &made {
        assert_eq!(audited(&app, acme, "course.create", key), 1);
        assert_eq!(
            team(&app, acme, key),
            [(creator, "course_instructor".into())]
        );
    }
    // A full batch with long descriptions is larger than one request may
    // be elsewhere (256 KiB), and is still taken.
    let full: Vec<Value> = (0..100)
        .map(|i| {
            let mut course = new_course("LOW", &format!("BIG{i}"), "1");
            course["short_description"] = json!("é".repeat(3_000));
            course
        })
        .collect();
    assert!(json!({"courses": full}).to_string().len() > 256 * 1024);
    assert_eq!(keys(&batch(full).expect(201).json()).len(), 100);
}

fn keys_are_taken_literally_and_percent_encoded(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let key = "course-v1:ACME+CS.101+2026_T1";
    create(
        &app,
        &acme,
        &acme.admin_token,
        &new_course("ACME", "CS.101", "2026_T1"),
    )
    .expect(201);
    for sent in [
        "course-v1:ACME+CS.101+2026_T1",
        "course-v1%3AACME%2BCS.101%2B2026_T1",
        "course-v1:ACME%2BCS.101%2B2026_T1",
        "course-v1%3aACME%2bCS.101%2b2026_T1",
    ] {
        let body = acme
            .admin(&app, "GET", &course_path(sent))
            .send()
            .expect(200)
            .json();
        assert_eq!(body["key"], key, "{sent}");
        acme.admin(&app, "PATCH", &course_path(sent))
            .json(&json!({"short_description": sent}))
            .expect(200);
    }
    // A `+` in a path is a plus, never a space; `%20` is a space, which no
    // key has.
    acme.admin(
        &app,
        "GET",
        "/api/v1/courses/course-v1:ACME%20CS.101%202026_T1",
    )
    .send()
    .expect_problem(404, "not-found");
    // Decoded once: `%252B` is the text `%2B`, not a plus.
    acme.admin(
        &app,
        "GET",
        "/api/v1/courses/course-v1%3AACME%252BCS.101%252B2026_T1",
    )
    .send()
    .expect_problem(404, "not-found");
    for malformed in [
        "nothing",
        "course-v1:ACME+CS.101",
        "course-v1:ACME+A+B+C",
        "%ZZ",
    ] {
        acme.admin(&app, "GET", &course_path(malformed))
            .send()
            .expect_problem(404, "not-found");
    }
    // `batch` is the batch endpoint's, which only takes POST.
    acme.admin(&app, "GET", "/api/v1/courses/batch")
        .send()
        .expect_problem(405, "method-not-allowed");
    let rerun = acme
        .admin(
            &app,
            "POST",
            "/api/v1/courses/course-v1%3AACME%2BCS.101%2B2026_T1/reruns",
        )
        .json(&json!({"run": "2027"}))
        .expect(201);
    assert_eq!(
        rerun.header("location"),
        Some("/api/v1/courses/course-v1:ACME+CS.101+2027")
    );
    acme.admin(
        &app,
        "DELETE",
        "/api/v1/courses/course-v1%3AACME%2BCS.101%2B2027",
    )
    .send()
    .expect(204);
    acme.admin(&app, "GET", &course_path("course-v1:ACME+CS.101+2027"))
        .send()
        .expect_problem(404, "not-found");
}

fn api_clients_create_within_their_organization(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let client_token = |scopes: &[&str], organization: Option<&str>| {
        let client = acme
            .admin(&app, "POST", "/api/v1/api-clients")
            .json(&json!({"name": "Term sync", "scopes": scopes, "organization": organization}))
            .expect(201)
            .json();
        app.req("POST", &acme.domain, "/api/v1/auth/token")
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client["client_id"].as_str().expect("id")),
                (
                    "client_secret",
                    client["client_secret"].as_str().expect("secret"),
                ),
            ])
            .expect(200)
            .json()["access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    };
    let writer = client_token(&["courses:write"], Some("TOP"));
    create(&app, acme, &writer, &new_course("LOW", "API", "1")).expect(201);
    create(&app, acme, &writer, &new_course("SIB", "API", "1")).expect_problem(403, "forbidden");
    // A client joins no team.
    assert!(team(&app, acme, "course-v1:LOW+API+1").is_empty());
    assert_eq!(
        listed(&app, acme, &writer, ""),
        strings(&[
            COURSE,
            "course-v1:TOP+OTHER+2026",
            "course-v1:LOW+X+1",
            "course-v1:LOW+API+1"
        ])
    );
    let reader = client_token(&["courses:read"], Some("SIB"));
    create(&app, acme, &reader, &new_course("SIB", "API", "2")).expect_problem(403, "forbidden");
    assert_eq!(
        listed(&app, acme, &reader, ""),
        strings(&["course-v1:SIB+X+1"])
    );
    let unrelated = client_token(&["users:read"], None);
    assert!(listed(&app, acme, &unrelated, "").is_empty());
}

fn graphql_takes_the_same_paths(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let gql = |query: &str, variables: Value| {
        app.graphql(&acme.domain, Some(&acme.admin_token), query, variables)
    };
    let created = gql(
        "mutation($input: NewCourseInput!) { createCourse(input: $input) { key version organization { shortName } } }",
        json!({"input": {"org": "MID", "number": "GQL", "run": "1", "displayName": "GraphQL", "language": "de"}}),
    );
    assert_eq!(
        created["data"]["createCourse"]["key"], "course-v1:MID+GQL+1",
        "{created}"
    );
    assert_eq!(
        created["data"]["createCourse"]["organization"]["shortName"],
        "MID"
    );
    // The same course over REST.
    let rest = acme
        .admin(&app, "GET", &course_path("course-v1:MID+GQL+1"))
        .send()
        .expect(200)
        .json();
    assert_eq!(rest["language"], "de");

    let listed = gql(
        "{ courses(limit: 100, org: \"TOP\") { items { key organization { shortName } } nextCursor } }",
        json!({}),
    );
    let items = listed["data"]["courses"]["items"]
        .as_array()
        .expect("items")
        .clone();
    let gql_keys: Vec<String> = items
        .iter()
        .map(|c| c["key"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        sorted(gql_keys),
        sorted(crate::courses::listed(
            &app,
            acme,
            &acme.admin_token,
            "&org=TOP"
        ))
    );
    assert!(
        items
            .iter()
            .any(|c| c["organization"]["shortName"] == "LOW"),
        "{listed}"
    );

    let stale = gql(
        "mutation { updateCourse(key: \"course-v1:MID+GQL+1\", input: {displayName: \"New\"}, expectedVersion: 7) { version } }",
        json!({}),
    );
    assert_eq!(
        stale["errors"][0]["extensions"]["code"], "PRECONDITION_FAILED",
        "{stale}"
    );
    let updated = gql(
        "mutation { updateCourse(key: \"course-v1:MID+GQL+1\", input: {displayName: \"New\", enrollmentLimit: 3}, expectedVersion: 1) { version displayName enrollmentLimit } }",
        json!({}),
    );
    assert_eq!(updated["data"]["updateCourse"]["version"], 2, "{updated}");
    assert_eq!(updated["data"]["updateCourse"]["enrollmentLimit"], 3);
    let rerun = gql(
        "mutation { rerunCourse(key: \"course-v1:MID+GQL+1\", input: {run: \"2\"}) { key rerunOf displayName } }",
        json!({}),
    );
    assert_eq!(
        rerun["data"]["rerunCourse"]["rerunOf"], "course-v1:MID+GQL+1",
        "{rerun}"
    );
    let batch = gql(
        "mutation($courses: [NewCourseInput!]!) { createCourses(courses: $courses) { key } }",
        json!({"courses": [
            {"org": "TOP", "number": "B", "run": "1", "displayName": "B"},
            {"org": "TOP", "number": "B", "run": "bad run", "displayName": "B"},
        ]}),
    );
    let error = &batch["errors"][0]["extensions"];
    assert_eq!(error["code"], "VALIDATION", "{batch}");
    assert_eq!(error["errors"][0]["field"], "courses[1].run", "{batch}");
    let missing = gql(
        "{ course(key: \"course-v1:MID+NONE+1\") { key } }",
        json!({}),
    );
    assert_eq!(
        missing["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{missing}"
    );
    let deleted = gql(
        "mutation { deleteCourse(key: \"course-v1:MID+GQL+2\") }",
        json!({}),
    );
    assert_eq!(deleted["data"]["deleteCourse"], true, "{deleted}");
    assert_eq!(
        audited(&app, acme, "course.delete", "course-v1:MID+GQL+2"),
        1
    );
}

/// The statements of one GraphQL page of courses with their nested
/// organizations, teams and enrollments (the fewest of five runs, as the
/// organization loaders' test counts them), and its answer.
fn statements_of_course_page(app: &TestApp, tenant: &Provisioned) -> (u64, Value) {
    let query =
        "{ courses(limit: 100) { items { key organization { shortName parent { shortName } } \
                 team { userId role } enrollments { userId mode } } } }";
    let answer = app.graphql(&tenant.domain, Some(&tenant.admin_token), query, json!({}));
    let mut fewest = u64::MAX;
    for _ in 0..5 {
        let before = app.state.db.statements_executed();
        app.graphql(&tenant.domain, Some(&tenant.admin_token), query, json!({}));
        fewest = fewest.min(app.state.db.statements_executed() - before);
    }
    (fewest, answer)
}

fn fifty_courses_load_their_nested_fields_in_batches(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    for n in 0..10 {
        acme.admin(&app, "POST", "/api/v1/organizations")
            .json(&json!({"short_name": format!("D{n}"), "name": format!("D{n}"), "parent": acme.org}))
            .expect(201);
    }
    let courses: Vec<Value> = (0..50)
        .map(|i| new_course(&format!("D{}", i % 10), &format!("N{i}"), "1"))
        .collect();
    let (small, _) = statements_of_course_page(&app, &acme);
    acme.admin(&app, "POST", "/api/v1/courses/batch")
        .json(&json!({"courses": courses}))
        .expect(201);
    // Two learners in every course, so that each roster has rows to load.
    let learners = [account(&app, &acme, "ann").0, account(&app, &acme, "bob").0];
    for i in 0..50 {
        for learner in learners {
            acme.admin(
                &app,
                "POST",
                &format!("/api/v1/courses/course-v1:D{}+N{i}+1/enrollments", i % 10),
            )
            .json(&json!({"user_id": learner, "mode": "audit"}))
            .expect(201);
        }
    }
    let (big, answer) = statements_of_course_page(&app, &acme);
    assert_eq!(answer["errors"], Value::Null, "{answer}");
    let items = answer["data"]["courses"]["items"]
        .as_array()
        .expect("items");
    assert_eq!(items.len(), 50);
    assert_eq!(items[13]["organization"]["shortName"], "D3");
    assert_eq!(
        items[13]["organization"]["parent"]["shortName"],
        acme.org.as_str()
    );
    // The admin created every course, so it is each one's instructor.
    for item in items {
        assert_eq!(item["team"][0]["role"], "course_instructor", "{item}");
        let enrolled: Vec<i64> = item["enrollments"]
            .as_array()
            .expect("the admin reads every roster")
            .iter()
            .map(|e| e["userId"].as_i64().expect("userId"))
            .collect();
        assert_eq!(enrolled, learners, "{item}");
    }
    eprintln!("course page: {small} statements for no courses, {big} for 50");
    // A statement per course and field (an N+1) would take at least 150.
    assert!(big < 35, "50 courses took {big} statements");
}

/// Studio's list for a caller who may author some organizations and some
/// courses outside them: one list in creation order across both, a course
/// that both bring listed once, whatever the page size.
fn studio_merges_organizations_and_team_courses_in_creation_order(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = &t.tenant;
    let (top_admin, _) = account(&app, acme, "topadmin");
    admin_grants(&app, acme, top_admin, "org_admin", "org:TOP");
    // Outside TOP's subtree, and inside it (listed already by the role).
    for course in ["course-v1:SIB+X+1", COURSE] {
        admin_grants(
            &app,
            acme,
            top_admin,
            "course_staff",
            &format!("course:{course}"),
        );
    }
    let token = app.login(&acme.domain, "topadmin", crate::org_tree::PASSWORD);
    // Creation order, as the tenant admin's list shows it.
    let expected = [
        COURSE,
        "course-v1:TOP+OTHER+2026",
        "course-v1:LOW+X+1",
        "course-v1:SIB+X+1",
    ];
    for limit in 1..=5 {
        let mut found = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = app
                .req(
                    "GET",
                    &acme.domain,
                    &format!("/api/v1/courses?limit={limit}{cursor}"),
                )
                .bearer(&token)
                .send()
                .expect(200)
                .json();
            found.extend(keys(&page));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        assert_eq!(found, expected, "limit {limit}");
    }
}

backend_tests!(
    creation_checks_every_field_and_makes_the_creator_instructor,
    idempotency_keys_replay_the_first_answer,
    studio_lists_and_edits_only_what_the_caller_may_author,
    studio_merges_organizations_and_team_courses_in_creation_order,
    ten_concurrent_creations_of_one_key_give_one_201,
    changes_are_conditional_and_keep_the_key,
    concurrent_changes_are_not_lost,
    deletion_needs_no_active_enrollment_and_takes_the_team,
    reruns_copy_settings_and_team,
    batches_are_all_or_nothing,
    keys_are_taken_literally_and_percent_encoded,
    api_clients_create_within_their_organization,
    graphql_takes_the_same_paths,
    fifty_courses_load_their_nested_fields_in_batches,
);
