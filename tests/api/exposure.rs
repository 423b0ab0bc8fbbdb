//! What the API tells callers it should not: why a token was refused.

use atrium_tests::{backend_tests, Backend, TestApp};

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

backend_tests!(every_bad_token_gets_the_same_401);
