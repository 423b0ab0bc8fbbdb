//! The database walls: every tenant row goes with its tenant, row-level
//! security on PostgreSQL, the schema rules that keep it distributable by
//! tenant, and cache invalidation between replicas.

use std::time::{Duration, Instant};

use atrium_tests::{backend_tests, postgres_tests, Backend, TestApp};
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use serde_json::json;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// Rows of `tenant` in every table that has a `tenant_id`, read as the owner.
fn rows_per_table(app: &TestApp, tenant: i64) -> Vec<(String, i64)> {
    let url = &app.db.owner_url;
    let counts = |tables: Vec<Name>, count: &mut dyn FnMut(&str) -> i64| -> Vec<(String, i64)> {
        tables
            .into_iter()
            .map(|t| {
                let n = count(&t.name);
                (t.name, n)
            })
            .collect()
    };
    if url.starts_with("postgres") {
        let mut conn = PgConnection::establish(url).unwrap();
        let tables: Vec<Name> = diesel::sql_query(
            "SELECT table_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY 1",
        )
        .load(&mut conn)
        .unwrap();
        counts(tables, &mut |table| {
            diesel::sql_query(format!(
                "SELECT count(*) AS count FROM {table} WHERE tenant_id = {tenant}"
            ))
            .get_result::<Count>(&mut conn)
            .unwrap()
            .count
        })
    } else {
        let mut conn = SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap();
        let tables: Vec<Name> = diesel::sql_query(
            "SELECT m.name AS name FROM sqlite_master m JOIN pragma_table_info(m.name) c WHERE m.type = 'table' AND c.name = 'tenant_id' ORDER BY 1",
        )
        .load(&mut conn)
        .unwrap();
        counts(tables, &mut |table| {
            diesel::sql_query(format!(
                "SELECT count(*) AS count FROM {table} WHERE tenant_id = {tenant}"
            ))
            .get_result::<Count>(&mut conn)
            .unwrap()
            .count
        })
    }
}

fn deleting_a_tenant_removes_every_row_it_owns(backend: Backend) {
    let app = TestApp::start(backend);
    let mut body = TestApp::tenant_body("acme");
    body["configuration"] = json!({"PLATFORM_NAME": "Acme"});
    body["theme"] = json!({"name": "indigo", "branding": {"primary_color": "#112233"}});
    let acme = app.provision_with(body);
    let globex = app.provision("globex");
    acme.admin(&app, "POST", "/api/v1/sites")
        .json(&json!({"domain": "www.acme.test", "name": "WWW"}))
        .expect(201);
    app.req("POST", &acme.domain, "/api/v1/auth/register")
        .json(
            &json!({"email": "l@acme.test", "username": "learner", "password": "learner-password"}),
        )
        .expect(201);
    let before = rows_per_table(&app, acme.tenant_id);
    assert!(before.len() >= 8, "tenant tables found: {before:?}");
    for table in [
        "sites",
        "site_domains",
        "site_configurations",
        "site_themes",
        "audit_events",
        "organizations",
        "users",
        "role_assignments",
    ] {
        assert!(
            before.iter().any(|(t, n)| t == table && *n > 0),
            "{table} has no row of the tenant: {before:?}"
        );
    }
    app.platform("DELETE", "/api/v1/tenants/acme")
        .bearer(&app.operator_token())
        .send()
        .expect(204);
    let after = rows_per_table(&app, acme.tenant_id);
    assert!(
        after.iter().all(|(_, n)| *n == 0),
        "rows left behind: {after:?}"
    );
    // The other tenant keeps everything.
    assert!(rows_per_table(&app, globex.tenant_id)
        .iter()
        .any(|(t, n)| t == "users" && *n == 1));
    app.req("GET", &globex.domain, "/api/v1/site")
        .send()
        .expect(200);
}

backend_tests!(deleting_a_tenant_removes_every_row_it_owns);

fn app_connection(app: &TestApp) -> PgConnection {
    PgConnection::establish(&app.db.url).expect("connect as atrium_app")
}

fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .count
}

fn row_level_security_hides_other_tenants_rows() {
    let app = TestApp::start(Backend::Postgres);
    let acme = app.provision("acme");
    let globex = app.provision("globex");
    let mut conn = app_connection(&app);
    // No tenant set: no row of any tenant table.
    for table in ["sites", "users", "organizations", "role_assignments"] {
        assert_eq!(
            count(&mut conn, &format!("SELECT count(*) AS count FROM {table}")),
            0,
            "{table}"
        );
    }
    // Tenant A set: its rows, and none of B's even when the SQL names B.
    conn.batch_execute(&format!(
        "BEGIN; SELECT set_config('atrium.tenant_id', '{}', true)",
        acme.tenant_id
    ))
    .unwrap();
    assert_eq!(count(&mut conn, "SELECT count(*) AS count FROM sites"), 1);
    assert_eq!(
        count(
            &mut conn,
            &format!(
                "SELECT count(*) AS count FROM users WHERE tenant_id = {}",
                globex.tenant_id
            )
        ),
        0
    );
    assert_eq!(
        count(
            &mut conn,
            &format!(
                "SELECT count(*) AS count FROM sites WHERE tenant_id = {}",
                globex.tenant_id
            )
        ),
        0
    );
    // Nor can it write into B.
    let insert = conn.batch_execute(&format!(
        "INSERT INTO organizations (tenant_id, short_name, name, created_at, updated_at) VALUES ({}, 'X', 'x', now(), now())",
        globex.tenant_id
    ));
    assert!(insert.is_err(), "a row of another tenant was written");
    conn.batch_execute("ROLLBACK").unwrap();
    // The setting died with the transaction: a pooled connection carries nothing.
    assert_eq!(count(&mut conn, "SELECT count(*) AS count FROM sites"), 0);
    // Routing rows are readable by all, writable only in scope.
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS count FROM site_domains"),
        2
    );
    assert!(conn.batch_execute("DELETE FROM site_domains").is_ok());
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS count FROM site_domains"),
        2,
        "deleted without a scope"
    );
}

fn the_service_role_owns_nothing_and_cannot_bypass_rls() {
    let app = TestApp::start(Backend::Postgres);
    let mut conn = app_connection(&app);
    #[derive(QueryableByName)]
    struct Role {
        #[diesel(sql_type = Bool)]
        rolsuper: bool,
        #[diesel(sql_type = Bool)]
        rolbypassrls: bool,
    }
    let role: Role = diesel::sql_query(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .get_result(&mut conn)
    .unwrap();
    assert!(!role.rolsuper && !role.rolbypassrls);
    assert_eq!(count(&mut conn, "SELECT count(*) AS count FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user"), 0);
    assert!(conn
        .batch_execute("ALTER TABLE sites DISABLE ROW LEVEL SECURITY")
        .is_err());
}

/// Tenant tables are those with a `tenant_id` column, except the routing
/// table, whose key is the domain so it can be unique platform-wide, and the
/// mail spool, which the delivery worker drains for every tenant.
const PLATFORM_TABLES_WITH_TENANT_ID: &[&str] = &["site_domains", "mail_outbox"];

fn tenant_tables_follow_the_distribution_rules() {
    let app = TestApp::start(Backend::Postgres);
    let mut conn = PgConnection::establish(&app.db.owner_url).unwrap();
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' \
         WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1",
    )
    .load(&mut conn)
    .unwrap();
    let tenant_tables: Vec<String> = tables
        .into_iter()
        .map(|t| t.name)
        .filter(|t| !PLATFORM_TABLES_WITH_TENANT_ID.contains(&t.as_str()))
        .collect();
    assert!(tenant_tables.len() >= 7, "{tenant_tables:?}");
    let mut broken = Vec::new();
    for table in &tenant_tables {
        // RLS enabled and forced.
        let rls = count(&mut conn, &format!(
            "SELECT count(*) AS count FROM pg_class WHERE relname = '{table}' AND relrowsecurity AND relforcerowsecurity"
        ));
        if rls != 1 {
            broken.push(format!(
                "{table}: row-level security not enabled and forced"
            ));
        }
        // tenant_id leads the primary key.
        let pk_lead = count(&mut conn, &format!(
            "SELECT count(*) AS count FROM pg_constraint con JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1] \
             WHERE con.conrelid = '{table}'::regclass AND con.contype = 'p' AND a.attname = 'tenant_id'"
        ));
        if pk_lead != 1 {
            broken.push(format!("{table}: tenant_id does not lead the primary key"));
        }
        // tenant_id leads every foreign key...
        let bad_fks = count(&mut conn, &format!(
            "SELECT count(*) AS count FROM pg_constraint con JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1] \
             WHERE con.conrelid = '{table}'::regclass AND con.contype = 'f' AND a.attname <> 'tenant_id'"
        ));
        if bad_fks != 0 {
            broken.push(format!(
                "{table}: {bad_fks} foreign key(s) not led by tenant_id"
            ));
        }
        // ...and an index starts with each foreign key's columns.
        let unindexed = count(&mut conn, &format!(
            "SELECT count(*) AS count FROM pg_constraint con WHERE con.conrelid = '{table}'::regclass AND con.contype = 'f' \
             AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = con.conrelid \
                 AND (i.indkey::int2[])[0:array_length(con.conkey, 1) - 1] = con.conkey)"
        ));
        if unindexed != 0 {
            broken.push(format!(
                "{table}: {unindexed} foreign key(s) without an index"
            ));
        }
    }
    assert!(
        broken.is_empty(),
        "schema rules broken:\n{}",
        broken.join("\n")
    );
}

fn a_change_on_one_replica_reaches_the_other_within_two_seconds() {
    let first = TestApp::start(Backend::Postgres);
    let second = first.replica();
    let acme = first.provision("acme");
    // The second replica resolves (and caches) the host.
    second
        .req("GET", &acme.domain, "/api/v1/site")
        .send()
        .expect(200);
    second
        .req("GET", "new.acme.test", "/api/v1/site")
        .send()
        .expect(404);
    first
        .platform("PATCH", "/api/v1/tenants/acme")
        .bearer(&first.operator_token())
        .json(&json!({"status": "suspended"}))
        .expect(200);
    acme.admin(&first, "GET", "/api/v1/site").send().expect(403);
    let wait_for = |path_host: &str, status: u16| {
        let started = Instant::now();
        loop {
            let got = second.req("GET", path_host, "/api/v1/site").send().status;
            if got == status {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "replica still answers {got} after 2 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait_for(&acme.domain, 403);
    first
        .platform("PATCH", "/api/v1/tenants/acme")
        .bearer(&first.operator_token())
        .json(&json!({"status": "active"}))
        .expect(200);
    wait_for(&acme.domain, 200);
    // A site added through the first replica resolves on the second.
    acme.admin(&first, "POST", "/api/v1/sites")
        .json(&json!({"domain": "new.acme.test", "name": "New"}))
        .expect(201);
    wait_for("new.acme.test", 200);
    // Settings too: the public bootstrap follows a configuration change.
    let site = second
        .req("GET", &acme.domain, "/api/v1/site")
        .send()
        .expect(200)
        .json();
    assert_eq!(site["platform_name"], "Atrium");
    acme.admin(
        &first,
        "PUT",
        &format!("/api/v1/sites/{}/configuration", acme.site_id),
    )
    .json(&json!({"values": {"PLATFORM_NAME": "Acme Learning"}, "enabled": true}))
    .expect(200);
    let started = Instant::now();
    loop {
        let site = second
            .req("GET", &acme.domain, "/api/v1/site")
            .send()
            .expect(200)
            .json();
        if site["platform_name"] == "Acme Learning" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "replica still shows the old platform name"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

postgres_tests!(
    row_level_security_hides_other_tenants_rows,
    the_service_role_owns_nothing_and_cannot_bypass_rls,
    tenant_tables_follow_the_distribution_rules,
    a_change_on_one_replica_reaches_the_other_within_two_seconds,
);
