//! `Idempotency-Key` on any write: replays, a different body, a duplicate in
//! flight, keys per tenant and caller, and their 24-hour lifetime.

use std::sync::{Arc, Barrier};

use atrium_tests::{backend_tests, Backend, TestApp};
use serde_json::json;

fn a_tenant_write_replays_its_first_answer(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let body = json!({"domain": "learn.acme.test", "name": "Learn"});
    let first = acme
        .admin(&app, "POST", "/api/v1/sites")
        .header("Idempotency-Key", "site-1")
        .json(&body)
        .expect(201);
    let again = acme
        .admin(&app, "POST", "/api/v1/sites")
        .header("Idempotency-Key", "site-1")
        .json(&body)
        .expect(201);
    assert_eq!(first.json(), again.json());
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    // One site was made, not two.
    let sites = acme.admin(&app, "GET", "/api/v1/sites").send().expect(200);
    assert_eq!(sites.json()["items"].as_array().map(Vec::len), Some(2));
    // The same key with another body is refused and makes nothing.
    acme.admin(&app, "POST", "/api/v1/sites")
        .header("Idempotency-Key", "site-1")
        .json(&json!({"domain": "other.acme.test", "name": "Other"}))
        .expect_problem(422, "unprocessable");
    // A write that failed keeps no key: fixing the body and retrying works.
    acme.admin(&app, "POST", "/api/v1/sites")
        .header("Idempotency-Key", "site-2")
        .json(&json!({"domain": "NOT A DOMAIN", "name": "Bad"}))
        .expect_problem(400, "validation");
    acme.admin(&app, "POST", "/api/v1/sites")
        .header("Idempotency-Key", "site-2")
        .json(&json!({"domain": "fixed.acme.test", "name": "Fixed"}))
        .expect(201);
}

fn keys_belong_to_their_tenant(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    // The same key in two tenants is two keys: each write happens.
    for (tenant, domain) in [(&acme, "a.acme.test"), (&globex, "g.globex.test")] {
        let created = tenant
            .admin(&app, "POST", "/api/v1/sites")
            .header("Idempotency-Key", "shared-key")
            .json(&json!({"domain": domain, "name": "Site"}))
            .expect(201);
        assert_eq!(created.header("idempotent-replayed"), None);
        assert_eq!(created.json()["domain"], domain);
    }
}

fn a_duplicate_in_flight_is_a_conflict(backend: Backend) {
    let app = Arc::new(TestApp::start(backend));
    let token = app.operator_token();
    let body = TestApp::tenant_body("acme");
    let racers = 6;
    let start = Arc::new(Barrier::new(racers));
    let racing: Vec<_> = (0..racers)
        .map(|_| {
            let (app, token, body, start) = (
                Arc::clone(&app),
                token.clone(),
                body.clone(),
                Arc::clone(&start),
            );
            std::thread::spawn(move || {
                start.wait();
                let response = app
                    .platform("POST", "/api/v1/tenants")
                    .bearer(&token)
                    .header("Idempotency-Key", "race")
                    .json(&body);
                let replayed = response.header("idempotent-replayed").is_some();
                (response.status, replayed, response.json())
            })
        })
        .collect();
    let answers: Vec<_> = racing
        .into_iter()
        .map(|racer| racer.join().expect("racer"))
        .collect();
    let created: Vec<_> = answers
        .iter()
        .filter(|(status, replayed, _)| *status == 201 && !replayed)
        .collect();
    assert_eq!(created.len(), 1, "{answers:?}");
    // Provisioning hashes a password, so the others arrive while it runs.
    let in_flight = answers.iter().filter(|(status, ..)| *status == 409).count();
    assert!(in_flight >= 1, "{answers:?}");
    for (status, replayed, answer) in &answers {
        match status {
            201 => assert_eq!(answer, &created[0].2),
            409 => assert!(!replayed && answer["type"].as_str().unwrap().ends_with("/conflict")),
            other => panic!("unexpected {other}: {answer}"),
        }
    }
    // Once done, the key replays.
    let replay = app
        .platform("POST", "/api/v1/tenants")
        .bearer(&token)
        .header("Idempotency-Key", "race")
        .json(&body)
        .expect(201);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
}

fn keys_expire_after_a_day(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    acme.admin(&app, "POST", "/api/v1/sites")
        .header("Idempotency-Key", "old")
        .json(&json!({"domain": "one.acme.test", "name": "One"}))
        .expect(201);
    // A day and a bit later the key is free again, for any body.
    app.db
        .execute_as_owner("UPDATE tenant_idempotency_keys SET created_at = '2000-01-01 00:00:00'");
    let fresh = acme
        .admin(&app, "POST", "/api/v1/sites")
        .header("Idempotency-Key", "old")
        .json(&json!({"domain": "two.acme.test", "name": "Two"}))
        .expect(201);
    assert_eq!(fresh.header("idempotent-replayed"), None);
    assert_eq!(fresh.json()["domain"], "two.acme.test");
}

backend_tests!(
    a_tenant_write_replays_its_first_answer,
    keys_belong_to_their_tenant,
    a_duplicate_in_flight_is_a_conflict,
    keys_expire_after_a_day,
);
