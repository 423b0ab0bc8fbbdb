//! The binary itself: its commands, and a graceful stop on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
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
    // The flag still works, but says why it should not be used.
    let warned = String::from_utf8_lossy(&made.stderr);
    assert!(
        warned.contains("warning: --password") && warned.contains("ATRIUM_OPERATOR_PASSWORD"),
        "{warned}"
    );
    // The key-encryption key was made on the way, private to its owner
    // (the signing key it seals is in the database).
    let key = dir.path().join("keys/key-encryption.key");
    assert!(key.exists());
    assert!(!dir.path().join("keys/jwt-ed25519.pem").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the key-encryption key is readable by others");
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

/// Runs `atrium operator create --email EMAIL` with `stdin` as its input.
fn create_with_stdin(command: &mut Command, email: &str, stdin: &str) -> std::process::Output {
    let mut child = command
        .args(["operator", "create", "--email", email])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn operator_passwords_come_from_the_environment_or_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    // A short password is refused: so each source below is really read.
    let short_env = atrium(dir.path())
        .env("ATRIUM_OPERATOR_PASSWORD", "short")
        .args(["operator", "create", "--email", "env@example.org"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!short_env.status.success());
    let from_env = atrium(dir.path())
        .env("ATRIUM_OPERATOR_PASSWORD", "env-password-123")
        .args(["operator", "create", "--email", "env@example.org"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&from_env.stderr);
    assert!(from_env.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let from_stdin = create_with_stdin(
        &mut atrium(dir.path()),
        "stdin@example.org",
        "stdin-password-123\n",
    );
    let stderr = String::from_utf8_lossy(&from_stdin.stderr);
    assert!(from_stdin.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!(String::from_utf8_lossy(&from_stdin.stdout).contains("stdin@example.org"));
    // One line only: what follows the first line is not part of it, and a
    // short first line is refused as a short password.
    let short = create_with_stdin(
        &mut atrium(dir.path()),
        "short@example.org",
        "short\nrest-of-input\n",
    );
    assert!(!short.status.success());
    let none = create_with_stdin(&mut atrium(dir.path()), "none@example.org", "");
    assert!(!none.status.success());
    let said = String::from_utf8_lossy(&none.stderr);
    assert!(said.contains("ATRIUM_OPERATOR_PASSWORD"), "{said}");
}

#[test]
fn database_passwords_never_reach_messages() {
    let dir = tempfile::tempdir().unwrap();
    for (url, shown) in [
        (
            "mysql://root:s3cret-pw@db/atrium",
            "mysql://root:***@db/atrium",
        ),
        // libpq quotes a malformed URL whole in its own message.
        (
            "postgres://atrium_app:s3cret-pw@[::1/atrium",
            "end of string",
        ),
        (
            "postgres://atrium_app:s3cret-pw@127.0.0.1:1/atrium",
            "atrium",
        ),
    ] {
        for command in [&["migrate"][..], &["serve"][..]] {
            let output = atrium(dir.path())
                .env("DATABASE_URL", url)
                .env("ATRIUM_LISTEN", "127.0.0.1:0")
                .env("ATRIUM_DATABASE_TIMEOUT_MS", "500")
                .args(command)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!output.status.success(), "{command:?} {url}: {stderr}");
            assert!(!stderr.contains("s3cret-pw"), "{command:?} {url}: {stderr}");
            // The pool's own error (diesel's MultiConnection) names no URL.
            if command == ["migrate"] {
                assert!(stderr.contains(shown), "{command:?} {url}: {stderr}");
            }
        }
    }
}

#[cfg(unix)]
#[test]
fn a_key_encryption_key_others_can_read_is_refused_at_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("keys")).unwrap();
    let key = dir.path().join("keys/key-encryption.key");
    // A valid key, made by the binary itself, then opened up.
    let made = atrium(dir.path())
        .env("ATRIUM_OPERATOR_PASSWORD", "operator-password")
        .args(["operator", "create", "--email", "k@example.org"])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut serving = atrium(dir.path())
        .env("ATRIUM_LISTEN", "127.0.0.1:0")
        .arg("serve")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while serving.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            serving.kill().unwrap();
            panic!("the server started with a key that others can read");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = serving.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("keys/key-encryption.key"), "{stderr}");
    assert!(stderr.contains("chmod 600"), "{stderr}");
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

/// A raw HTTP/1.1 request that stops after `sent` bytes of its body.
fn start_request(port: u16, body: &str, sent: usize) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let head = format!(
        "POST /api/v1/auth/token HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body.as_bytes()[..sent]).unwrap();
    stream
}

fn status_of(url: &str) -> (u16, String) {
    match ureq::get(url).call() {
        Ok(response) => (response.status(), response.content_type().to_owned()),
        Err(ureq::Error::Status(status, response)) => (status, response.content_type().to_owned()),
        Err(other) => panic!("{url}: {other}"),
    }
}

/// On SIGTERM: readiness fails at once while the server still answers
/// (the drain), requests in flight finish, and the process exits within
/// its grace period even when a client never finishes its request.
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
        .env("ATRIUM_SHUTDOWN_DRAIN_SECS", "1")
        .env("ATRIUM_SHUTDOWN_GRACE_SECS", "3")
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
    // Two requests in flight: one will finish, one never will.
    let body = r#"{"grant_type": "password", "username": "nobody", "password": "wrong-password"}"#;
    let mut finishing = start_request(port, body, 10);
    let _stalled = start_request(port, body, 10);
    std::thread::sleep(Duration::from_millis(200));
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let signalled = Instant::now();
    // Readiness fails at once, as a problem; liveness does not.
    let not_ready = loop {
        let (status, content_type) = status_of(&format!("http://127.0.0.1:{port}/health/ready"));
        if status != 200 || signalled.elapsed() > Duration::from_millis(500) {
            break (status, content_type);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        not_ready,
        (503, "application/problem+json".to_owned()),
        "readiness after SIGTERM"
    );
    assert_eq!(
        status_of(&format!("http://127.0.0.1:{port}/health/live")).0,
        200
    );
    // Past the drain, the request in flight still gets its answer.
    std::thread::sleep(Duration::from_millis(1_300));
    finishing.write_all(&body.as_bytes()[10..]).unwrap();
    finishing
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut answer = String::new();
    finishing.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("invalid_grant"), "{answer}");
    // The stalled one does not keep the process past its grace period.
    let status = server.wait().unwrap();
    let stopped_after = signalled.elapsed();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut log, &mut rest).unwrap();
    assert!(
        stopped_after < Duration::from_millis(3_900),
        "stopped {stopped_after:?} after SIGTERM; log: {rest}"
    );
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

/// Runs `atrium args…` in `dir`: (succeeded, stdout, stderr).
fn run(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    outcome(
        atrium(dir)
            .env("ATRIUM_OPERATOR_PASSWORD", "operator-password")
            .args(args),
    )
}

/// Success, standard output, standard error.
fn outcome(command: &mut Command) -> (bool, String, String) {
    let output = command.output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn keys_are_listed_rotated_and_retired() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, listed, _) = run(dir.path(), &["keys", "list"]);
    assert!(ok && listed.contains("no signing key yet"), "{listed}");
    let (ok, rotated, stderr) = run(dir.path(), &["keys", "rotate"]);
    assert!(ok, "{stderr}");
    let (ok, listed, _) = run(dir.path(), &["keys", "list"]);
    assert!(ok);
    let lines: Vec<Vec<&str>> = listed.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 2, "{listed}");
    let (old, new) = (lines[0][0], lines[1][0]);
    assert!(lines[0][2].starts_with("verifying until"), "{listed}");
    assert_eq!(lines[1][2], "signing", "{listed}");
    assert!(rotated.starts_with(&format!("{new} signs")), "{rotated}");
    let (ok, _, stderr) = run(dir.path(), &["keys", "retire", new]);
    assert!(!ok && stderr.contains("only key that signs"), "{stderr}");
    // Kids are base64url: one may begin with `-`, and is still a kid.
    let (ok, _, stderr) = run(dir.path(), &["keys", "retire", "-Bnotakey"]);
    assert!(
        !ok && stderr.contains("no signing key -Bnotakey"),
        "{stderr}"
    );
    let (ok, _, stderr) = run(dir.path(), &["keys", "retire", old]);
    assert!(ok, "{stderr}");
    let (_, listed, _) = run(dir.path(), &["keys", "list"]);
    assert!(
        listed.lines().next().unwrap().ends_with("\tretired"),
        "{listed}"
    );
    // Another key-encryption key opens none of them: refused, with why.
    let other = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=";
    let output = atrium(dir.path())
        .env("ATRIUM_KEY_ENCRYPTION_KEY", other)
        .args(["keys", "rotate"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("cannot unseal signing key"), "{stderr}");
}

#[test]
fn operators_are_listed_disabled_enabled_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    for email in ["a@example.org", "b@example.org"] {
        let (ok, _, stderr) = run(dir.path(), &["operator", "create", "--email", email]);
        assert!(ok, "{stderr}");
    }
    let (ok, listed, _) = run(dir.path(), &["operator", "list"]);
    assert!(ok);
    assert_eq!(
        listed,
        "1\ta@example.org\tactive\n2\tb@example.org\tactive\n"
    );
    assert!(run(dir.path(), &["operator", "disable", "B@example.org"]).0);
    let (ok, _, stderr) = run(dir.path(), &["operator", "disable", "a@example.org"]);
    assert!(!ok && stderr.contains("last active operator"), "{stderr}");
    let (ok, _, stderr) = run(dir.path(), &["operator", "delete", "a@example.org"]);
    assert!(!ok && stderr.contains("last active operator"), "{stderr}");
    let (_, listed, _) = run(dir.path(), &["operator", "list"]);
    assert!(listed.contains("2\tb@example.org\tdisabled"), "{listed}");
    assert!(run(dir.path(), &["operator", "enable", "b@example.org"]).0);
    assert!(run(dir.path(), &["operator", "delete", "a@example.org"]).0);
    let (ok, _, stderr) = run(dir.path(), &["operator", "delete", "a@example.org"]);
    assert!(!ok && stderr.contains("no such operator"), "{stderr}");
    let (_, listed, _) = run(dir.path(), &["operator", "list"]);
    assert_eq!(listed, "2\tb@example.org\tactive\n");
}

/// `distribute --dry-run` prints the plan on any PostgreSQL; the command
/// itself refuses a server without Citus, and SQLite altogether.
#[test]
fn distribute_prints_its_plan_and_refuses_without_citus() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run(dir.path(), &["distribute", "--dry-run"]);
    assert!(!ok);
    assert!(stderr.contains("only a PostgreSQL database"), "{stderr}");

    let Ok(admin_url) = std::env::var("ATRIUM_TEST_DATABASE_URL") else {
        eprintln!("skipped on PostgreSQL: ATRIUM_TEST_DATABASE_URL is not set");
        return;
    };
    let (server, _) = admin_url.rsplit_once('/').unwrap();
    let name = format!("atrium_cli_distribute_{}", std::process::id());
    let psql = |sql: &str| {
        let status = Command::new("psql")
            .args(["-q", "-v", "ON_ERROR_STOP=1", &admin_url, "-c", sql])
            .status()
            .unwrap();
        assert!(status.success(), "{sql}");
    };
    psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    psql(&format!("CREATE DATABASE {name}"));
    let url = format!("{server}/{name}");
    let on_postgres =
        |args: &[&str]| outcome(atrium(dir.path()).env("DATABASE_URL", &url).args(args));
    let (migrated, _, stderr) = on_postgres(&["migrate"]);
    assert!(migrated, "{stderr}");
    let (ok, plan, stderr) = on_postgres(&["distribute", "--dry-run"]);
    let (distributed, _, refusal) = on_postgres(&["distribute"]);
    psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));

    assert!(ok, "{stderr}");
    let line_of = |table: &str| {
        plan.lines()
            .find(|line| line.split_whitespace().nth(1) == Some(table))
            .unwrap_or_else(|| panic!("{table} in:\n{plan}"))
            .to_owned()
    };
    assert!(line_of("tenants").starts_with("reference"), "{plan}");
    assert!(line_of("site_domains").starts_with("reference"), "{plan}");
    assert!(line_of("users").starts_with("distributed"), "{plan}");
    assert!(line_of("enrollments").starts_with("distributed"), "{plan}");
    assert!(
        line_of("__diesel_schema_migrations").starts_with("local"),
        "{plan}"
    );
    assert!(plan.contains("co-located with"), "{plan}");
    assert!(!distributed);
    assert!(refusal.contains("no citus extension"), "{refusal}");
}
