//! A database outage seen by the running service: while PostgreSQL is out
//! of reach every request that needs it answers a 503 problem (GraphQL an
//! `UNAVAILABLE` error) within two seconds, readiness says not ready, and
//! once the database is back the same process serves again, writes made
//! before the outage intact. The outage is a proxy between the service and
//! the shared server, cut and restored by the test.

use std::time::{Duration, Instant};

use atrium_tests::{postgres_tests, Backend, DatabaseProxy, Provisioned, TestApp, TestDb};
use serde_json::json;

/// What a client waits at most for its answer while the database is out.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);
/// How long the service may take to serve again once the database is back.
const RECOVERY_WITHIN: Duration = Duration::from_secs(10);

fn app_behind_proxy() -> (TestApp, DatabaseProxy) {
    let mut db = TestDb::new(Backend::Postgres);
    let (proxy, through_proxy) = DatabaseProxy::in_front_of(&db.url);
    db.url = through_proxy;
    (TestApp::with(db, Default::default()), proxy)
}

/// One request of each kind the outage must answer quickly: a REST read,
/// a REST write, a GraphQL read and readiness.
fn assert_unavailable_quickly(app: &TestApp, acme: &Provisioned, round: usize) {
    let timed = |what: &str, started: Instant| {
        let took = started.elapsed();
        assert!(
            took < ANSWER_WITHIN,
            "round {round}: {what} answered after {took:?} during the outage"
        );
    };

    let started = Instant::now();
    let read = acme.admin(app, "GET", "/api/v1/organizations").send();
    timed("a REST read", started);
    read.expect_problem(503, "unavailable");

    let started = Instant::now();
    let write = acme
        .admin(app, "POST", "/api/v1/organizations")
        .json(&json!({"short_name": format!("OUT{round}"), "name": "Outage", "parent": acme.org}));
    timed("a REST write", started);
    write.expect_problem(503, "unavailable");

    let started = Instant::now();
    let graphql = acme
        .admin(app, "POST", "/graphql")
        .json(&json!({"query": "{ organizations { items { shortName } } }"}));
    timed("a GraphQL read", started);
    // Before the operation runs (the site, the token) the outage is a 503
    // problem, as on REST; inside it, an error with the problem's code.
    if graphql.status == 503 {
        graphql.expect_problem(503, "unavailable");
    } else {
        let body = graphql.expect(200).json();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAVAILABLE",
            "round {round}: {body}"
        );
    }

    let started = Instant::now();
    let ready = app.req("GET", "localhost", "/health/ready").send();
    timed("readiness", started);
    ready.expect_problem(503, "unavailable");
}

fn an_outage_answers_503_quickly_and_the_service_recovers_without_restart() {
    let (app, proxy) = app_behind_proxy();
    let acme = app.provision("acme");
    acme.admin(&app, "POST", "/api/v1/organizations")
        .json(
            &json!({"short_name": "BEFORE", "name": "Made before the outage", "parent": acme.org}),
        )
        .expect(201);
    app.req("GET", "localhost", "/health/ready")
        .send()
        .expect(200);

    proxy.cut();
    // The first round meets the pool's dead connections, the later ones a
    // pool that cannot open new ones.
    for round in 0..3 {
        assert_unavailable_quickly(&app, &acme, round);
    }

    proxy.restore();
    let restored = Instant::now();
    loop {
        let answer = acme
            .admin(&app, "GET", "/api/v1/organizations/BEFORE")
            .send();
        if answer.status == 200 {
            break;
        }
        assert_eq!(answer.status, 503, "while recovering: {}", answer.text);
        assert!(
            restored.elapsed() < RECOVERY_WITHIN,
            "still unavailable {RECOVERY_WITHIN:?} after the database came back"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    app.req("GET", "localhost", "/health/ready")
        .send()
        .expect(200);
    acme.admin(&app, "POST", "/api/v1/organizations")
        .json(&json!({"short_name": "AFTER", "name": "Made after the outage", "parent": acme.org}))
        .expect(201);
}

/// As many clients as the pool has connections, all at once: the answers
/// stay within the bound when every connection is gone together.
fn concurrent_requests_during_an_outage_answer_503_quickly() {
    let (app, proxy) = app_behind_proxy();
    let acme = app.provision("acme");
    acme.admin(&app, "GET", "/api/v1/organizations")
        .send()
        .expect(200);

    proxy.cut();
    let slowest = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    (0..3)
                        .map(|_| {
                            let started = Instant::now();
                            acme.admin(&app, "GET", "/api/v1/courses")
                                .send()
                                .expect_problem(503, "unavailable");
                            started.elapsed()
                        })
                        .max()
                        .unwrap_or_default()
                })
            })
            .collect();
        clients
            .into_iter()
            .map(|client| client.join().expect("a client"))
            .max()
            .unwrap_or_default()
    });
    assert!(
        slowest < ANSWER_WITHIN,
        "the slowest answer took {slowest:?}"
    );
    proxy.restore();
}

postgres_tests!(
    an_outage_answers_503_quickly_and_the_service_recovers_without_restart,
    concurrent_requests_during_an_outage_answer_503_quickly,
);
