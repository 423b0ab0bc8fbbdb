//! The plan of the real schema, and the whole conversion run on plain
//! PostgreSQL against a stand-in for Citus (`FakeCitus`), each test in a
//! database of its own made from `ATRIUM_TEST_DATABASE_URL`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use super::catalog::{ForeignKey, IdentityColumn, Schema, Table, Trigger, UniqueKey};
use super::citus::Cluster;
use super::plan::{plan as plan_of, Existing, Placement};
use super::{distribute_on, plan_on};
use crate::error::{DbError, DbResult};
use crate::test_database::TestDatabase;

/// Citus's metadata, kept in memory, and two refusals of Citus's that
/// shape the conversion:
/// - a table with an identity column is not converted while a foreign key
///   ties it to another table (citusdata/citus#7036, #7564), so the keys
///   are dropped first;
/// - a conversion in parallel mode (several connections per worker) makes
///   the foreign keys to reference tables re-created after it fail in the
///   same transaction, so the transaction runs in sequential mode.
#[derive(Default)]
struct FakeCitus {
    known: RefCell<BTreeMap<String, Existing>>,
    calls: RefCell<Vec<String>>,
    /// A table whose conversion fails, to see the transaction undone.
    fail_on: Option<&'static str>,
}

impl FakeCitus {
    fn refuse_what_citus_refuses(&self, conn: &mut PgConnection, table: &str) -> DbResult<()> {
        if self.fail_on == Some(table) {
            return Err(DbError::Distribution(format!(
                "{table}: the worker went away"
            )));
        }
        let mode: Placed = diesel::RunQueryDsl::get_result(
            diesel::sql_query(
                "SELECT '' AS table_name, coalesce(current_setting(\
                   'citus.multi_shard_modify_mode', true), 'parallel') AS how",
            ),
            conn,
        )?;
        if mode.how != "sequential" {
            return Err(DbError::Distribution(format!(
                "{table}: converted in parallel mode, the foreign keys to reference tables \
                 cannot be re-created in this transaction"
            )));
        }
        let schema = Schema::read(conn)?;
        let has_identity = schema
            .identity_columns
            .iter()
            .any(|c| c.table_name == table);
        let tied = schema
            .foreign_keys
            .iter()
            .any(|fk| fk.table_name == table || fk.referenced_table == table);
        if has_identity && tied {
            return Err(DbError::Distribution(format!(
                "{table}: cannot complete operation on a table with identity column"
            )));
        }
        Ok(())
    }
}

impl Cluster for FakeCitus {
    fn version(&self, _: &mut PgConnection) -> DbResult<Option<String>> {
        Ok(Some("13.2-fake".into()))
    }

    fn existing(&self, _: &mut PgConnection) -> DbResult<BTreeMap<String, Existing>> {
        Ok(self.known.borrow().clone())
    }

    fn make_reference(&self, conn: &mut PgConnection, table: &str) -> DbResult<()> {
        self.refuse_what_citus_refuses(conn, table)?;
        self.calls.borrow_mut().push(format!("reference {table}"));
        self.known
            .borrow_mut()
            .insert(table.to_owned(), Existing::Reference);
        Ok(())
    }

    fn distribute(
        &self,
        conn: &mut PgConnection,
        table: &str,
        colocate_with: Option<&str>,
    ) -> DbResult<()> {
        self.refuse_what_citus_refuses(conn, table)?;
        let colocation_id = match colocate_with {
            None => 1 + self.known.borrow().len() as i32,
            Some(anchor) => match self.known.borrow().get(anchor) {
                Some(Existing::Distributed { colocation_id, .. }) => *colocation_id,
                _ => {
                    return Err(DbError::Distribution(format!(
                        "{anchor} is not distributed: {table} cannot be co-located with it"
                    )))
                }
            },
        };
        self.calls.borrow_mut().push(format!(
            "distribute {table} with {}",
            colocate_with.unwrap_or("none")
        ));
        self.known.borrow_mut().insert(
            table.to_owned(),
            Existing::Distributed {
                column: "tenant_id".into(),
                colocation_id,
            },
        );
        Ok(())
    }
}

/// The foreign keys as the database has them: what a rolled-back
/// conversion must leave (the fake's metadata is in memory, outside the
/// transaction).
fn committed_fks(conn: &mut PgConnection) -> Vec<ForeignKey> {
    Schema::read(conn).unwrap().foreign_keys
}

#[test]
fn the_plan_covers_every_table_of_the_schema() {
    let Some(db) = TestDatabase::migrated("distribution_plan") else {
        return;
    };
    let conn = &mut db.connect();
    let schema = Schema::read(conn).unwrap();
    let plan = plan_on(conn, &super::citus::Citus).unwrap();

    let planned: BTreeSet<&str> = plan.tables.iter().map(|t| t.table.as_str()).collect();
    let tables: BTreeSet<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(planned, tables, "every table, once");
    assert_eq!(plan.tables.len(), schema.tables.len());
    assert!(tables.len() > 20, "the migrated schema: {tables:?}");
    assert!(
        plan.tables.iter().all(|t| !t.done),
        "nothing is done without Citus"
    );

    // Every tenant table (tenant_id NOT NULL, leading its key) is
    // distributed by tenant_id, and with it nothing else.
    for table in &schema.tables {
        let tenant_table = table.tenant_not_null == Some(true)
            && table.primary_key.first().map(String::as_str) == Some("tenant_id");
        let placement = plan.placement_of(&table.name).unwrap();
        assert_eq!(
            placement == Placement::Distributed,
            tenant_table,
            "{}: {placement}",
            table.name
        );
        if placement != Placement::Distributed {
            let expected = if table.name == super::MIGRATIONS_TABLE {
                Placement::Local
            } else {
                Placement::Reference
            };
            assert_eq!(placement, expected, "{}", table.name);
        }
    }
    // The two platform-wide tables that carry a tenant id: the routing
    // table (its key, the domain, is looked up before the tenant is
    // known) and the mail spool (platform mail has no tenant). A new
    // table with a tenant_id that does not lead its key fails here until
    // someone decides where it goes.
    let tenant_id_but_not_distributed: BTreeSet<&str> = schema
        .tables
        .iter()
        .filter(|t| t.tenant_not_null.is_some())
        .filter(|t| plan.placement_of(&t.name) != Some(Placement::Distributed))
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        tenant_id_but_not_distributed,
        BTreeSet::from(["mail_outbox", "site_domains"])
    );
    // No foreign key from a reference (or local) table to a distributed one.
    for fk in &schema.foreign_keys {
        if plan.placement_of(&fk.referenced_table) == Some(Placement::Distributed) {
            assert_eq!(
                plan.placement_of(&fk.table_name),
                Some(Placement::Distributed),
                "{}",
                fk.name
            );
        }
    }
    // One anchor, a distributed table, first of the distributed ones.
    let anchor = plan.anchor.as_deref().unwrap();
    assert_eq!(plan.placement_of(anchor), Some(Placement::Distributed));
    let first_distributed = plan
        .tables
        .iter()
        .find(|t| t.placement == Placement::Distributed)
        .unwrap();
    assert_eq!(first_distributed.table, anchor);
    // Every foreign key that touches a table is re-created around it.
    assert_eq!(plan.foreign_keys, schema.foreign_keys);
    let printed = plan.to_string();
    for table in &tables {
        assert!(printed.contains(table), "{table} in:\n{printed}");
    }
}

#[test]
fn distribution_converts_every_table_co_located_and_leaves_the_keys_as_they_were() {
    let Some(db) = TestDatabase::migrated("distribution_apply") else {
        return;
    };
    let conn = &mut db.connect();
    let before = Schema::read(conn).unwrap();
    let citus = FakeCitus::default();

    // Rows to carry over: a tenant with its root organization.
    conn.batch_execute(
        "INSERT INTO tenants (slug, name, created_at, updated_at) VALUES ('a', 'A', now(), now()); \
         INSERT INTO organizations (tenant_id, short_name, name, created_at, updated_at) \
           SELECT id, 'A1', 'a', now(), now() FROM tenants",
    )
    .unwrap();
    // Citus refuses the first platform table in parallel mode, and with
    // its keys in place.
    let parallel = conn
        .transaction(|conn| citus.make_reference(conn, "tenants"))
        .unwrap_err();
    assert!(parallel.to_string().contains("parallel mode"), "{parallel}");
    let tied = conn
        .transaction(|conn| {
            conn.batch_execute("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")?;
            citus.make_reference(conn, "tenants")
        })
        .unwrap_err();
    assert!(tied.to_string().contains("identity column"), "{tied}");

    let done = distribute_on(conn, &citus).unwrap();
    let anchor = done.plan.anchor.clone().unwrap();
    let known = citus.known.borrow().clone();
    for table in &done.plan.tables {
        match table.placement {
            Placement::Reference => {
                assert_eq!(known.get(&table.table), Some(&Existing::Reference))
            }
            Placement::Distributed => assert!(
                matches!(known.get(&table.table), Some(Existing::Distributed { column, .. }) if column == "tenant_id"),
                "{}",
                table.table
            ),
            Placement::Local => assert_eq!(known.get(&table.table), None),
        }
    }
    let colocations: BTreeSet<i32> = known
        .values()
        .filter_map(|e| match e {
            Existing::Distributed { colocation_id, .. } => Some(*colocation_id),
            _ => None,
        })
        .collect();
    assert_eq!(colocations.len(), 1, "all co-located: {known:?}");
    let calls = citus.calls.borrow().clone();
    assert!(calls.contains(&format!("distribute {anchor} with none")));
    assert!(calls.contains(&format!("distribute users with {anchor}")));

    // The same schema afterwards, keys and rows included.
    let after = Schema::read(conn).unwrap();
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let organizations: Count = diesel::RunQueryDsl::get_result(
        diesel::sql_query("SELECT count(*) AS n FROM organizations WHERE short_name = 'A1'"),
        conn,
    )
    .unwrap();
    assert_eq!(organizations.n, 1);
    assert_eq!(after.foreign_keys, before.foreign_keys);
    assert_eq!(after.foreign_keys.len(), done.plan.foreign_keys.len());
    assert!(done.to_string().contains("converted"), "{done}");

    // Again: nothing to do, nothing called.
    let again = distribute_on(conn, &citus).unwrap();
    assert_eq!(again.converted().count(), 0);
    assert_eq!(citus.calls.borrow().len(), calls.len());
    assert!(again.to_string().contains("nothing to do"), "{again}");
}

#[test]
fn a_table_a_later_migration_adds_is_distributed_with_the_others() {
    let Some(db) = TestDatabase::migrated("distribution_later") else {
        return;
    };
    let conn = &mut db.connect();
    let citus = FakeCitus::default();
    let first = distribute_on(conn, &citus).unwrap();
    let anchor = first.plan.anchor.clone().unwrap();
    // As the migration rules say: the table, then its distribution, then
    // its foreign keys (here, distribution by running the command again).
    conn.batch_execute(
        "CREATE TABLE badges (tenant_id bigint NOT NULL, id bigint GENERATED BY DEFAULT AS IDENTITY, \
           user_id bigint NOT NULL, PRIMARY KEY (tenant_id, id)); \
         ALTER TABLE badges ADD FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id); \
         CREATE TABLE badge_kinds (name text PRIMARY KEY)",
    )
    .unwrap();
    let before = committed_fks(conn);
    let second = distribute_on(conn, &citus).unwrap();
    let converted: Vec<(&str, Placement)> = second
        .converted()
        .map(|t| (t.table.as_str(), t.placement))
        .collect();
    assert_eq!(
        converted,
        [
            ("badge_kinds", Placement::Reference),
            ("badges", Placement::Distributed)
        ]
    );
    // In the first run's co-location group (the anchor is any member).
    let known = citus.known.borrow();
    assert_eq!(known.get("badges"), known.get(&anchor));
    let second_anchor = second.plan.anchor.as_deref().unwrap();
    assert_eq!(known.get(second_anchor), known.get(&anchor));
    // Only the new table's key was dropped and re-created.
    assert_eq!(
        second
            .plan
            .foreign_keys
            .iter()
            .map(|fk| fk.table_name.as_str())
            .collect::<Vec<_>>(),
        ["badges"]
    );
    assert_eq!(committed_fks(conn), before);
}

#[test]
fn a_failed_conversion_leaves_the_schema_as_it_was() {
    let Some(db) = TestDatabase::migrated("distribution_undo") else {
        return;
    };
    let conn = &mut db.connect();
    let before = committed_fks(conn);
    let citus = FakeCitus {
        fail_on: Some("users"),
        ..FakeCitus::default()
    };
    let error = distribute_on(conn, &citus).unwrap_err();
    assert!(error.to_string().contains("users"), "{error}");
    assert_eq!(committed_fks(conn), before, "every foreign key is back");
}

#[test]
fn distribution_refuses_a_server_without_citus() {
    let Some(db) = TestDatabase::migrated("distribution_nocitus") else {
        return;
    };
    let before = committed_fks(&mut db.connect());
    let error = super::distribute(&db.url).unwrap_err();
    assert!(error.to_string().contains("no citus extension"), "{error}");
    assert_eq!(committed_fks(&mut db.connect()), before);
}

// The checks, on schemas made up for each: what Citus would refuse is
// found before anything changes.

fn table(name: &str, tenant: Option<bool>, key: &[&str]) -> Table {
    Table {
        name: name.into(),
        tenant_not_null: tenant,
        tenant_type: tenant.map(|_| "bigint".into()),
        primary_key: key.iter().map(|c| c.to_string()).collect(),
    }
}

fn fk(name: &str, from: (&str, &[&str]), to: (&str, &[&str]), on_delete: &str) -> ForeignKey {
    ForeignKey {
        name: name.into(),
        table_name: from.0.into(),
        columns: from.1.iter().map(|c| c.to_string()).collect(),
        referenced_table: to.0.into(),
        referenced_columns: to.1.iter().map(|c| c.to_string()).collect(),
        on_delete: on_delete.into(),
        on_update: "a".into(),
        definition: String::new(),
    }
}

/// `tenants` (platform), `users` and `posts` (tenant tables).
fn small_schema() -> Schema {
    Schema {
        tables: vec![
            table("tenants", None, &["id"]),
            table("users", Some(true), &["tenant_id", "id"]),
            table("posts", Some(true), &["tenant_id", "id"]),
        ],
        foreign_keys: vec![
            fk(
                "users_tenant",
                ("users", &["tenant_id"]),
                ("tenants", &["id"]),
                "c",
            ),
            fk(
                "posts_author",
                ("posts", &["tenant_id", "author_id"]),
                ("users", &["tenant_id", "id"]),
                "c",
            ),
        ],
        ..Schema::default()
    }
}

fn problems_of(schema: &Schema) -> Vec<String> {
    plan_of(schema, &BTreeMap::new()).err().unwrap_or_default()
}

#[test]
fn a_sound_schema_has_no_problem() {
    let plan = plan_of(&small_schema(), &BTreeMap::new()).unwrap();
    // users is pointed at by posts: the anchor.
    assert_eq!(plan.anchor.as_deref(), Some("users"));
    assert_eq!(plan.foreign_keys.len(), 2);
}

#[test]
fn a_unique_key_without_the_tenant_is_refused() {
    let mut schema = small_schema();
    schema.unique_keys.push(UniqueKey {
        table_name: "users".into(),
        name: "users_email".into(),
        columns: vec!["email".into()],
    });
    schema.unique_keys.push(UniqueKey {
        table_name: "users".into(),
        name: "users_tenant_email".into(),
        columns: vec!["tenant_id".into(), "email".into()],
    });
    let problems = problems_of(&schema);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("users_email"), "{problems:?}");
}

#[test]
fn a_key_from_a_platform_table_to_a_tenant_table_is_refused() {
    let mut schema = small_schema();
    schema.foreign_keys.push(fk(
        "tenants_owner",
        ("tenants", &["owner_tenant", "owner_id"]),
        ("users", &["tenant_id", "id"]),
        "a",
    ));
    let problems = problems_of(&schema);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("from reference table tenants"),
        "{problems:?}"
    );
}

#[test]
fn a_key_between_tenant_tables_must_pair_the_tenants() {
    let mut schema = small_schema();
    schema.foreign_keys.push(fk(
        "posts_editor",
        ("posts", &["editor_id"]),
        ("users", &["id"]),
        "a",
    ));
    let problems = problems_of(&schema);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("posts_editor"), "{problems:?}");
}

#[test]
fn an_action_that_would_rewrite_the_tenant_is_refused() {
    let mut schema = small_schema();
    schema.foreign_keys[1].on_delete = "n".into();
    let problems = problems_of(&schema);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("ON DELETE SET NULL"), "{problems:?}");
}

#[test]
fn small_identity_columns_and_triggers_are_refused() {
    let mut schema = small_schema();
    schema.identity_columns.push(IdentityColumn {
        table_name: "posts".into(),
        column_name: "id".into(),
        type_name: "integer".into(),
    });
    schema.identity_columns.push(IdentityColumn {
        table_name: "users".into(),
        column_name: "id".into(),
        type_name: "bigint".into(),
    });
    schema.triggers.push(Trigger {
        table_name: "users".into(),
        name: "users_touch".into(),
    });
    let problems = problems_of(&schema);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("posts.id is integer"), "{problems:?}");
    assert!(problems[1].contains("users_touch"), "{problems:?}");
}

#[test]
fn keys_to_local_tables_tables_without_keys_and_mixed_tenant_types_are_refused() {
    let mut schema = small_schema();
    schema
        .tables
        .push(table(super::MIGRATIONS_TABLE, None, &["version"]));
    schema.foreign_keys.push(fk(
        "users_migration",
        ("users", &["tenant_id", "version"]),
        (super::MIGRATIONS_TABLE, &["version"]),
        "a",
    ));
    schema.tables[2].primary_key.clear();
    schema.tables[1].tenant_type = Some("integer".into());
    let problems = problems_of(&schema);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].contains("to local table"), "{problems:?}");
    assert!(
        problems[1].contains("posts has no primary key"),
        "{problems:?}"
    );
    assert!(
        problems[2].contains("bigint (posts); integer (users)"),
        "{problems:?}"
    );
}

#[test]
fn a_table_distributed_otherwise_is_refused_and_one_done_is_left_alone() {
    let schema = small_schema();
    let mut existing = BTreeMap::from([
        ("tenants".to_owned(), Existing::Reference),
        (
            "users".to_owned(),
            Existing::Distributed {
                column: "tenant_id".into(),
                colocation_id: 4,
            },
        ),
    ]);
    let plan = plan_of(&schema, &existing).unwrap();
    assert_eq!(
        plan.to_convert()
            .map(|t| t.table.as_str())
            .collect::<Vec<_>>(),
        ["posts"]
    );
    assert_eq!(plan.anchor.as_deref(), Some("users"));
    // posts in another co-location group, or tenants distributed.
    existing.insert(
        "posts".into(),
        Existing::Distributed {
            column: "tenant_id".into(),
            colocation_id: 5,
        },
    );
    existing.insert(
        "tenants".into(),
        Existing::Distributed {
            column: "id".into(),
            colocation_id: 6,
        },
    );
    let problems = plan_of(&schema, &existing).unwrap_err();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems.iter().all(|p| p.contains("by hand")),
        "{problems:?}"
    );
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Placed {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    how: String,
}

/// `atrium_distribute_like` (migration 000060), the call later migrations
/// place new tables with: nothing on plain PostgreSQL; on Citus, the new
/// table goes where its peer is. Citus's metadata table and functions live
/// in pg_catalog; a stand-in schema on the search path plays them here.
#[test]
fn a_migration_places_a_new_table_like_its_peer() {
    use diesel::RunQueryDsl;
    let Some(db) = TestDatabase::migrated("distribution_like") else {
        return;
    };
    let conn = &mut db.connect();
    let before = Schema::read(conn).unwrap();
    conn.batch_execute(
        "CREATE TABLE badges (tenant_id bigint NOT NULL, id bigint, PRIMARY KEY (tenant_id, id)); \
         SELECT atrium_distribute_like('badges', 'users');",
    )
    .unwrap();
    assert_eq!(
        Schema::read(conn).unwrap().tables.len(),
        before.tables.len() + 1
    );

    conn.batch_execute(
        "CREATE SCHEMA citus_stand_in; \
         CREATE TABLE citus_stand_in.pg_dist_partition \
           (logicalrelid regclass, partmethod \"char\", repmodel \"char\", how text); \
         CREATE FUNCTION citus_stand_in.create_distributed_table(t regclass, col text, colocate_with text) \
           RETURNS void LANGUAGE plpgsql AS $$ BEGIN \
             IF current_setting('citus.multi_shard_modify_mode', true) IS DISTINCT FROM 'sequential' THEN \
               RAISE EXCEPTION 'parallel mode: the foreign keys that follow would fail'; \
             END IF; \
             INSERT INTO citus_stand_in.pg_dist_partition VALUES (t, 'h', 's', col || ' with ' || colocate_with); \
           END $$; \
         CREATE FUNCTION citus_stand_in.create_reference_table(t regclass) RETURNS void LANGUAGE sql \
           AS $$ INSERT INTO citus_stand_in.pg_dist_partition VALUES (t, 'n', 't', 'reference') $$; \
         INSERT INTO citus_stand_in.pg_dist_partition VALUES \
           ('users', 'h', 's', 'anchor'), ('tenants', 'n', 't', 'reference'); \
         SET search_path = public, citus_stand_in; \
         CREATE TABLE badge_kinds (name text PRIMARY KEY); \
         CREATE TABLE drafts (tenant_id bigint NOT NULL); \
         SELECT atrium_distribute_like('badges', 'users'); \
         SELECT atrium_distribute_like('badge_kinds', 'tenants'); \
         SELECT atrium_distribute_like('drafts', 'courses');",
    )
    .unwrap();
    // A peer of the other kind is refused, with or without Citus.
    let wrong = conn
        .batch_execute("SELECT atrium_distribute_like('badge_kinds', 'users')")
        .unwrap_err();
    assert!(
        wrong
            .to_string()
            .contains("only one of them is a tenant table"),
        "{wrong}"
    );
    let placed: Vec<Placed> = diesel::sql_query(
        "SELECT logicalrelid::text AS table_name, how FROM citus_stand_in.pg_dist_partition \
          WHERE logicalrelid::text NOT IN ('users', 'tenants') ORDER BY 1",
    )
    .load(conn)
    .unwrap();
    // courses is not converted yet: drafts waits for `atrium distribute`.
    assert_eq!(
        placed,
        [
            Placed {
                table_name: "badge_kinds".into(),
                how: "reference".into()
            },
            Placed {
                table_name: "badges".into(),
                how: "tenant_id with users".into()
            },
        ]
    );
}
