//! The binary itself: its commands, and a graceful stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn atrium(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_atrium"));
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("cli.db").display()),
        )
        .env("ATRIUM_LOG", "info");
    command
}

#[test]
fn prints_the_contracts() {
    let dir = tempfile::tempdir().unwrap();
    let openapi = atrium(dir.path()).arg("openapi").output().unwrap();
    assert!(openapi.status.success());
    let document: serde_json::Value = serde_json::from_slice(&openapi.stdout).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let sdl = atrium(dir.path()).arg("graphql-schema").output().unwrap();
    assert!(String::from_utf8(sdl.stdout)
        .unwrap()
        .contains("type Query"));
}

#[test]
fn creates_operators_and_refuses_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let create = |email: &str, password: &str| {
        atrium(dir.path())
            .args([
                "operator",
                "create",
                "--email",
                email,
                "--password",
                password,
            ])
            .output()
            .unwrap()
    };
    let made = create("Ops@Example.org", "operator-password");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(String::from_utf8_lossy(&made.stdout).contains("ops@example.org"));
    // The signing key was made on the way, private to its owner.
    let key = dir.path().join("keys/jwt-ed25519.pem");
    assert!(key.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the signing key is readable by others");
    }
    assert!(
        !create("ops@example.org", "operator-password")
            .status
            .success(),
        "a duplicate operator"
    );
    assert!(!create("not-an-email", "operator-password").status.success());
    assert!(!create("two@example.org", "short").status.success());
}

#[test]
fn a_bad_configuration_is_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let output = atrium(dir.path())
        .env("DATABASE_URL", "mysql://nope")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("postgres://"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[cfg(unix)]
#[test]
fn serves_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = atrium(dir.path())
        .env("ATRIUM_LISTEN", format!("127.0.0.1:{port}"))
        .env("ATRIUM_LOG_FORMAT", "json")
        .arg("serve")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(server.stderr.take().unwrap());
    let mut line = String::new();
    let started = Instant::now();
    while !line.contains("atrium is serving") {
        line.clear();
        assert!(
            log.read_line(&mut line).unwrap() > 0,
            "the server exited before serving"
        );
        assert!(started.elapsed() < Duration::from_secs(30));
    }
    let ready = ureq::get(&format!("http://127.0.0.1:{port}/health/ready"))
        .set("X-Request-Id", "cli-test-1")
        .call()
        .unwrap();
    assert_eq!(ready.status(), 200);
    // One structured line per request: id, tenant, route, status, duration.
    let logged = loop {
        line.clear();
        assert!(
            log.read_line(&mut line).unwrap() > 0,
            "no request line was logged"
        );
        let entry: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if entry["message"] == "request" {
            break entry;
        }
    };
    assert_eq!(logged["request_id"], "cli-test-1");
    assert_eq!(logged["route"], "/health/ready");
    assert_eq!(logged["status"], 200);
    assert_eq!(logged["tenant"], "-");
    assert!(logged["duration_ms"].as_f64().is_some(), "{logged}");
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut log, &mut rest).unwrap();
    let status = server.wait().unwrap();
    assert!(status.success(), "exit status {status}; log: {rest}");
    assert!(rest.contains("atrium stopped"), "{rest}");
}

/// A request with a `Host` of our choosing to the server on `port`.
fn call(method: &str, port: u16, host: &str, path: &str) -> ureq::Request {
    ureq::request(method, &format!("http://127.0.0.1:{port}{path}")).set("Host", host)
}

fn json_of(response: Result<ureq::Response, ureq::Error>) -> serde_json::Value {
    let response = response.unwrap_or_else(|error| panic!("{error}"));
    serde_json::from_reader(response.into_reader()).unwrap()
}

#[cfg(unix)]
#[test]
fn approves_a_domain_claim() {
    let dir = tempfile::tempdir().unwrap();
    let made = atrium(dir.path())
        .args(["operator", "create", "--email", "ops@example.org"])
        .args(["--password", "operator-password"])
        .output()
        .unwrap();
    assert!(made.status.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = atrium(dir.path())
        .env("ATRIUM_LISTEN", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(server.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("atrium is serving") {
        line.clear();
        assert!(log.read_line(&mut line).unwrap() > 0, "the server exited");
    }
    let token = |host: &str, username: &str, password: &str| {
        json_of(call("POST", port, host, "/api/v1/auth/token").send_form(&[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
        ]))["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let operator = token("localhost", "ops@example.org", "operator-password");
    json_of(
        call("POST", port, "localhost", "/api/v1/tenants")
            .set("Authorization", &format!("Bearer {operator}"))
            .send_json(serde_json::json!({
                "slug": "acme", "name": "Acme", "domain": "acme.localhost",
                "organization": {"short_name": "ACME", "name": "Acme"},
                "admin": {"email": "admin@acme.org", "username": "admin", "password": "admin-password"},
            })),
    );
    let admin = token("acme.localhost", "admin", "admin-password");
    let add = |domain: &str| {
        json_of(
            call("POST", port, "acme.localhost", "/api/v1/sites")
                .set("Authorization", &format!("Bearer {admin}"))
                .send_json(serde_json::json!({"domain": domain, "name": "Site"})),
        )
    };
    // The default base is localhost: the tenant's own names are free.
    assert_eq!(add("learn.acme.localhost")["domain_status"], "active");
    assert_eq!(add("www.acme.example")["domain_status"], "pending");
    let approve = |domain: &str| {
        atrium(dir.path())
            .args(["domain", "approve", domain])
            .output()
            .unwrap()
    };
    let approved = approve("www.acme.example");
    assert!(
        approved.status.success(),
        "{}",
        String::from_utf8_lossy(&approved.stderr)
    );
    assert!(String::from_utf8_lossy(&approved.stdout).contains("www.acme.example"));
    assert!(
        !approve("www.acme.example").status.success(),
        "approved twice"
    );
    assert!(!approve("nobody.example").status.success());
    add("www.squat.example");
    let rejected = atrium(dir.path())
        .args(["domain", "reject", "www.squat.example"])
        .output()
        .unwrap();
    assert!(rejected.status.success());
    // Not asked before, so the server's cache has nothing stale to keep.
    let site = json_of(call("GET", port, "www.acme.example", "/api/v1/site").call());
    assert_eq!(site["domain"], "www.acme.example");
    server.kill().unwrap();
    server.wait().unwrap();
}
