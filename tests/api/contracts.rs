//! The checked-in contracts match what the code serves. To update them
//! after a deliberate change: `cargo run -p atrium -- openapi > openapi/openapi.json`
//! and `cargo run -p atrium -- graphql-schema > openapi/schema.graphql`.

use std::path::PathBuf;

use serde_json::Value;

fn contract(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../openapi")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn openapi_document_matches_the_checked_in_copy() {
    let generated = atrium_api::openapi::json();
    assert!(
        contract("openapi.json").trim_end() == generated.trim_end(),
        "openapi/openapi.json is stale: regenerate it with `cargo run -p atrium -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn graphql_schema_matches_the_checked_in_copy() {
    let generated = atrium_api::graphql::sdl();
    assert!(
        contract("schema.graphql").trim_end() == generated.trim_end(),
        "openapi/schema.graphql is stale: regenerate it with `cargo run -p atrium -- graphql-schema > openapi/schema.graphql`"
    );
}

fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "$ref" {
                    found.push(value.as_str().unwrap_or_default().to_owned());
                } else {
                    refs(value, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

#[test]
fn every_ref_in_the_openapi_document_resolves() {
    let document: Value = serde_json::from_str(&atrium_api::openapi::json()).unwrap();
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(!found.is_empty());
    for reference in found {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external ref {reference}"));
        assert!(
            document.pointer(pointer).is_some(),
            "{reference} does not resolve"
        );
    }
}

#[test]
fn every_operation_documents_its_problems_and_protected_ones_their_security() {
    let document: Value = serde_json::from_str(&atrium_api::openapi::json()).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let mut operation_ids = std::collections::HashSet::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(
                operation_ids.insert(id.to_owned()),
                "operationId {id} is used twice"
            );
            let responses = operation["responses"].as_object().unwrap();
            if !path.starts_with("/health") && path != "/metrics" {
                assert!(
                    responses.contains_key("default"),
                    "{method} {path} has no default (problem) response"
                );
            }
            let public = [
                "/api/v1/site",
                "/api/v1/auth/token",
                "/api/v1/auth/revoke",
                "/api/v1/auth/register",
                "/api/v1/auth/password-reset",
                "/api/v1/auth/password-reset/confirm",
                "/api/v1/auth/verify-email",
                "/.well-known/jwks.json",
            ];
            if path.starts_with("/api/v1/") && !public.contains(&path.as_str()) {
                assert!(
                    operation.get("security").is_some(),
                    "{method} {path} does not declare bearer security"
                );
            }
        }
    }
}

/// One registration per operation feeds both the router and the document
/// (`atrium_api::routes`); this checks that they agree both ways. Routed →
/// documented: every route the table mounts is in the document, except the
/// GraphQL endpoint and GraphiQL's assets. Documented → routed: every documented operation,
/// sent to a live server, is matched by the router under its documented
/// path (the route label of the request metrics) and is not a 405.
#[test]
fn the_router_and_the_document_agree_both_ways() {
    let document: Value = serde_json::from_str(&atrium_api::openapi::json()).unwrap();
    let mut documented = std::collections::BTreeSet::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let mut undocumented = Vec::new();
    for route in atrium_api::routes::table().registered() {
        let key = (route.method.to_string(), route.path.clone());
        if route.is_documented() {
            assert!(
                documented.contains(&key),
                "{key:?} is routed but not documented"
            );
        } else {
            undocumented.push(key);
        }
    }
    undocumented.sort();
    assert_eq!(
        undocumented,
        [
            ("GET".to_owned(), "/graphql".to_owned()),
            ("GET".to_owned(), "/graphql/assets/{name}".to_owned()),
            ("POST".to_owned(), "/graphql".to_owned())
        ],
        "only the GraphQL endpoint may be routed outside the REST contract"
    );

    let app = atrium_tests::TestApp::start(atrium_tests::Backend::Sqlite);
    let token = app.operator_token();
    for (method, path) in &documented {
        let concrete = path
            .replace("{id}", "1")
            .replace("{slug}", "nobody")
            .replace("{key}", "PLATFORM_NAME");
        let response = app
            .platform(method, &concrete)
            .bearer(&token)
            .body("application/json", b"{}");
        assert_ne!(
            response.status, 405,
            "{method} {path} is documented but not routed"
        );
    }
    let metrics = app.platform("GET", "/metrics").send().expect(200).text;
    for (method, path) in &documented {
        let label = format!("method=\"{method}\",route=\"{path}\"");
        assert!(
            metrics.contains(&label),
            "{method} {path} is documented but the router did not match it"
        );
    }
}

/// A method a path does not have is a 405 that says which ones it has
/// (RFC 9110 §15.5.6).
#[test]
fn a_wrong_method_is_a_405_with_allow() {
    let app = atrium_tests::TestApp::start(atrium_tests::Backend::Sqlite);
    let response = app.platform("DELETE", "/api/v1/sites").send();
    assert_eq!(response.status, 405, "{}", response.text);
    assert_eq!(response.header("allow"), Some("GET, POST"));
    assert_eq!(
        response.json()["type"],
        "https://atrium.dev/problems/method-not-allowed"
    );
    let single = app.platform("POST", "/.well-known/jwks.json").send();
    assert_eq!(single.status, 405);
    assert_eq!(single.header("allow"), Some("GET"));
    let me = app.platform("POST", "/api/v1/me").send();
    assert_eq!(me.status, 405);
    assert_eq!(me.header("allow"), Some("GET, PATCH"));
}
