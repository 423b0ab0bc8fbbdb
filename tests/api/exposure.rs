//! What the API tells callers it should not: why a token was refused.

use atrium_tests::{backend_tests, Backend, TestApp, TestDb, TestOptions};
use serde_json::json;

fn every_bad_token_gets_the_same_401(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    let refused = |token: &str| {
        let response = app
            .req("GET", &acme.domain, "/api/v1/sites")
            .bearer(token)
            .send();
        assert_eq!(response.status, 401, "body: {}", response.text);
        response.text
    };
    let malformed = refused("not.a.jwt");
    let foreign = refused(&globex.admin_token);
    let mut tampered = acme.admin_token.clone();
    tampered.pop();
    let tampered = refused(&tampered);
    let operator = refused(&app.operator_token());
    assert_eq!(malformed, foreign, "a foreign token is told apart");
    assert_eq!(malformed, tampered, "a bad signature is told apart");
    assert_eq!(malformed, operator, "a platform token is told apart");
    for reason in ["malformed", "signature", "site", "issued", "disabled"] {
        assert!(!malformed.contains(reason), "{malformed} names a reason");
    }
}

fn graphiql_is_served_offline_from_the_binary(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    for page in [
        app.platform("GET", "/graphql")
            .header("Accept", "text/html")
            .send(),
        app.req("GET", &acme.domain, "/graphql")
            .header("Accept", "text/html")
            .send(),
    ] {
        let page = page.expect(200);
        assert!(page.content_type.starts_with("text/html"));
        assert!(
            !page.text.contains("http://") && !page.text.contains("https://"),
            "the page loads something from elsewhere: {}",
            page.text
        );
        let assets: Vec<&str> = page
            .text
            .split('"')
            .filter(|s| s.starts_with("/graphql/assets/"))
            .collect();
        assert_eq!(assets.len(), 4, "{}", page.text);
        for asset in assets {
            let file = app.req("GET", &acme.domain, asset).send().expect(200);
            let expected = if asset.ends_with(".css") {
                "text/css"
            } else {
                "text/javascript"
            };
            assert!(file.content_type.starts_with(expected), "{asset}");
            assert!(
                file.header("cache-control")
                    .is_some_and(|c| c.contains("immutable")),
                "{asset}"
            );
            assert!(file.text.len() > 1000, "{asset}");
        }
    }
    app.platform("GET", "/graphql/assets/LICENSE-graphiql")
        .send()
        .expect(200);
    app.platform("GET", "/graphql/assets/nothing.js")
        .send()
        .expect_problem(404, "not-found");
}

fn graphiql_and_suggestions_follow_the_settings(backend: Backend) {
    let typo = "{ currentSit { platformName } }";
    let open = TestApp::start(backend);
    let acme = open.provision("acme");
    let hinted = open.graphql(&acme.domain, None, typo, json!({}));
    assert!(
        hinted.to_string().contains("Did you mean"),
        "suggestions are on by default: {hinted}"
    );
    // Introspection off: suggestions go with it, whatever their setting.
    let closed = TestApp::with(
        TestDb::new(backend),
        TestOptions {
            graphql_introspection: false,
            graphiql: false,
            ..TestOptions::default()
        },
    );
    let acme = closed.provision("acme");
    let silent = closed.graphql(&acme.domain, None, typo, json!({}));
    assert!(silent["errors"].is_array(), "{silent}");
    assert!(
        !silent.to_string().contains("Did you mean"),
        "a suggestion leaks the schema: {silent}"
    );
    closed
        .platform("GET", "/graphql")
        .header("Accept", "text/html")
        .send()
        .expect_problem(404, "not-found");
    closed
        .platform("GET", "/graphql/assets/graphiql-3.9.0.min.js")
        .send()
        .expect_problem(404, "not-found");
    // Suggestions can be switched off on their own.
    let quiet = TestApp::with(
        TestDb::new(backend),
        TestOptions {
            graphql_suggestions: false,
            ..TestOptions::default()
        },
    );
    let acme = quiet.provision("acme");
    let plain = quiet.graphql(&acme.domain, None, typo, json!({}));
    assert!(!plain.to_string().contains("Did you mean"), "{plain}");
}

fn metrics_answer_on_the_platform_host_only(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    app.platform("GET", "/metrics").send().expect(200);
    app.req("GET", &acme.domain, "/metrics")
        .send()
        .expect_problem(404, "not-found");
    app.req("GET", "unknown.example", "/metrics")
        .send()
        .expect_problem(404, "unknown-site");
}

backend_tests!(
    every_bad_token_gets_the_same_401,
    graphiql_is_served_offline_from_the_binary,
    graphiql_and_suggestions_follow_the_settings,
    metrics_answer_on_the_platform_host_only,
);
