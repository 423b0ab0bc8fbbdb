//! The catalog (`GET /api/v1/catalog`, GraphQL `catalog`): the public
//! courses of the site's organizations and those below them, in the site's
//! order, with filters and a cursor that stays put when courses are added.

use atrium_db::courses::CourseSettings;
use atrium_tests::{backend_tests, Backend, Provisioned, TestApp};
use chrono::{Duration, NaiveDateTime, Utc};
use serde_json::{json, Value};

use crate::org_tree::{insert_course_with, settings, tree};
use crate::organizations::put_configuration;

pub(crate) fn days(n: i64) -> Option<NaiveDateTime> {
    Some((Utc::now() + Duration::days(n)).naive_utc())
}

pub(crate) fn keys(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["key"].as_str().expect("key").to_owned())
        .collect()
}

fn catalog(app: &TestApp, tenant: &Provisioned, query: &str) -> Value {
    app.req("GET", &tenant.domain, &format!("/api/v1/catalog{query}"))
        .send()
        .expect(200)
        .json()
}

/// Every page of the catalog for `query`, `limit` at a time.
fn all_pages(app: &TestApp, tenant: &Provisioned, query: &str, limit: usize) -> Vec<String> {
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/catalog?limit={limit}{query}");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = app
            .req("GET", &tenant.domain, &path)
            .send()
            .expect(200)
            .json();
        let items = keys(&page);
        assert!(items.len() <= limit);
        found.extend(items);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return found,
        }
    }
}

const TREE_PUBLIC: [&str; 4] = [
    "course-v1:LOW+X+1",
    "course-v1:SIB+X+1",
    "course-v1:TOP+C1+2026",
    "course-v1:TOP+OTHER+2026",
];

fn the_site_filter_and_its_sub_organizations_decide_what_is_listed(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = t.tenant.clone();
    let hidden = |visibility: &str| CourseSettings {
        visibility: visibility.into(),
        ..settings("A hidden one")
    };
    insert_course_with(
        &app,
        "acme",
        t.top,
        "course-v1:TOP+PRIV+1",
        hidden("private"),
    );
    insert_course_with(
        &app,
        "acme",
        t.low,
        "course-v1:LOW+UNL+1",
        hidden("unlisted"),
    );
    // Another tenant's public course never shows.
    let globex = tree(&app, "globex");
    insert_course_with(
        &app,
        "globex",
        globex.top,
        "course-v1:TOP+G+1",
        settings("course-v1:TOP+G+1"),
    );

    // No filter: every public course of the tenant, by display name
    // (which is the key here), to anonymous visitors.
    let page = catalog(&app, &acme, "");
    assert_eq!(keys(&page), TREE_PUBLIC);
    let course = &page["items"][0];
    assert_eq!(course["org"], "LOW");
    assert_eq!(course["display_name"], "course-v1:LOW+X+1");
    for private in [
        "visibility",
        "enrollment_limit",
        "version",
        "id",
        "rerun_of",
    ] {
        assert!(course.get(private).is_none(), "{private} shown: {course}");
    }
    // A token is accepted too, and changes nothing.
    let with_token = acme
        .admin(&app, "GET", "/api/v1/catalog")
        .send()
        .expect(200)
        .json();
    assert_eq!(keys(&with_token), TREE_PUBLIC);

    // TOP: its courses and those of LOW, two levels below; not SIB's.
    put_configuration(
        &app,
        &acme,
        acme.site_id,
        json!({"course_org_filter": ["TOP"]}),
    );
    assert_eq!(
        keys(&catalog(&app, &acme, "")),
        [
            "course-v1:LOW+X+1",
            "course-v1:TOP+C1+2026",
            "course-v1:TOP+OTHER+2026"
        ]
    );
    // The organization filter narrows within the site's, sub-organizations
    // included; outside it, nothing.
    assert_eq!(
        keys(&catalog(&app, &acme, "?organization=MID")),
        ["course-v1:LOW+X+1"]
    );
    assert!(keys(&catalog(&app, &acme, "?organization=SIB")).is_empty());
    assert!(keys(&catalog(&app, &acme, "?organization=NOPE")).is_empty());

    // Two named organizations (SIBKID has no course).
    put_configuration(
        &app,
        &acme,
        acme.site_id,
        json!({"course_org_filter": ["MID", "SIBKID"]}),
    );
    assert_eq!(keys(&catalog(&app, &acme, "")), ["course-v1:LOW+X+1"]);
    put_configuration(
        &app,
        &acme,
        acme.site_id,
        json!({"course_org_filter": "SIB"}),
    );
    assert_eq!(keys(&catalog(&app, &acme, "")), ["course-v1:SIB+X+1"]);
    // Without any filter again, the organization filter alone.
    put_configuration(&app, &acme, acme.site_id, json!({}));
    assert_eq!(
        keys(&catalog(&app, &acme, "?organization=SIB")),
        ["course-v1:SIB+X+1"]
    );
    // The other tenant's catalog is its own.
    assert_eq!(
        keys(&catalog(&app, &globex.tenant, "")),
        [
            "course-v1:LOW+X+1",
            "course-v1:SIB+X+1",
            "course-v1:TOP+C1+2026",
            "course-v1:TOP+G+1",
            "course-v1:TOP+OTHER+2026",
        ]
    );
}

fn the_site_chooses_the_order_and_cursors_keep_to_it(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "globex");
    let slug = "globex";
    let tenant = t.tenant.clone();
    // Leave only these: a filter naming SIBKID, which has none of the tree's.
    let org = t.sibkid;
    let with_start = |name: &str, start: Option<NaiveDateTime>| CourseSettings {
        starts_at: start,
        ..settings(name)
    };
    insert_course_with(
        &app,
        slug,
        org,
        "course-v1:SIBKID+B+1",
        with_start("Bravo", days(30)),
    );
    insert_course_with(
        &app,
        slug,
        org,
        "course-v1:SIBKID+A+1",
        with_start("alpha", days(-30)),
    );
    insert_course_with(
        &app,
        slug,
        org,
        "course-v1:SIBKID+C+1",
        with_start("Charlie", None),
    );
    insert_course_with(
        &app,
        slug,
        org,
        "course-v1:SIBKID+D+1",
        with_start("Delta", days(1)),
    );
    insert_course_with(
        &app,
        slug,
        org,
        "course-v1:SIBKID+E+1",
        with_start("Echo", None),
    );
    let name_order = [
        "course-v1:SIBKID+B+1",
        "course-v1:SIBKID+C+1",
        "course-v1:SIBKID+D+1",
        "course-v1:SIBKID+E+1",
        "course-v1:SIBKID+A+1",
    ];
    let start_order = [
        "course-v1:SIBKID+A+1",
        "course-v1:SIBKID+D+1",
        "course-v1:SIBKID+B+1",
        "course-v1:SIBKID+C+1",
        "course-v1:SIBKID+E+1",
    ];
    put_configuration(
        &app,
        &tenant,
        tenant.site_id,
        json!({"course_org_filter": ["SIBKID"]}),
    );
    // Display names compare by their bytes on SQLite and by the database's
    // collation on PostgreSQL: only names whose order both agree on.
    let by_name = all_pages(&app, &tenant, "", 2);
    let mut expected_by_name: Vec<String> = name_order.iter().map(|k| k.to_string()).collect();
    if by_name[0] == "course-v1:SIBKID+A+1" {
        // A collation that ignores case puts "alpha" first.
        expected_by_name.rotate_right(1);
    }
    assert_eq!(by_name, expected_by_name);
    let name_cursor = catalog(&app, &tenant, "?limit=1")["next_cursor"]
        .as_str()
        .expect("a cursor")
        .to_owned();

    put_configuration(
        &app,
        &tenant,
        tenant.site_id,
        json!({"course_org_filter": ["SIBKID"], "ENABLE_COURSE_SORTING_BY_START_DATE": true}),
    );
    assert_eq!(all_pages(&app, &tenant, "", 2), start_order);
    assert_eq!(all_pages(&app, &tenant, "", 1), start_order);
    assert_eq!(all_pages(&app, &tenant, "", 100), start_order);
    // A cursor of the other order is refused, not misread.
    let refused = app
        .req(
            "GET",
            &tenant.domain,
            &format!("/api/v1/catalog?cursor={name_cursor}"),
        )
        .send()
        .field_errors();
    assert_eq!(refused, ["cursor"]);
    app.req("GET", &tenant.domain, "/api/v1/catalog?cursor=bm9wZQ")
        .send()
        .expect(400);
    app.req("GET", &tenant.domain, "/api/v1/catalog?limit=101")
        .send()
        .expect(400);

    // Off again: back to names.
    put_configuration(
        &app,
        &tenant,
        tenant.site_id,
        json!({"course_org_filter": ["SIBKID"], "ENABLE_COURSE_SORTING_BY_START_DATE": false}),
    );
    assert_eq!(all_pages(&app, &tenant, "", 3), expected_by_name);
}

fn filters_narrow_by_language_text_and_timing(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = t.tenant.clone();
    let org = t.sibkid;
    put_configuration(
        &app,
        &acme,
        acme.site_id,
        json!({"course_org_filter": ["SIBKID"]}),
    );
    let course = |key: &str, s: CourseSettings| insert_course_with(&app, "acme", org, key, s);
    course(
        "course-v1:SIBKID+EN+1",
        CourseSettings {
            language: "en".into(),
            starts_at: days(-10),
            ends_at: days(-1),
            ..settings("English Past")
        },
    );
    course(
        "course-v1:SIBKID+GB+1",
        CourseSettings {
            language: "en-GB".into(),
            starts_at: days(-10),
            ends_at: days(10),
            ..settings("British 50% Now")
        },
    );
    course(
        "course-v1:SIBKID+FR+1",
        CourseSettings {
            language: "fr".into(),
            starts_at: days(5),
            ..settings("French Soon_ish")
        },
    );
    course(
        "course-v1:SIBKID+NO+1",
        CourseSettings {
            language: "eng".into(),
            ..settings("Open Forever")
        },
    );
    let found = |query: &str| keys(&catalog(&app, &acme, query));
    assert_eq!(
        found("?language=en"),
        ["course-v1:SIBKID+GB+1", "course-v1:SIBKID+EN+1"]
    );
    assert_eq!(found("?language=EN-gb"), ["course-v1:SIBKID+GB+1"]);
    assert!(found("?language=de").is_empty());
    // Case-insensitive text; LIKE's wildcards match themselves.
    assert_eq!(found("?q=FRENCH"), ["course-v1:SIBKID+FR+1"]);
    assert_eq!(found("?search=50%25"), ["course-v1:SIBKID+GB+1"]);
    assert_eq!(found("?q=h_5"), Vec::<String>::new());
    assert_eq!(found("?q=n_ish"), ["course-v1:SIBKID+FR+1"]);
    assert_eq!(found("?q=%25"), ["course-v1:SIBKID+GB+1"]);
    // Timing, relative to now.
    assert_eq!(found("?status=upcoming"), ["course-v1:SIBKID+FR+1"]);
    assert_eq!(
        found("?status=current"),
        ["course-v1:SIBKID+GB+1", "course-v1:SIBKID+NO+1"]
    );
    assert_eq!(found("?status=ended"), ["course-v1:SIBKID+EN+1"]);
    app.req("GET", &acme.domain, "/api/v1/catalog?status=someday")
        .send()
        .expect(400);
    // Filters out of their declared shape are field errors.
    for (query, field) in [
        ("?organization=", "organization"),
        ("?organization=a%20b", "organization"),
        (&format!("?q={}", "x".repeat(256)), "q"),
        (&format!("?language={}", "x".repeat(65)), "language"),
    ] {
        let fields = app
            .req("GET", &acme.domain, &format!("/api/v1/catalog{query}"))
            .send()
            .field_errors();
        assert_eq!(fields, [field], "{query}");
    }
    // Filters combine.
    assert_eq!(
        found("?status=current&language=en&q=british"),
        ["course-v1:SIBKID+GB+1"]
    );
}

fn paging_stays_stable_when_courses_are_added_in_between(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = t.tenant.clone();
    let org = t.sibkid;
    put_configuration(
        &app,
        &acme,
        acme.site_id,
        json!({"course_org_filter": ["SIBKID"]}),
    );
    for (n, start) in [(1, days(1)), (2, days(2)), (3, days(3)), (4, days(4))] {
        insert_course_with(
            &app,
            "acme",
            org,
            &format!("course-v1:SIBKID+N{n}+1"),
            CourseSettings {
                starts_at: start,
                ..settings(&format!("Course {n}"))
            },
        );
    }
    for (by_start, early) in [(false, "Course 0"), (true, "Early")] {
        put_configuration(
            &app,
            &acme,
            acme.site_id,
            json!({"course_org_filter": ["SIBKID"], "ENABLE_COURSE_SORTING_BY_START_DATE": by_start}),
        );
        let first = catalog(&app, &acme, "?limit=2");
        let before: Vec<String> = all_pages(&app, &acme, "", 100);
        // Sorts before the cursor in either order: by name and by start.
        insert_course_with(
            &app,
            "acme",
            org,
            &format!("course-v1:SIBKID+EARLY{by_start}+1"),
            CourseSettings {
                starts_at: if by_start { days(-100) } else { None },
                ..settings(early)
            },
        );
        let cursor = first["next_cursor"].as_str().expect("a next page");
        let second = catalog(&app, &acme, &format!("?limit=100&cursor={cursor}"));
        let mut seen = keys(&first);
        seen.extend(keys(&second));
        assert_eq!(seen, before, "by start: {by_start}");
        // And a new reading starts with it.
        assert_eq!(
            keys(&catalog(&app, &acme, "?limit=1"))[0],
            format!("course-v1:SIBKID+EARLY{by_start}+1")
        );
    }
}

/// Seeks past ties and across the start order's two parts: courses that
/// share a name and a start (their ids decide), and undated courses with
/// lower ids than dated ones (still last). Every page size puts a page
/// boundary inside the ties and on the last dated course.
fn pages_break_ties_by_id_and_cross_from_dated_to_undated(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = t.tenant.clone();
    let same_start = days(10);
    let course = |key: &str, name: &str, start: Option<NaiveDateTime>| {
        insert_course_with(
            &app,
            "acme",
            t.sibkid,
            key,
            CourseSettings {
                starts_at: start,
                ..settings(name)
            },
        );
    };
    // Inserted in this order: ids rise down the list.
    course("course-v1:SIBKID+U1+1", "Zulu", None);
    course("course-v1:SIBKID+T1+1", "Same", same_start);
    course("course-v1:SIBKID+EARLY+1", "Alpha", days(-5));
    course("course-v1:SIBKID+T2+1", "Same", same_start);
    course("course-v1:SIBKID+U2+1", "Mike", None);
    course("course-v1:SIBKID+T3+1", "Same", same_start);
    let by_start = ["EARLY", "T1", "T2", "T3", "U1", "U2"];
    let by_name = ["EARLY", "U2", "T1", "T2", "T3", "U1"];
    for (start_order, expected) in [(false, by_name), (true, by_start)] {
        put_configuration(
            &app,
            &acme,
            acme.site_id,
            json!({"course_org_filter": ["SIBKID"], "ENABLE_COURSE_SORTING_BY_START_DATE": start_order}),
        );
        let expected: Vec<String> = expected
            .iter()
            .map(|k| format!("course-v1:SIBKID+{k}+1"))
            .collect();
        for limit in 1..=7 {
            assert_eq!(
                all_pages(&app, &acme, "", limit),
                expected,
                "by start: {start_order}, limit {limit}"
            );
        }
    }
    // Filters narrow both parts of the start order alike.
    let current = all_pages(&app, &acme, "&status=current", 1);
    assert_eq!(
        current,
        ["EARLY", "U1", "U2"].map(|k| format!("course-v1:SIBKID+{k}+1"))
    );
}

fn graphql_lists_the_same_catalog_anonymously(backend: Backend) {
    let app = TestApp::start(backend);
    let t = tree(&app, "acme");
    let acme = t.tenant.clone();
    put_configuration(
        &app,
        &acme,
        acme.site_id,
        json!({"course_org_filter": ["TOP"]}),
    );
    let query = "query($org: String, $cursor: String) { catalog(organization: $org, limit: 2, cursor: $cursor) \
                 { items { key displayName org start invitationOnly } nextCursor } }";
    let first = app.graphql(&acme.domain, None, query, json!({}));
    assert!(first.get("errors").is_none(), "{first}");
    let rest = catalog(&app, &acme, "?limit=2");
    assert_eq!(keys(&first["data"]["catalog"]), keys(&rest));
    assert_eq!(first["data"]["catalog"]["nextCursor"], rest["next_cursor"]);
    let cursor = first["data"]["catalog"]["nextCursor"].clone();
    let second = app.graphql(&acme.domain, None, query, json!({"cursor": cursor}));
    assert_eq!(
        keys(&second["data"]["catalog"]),
        ["course-v1:TOP+OTHER+2026"]
    );
    let low = app.graphql(&acme.domain, None, query, json!({"org": "LOW"}));
    assert_eq!(keys(&low["data"]["catalog"]), ["course-v1:LOW+X+1"]);
    let bad = app.graphql(&acme.domain, None, query, json!({"cursor": "bm9wZQ"}));
    assert_eq!(bad["errors"][0]["extensions"]["status"], 400, "{bad}");
}

backend_tests!(
    the_site_filter_and_its_sub_organizations_decide_what_is_listed,
    the_site_chooses_the_order_and_cursors_keep_to_it,
    filters_narrow_by_language_text_and_timing,
    paging_stays_stable_when_courses_are_added_in_between,
    pages_break_ties_by_id_and_cross_from_dated_to_undated,
    graphql_lists_the_same_catalog_anonymously,
);
