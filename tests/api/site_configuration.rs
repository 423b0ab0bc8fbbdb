//! Site configuration, themes, history, resolved values and the public
//! bootstrap (Open edX's SiteConfiguration, SiteTheme and helpers).

use atrium_tests::{backend_tests, Backend, Provisioned, TestApp};
use serde_json::{json, Value};

fn config_path(tenant: &Provisioned) -> String {
    format!("/api/v1/sites/{}/configuration", tenant.site_id)
}

fn configuration_values_are_validated(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let path = config_path(&acme);
    // Not JSON: 400 with the position of the error.
    let problem = acme
        .admin(&app, "PUT", &path)
        .body(
            "application/json",
            b"{\"values\": {\"a\": 1,}, \"enabled\": true}",
        )
        .expect_problem(400, "bad-request");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("line 1 column 20"),
        "{problem}"
    );
    // Not an object.
    for values in [json!([1, 2]), json!("text"), json!(null)] {
        let fields = acme
            .admin(&app, "PUT", &path)
            .json(&json!({"values": values, "enabled": true}))
            .field_errors();
        assert_eq!(fields, ["values"]);
    }
    // Too large (64 KiB of JSON).
    let big = json!({"values": {"blob": "x".repeat(65 * 1024)}, "enabled": true});
    assert_eq!(
        acme.admin(&app, "PUT", &path).json(&big).field_errors(),
        ["values"]
    );
    // Well-known keys are typed.
    let typed = json!({"values": {
        "PLATFORM_NAME": 1, "SITE_NAME": false, "ENABLE_COMBINED_LOGIN_REGISTRATION": "yes",
        "ENABLE_COURSE_SORTING_BY_START_DATE": 0, "ALLOW_PUBLIC_ACCOUNT_CREATION": "no",
        "contact_email": "nobody", "LANGUAGE_CODE": "english", "course_org_filter": 5, "public_keys": "PLATFORM_NAME"
    }, "enabled": true});
    let mut fields = acme.admin(&app, "PUT", &path).json(&typed).field_errors();
    fields.sort();
    assert_eq!(
        fields,
        [
            "values.ALLOW_PUBLIC_ACCOUNT_CREATION",
            "values.ENABLE_COMBINED_LOGIN_REGISTRATION",
            "values.ENABLE_COURSE_SORTING_BY_START_DATE",
            "values.LANGUAGE_CODE",
            "values.PLATFORM_NAME",
            "values.SITE_NAME",
            "values.contact_email",
            "values.course_org_filter",
            "values.public_keys",
        ]
    );
    // Organizations of the filter must be the tenant's own.
    let globex = app.provision("globex");
    let foreign = json!({"values": {"course_org_filter": [acme.org.clone(), globex.org.clone()]}, "enabled": true});
    assert_eq!(
        acme.admin(&app, "PUT", &path).json(&foreign).field_errors(),
        ["values.course_org_filter"]
    );
    // Nothing was stored by the failures.
    let current = acme.admin(&app, "GET", &path).send().expect(200);
    assert_eq!(current.json()["version"], 0);
    // Valid values, unknown keys kept verbatim.
    let valid = json!({"values": {
        "PLATFORM_NAME": "Acme Learning", "course_org_filter": acme.org, "LANGUAGE_CODE": "pt-BR",
        "contact_email": "help@acme.test", "custom": {"nested": [1, {"deep": true}]}
    }, "enabled": true});
    let saved = acme
        .admin(&app, "PUT", &path)
        .json(&valid)
        .expect(200)
        .json();
    assert_eq!(saved["values"], valid["values"]);
    assert_eq!(saved["version"], 1);
}

fn writes_need_the_current_etag(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let path = config_path(&acme);
    let first = acme.admin(&app, "GET", &path).send().expect(200);
    assert_eq!(first.header("etag"), Some("\"c0\""));
    // The first write needs no If-Match.
    let body = json!({"values": {"PLATFORM_NAME": "One"}, "enabled": true});
    let created = acme.admin(&app, "PUT", &path).json(&body).expect(200);
    let etag = created.header("etag").unwrap().to_owned();
    assert_eq!(etag, "\"c1\"");
    // Without If-Match over an existing configuration: 428.
    acme.admin(&app, "PUT", &path)
        .json(&body)
        .expect_problem(428, "precondition-required");
    // With a stale one: 412, and nothing changes.
    let stale = json!({"values": {"PLATFORM_NAME": "Stale"}, "enabled": true});
    acme.admin(&app, "PUT", &path)
        .header("If-Match", "\"c0\"")
        .json(&stale)
        .expect_problem(412, "precondition-failed");
    // With the current one: saved, new ETag; the old one is stale now.
    let next = json!({"values": {"PLATFORM_NAME": "Two"}, "enabled": false});
    let saved = acme
        .admin(&app, "PUT", &path)
        .header("If-Match", &etag)
        .json(&next)
        .expect(200);
    assert_eq!(saved.header("etag"), Some("\"c2\""));
    acme.admin(&app, "PUT", &path)
        .header("If-Match", &etag)
        .json(&next)
        .expect_problem(412, "precondition-failed");
    let read = acme.admin(&app, "GET", &path).send().expect(200).json();
    assert_eq!(read["values"]["PLATFORM_NAME"], "Two");
    assert_eq!(read["enabled"], false);
}

fn every_change_is_kept_in_the_history(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let path = config_path(&acme);
    let one = acme
        .admin(&app, "PUT", &path)
        .json(&json!({"values": {"a": 1}, "enabled": true}))
        .expect(200);
    let etag = one.header("etag").unwrap().to_owned();
    acme.admin(&app, "PUT", &path)
        .header("If-Match", &etag)
        .json(&json!({"values": {"a": 2}, "enabled": true}))
        .expect(200);
    acme.admin(
        &app,
        "PUT",
        &format!("/api/v1/sites/{}/theme", acme.site_id),
    )
    .json(&json!({"name": "indigo", "branding": {"primary_color": "#123456"}}))
    .expect(200);
    let history = acme
        .admin(&app, "GET", &format!("{path}/history"))
        .send()
        .expect(200)
        .json();
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["kind"], "theme");
    assert_eq!(items[0]["before"], Value::Null);
    assert_eq!(
        items[1]["before"],
        json!({"values": {"a": 1}, "enabled": true})
    );
    assert_eq!(
        items[1]["after"],
        json!({"values": {"a": 2}, "enabled": true})
    );
    assert_eq!(items[2]["before"], Value::Null);
    assert_eq!(items[1]["actor"], format!("user:{}", acme.admin_id));
    let page = acme
        .admin(&app, "GET", &format!("{path}/history?limit=2"))
        .send()
        .expect(200)
        .json();
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let rest = acme
        .admin(
            &app,
            "GET",
            &format!("{path}/history?limit=2&cursor={cursor}"),
        )
        .send()
        .expect(200)
        .json();
    assert_eq!(rest["items"][0]["id"], items[2]["id"]);
}

fn themes_are_validated_field_by_field(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let path = format!("/api/v1/sites/{}/theme", acme.site_id);
    let default = acme.admin(&app, "GET", &path).send().expect(200);
    assert_eq!(default.json()["name"], "default");
    let bad = json!({"name": "indigo", "branding": {
        "logo_url": "http://acme.test/logo.png", "favicon_url": "ftp://acme.test/f.ico",
        "primary_color": "blue", "secondary_color": "#12345g", "footer_text": "x".repeat(2001)
    }});
    let mut fields = acme.admin(&app, "PUT", &path).json(&bad).field_errors();
    fields.sort();
    assert_eq!(
        fields,
        [
            "branding.favicon_url",
            "branding.footer_text",
            "branding.logo_url",
            "branding.primary_color",
            "branding.secondary_color"
        ]
    );
    assert_eq!(
        acme.admin(&app, "PUT", &path)
            .json(&json!({"branding": {}}))
            .field_errors(),
        ["name"]
    );
    let good = json!({"name": "indigo", "branding": {"logo_url": "https://cdn.acme.test/logo.svg", "primary_color": "#112233", "footer_text": "© Acme"}});
    let saved = acme.admin(&app, "PUT", &path).json(&good).expect(200);
    assert_eq!(saved.header("etag"), Some("\"t1\""));
    acme.admin(&app, "PUT", &path)
        .json(&good)
        .expect_problem(428, "precondition-required");
    acme.admin(&app, "PUT", &path)
        .header("If-Match", "\"t0\"")
        .json(&good)
        .expect_problem(412, "precondition-failed");
    acme.admin(&app, "PUT", &path)
        .header("If-Match", "W/\"t1\"")
        .json(&good)
        .expect_problem(412, "precondition-failed");
    let next = acme
        .admin(&app, "PUT", &path)
        .header("If-Match", "\"t1\"")
        .json(&good)
        .expect(200)
        .json();
    assert_eq!(next["etag"], "\"t2\"");
    let site = app
        .req("GET", &acme.domain, "/api/v1/site")
        .send()
        .expect(200)
        .json();
    assert_eq!(site["theme"]["name"], "indigo");
    assert_eq!(
        site["theme"]["branding"]["logo_url"],
        "https://cdn.acme.test/logo.svg"
    );
}

fn resolved_values_come_from_the_site_then_the_platform(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let path = config_path(&acme);
    let platform = acme
        .admin(&app, "GET", "/api/v1/config/PLATFORM_NAME")
        .send()
        .expect(200)
        .json();
    assert_eq!(
        platform,
        json!({"key": "PLATFORM_NAME", "value": "Atrium", "source": "platform"})
    );
    let saved = acme
        .admin(&app, "PUT", &path)
        .json(&json!({"values": {"PLATFORM_NAME": "Acme", "custom": [1]}, "enabled": true}))
        .expect(200);
    let site = acme
        .admin(&app, "GET", "/api/v1/config/PLATFORM_NAME")
        .send()
        .expect(200)
        .json();
    assert_eq!(
        site,
        json!({"key": "PLATFORM_NAME", "value": "Acme", "source": "site"})
    );
    assert_eq!(
        acme.admin(&app, "GET", "/api/v1/config/custom")
            .send()
            .json()["value"],
        json!([1])
    );
    let unknown = acme
        .admin(&app, "GET", "/api/v1/config/NOTHING")
        .send()
        .expect(200)
        .json();
    assert_eq!(
        unknown,
        json!({"key": "NOTHING", "value": null, "source": "platform"})
    );
    // A disabled configuration is kept but not applied.
    let etag = saved.header("etag").unwrap().to_owned();
    acme.admin(&app, "PUT", &path)
        .header("If-Match", &etag)
        .json(&json!({"values": {"PLATFORM_NAME": "Acme"}, "enabled": false}))
        .expect(200);
    let disabled = acme
        .admin(&app, "GET", "/api/v1/config/PLATFORM_NAME")
        .send()
        .expect(200)
        .json();
    assert_eq!(disabled["source"], "platform");
    // Resolution is for the tenant's admins.
    app.req("GET", &acme.domain, "/api/v1/config/PLATFORM_NAME")
        .send()
        .expect_problem(401, "unauthenticated");
}

fn the_public_bootstrap_shows_public_keys_and_revalidates(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let first = app
        .req("GET", &acme.domain, "/api/v1/site")
        .send()
        .expect(200);
    assert_eq!(first.header("cache-control"), Some("public, no-cache"));
    let etag = first.header("etag").unwrap().to_owned();
    app.req("GET", &acme.domain, "/api/v1/site")
        .header("If-None-Match", &etag)
        .send()
        .expect(304);
    acme.admin(&app, "PUT", &config_path(&acme))
        .json(&json!({"values": {"PLATFORM_NAME": "Acme Learning", "contact_email": "help@acme.test",
            "secret_key": "hidden", "public_keys": ["PLATFORM_NAME", "contact_email"]}, "enabled": true}))
        .expect(200);
    // Read at once after the write: the cache was dropped.
    let after = app
        .req("GET", &acme.domain, "/api/v1/site")
        .header("If-None-Match", &etag)
        .send()
        .expect(200);
    let body = after.json();
    assert_eq!(body["platform_name"], "Acme Learning");
    assert_eq!(
        body["configuration"],
        json!({"PLATFORM_NAME": "Acme Learning", "contact_email": "help@acme.test"})
    );
    assert!(!after.text.contains("hidden"));
    let changed = after.header("etag").expect("an etag after the change");
    assert_ne!(changed, etag);
    // Renaming the site shows too.
    acme.admin(&app, "PATCH", &format!("/api/v1/sites/{}", acme.site_id))
        .json(&json!({"name": "Acme U"}))
        .expect(200);
    assert_eq!(
        app.req("GET", &acme.domain, "/api/v1/site").send().json()["name"],
        "Acme U"
    );
    // The platform host has no site.
    app.platform("GET", "/api/v1/site")
        .send()
        .expect_problem(404, "not-found");
}

fn graphql_reads_and_writes_the_same_settings(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    let put = "mutation($site: Int!, $values: JSON!, $etag: String) { putSiteConfiguration(siteId: $site, values: $values, enabled: true, ifMatch: $etag) { version values } }";
    let first = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        put,
        json!({"site": acme.site_id, "values": {"PLATFORM_NAME": "G"}}),
    );
    assert_eq!(
        first["data"]["putSiteConfiguration"]["version"], 1,
        "{first}"
    );
    let required = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        put,
        json!({"site": acme.site_id, "values": {}}),
    );
    assert_eq!(
        required["errors"][0]["extensions"]["code"],
        "PRECONDITION_REQUIRED"
    );
    let stale = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        put,
        json!({"site": acme.site_id, "values": {}, "etag": "\"c0\""}),
    );
    assert_eq!(
        stale["errors"][0]["extensions"]["code"],
        "PRECONDITION_FAILED"
    );
    let invalid = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        put,
        json!({"site": acme.site_id, "values": {"PLATFORM_NAME": 3}, "etag": "\"c1\""}),
    );
    assert_eq!(invalid["errors"][0]["extensions"]["code"], "VALIDATION");
    assert_eq!(
        invalid["errors"][0]["extensions"]["errors"][0]["field"],
        "values.PLATFORM_NAME"
    );
    // REST sees what GraphQL wrote.
    let rest = acme
        .admin(&app, "GET", &config_path(&acme))
        .send()
        .expect(200)
        .json();
    assert_eq!(rest["values"], json!({"PLATFORM_NAME": "G"}));
    let read = "query($site: Int!) { siteConfiguration(siteId: $site) { values enabled } siteTheme(siteId: $site) { name } siteHistory(siteId: $site) { items { kind actor } } configValue(key: \"PLATFORM_NAME\") { value source } }";
    let data = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        read,
        json!({"site": acme.site_id}),
    );
    assert_eq!(
        data["data"]["configValue"],
        json!({"value": "G", "source": "site"})
    );
    assert_eq!(
        data["data"]["siteHistory"]["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Another tenant's site id is not found through GraphQL either.
    let theirs = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        read,
        json!({"site": globex.site_id}),
    );
    assert_eq!(theirs["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let theme = "mutation($site: Int!) { putSiteTheme(siteId: $site, name: \"dark\", branding: {primaryColor: \"red\"}) { name } }";
    let bad_theme = app.graphql(
        &acme.domain,
        Some(&acme.admin_token),
        theme,
        json!({"site": acme.site_id}),
    );
    assert_eq!(
        bad_theme["errors"][0]["extensions"]["errors"][0]["field"],
        "branding.primary_color"
    );
}

/// The helpers other domains call (the catalog will filter by them).
fn helpers_know_the_organizations_of_a_site_and_their_values(backend: Backend) {
    let app = TestApp::start(backend);
    let acme = app.provision("acme");
    acme.admin(&app, "PUT", &config_path(&acme))
        .json(&json!({"values": {"course_org_filter": acme.org, "PLATFORM_NAME": "Acme Online"}, "enabled": true}))
        .expect(200);
    let other = acme
        .admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "other.acme.test", "name": "Other"}))
        .expect(201)
        .json();
    let helpers = &app.state.sites.helpers;
    actix_web::rt::System::new().block_on(async {
        let atrium_sites::Resolution::Tenant(entry) = app
            .state
            .sites
            .directory
            .resolve(&acme.domain)
            .await
            .unwrap()
        else {
            panic!("the tenant's host does not resolve");
        };
        let scope = entry.scope;
        let other_site = atrium_core::SiteId(other["id"].as_i64().unwrap());
        assert_eq!(
            helpers
                .organizations_of_site(scope, entry.site_id)
                .await
                .unwrap(),
            std::slice::from_ref(&acme.org)
        );
        assert!(helpers
            .organizations_of_site(scope, other_site)
            .await
            .unwrap()
            .is_empty());
        let value = helpers
            .value_for_organization(scope, &acme.org, "PLATFORM_NAME")
            .await
            .unwrap();
        assert_eq!(value, Some(json!("Acme Online")));
        let fallback = helpers
            .value_for_organization(scope, "NOT_FILTERED", "PLATFORM_NAME")
            .await
            .unwrap();
        assert_eq!(fallback, Some(json!("Atrium")));
        let default = helpers
            .value(scope, other_site, "MISSING", json!("caller's default"))
            .await
            .unwrap();
        assert_eq!(default, json!("caller's default"));
    });
}

backend_tests!(
    helpers_know_the_organizations_of_a_site_and_their_values,
    configuration_values_are_validated,
    writes_need_the_current_etag,
    every_change_is_kept_in_the_history,
    themes_are_validated_field_by_field,
    resolved_values_come_from_the_site_then_the_platform,
    the_public_bootstrap_shows_public_keys_and_revalidates,
    graphql_reads_and_writes_the_same_settings,
);
