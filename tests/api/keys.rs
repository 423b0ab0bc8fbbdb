//! Signing keys in the database: shared by every server, rotated and
//! retired without a restart.

use std::path::Path;
use std::time::{Duration, Instant};

use atrium_db::{Db, DbOptions};
use atrium_identity::{Kek, KeyStore};
use atrium_tests::{backend_tests, Backend, TestApp, TestDb};
use base64::Engine;
use serde_json::Value;

/// The `kid` in a JWT's header.
fn kid_of(token: &str) -> String {
    let header = token.split('.').next().expect("a JWT");
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .expect("base64url header");
    let header: Value = serde_json::from_slice(&header).expect("JSON header");
    header["kid"].as_str().expect("kid").to_owned()
}

fn jwks_kids(app: &TestApp) -> Vec<String> {
    let response = app
        .platform("GET", "/.well-known/jwks.json")
        .send()
        .expect(200);
    assert_eq!(response.header("cache-control"), Some("public, max-age=60"));
    let mut kids: Vec<String> = response.json()["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["kid"].as_str().expect("kid").to_owned())
        .collect();
    kids.sort();
    kids
}

fn block_on<T>(work: impl std::future::Future<Output = T>) -> T {
    actix_web::rt::System::new().block_on(work)
}

/// Waits (at most 2 s, the replicas' contract) until `done` holds. On
/// PostgreSQL the other server hears of a key change by notification.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{what}: not after 2 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A SQLite server hears of a change made elsewhere by its reload timer
/// (`signing_keys_reload_secs`); the test runs that reload itself instead
/// of waiting. A PostgreSQL server is told: nothing is run for it.
fn let_hear(app: &TestApp, backend: Backend) {
    if backend == Backend::Sqlite {
        block_on(app.identity().reload_keys()).expect("reload");
    }
}

fn sites_status(app: &TestApp, host: &str, token: &str) -> u16 {
    app.req("GET", host, "/api/v1/sites")
        .bearer(token)
        .send()
        .status
}

fn rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(backend: Backend) {
    let first = TestApp::start(backend);
    let second = first.replica();
    let acme = first.provision("acme");
    let old_token = acme.admin_token.clone();
    let old_kid = kid_of(&old_token);
    assert_eq!(jwks_kids(&first), std::slice::from_ref(&old_kid));
    assert_eq!(jwks_kids(&second), std::slice::from_ref(&old_kid));
    assert_eq!(sites_status(&second, &acme.domain, &old_token), 200);

    let new_kid = block_on(first.identity().rotate_keys()).expect("rotate");
    assert_ne!(new_kid, old_kid);
    let mut both = vec![old_kid.clone(), new_kid.clone()];
    both.sort();
    assert_eq!(jwks_kids(&first), both);
    if backend == Backend::Postgres {
        eventually("the second server lists the new key", || {
            jwks_kids(&second) == both
        });
    }

    // Signed by the new key from now on, on the server that rotated...
    let new_token = first.login(&acme.domain, "admin", "admin-password");
    assert_eq!(kid_of(&new_token), new_kid);
    // ...and accepted by the other (on SQLite it reads the keys again when
    // a token names a key it does not know).
    assert_eq!(sites_status(&second, &acme.domain, &new_token), 200);
    assert_eq!(jwks_kids(&second), both);
    let from_second = second.login(&acme.domain, "admin", "admin-password");
    assert_eq!(kid_of(&from_second), new_kid);
    // The token issued before the rotation still works on both.
    for server in [&first, &second] {
        assert_eq!(sites_status(server, &acme.domain, &old_token), 200);
        assert_eq!(sites_status(server, &acme.domain, &from_second), 200);
    }

    // The key that signs cannot be retired; an unknown one is an error.
    let refused = block_on(first.identity().retire_key(&new_kid)).unwrap_err();
    assert!(refused.to_string().contains("keys rotate"), "{refused}");
    assert!(block_on(first.identity().retire_key("no-such-kid")).is_err());

    // Retiring the old key refuses its tokens on both servers at once.
    block_on(first.identity().retire_key(&old_kid)).expect("retire");
    assert_eq!(sites_status(&first, &acme.domain, &old_token), 401);
    let_hear(&second, backend);
    eventually("the second server refuses the retired key's token", || {
        sites_status(&second, &acme.domain, &old_token) == 401
    });
    assert_eq!(jwks_kids(&first), std::slice::from_ref(&new_kid));
    assert_eq!(jwks_kids(&second), std::slice::from_ref(&new_kid));
    for server in [&first, &second] {
        assert_eq!(sites_status(server, &acme.domain, &new_token), 200);
    }
}

fn connect(db: &TestDb) -> Db {
    let options = DbOptions {
        pool_size: 2,
        ..DbOptions::default()
    };
    Db::connect(&db.url, &options).expect("connect")
}

fn kek(byte: u8) -> Kek {
    Kek::from_base64(&base64::engine::general_purpose::STANDARD.encode([byte; 32])).expect("KEK")
}

fn servers_starting_together_share_one_key_imported_from_the_old_file(backend: Backend) {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().expect("temp dir");
    let pem = dir.path().join("jwt.pem");
    // The key file of a version before keys moved into the database.
    let before = KeyStore::load_or_generate(&pem).expect("PEM key");
    let open = |pem: &Path| {
        let pool = connect(&db);
        let pem = pem.to_owned();
        std::thread::spawn(move || {
            block_on(KeyStore::open_with(&pool, kek(7), &pem, 900)).map(|keys| keys.kid())
        })
    };
    let starting: Vec<_> = (0..4).map(|_| open(&pem)).collect();
    for started in starting {
        let kid = started.join().expect("thread").expect("keys");
        assert_eq!(
            kid,
            before.kid(),
            "every server signs with the imported key"
        );
    }
    // Later servers without the file read the same key from the database.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let kid = open(&elsewhere.path().join("missing.pem"))
        .join()
        .expect("thread")
        .expect("keys");
    assert_eq!(kid, before.kid());
    // A server with another key-encryption key refuses to start, saying why.
    let pool = connect(&db);
    let error = block_on(KeyStore::open_with(&pool, kek(8), &pem, 900)).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("cannot unseal signing key"), "{message}");
    assert!(message.contains("ATRIUM_KEY_ENCRYPTION_KEY"), "{message}");
}

fn without_a_key_file_the_first_server_generates_one_key_for_all(backend: Backend) {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().expect("temp dir");
    let pem = dir.path().join("absent.pem");
    let starting: Vec<_> = (0..4)
        .map(|_| {
            let pool = connect(&db);
            let pem = pem.clone();
            std::thread::spawn(move || {
                block_on(KeyStore::open_with(&pool, kek(1), &pem, 900)).map(|keys| keys.kid())
            })
        })
        .collect();
    let kids: Vec<String> = starting
        .into_iter()
        .map(|s| s.join().expect("thread").expect("keys"))
        .collect();
    assert!(kids.windows(2).all(|w| w[0] == w[1]), "{kids:?}");
    assert!(
        !pem.exists(),
        "keys live in the database, not in a new file"
    );
    let listed = block_on(atrium_identity::keys::list(&connect(&db), 930)).expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].kid, kids[0]);
    assert_eq!(listed[0].state.to_string(), "signing");
}

backend_tests!(
    rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key,
    servers_starting_together_share_one_key_imported_from_the_old_file,
    without_a_key_file_the_first_server_generates_one_key_for_all,
);
