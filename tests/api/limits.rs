//! What a client may cost the server: hosts that are not host names, slow
//! request heads and bodies, idle connections.

use std::time::Duration;

use atrium_tests::{
    backend_tests, Backend, RawConnection, RawResponse, TestApp, TestDb, TestOptions,
};

/// One request with `host` as its raw `Host` line (`None`: no Host header,
/// as HTTP/1.0 allows; actix itself refuses an HTTP/1.1 request without one).
fn with_host(app: &TestApp, host: Option<&[u8]>, path: &str) -> RawResponse {
    let version = if host.is_some() { "1.1" } else { "1.0" };
    let mut request = format!("GET {path} HTTP/{version}\r\nConnection: close\r\n").into_bytes();
    if let Some(host) = host {
        request.extend_from_slice(b"Host: ");
        request.extend_from_slice(host);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n");
    RawConnection::open(&app.base)
        .send(&request)
        .response(Duration::from_secs(10))
}

#[track_caller]
fn assert_problem(response: &RawResponse, status: u16, kind: &str) {
    assert_eq!(response.status, status, "{response:?}");
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json"),
        "{response:?}"
    );
    let problem = response.json();
    assert!(
        problem["type"]
            .as_str()
            .unwrap_or("")
            .ends_with(&format!("/{kind}")),
        "{problem}"
    );
    assert_eq!(problem["status"], status);
}

fn hosts_that_are_not_host_names_are_400_problems(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let huge = "h".repeat(8 * 1024);
    let long_label = format!("{}.example", "a".repeat(64));
    let long_name = format!("{}.example", "abcdefghi.".repeat(25));
    for host in [
        huge.as_bytes(),
        long_label.as_bytes(),
        long_name.as_bytes(),
        b"a..example",
        b"-acme.example",
        b"under_score.example",
        b"two words.example",
        b"acme.example/path",
        b"user@acme.example",
        b"acme.example:99999",
        b"acme.example:http",
        b"[::1",
        b"[not-an-address]",
        "b\u{fc}cher.example".as_bytes(),
        b"",
    ] {
        let response = with_host(&app, Some(host), "/api/v1/site");
        assert_problem(&response, 400, "bad-request");
        let detail = response.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains("Host"), "{detail}");
    }
    assert_problem(&with_host(&app, None, "/api/v1/site"), 400, "bad-request");
    assert_problem(
        &with_host(&app, Some(huge.as_bytes()), "/graphql"),
        400,
        "bad-request",
    );
    // Probes answer on any host.
    assert_eq!(
        with_host(&app, Some(huge.as_bytes()), "/health/live").status,
        200
    );
    // Valid hosts that no site has are unknown sites, IP literals included.
    for host in [
        "nobody.example",
        "127.0.0.1",
        "127.0.0.1:8080",
        "[::1]:8080",
        "xn--bcher-kva.example",
    ] {
        assert_problem(
            &with_host(&app, Some(host.as_bytes()), "/api/v1/site"),
            404,
            "unknown-site",
        );
    }
    // Case, port and a trailing dot do not matter, on tenant and platform hosts.
    let shouted = format!("{}.:8080", acme.domain.to_uppercase());
    let site = app
        .req("GET", &shouted, "/api/v1/site")
        .send()
        .expect(200)
        .json();
    assert_eq!(site["domain"], acme.domain.as_str());
    app.req("GET", "LocalHost.:8080", "/api/v1/tenants")
        .bearer(&app.operator_token())
        .send()
        .expect(200);
}

/// A client that sends half a request and stalls neither holds the server
/// nor its connection past the limits.
#[test]
fn slow_clients_cannot_hold_the_server() {
    let app = TestApp::with(
        TestDb::new(Backend::Sqlite),
        TestOptions {
            client_request_timeout_ms: 500,
            keep_alive_secs: 1,
            request_timeout_ms: 1_000,
            ..TestOptions::default()
        },
    );
    let acme = app.provision("acme");
    // Many more stalled clients than workers: half a request head each...
    let mut stalled_heads: Vec<RawConnection> = (0..8)
        .map(|_| {
            let mut connection = RawConnection::open(&app.base);
            connection.send(b"GET /api/v1/site HTTP/1.1\r\nHost: acme.te");
            connection
        })
        .collect();
    // ...and a body that never ends.
    let mut stalled_body = RawConnection::open(&app.base);
    stalled_body.send(
        format!(
            "POST /api/v1/auth/token HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: 200\r\n\r\n{{\"grant_type\": \"pass",
            acme.domain
        )
        .as_bytes(),
    );
    // Meanwhile everyone else is served.
    for _ in 0..20 {
        app.req("GET", &acme.domain, "/api/v1/site")
            .send()
            .expect(200);
        acme.admin(&app, "GET", "/api/v1/sites").send().expect(200);
    }
    // The stalled heads are closed after their limit (with a 408 when some
    // of the head came), well before actix's default of 5 s.
    for connection in &mut stalled_heads {
        let sent = connection
            .closed_within(Duration::from_secs(3))
            .unwrap_or_else(|got| panic!("a stalled head was kept open (received {got:?})"));
        assert!(
            sent.is_empty() || sent.starts_with("HTTP/1.1 408"),
            "{sent}"
        );
    }
    // The stalled body hits the request time limit: a 503 problem.
    let response = stalled_body.response(Duration::from_secs(3));
    assert_problem(&response, 503, "unavailable");
    // An idle keep-alive connection is closed after keep_alive_secs.
    let mut idle = RawConnection::open(&app.base);
    let first = idle
        .send(format!("GET /api/v1/site HTTP/1.1\r\nHost: {}\r\n\r\n", acme.domain).as_bytes())
        .response(Duration::from_secs(3));
    assert_eq!(first.status, 200, "{first:?}");
    idle.closed_within(Duration::from_secs(3))
        .unwrap_or_else(|got| panic!("an idle connection was kept open (received {got:?})"));
}

backend_tests!(hosts_that_are_not_host_names_are_400_problems);
