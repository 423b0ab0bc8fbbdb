//! Readiness on Citus, with the database's answer given by the test
//! (`TestOptions::citus`, the seam): no test database runs Citus.

use atrium_db::citus::CitusFound;
use atrium_tests::{backend_tests, postgres_tests, Backend, TestApp, TestDb, TestOptions};
use serde_json::json;

fn citus(setting: &str) -> CitusFound {
    CitusFound {
        version: Some("12.1-1".into()),
        propagate_set_commands: Some(setting.into()),
        database: "atrium".into(),
    }
}

fn without_citus_readiness_says_nothing_of_it(backend: Backend) {
    let app = TestApp::start(backend);
    let ready = app
        .platform("GET", "/health/ready")
        .send()
        .expect(200)
        .json();
    assert_eq!(ready, json!({"status": "ok"}));
}

fn on_citus_readiness_reports_it_and_follows_the_setting() {
    let app = TestApp::with(
        TestDb::new(Backend::Postgres),
        TestOptions {
            citus: Some(citus("local")),
            ..TestOptions::default()
        },
    );
    // As `atrium serve` does on Citus, whatever the setting says.
    assert!(app.state.db.reads_in_transactions());
    let ready = app
        .platform("GET", "/health/ready")
        .send()
        .expect(200)
        .json();
    assert_eq!(
        ready,
        json!({"status": "ok", "citus": {
            "propagate_set_commands": "local", "reads_in_transactions": true
        }})
    );
    let acme = app.provision("acme");
    acme.admin(&app, "GET", "/api/v1/sites").send().expect(200);

    // Changed after the start (ALTER DATABASE, then a new connection).
    app.state.citus.answer_with(citus("none"));
    let problem = app
        .platform("GET", "/health/ready")
        .send()
        .expect_problem(503, "unavailable");
    let detail = problem["detail"].as_str().unwrap();
    for needed in [
        "citus.propagate_set_commands is 'none'",
        "'local'",
        "postgresql.conf",
        "ALTER DATABASE",
    ] {
        assert!(detail.contains(needed), "{needed:?} not in {detail}");
    }
    // Readiness answers anyone: the version and the database stay in the log.
    for secret in ["12.1", "atrium SET"] {
        assert!(!detail.contains(secret), "{secret:?} in {detail}");
    }

    app.state.citus.answer_with(citus("local"));
    app.platform("GET", "/health/ready").send().expect(200);
}

/// Citus installed under a running server that reads on session-level
/// settings: the workers never see its tenant.
fn citus_found_after_the_start_asks_for_a_restart() {
    let app = TestApp::start(Backend::Postgres);
    assert!(!app.state.db.reads_in_transactions());
    app.state.citus.answer_with(citus("local"));
    let problem = app
        .platform("GET", "/health/ready")
        .send()
        .expect_problem(503, "unavailable");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("restart atrium"), "{detail}");
}

backend_tests!(without_citus_readiness_says_nothing_of_it);

postgres_tests!(
    on_citus_readiness_reports_it_and_follows_the_setting,
    citus_found_after_the_start_asks_for_a_restart
);
