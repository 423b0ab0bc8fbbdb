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

/// The value of the series `name{labels}` in a /metrics text, or a panic
/// naming what is missing.
fn series(metrics: &str, name: &str, labels: &str) -> u64 {
    let prefix = format!("{name}{{{labels}}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {prefix}in\n{metrics}"))
}

/// Hits and misses of `cache` in a /metrics text.
fn lookups(metrics: &str, cache: &str) -> (u64, u64) {
    let count = |result| {
        let labels = format!(r#"cache="{cache}",result="{result}""#);
        series(metrics, "atrium_cache_requests_total", &labels)
    };
    (count("hit"), count("miss"))
}

fn repeated_requests_are_answered_by_the_caches(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    // Provisioning's routing notification (PostgreSQL, polled every 200 ms)
    // empties the host cache when it lands: let it land first.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let scrape = || app.platform("GET", "/metrics").send().expect(200).text;
    let caches = ["verified_tokens", "grants", "hosts", "unknown_hosts"];
    let before = scrape();
    acme.admin(&app, "GET", "/api/v1/sites").send().expect(200);
    let warm = scrape();
    let (hits, misses) = lookups(&before, "verified_tokens");
    assert_eq!(
        lookups(&warm, "verified_tokens"),
        (hits, misses + 1),
        "a token never seen costs a signature check"
    );
    for _ in 0..2 {
        acme.admin(&app, "GET", "/api/v1/sites").send().expect(200);
        app.req("GET", "nobody.example", "/api/v1/site")
            .send()
            .expect(404);
    }
    let after = scrape();
    for cache in caches {
        let (hits_before, misses_before) = lookups(&warm, cache);
        let (hits_after, misses_after) = lookups(&after, cache);
        // The made-up host is read once, then remembered.
        let (new_hits, new_misses) = if cache == "unknown_hosts" {
            (1, 1)
        } else {
            (2, 0)
        };
        assert_eq!(
            (hits_after - hits_before, misses_after - misses_before),
            (new_hits, new_misses),
            "{cache}: (hits, misses) added by the requests\n{after}"
        );
    }
    for cache in caches {
        let entries = series(
            &after,
            "atrium_cache_entries",
            &format!(r#"cache="{cache}""#),
        );
        assert!(entries >= 1, "{cache} holds {entries} entries\n{after}");
    }
    // Caches this traffic did not read are shown all the same.
    for cache in ["operators", "api_clients", "site_snapshots"] {
        lookups(&after, cache);
    }
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

backend_tests!(
    probes_metrics_and_request_ids,
    repeated_requests_are_answered_by_the_caches,
    the_docs_work_offline
);

postgres_tests!(readiness_fails_while_the_database_is_gone);
