//! Probes, metrics, request ids.

use atrium_tests::{backend_tests, postgres_tests, Backend, TestApp};

fn probes_metrics_and_request_ids(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    app.platform("GET", "/health/live").send().expect(200);
    app.platform("GET", "/health/ready").send().expect(200);
    acme.admin(&app, "GET", "/api/v1/sites").send().expect(200);
    app.req("GET", "nobody.example", "/api/v1/site")
        .send()
        .expect(404);
    let metrics = app.platform("GET", "/metrics").send().expect(200).text;
    assert!(
        metrics.contains(
            r#"atrium_http_requests_total{method="GET",route="/api/v1/sites",status="200"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("atrium_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    assert!(metrics.contains("atrium_db_pool_connections"), "{metrics}");
    // Every request above waited for a connection at least once.
    let waits: u64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("atrium_db_connection_wait_seconds_count "))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or(0);
    assert!(waits >= 3, "{metrics}");
    // A request id is made when absent, and kept when sent.
    let made = app.platform("GET", "/health/live").send();
    assert_eq!(made.header("x-request-id").map(str::len), Some(36));
    let kept = app
        .platform("GET", "/health/live")
        .header("X-Request-Id", "trace-123")
        .send();
    assert_eq!(kept.header("x-request-id"), Some("trace-123"));
}

/// PostgreSQL only: a SQLite file cannot be taken away from an open
/// connection.
fn readiness_fails_while_the_database_is_gone() {
    let app = TestApp::start(Backend::Postgres);
    app.platform("GET", "/health/ready").send().expect(200);
    app.db.drop_now();
    app.platform("GET", "/health/ready")
        .send()
        .expect_problem(503, "unavailable");
    app.platform("GET", "/health/live").send().expect(200);
}

fn the_docs_work_offline(backend: Backend) {
    let app = TestApp::start(backend);
    let index = app.platform("GET", "/docs/").send().expect(200);
    assert!(index.text.contains("swagger"), "{}", index.text);
    let bundle = app
        .platform("GET", "/docs/swagger-ui-bundle.js")
        .send()
        .expect(200);
    assert!(bundle.text.len() > 100_000);
    let spec = app
        .platform("GET", "/api/openapi.json")
        .send()
        .expect(200)
        .json();
    assert_eq!(spec["openapi"], "3.1.0");
}

backend_tests!(probes_metrics_and_request_ids, the_docs_work_offline);

postgres_tests!(readiness_fails_while_the_database_is_gone);
