//! Memberships (`/api/v1/organizations/{short_name}/members`,
//! `/api/v1/users/{id}/organizations`) and the site key
//! `REQUIRE_ORGANIZATION_MEMBERSHIP`, checked at token time.

use atrium_tests::{backend_tests, Backend, TestApp};
use serde_json::{json, Value};

use crate::organizations::{audited, create_org, create_user, put_configuration, PASSWORD};

fn short_names(list: &Value, field: &str) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m[field].to_string().trim_matches('"').to_owned())
        .collect()
}

fn members_are_added_updated_listed_and_removed(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    create_org(&app, &acme, "MATH", Some(&acme.org));
    let ada = create_user(&app, &acme, "ada");
    let bob = create_user(&app, &acme, "bob");
    let members = "/api/v1/organizations/MATH/members";
    let added = acme
        .admin(&app, "POST", members)
        .json(&json!({"user_id": ada}))
        .expect(201)
        .json();
    assert_eq!(added["organization"], "MATH");
    assert_eq!(added["user_id"], ada);
    assert_eq!(added["is_active"], true);
    acme.admin(&app, "POST", members)
        .json(&json!({"user_id": bob, "is_active": false}))
        .expect(201);
    // Again: the membership as it is now (200), changed only when asked.
    let same = acme
        .admin(&app, "POST", members)
        .json(&json!({"user_id": ada}))
        .expect(200)
        .json();
    assert_eq!(same["is_active"], true);
    let reactivated = acme
        .admin(&app, "POST", members)
        .json(&json!({"user_id": bob, "is_active": true}))
        .expect(200)
        .json();
    assert_eq!(reactivated["is_active"], true);
    let list = acme.admin(&app, "GET", members).send().expect(200).json();
    assert_eq!(
        short_names(&list, "user_id"),
        [ada.to_string(), bob.to_string()]
    );

    // Another tenant's user, or none: 404; a bad body: 400.
    acme.admin(&app, "POST", members)
        .json(&json!({"user_id": globex.admin_id}))
        .expect_problem(404, "not-found");
    acme.admin(&app, "POST", members)
        .json(&json!({"user": ada}))
        .expect_problem(400, "bad-request");

    // A user's organizations: the admin, or the user itself.
    let path = format!("/api/v1/users/{ada}/organizations");
    let mine = acme.admin(&app, "GET", &path).send().expect(200).json();
    assert_eq!(short_names(&mine, "organization"), ["MATH"]);
    let ada_token = app.login(&acme.domain, "ada", PASSWORD);
    app.req("GET", &acme.domain, &path)
        .bearer(&ada_token)
        .send()
        .expect(200);
    app.req(
        "GET",
        &acme.domain,
        &format!("/api/v1/users/{bob}/organizations"),
    )
    .bearer(&ada_token)
    .send()
    .expect_problem(403, "forbidden");
    acme.admin(
        &app,
        "GET",
        &format!("/api/v1/users/{}/organizations", globex.admin_id),
    )
    .send()
    .expect_problem(404, "not-found");
    // A learner may not manage members.
    app.req("POST", &acme.domain, members)
        .bearer(&ada_token)
        .json(&json!({"user_id": bob}))
        .expect_problem(403, "forbidden");

    acme.admin(&app, "DELETE", &format!("{members}/{bob}"))
        .send()
        .expect(204);
    acme.admin(&app, "DELETE", &format!("{members}/{bob}"))
        .send()
        .expect_problem(404, "not-found");
    let list = acme.admin(&app, "GET", members).send().expect(200).json();
    assert_eq!(short_names(&list, "user_id"), [ada.to_string()]);

    // One entry per write; the repeated add that changed nothing wrote none.
    assert_eq!(
        audited(&app, &acme, "membership.create", &format!("MATH:{ada}")),
        1
    );
    assert_eq!(
        audited(&app, &acme, "membership.create", &format!("MATH:{bob}")),
        1
    );
    assert_eq!(
        audited(&app, &acme, "membership.update", &format!("MATH:{bob}")),
        1
    );
    assert_eq!(
        audited(&app, &acme, "membership.update", &format!("MATH:{ada}")),
        0
    );
    assert_eq!(
        audited(&app, &acme, "membership.delete", &format!("MATH:{bob}")),
        1
    );
}

fn token_request(app: &TestApp, host: &str, username: &str) -> atrium_tests::Response {
    app.req("POST", host, "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": username, "password": PASSWORD}))
}

fn a_site_requiring_membership_refuses_non_members_at_token_time(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    create_org(&app, &acme, "SCHOOL", Some(&acme.org));
    create_org(&app, &acme, "DEPT", Some("SCHOOL"));
    create_org(&app, &acme, "ELSEWHERE", Some(&acme.org));
    let member = create_user(&app, &acme, "member");
    let outsider = create_user(&app, &acme, "outsider");
    acme.admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "open.acme.test", "name": "Open"}))
        .expect(201);
    // The member belongs below the filter's organization; the outsider
    // to an organization the site does not serve.
    acme.admin(&app, "POST", "/api/v1/organizations/DEPT/members")
        .json(&json!({"user_id": member}))
        .expect(201);
    acme.admin(&app, "POST", "/api/v1/organizations/ELSEWHERE/members")
        .json(&json!({"user_id": outsider}))
        .expect(201);
    // Before the key is set, both sign in; keep the outsider's session.
    let session = token_request(&app, &acme.domain, "outsider")
        .expect(200)
        .json();
    put_configuration(
        &app,
        &acme,
        acme.site_id,
        json!({"REQUIRE_ORGANIZATION_MEMBERSHIP": true, "course_org_filter": ["SCHOOL"]}),
    );
    // The wrong type is refused like any well-known key's.
    let path = format!("/api/v1/sites/{}/configuration", acme.site_id);
    let etag = acme.admin(&app, "GET", &path).send().expect(200);
    let etag = etag.header("etag").expect("etag").to_owned();
    assert_eq!(
        acme.admin(&app, "PUT", &path)
            .header("if-match", &etag)
            .json(&json!({"values": {"REQUIRE_ORGANIZATION_MEMBERSHIP": "yes"}, "enabled": true}))
            .field_errors(),
        ["values.REQUIRE_ORGANIZATION_MEMBERSHIP"]
    );

    let refused = token_request(&app, &acme.domain, "outsider").expect_problem(400, "oauth");
    assert_eq!(refused["error"], "invalid_grant", "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("members"),
        "{refused}"
    );
    // A wrong password still says only that.
    let wrong = app
        .req("POST", &acme.domain, "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": "outsider", "password": "not the password"}))
        .expect_problem(400, "oauth");
    assert_eq!(wrong["detail"], "invalid username or password");
    // The refresh grant is refused too.
    let refresh = session["refresh_token"].as_str().unwrap();
    let refused = app
        .req("POST", &acme.domain, "/api/v1/auth/token")
        .json(&json!({"grant_type": "refresh_token", "refresh_token": refresh}))
        .expect_problem(400, "oauth");
    assert!(
        refused["detail"].as_str().unwrap().contains("members"),
        "{refused}"
    );
    // A member of a descendant of the filter passes.
    token_request(&app, &acme.domain, "member").expect(200);
    // The sibling site of the same tenant, without the key, stays open.
    token_request(&app, "open.acme.test", "outsider").expect(200);

    // An inactive membership, or an inactive organization, counts for nothing.
    acme.admin(&app, "POST", "/api/v1/organizations/DEPT/members")
        .json(&json!({"user_id": member, "is_active": false}))
        .expect(200);
    token_request(&app, &acme.domain, "member").expect_problem(400, "oauth");
    acme.admin(&app, "POST", "/api/v1/organizations/DEPT/members")
        .json(&json!({"user_id": member, "is_active": true}))
        .expect(200);
    acme.admin(&app, "PATCH", "/api/v1/organizations/DEPT")
        .json(&json!({"is_active": false}))
        .expect(200);
    token_request(&app, &acme.domain, "member").expect_problem(400, "oauth");

    // Without a filter, a membership anywhere in the tenant will do.
    put_configuration(
        &app,
        &acme,
        acme.site_id,
        json!({"REQUIRE_ORGANIZATION_MEMBERSHIP": true}),
    );
    token_request(&app, &acme.domain, "outsider").expect(200);
    // The member, whose only organization is inactive, stays out.
    token_request(&app, &acme.domain, "member").expect_problem(400, "oauth");
}

/// Racing adds of the same member: one makes it (201), the others find it
/// made (200), none is a conflict.
fn racing_adds_of_one_member_all_succeed(backend: Backend) {
    use std::sync::{Arc, Barrier};
    let app = Arc::new(TestApp::start(backend));
    let acme = app.provision("acme");
    create_org(&app, &acme, "RACE", Some(&acme.org));
    for round in 0..5 {
        let user = create_user(&app, &acme, &format!("racer{round}"));
        let racers = 4;
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
                    app.req("POST", &domain, "/api/v1/organizations/RACE/members")
                        .bearer(&token)
                        .json(&json!({"user_id": user}))
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
        assert!(
            statuses.iter().all(|s| [200, 201].contains(s)),
            "{statuses:?}"
        );
    }
}

backend_tests!(
    racing_adds_of_one_member_all_succeed,
    members_are_added_updated_listed_and_removed,
    a_site_requiring_membership_refuses_non_members_at_token_time,
);
