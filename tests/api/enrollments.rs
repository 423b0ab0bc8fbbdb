//! Enrollments (`/api/v1/courses/{course_key}/enrollments`,
//! `/api/v1/me/enrollments`, GraphQL `enroll`, `unenroll`,
//! `myEnrollments`, `courseEnrollments`): learners enroll themselves where
//! a course lets them, staff enroll anyone, the limit holds under
//! concurrency, and unenrolling keeps the record.

use std::sync::{Arc, Barrier};

use atrium_db::courses::CourseSettings;
use atrium_db::Access;
use atrium_tests::{backend_tests, Backend, Provisioned, TestApp};
use serde_json::{json, Value};

use crate::catalog::days;
use crate::org_tree::{account, admin_grants, insert_course_with, settings, tree, Tree, COURSE};

fn enrollments_of(key: &str) -> String {
    format!("/api/v1/courses/{key}/enrollments")
}

fn enroll(
    app: &TestApp,
    tenant: &Provisioned,
    token: &str,
    key: &str,
    body: Value,
) -> atrium_tests::Response {
    app.req("POST", &tenant.domain, &enrollments_of(key))
        .bearer(token)
        .json(&body)
}

fn users_of(page: &Value) -> Vec<(i64, bool)> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["user_id"].as_i64().expect("user_id"),
                e["is_active"].as_bool().expect("is_active"),
            )
        })
        .collect()
}

/// A course of SIBKID (which the tree leaves empty) with `settings`.
fn course(app: &TestApp, t: &Tree, key: &str, settings: CourseSettings) -> String {
    insert_course_with(app, &t.tenant.slug, t.sibkid, key, settings);
    key.to_owned()
}

fn learners_enroll_themselves_where_the_course_lets_them(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = t.tenant.clone();
    let (ada, ada_token) = account(&app, &acme, "ada");
    let public = course(&app, &t, "course-v1:SIBKID+PUB+1", settings("Public"));
    let unlisted = course(
        &app,
        &t,
        "course-v1:SIBKID+UNL+1",
        CourseSettings {
            visibility: "unlisted".into(),
            enrollment_starts_at: days(-1),
            enrollment_ends_at: days(1),
            ..settings("Unlisted, open")
        },
    );
    let private = course(
        &app,
        &t,
        "course-v1:SIBKID+PRIV+1",
        CourseSettings {
            visibility: "private".into(),
            ..settings("Private")
        },
    );
    let invited = course(
        &app,
        &t,
        "course-v1:SIBKID+INV+1",
        CourseSettings {
            invitation_only: true,
            ..settings("Invitation only")
        },
    );
    let closed = course(
        &app,
        &t,
        "course-v1:SIBKID+CLOSED+1",
        CourseSettings {
            enrollment_ends_at: days(-1),
            ..settings("Closed")
        },
    );
    let later = course(
        &app,
        &t,
        "course-v1:SIBKID+LATER+1",
        CourseSettings {
            enrollment_starts_at: days(2),
            ..settings("Later")
        },
    );

    let made = enroll(&app, &acme, &ada_token, &public, json!({"mode": "audit"}))
        .expect(201)
        .json();
    assert_eq!(made["user_id"], ada);
    assert_eq!(made["course_key"], public.as_str());
    assert_eq!(made["course_display_name"], "Public");
    assert_eq!(made["mode"], "audit");
    assert_eq!(made["is_active"], true);
    // Active already: a conflict, whatever the mode.
    enroll(&app, &acme, &ada_token, &public, json!({"mode": "audit"}))
        .expect_problem(409, "conflict");
    // `verified` is staff's to give, whether enrolled already or not.
    assert_eq!(
        enroll(
            &app,
            &acme,
            &ada_token,
            &public,
            json!({"mode": "verified"}),
        )
        .field_errors(),
        ["mode"]
    );
    assert_eq!(
        enroll(
            &app,
            &acme,
            &ada_token,
            &unlisted,
            json!({"mode": "verified"}),
        )
        .field_errors(),
        ["mode"]
    );
    // Its own id is the same as none; the key percent-encoded too.
    let encoded = unlisted.replace(':', "%3A").replace('+', "%2B");
    enroll(
        &app,
        &acme,
        &ada_token,
        &encoded,
        json!({"user_id": ada, "mode": "honor"}),
    )
    .expect(201);

    let private_404 = enroll(&app, &acme, &ada_token, &private, json!({"mode": "audit"}))
        .expect_problem(404, "not-found");
    let unknown_404 = enroll(
        &app,
        &acme,
        &ada_token,
        "course-v1:SIBKID+NOPE+1",
        json!({"mode": "audit"}),
    )
    .expect_problem(404, "not-found");
    assert_eq!(private_404["detail"], unknown_404["detail"]);
    for (key, reason) in [
        (&invited, "invitation only"),
        (&closed, "closed"),
        (&later, "opens"),
    ] {
        let refused = enroll(&app, &acme, &ada_token, key, json!({"mode": "audit"}))
            .expect_problem(403, "forbidden");
        let detail = refused["detail"].as_str().expect("detail");
        assert!(detail.contains(reason), "{key}: {detail}");
    }
    // A course of another tenant, even with the same key, is not found.
    let globex = tree(&app, "globex");
    let elsewhere = course(&app, &globex, "course-v1:SIBKID+GLOBEX+1", settings("G"));
    enroll(
        &app,
        &acme,
        &ada_token,
        &elsewhere,
        json!({"mode": "audit"}),
    )
    .expect_problem(404, "not-found");
    // Modes, bodies, anonymous callers.
    let fields =
        enroll(&app, &acme, &ada_token, &closed, json!({"mode": "premium"})).field_errors();
    assert_eq!(fields, ["mode"]);
    enroll(
        &app,
        &acme,
        &ada_token,
        &public,
        json!({"mode": "audit", "extra": 1}),
    )
    .expect(400);
    app.req("POST", &acme.domain, &enrollments_of(&public))
        .json(&json!({"mode": "audit"}))
        .expect_problem(401, "unauthenticated");
    // A learner does not enroll others, nor read a roster.
    let (bob, bob_token) = account(&app, &acme, "bob");
    enroll(
        &app,
        &acme,
        &ada_token,
        &later,
        json!({"user_id": bob, "mode": "audit"}),
    )
    .expect_problem(403, "forbidden");
    enroll(
        &app,
        &acme,
        &ada_token,
        &private,
        json!({"user_id": bob, "mode": "audit"}),
    )
    .expect_problem(404, "not-found");
    app.req("GET", &acme.domain, &enrollments_of(&public))
        .bearer(&bob_token)
        .send()
        .expect_problem(403, "forbidden");

    let mine = app
        .req("GET", &acme.domain, "/api/v1/me/enrollments")
        .bearer(&ada_token)
        .send()
        .expect(200)
        .json();
    let keys: Vec<&str> = mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["course_key"].as_str().expect("key"))
        .collect();
    assert_eq!(keys, [public.as_str(), unlisted.as_str()]);
    assert_eq!(mine["items"][1]["course_display_name"], "Unlisted, open");
    assert_eq!(
        audit_count_text(&app, &acme, "enrollment.create", &format!("{public}:{ada}")),
        1
    );
}

/// Audit entries of `tenant` with `action` on a text target.
fn audit_count_text(app: &TestApp, tenant: &Provisioned, action: &str, target: &str) -> i64 {
    app.db.count_as_owner(&format!(
        "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = {} AND action = '{action}' \
         AND target_id = '{target}'",
        tenant.tenant_id
    ))
}

fn staff_enroll_others_anywhere_in_their_courses(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = t.tenant.clone();
    let (learner, _) = account(&app, &acme, "learner");
    let (staff, staff_token) = account(&app, &acme, "staff");
    let private = course(
        &app,
        &t,
        "course-v1:SIBKID+STAFF+1",
        CourseSettings {
            visibility: "private".into(),
            invitation_only: true,
            enrollment_ends_at: days(-3),
            enrollment_limit: Some(5),
            ..settings("Staff only")
        },
    );
    admin_grants(
        &app,
        &acme,
        staff,
        "course_staff",
        &format!("course:{private}"),
    );

    let made = enroll(
        &app,
        &acme,
        &staff_token,
        &private,
        json!({"user_id": learner, "mode": "verified"}),
    )
    .expect(201)
    .json();
    assert_eq!(made["mode"], "verified");
    // Staff change the mode of an active enrollment (200).
    enroll(
        &app,
        &acme,
        &staff_token,
        &private,
        json!({"user_id": learner, "mode": "honor"}),
    )
    .expect(200);
    // An account of another tenant, or none, is not found.
    let globex = app.provision("globex");
    enroll(
        &app,
        &acme,
        &staff_token,
        &private,
        json!({"user_id": globex.admin_id, "mode": "audit"}),
    )
    .expect_problem(404, "not-found");
    enroll(
        &app,
        &acme,
        &staff_token,
        &private,
        json!({"user_id": 999_999, "mode": "audit"}),
    )
    .expect_problem(404, "not-found");
    // The staff's grant is on this course only.
    enroll(
        &app,
        &acme,
        &staff_token,
        COURSE,
        json!({"user_id": learner, "mode": "audit"}),
    )
    .expect_problem(403, "forbidden");
    // The tenant's admin too.
    enroll(
        &app,
        &acme,
        &acme.admin_token,
        COURSE,
        json!({"user_id": learner, "mode": "audit"}),
    )
    .expect(201);

    // An API client with enrollments:write, limited to TOP: TOP's courses
    // and those below (LOW), not SIB's.
    let client = acme
        .admin(&app, "POST", "/api/v1/api-clients")
        .json(&json!({"name": "SIS", "scopes": ["enrollments:write"], "organization": "TOP"}))
        .expect(201)
        .json();
    let client_token = app
        .req("POST", &acme.domain, "/api/v1/auth/token")
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
        .to_owned();
    enroll(
        &app,
        &acme,
        &client_token,
        "course-v1:LOW+X+1",
        json!({"user_id": learner, "mode": "audit"}),
    )
    .expect(201);
    let refused = enroll(
        &app,
        &acme,
        &client_token,
        "course-v1:SIB+X+1",
        json!({"user_id": learner, "mode": "audit"}),
    )
    .status;
    assert!([403, 404].contains(&refused), "{refused}");
    // A client names whom it enrolls.
    let fields = enroll(
        &app,
        &acme,
        &client_token,
        "course-v1:LOW+X+1",
        json!({"mode": "audit"}),
    )
    .field_errors();
    assert_eq!(fields, ["user_id"]);
    app.req("GET", &acme.domain, "/api/v1/me/enrollments")
        .bearer(&client_token)
        .send()
        .expect_problem(403, "forbidden");

    let roster = app
        .req("GET", &acme.domain, &enrollments_of(&private))
        .bearer(&staff_token)
        .send()
        .expect(200)
        .json();
    assert_eq!(users_of(&roster), [(learner, true)]);
    assert_eq!(roster["items"][0]["mode"], "honor");
}

fn unenrolling_keeps_the_record_and_enrolling_again_reactivates_it(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = t.tenant.clone();
    let (ada, ada_token) = account(&app, &acme, "ada");
    let (bob, bob_token) = account(&app, &acme, "bob");
    let key = course(&app, &t, "course-v1:SIBKID+HIST+1", settings("History"));
    let other = course(&app, &t, "course-v1:SIBKID+GEO+1", settings("Geography"));
    enroll(&app, &acme, &ada_token, &key, json!({"mode": "audit"})).expect(201);
    enroll(&app, &acme, &ada_token, &other, json!({"mode": "audit"})).expect(201);
    enroll(&app, &acme, &bob_token, &key, json!({"mode": "honor"})).expect(201);

    // Bob may not unenroll Ada; Ada unenrolls herself.
    app.req(
        "DELETE",
        &acme.domain,
        &format!("{}/{ada}", enrollments_of(&key)),
    )
    .bearer(&bob_token)
    .send()
    .expect_problem(403, "forbidden");
    app.req(
        "DELETE",
        &acme.domain,
        &format!("{}/{ada}", enrollments_of(&key)),
    )
    .bearer(&ada_token)
    .send()
    .expect(204);
    // Staff unenroll Bob; an absent enrollment is not found.
    acme.admin(&app, "DELETE", &format!("{}/{bob}", enrollments_of(&key)))
        .send()
        .expect(204);
    acme.admin(
        &app,
        "DELETE",
        &format!("{}/{}", enrollments_of(&key), acme.admin_id),
    )
    .send()
    .expect_problem(404, "not-found");

    let active = acme
        .admin(&app, "GET", &enrollments_of(&key))
        .send()
        .expect(200)
        .json();
    assert!(users_of(&active).is_empty(), "{active}");
    let all = acme
        .admin(
            &app,
            "GET",
            &format!("{}?include_inactive=true", enrollments_of(&key)),
        )
        .send()
        .expect(200)
        .json();
    assert_eq!(users_of(&all), [(ada, false), (bob, false)]);
    let mine = |include: &str| {
        app.req(
            "GET",
            &acme.domain,
            &format!("/api/v1/me/enrollments{include}"),
        )
        .bearer(&ada_token)
        .send()
        .expect(200)
        .json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| {
                (
                    e["course_key"].as_str().expect("key").to_owned(),
                    e["is_active"].as_bool().expect("active"),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(mine(""), [(other.clone(), true)]);
    assert_eq!(
        mine("?include_inactive=true"),
        [(key.clone(), false), (other.clone(), true)]
    );

    // Enrolling again reactivates the record (200), in the mode sent.
    let again = enroll(&app, &acme, &ada_token, &key, json!({"mode": "honor"}))
        .expect(200)
        .json();
    assert_eq!(again["is_active"], true);
    assert_eq!(again["mode"], "honor");
    let target = format!("{key}:{ada}");
    for action in [
        "enrollment.create",
        "enrollment.delete",
        "enrollment.update",
    ] {
        assert_eq!(
            audit_count_text(&app, &acme, action, &target),
            1,
            "{action}"
        );
    }

    // Paging: one course at a time, in course order.
    let first = app
        .req("GET", &acme.domain, "/api/v1/me/enrollments?limit=1")
        .bearer(&ada_token)
        .send()
        .expect(200)
        .json();
    assert_eq!(first["items"][0]["course_key"], key.as_str());
    let cursor = first["next_cursor"].as_str().expect("cursor");
    let second = app
        .req(
            "GET",
            &acme.domain,
            &format!("/api/v1/me/enrollments?limit=1&cursor={cursor}"),
        )
        .bearer(&ada_token)
        .send()
        .expect(200)
        .json();
    assert_eq!(second["items"][0]["course_key"], other.as_str());
    assert_eq!(second["next_cursor"], Value::Null);
}

/// Inserts `n` accounts into `slug`'s tenant at once; answers their ids.
fn insert_users(app: &TestApp, slug: &str, n: usize) -> Vec<i64> {
    let slug = slug.to_owned();
    let db = app.state.db.clone();
    actix_web::rt::System::new()
        .block_on(db.platform(Access::Write, move |tx| {
            let tenant = atrium_db::tenants::find_by_slug(tx, &slug)?;
            let mut scoped = tx.enter_tenant(&tenant)?;
            (0..n)
                .map(|i| {
                    let name = format!("crowd{i}");
                    atrium_db::users::insert(
                        &mut scoped,
                        atrium_db::users::NewUser {
                            email: &format!("{name}@example.org"),
                            username: &name,
                            name: &name,
                            password_hash: "not a hash: these accounts never log in",
                        },
                    )
                    .map(|row| row.id)
                })
                .collect::<Result<Vec<_>, _>>()
        }))
        .expect("insert users")
}

fn fifty_racing_enrollments_fill_a_course_of_ten_exactly(backend: Backend) {
    let app = Arc::new(TestApp::start(backend));
    let t = tree(&app, "acme");
    let acme = t.tenant.clone();
    let key = course(
        &app,
        &t,
        "course-v1:SIBKID+FULL+1",
        CourseSettings {
            enrollment_limit: Some(10),
            ..settings("Ten seats")
        },
    );
    let users = insert_users(&app, "acme", 50);
    let start = Arc::new(Barrier::new(users.len()));
    let answers: Vec<(u16, String)> = users
        .iter()
        .map(|user| {
            let (app, start, domain, token, path, user) = (
                Arc::clone(&app),
                Arc::clone(&start),
                acme.domain.clone(),
                acme.admin_token.clone(),
                enrollments_of(&key),
                *user,
            );
            std::thread::spawn(move || {
                start.wait();
                let response = app
                    .req("POST", &domain, &path)
                    .bearer(&token)
                    .json(&json!({"user_id": user, "mode": "audit"}));
                (response.status, response.text)
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|racer| racer.join().expect("racer"))
        .collect();
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    let full = answers
        .iter()
        .filter(|(s, body)| *s == 409 && body.contains("the course is full"))
        .count();
    assert_eq!((created, full), (10, 40), "{answers:?}");
    let roster = acme
        .admin(&app, "GET", &format!("{}?limit=100", enrollments_of(&key)))
        .send()
        .expect(200)
        .json();
    assert_eq!(users_of(&roster).len(), 10);
    // One leaves: one seat opens, for exactly one more.
    let leaver = users_of(&roster)[0].0;
    acme.admin(
        &app,
        "DELETE",
        &format!("{}/{leaver}", enrollments_of(&key)),
    )
    .send()
    .expect(204);
    let waiting: Vec<i64> = users
        .iter()
        .copied()
        .filter(|u| !users_of(&roster).iter().any(|(r, _)| r == u))
        .take(2)
        .collect();
    enroll(
        &app,
        &acme,
        &acme.admin_token,
        &key,
        json!({"user_id": waiting[0], "mode": "audit"}),
    )
    .expect(201);
    enroll(
        &app,
        &acme,
        &acme.admin_token,
        &key,
        json!({"user_id": waiting[1], "mode": "audit"}),
    )
    .expect_problem(409, "conflict");
    // Reactivating counts as a seat too.
    enroll(
        &app,
        &acme,
        &acme.admin_token,
        &key,
        json!({"user_id": leaver, "mode": "audit"}),
    )
    .expect_problem(409, "conflict");
}

fn graphql_enrolls_and_lists_like_rest(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = t.tenant.clone();
    let (ada, ada_token) = account(&app, &acme, "ada");
    let key = course(&app, &t, "course-v1:SIBKID+GQL+1", settings("Graph"));
    let invited = course(
        &app,
        &t,
        "course-v1:SIBKID+GINV+1",
        CourseSettings {
            invitation_only: true,
            ..settings("Invited")
        },
    );
    let enroll_mutation = "mutation($key: String!, $user: Int) { enroll(courseKey: $key, userId: $user, mode: AUDIT) \
                           { created enrollment { courseKey userId mode isActive } } }";
    let made = app.graphql(
        &acme.domain,
        Some(&ada_token),
        enroll_mutation,
        json!({"key": key}),
    );
    assert!(made.get("errors").is_none(), "{made}");
    assert_eq!(made["data"]["enroll"]["created"], true);
    assert_eq!(made["data"]["enroll"]["enrollment"]["mode"], "AUDIT");
    assert_eq!(made["data"]["enroll"]["enrollment"]["userId"], ada);
    let again = app.graphql(
        &acme.domain,
        Some(&ada_token),
        enroll_mutation,
        json!({"key": key}),
    );
    assert_eq!(again["errors"][0]["extensions"]["status"], 409, "{again}");
    let refused = app.graphql(
        &acme.domain,
        Some(&ada_token),
        enroll_mutation,
        json!({"key": invited}),
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
    let anonymous = app.graphql(&acme.domain, None, enroll_mutation, json!({"key": key}));
    assert_eq!(
        anonymous["errors"][0]["extensions"]["status"], 401,
        "{anonymous}"
    );
    // Staff enroll Ada in the invitation-only course.
    let staff = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        enroll_mutation,
        json!({"key": invited, "user": ada}),
    );
    assert_eq!(staff["data"]["enroll"]["created"], true, "{staff}");

    let mine = app.graphql(
        &acme.domain,
        Some(&ada_token),
        "{ myEnrollments { items { courseKey courseDisplayName isActive } nextCursor } }",
        json!({}),
    );
    let rest = app
        .req("GET", &acme.domain, "/api/v1/me/enrollments")
        .bearer(&ada_token)
        .send()
        .expect(200)
        .json();
    let gql_keys: Vec<&Value> = mine["data"]["myEnrollments"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| &e["courseKey"])
        .collect();
    let rest_keys: Vec<&Value> = rest["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| &e["course_key"])
        .collect();
    assert_eq!(gql_keys, rest_keys);
    assert_eq!(gql_keys.len(), 2);

    let unenroll = app.graphql(
        &acme.domain,
        Some(&ada_token),
        "mutation($key: String!, $user: Int!) { unenroll(courseKey: $key, userId: $user) }",
        json!({"key": key, "user": ada}),
    );
    assert_eq!(unenroll["data"]["unenroll"], true, "{unenroll}");
    let roster = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        "query($key: String!) { courseEnrollments(key: $key, includeInactive: true) { items { userId isActive } } }",
        json!({"key": key}),
    );
    assert_eq!(
        roster["data"]["courseEnrollments"]["items"],
        json!([{"userId": ada, "isActive": false}]),
        "{roster}"
    );
    let learner_roster = app.graphql(
        &acme.domain,
        Some(&ada_token),
        "query($key: String!) { courseEnrollments(key: $key) { items { userId } } }",
        json!({"key": key}),
    );
    assert_eq!(
        learner_roster["errors"][0]["extensions"]["code"],
        "FORBIDDEN"
    );
}

/// Enrolls `users` in `course` of `slug`'s tenant directly (the loader's
/// test needs many).
fn insert_enrollments(app: &TestApp, slug: &str, course: i64, users: Vec<i64>) {
    let slug = slug.to_owned();
    let db = app.state.db.clone();
    actix_web::rt::System::new()
        .block_on(db.platform(Access::Write, move |tx| {
            let tenant = atrium_db::tenants::find_by_slug(tx, &slug)?;
            let mut scoped = tx.enter_tenant(&tenant)?;
            for user in users {
                atrium_db::enrollments::insert(&mut scoped, course, user, "audit")?;
            }
            Ok::<_, atrium_db::DbError>(())
        }))
        .expect("insert enrollments");
}

/// The domain function behind GraphQL's `Course.enrollments` loader: fifty
/// courses in a handful of statements, each course's list for those who
/// manage its enrollments only.
fn the_roster_loader_reads_fifty_courses_in_a_few_statements(backend: Backend) {
    use atrium_core::CourseId;
    use atrium_permissions::Role;
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = t.tenant.clone();
    let users = insert_users(&app, "acme", 3);
    let mut ids = Vec::new();
    for n in 0..50 {
        let id = insert_course_with(
            &app,
            "acme",
            t.sibkid,
            &format!("course-v1:SIBKID+L{n}+1"),
            settings(&format!("Loaded {n}")),
        );
        // Course n has n % 4 learners.
        insert_enrollments(
            &app,
            "acme",
            id,
            users.iter().copied().take(n % 4).collect(),
        );
        ids.push(CourseId(id));
    }
    let scope = actix_web::rt::System::new()
        .block_on(app.state.sites.directory.resolve(&acme.domain))
        .expect("resolve");
    let atrium_sites::Resolution::Tenant(entry) = scope else {
        panic!("a tenant host");
    };
    let load = |caller: atrium_permissions::Caller| {
        let courses = std::sync::Arc::clone(&app.state.courses);
        let ids = ids.clone();
        let before = app.state.db.statements_executed();
        let found = actix_web::rt::System::new()
            .block_on(courses.first_enrollments_of_courses(&caller, entry.scope, ids))
            .expect("load");
        (found, app.state.db.statements_executed() - before)
    };

    let admin = t.user_caller(acme.admin_id, Some((Role::TenantAdmin, "tenant")));
    let (found, statements) = load(admin);
    assert_eq!(found.len(), 50);
    for (n, id) in ids.iter().enumerate() {
        let list = found[id].as_ref().expect("the admin manages every course");
        assert_eq!(list.len(), n % 4, "course {n}");
        assert!(list.iter().all(|e| e.is_active && e.course_id == *id));
    }
    // BEGIN, the courses, the tree, the enrollments, COMMIT (and the
    // tenant setting on PostgreSQL): not one per course.
    assert!(statements <= 8, "{statements} statements for 50 courses");

    // Course staff of one course: its list, and null for the others.
    let staff = t.user_caller(
        users[0],
        Some((Role::CourseStaff, "course:course-v1:SIBKID+L3+1")),
    );
    let (found, _) = load(staff);
    assert_eq!(found[&ids[3]].as_ref().map(Vec::len), Some(3));
    assert!(ids
        .iter()
        .enumerate()
        .filter(|(n, _)| *n != 3)
        .all(|(_, id)| found[id].is_none()));
}

backend_tests!(
    learners_enroll_themselves_where_the_course_lets_them,
    staff_enroll_others_anywhere_in_their_courses,
    unenrolling_keeps_the_record_and_enrolling_again_reactivates_it,
    fifty_racing_enrollments_fill_a_course_of_ten_exactly,
    graphql_enrolls_and_lists_like_rest,
    the_roster_loader_reads_fifty_courses_in_a_few_statements,
);
