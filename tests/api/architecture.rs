//! Each domain reaches only its own tables. `atrium_db` has one module per
//! table group; a crate may name only the modules of the tables it owns,
//! plus the handles every crate needs. Reads across domains go through the
//! owning crate's functions (its `tx` module). A new reach across domains
//! fails here until it is either moved behind the owner or allowed below,
//! on purpose.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What any crate with database access may name: handles, not tables.
const SHARED: &[&str] = &[
    "Access",
    // The broadcast of access changes: every domain that takes access away
    // (accounts, roles, API clients, operators) announces it.
    "access",
    "Backend",
    // Whether the server is Citus and set up for the tenant to reach its
    // workers (no table): checked at start-up and by readiness.
    "citus",
    "Db",
    "DbError",
    "DbOptions",
    "DbResult",
    "PlatformTx",
    "run_migrations",
    "revert_all",
    "RowLock",
    "TenantScope",
    "TenantTx",
];

/// Per crate: the `atrium_db` modules (its tables) and items it may name
/// besides [`SHARED`].
const OWNS: &[(&str, &[&str])] = &[
    // `atrium distribute`: the Citus plan reads the catalog, no table.
    ("atrium", &["distribution"]),
    // The gateway keeps idempotency keys and listens for cache
    // invalidations; it never sees a `DbError` (domain errors carry them).
    (
        "atrium_api",
        &[
            "idempotency",
            "ROUTING_CHANNEL",
            "SETTINGS_CHANNEL",
            "spawn_listener",
        ],
    ),
    ("atrium_core", &[]),
    // Identity also keeps its caches in step with other replicas.
    (
        "atrium_identity",
        &[
            "users",
            "operators",
            "login_throttle",
            "refresh_tokens",
            "api_clients",
            "account_tokens",
            "signing_keys",
            "spawn_listener",
            "spawn_payload_listener",
            "Heard",
        ],
    ),
    ("atrium_audit", &["audit"]),
    (
        "atrium_courses",
        &["courses", "enrollments", "libraries", "catalog"],
    ),
    ("atrium_mail", &["mail_outbox"]),
    (
        "atrium_organizations",
        &["organizations", "memberships", "creator_requests"],
    ),
    ("atrium_permissions", &["roles"]),
    ("atrium_sites", &["sites", "site_settings", "routing"]),
    ("atrium_tenants", &["tenants"]),
];

/// Items only some crates may name even though they are shared handles.
const NOT_FOR: &[(&str, &str)] = &[("atrium_api", "DbError"), ("atrium_api", "DbResult")];

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The first path segment of every `atrium_db::…` in `source`, groups
/// (`atrium_db::{a, b::c}`) included.
fn reached(source: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.trim()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    for (at, _) in source.match_indices("atrium_db::") {
        let rest = source[at + "atrium_db::".len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.insert(ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            found.insert(ident(&item));
        } else {
            found.insert(ident(rest));
        }
    }
    found.remove("");
    found
}

#[test]
fn domains_reach_only_their_own_tables() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    let mut checked = 0;
    for entry in std::fs::read_dir(&crates).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "atrium_db" {
            continue;
        }
        let allowed = OWNS
            .iter()
            .find(|(krate, _)| *krate == name)
            .unwrap_or_else(|| panic!("{name} has no entry in OWNS: say which tables it owns"))
            .1;
        let mut files = Vec::new();
        rust_files(&entry.path(), &mut files);
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for item in reached(&source) {
                let shared = SHARED.contains(&item.as_str())
                    && !NOT_FOR.contains(&(name.as_str(), item.as_str()));
                assert!(
                    shared || allowed.contains(&item.as_str()),
                    "{} reaches atrium_db::{item}, which {name} does not own",
                    file.display()
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} uses of atrium_db found: is the scan broken?"
    );
}

#[test]
fn the_scan_sees_paths_and_groups() {
    let source = "use atrium_db::{sites, site_settings::{self, Row}, Access};\n\
                  let x = atrium_db::users::get(tx, 1);";
    let found: Vec<_> = reached(source).into_iter().collect();
    assert_eq!(found, ["Access", "site_settings", "sites", "users"]);
}
