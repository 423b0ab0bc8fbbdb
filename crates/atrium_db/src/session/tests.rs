//! The wall between tenants on one connection that serves them in turn.
//! PostgreSQL only: each test makes its own database from
//! `ATRIUM_TEST_DATABASE_URL` and connects as the service's role, which
//! row-level security binds. The pool has one connection, so every unit of
//! work below runs on the connection the one before it used.

use std::time::Duration;

use atrium_core::TenantId;
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};

use super::SessionTenant;
use crate::connection::{Db, DbOptions};
use crate::error::DbError;
use crate::tenancy::{Access, TenantScope, TenantTx};
use crate::test_database::TestDatabase;

/// A database of its own with two tenants: `a` owns organization A1, `b`
/// owns B1 and B2.
struct Scratch {
    db: Db,
    a: TenantScope,
    b: TenantScope,
    /// Dropped last, after the pool.
    _database: TestDatabase,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    short_name: String,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

impl Scratch {
    fn new(label: &str) -> Option<Self> {
        Self::open(label, false)
    }

    fn open(label: &str, reads_in_transactions: bool) -> Option<Self> {
        let database = TestDatabase::migrated(&format!("session_{label}"))?;
        database
            .admin()
            .batch_execute("ALTER ROLE atrium_app LOGIN")
            .unwrap();
        let mut owner = database.connect();
        let tenants: Vec<Id> = diesel::sql_query(
            "INSERT INTO tenants (slug, name, created_at, updated_at) \
             VALUES ('a', 'A', now(), now()), ('b', 'B', now(), now()) RETURNING id",
        )
        .load(&mut owner)
        .unwrap();
        let (a, b) = (tenants[0].id, tenants[1].id);
        owner
            .batch_execute(&format!(
                "INSERT INTO organizations (tenant_id, short_name, name, created_at, updated_at) \
                 VALUES ({a}, 'A1', 'a', now(), now()), ({b}, 'B1', 'b', now(), now()), \
                        ({b}, 'B2', 'b', now(), now())"
            ))
            .unwrap();
        let options = DbOptions {
            pool_size: 1,
            timeout: Duration::from_secs(5),
            reads_in_transactions,
            ..DbOptions::default()
        };
        // A tenant given as a connection default, as `ALTER ROLE … SET`
        // would: the pool's setup must not trust it.
        let url = format!(
            "postgres://atrium_app@{}/{}?options=-c%20atrium.tenant_id%3D{a}",
            database.host(),
            database.name
        );
        let db = Db::connect(&url, &options).unwrap();
        Some(Self {
            db,
            a: TenantScope::new(TenantId(a)),
            b: TenantScope::new(TenantId(b)),
            _database: database,
        })
    }

    /// The organizations a unit of work for `scope` sees, even when its SQL
    /// asks for every tenant's.
    fn seen_by(&self, scope: TenantScope, access: Access) -> Vec<String> {
        block(self.db.tenant(scope, access, |tx| {
            diesel::sql_query("SELECT short_name FROM organizations ORDER BY short_name")
                .load::<Name>(tx.conn)
                .map_err(DbError::from)
        }))
        .unwrap()
        .into_iter()
        .map(|row| row.short_name)
        .collect()
    }

    /// How many organizations the platform layer sees: none, ever.
    fn seen_by_platform(&self, access: Access) -> usize {
        block(self.db.platform(access, |tx| {
            diesel::sql_query("SELECT short_name FROM organizations")
                .load::<Name>(tx.conn)
                .map_err(DbError::from)
        }))
        .unwrap()
        .len()
    }

    /// What the pooled connection's session is known to hold.
    fn session_tenant(&self) -> SessionTenant {
        block(self.db.run(|session| Ok::<_, DbError>(session.tenant()))).unwrap()
    }

    fn statements_of(&self, work: impl FnOnce(&Self)) -> u64 {
        let before = self.db.statements_executed();
        work(self);
        self.db.statements_executed() - before
    }

    /// The statements a read for `scope` sends.
    fn statements_of_read(&self, scope: TenantScope) -> u64 {
        self.statements_of(|s| drop(s.seen_by(scope, Access::Read)))
    }
}

/// Adds organization A2 to the unit of work's tenant.
fn insert_a2(tx: &mut TenantTx<'_>) -> Result<(), DbError> {
    tx.conn
        .batch_execute(&format!(
            "INSERT INTO organizations (tenant_id, short_name, name, created_at, updated_at) \
             VALUES ({}, 'A2', 'a', now(), now())",
            tx.tenant()
        ))
        .map_err(DbError::from)
}

fn block<T>(work: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(work)
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|name| name.to_string()).collect()
}

#[test]
fn a_connection_used_for_one_tenant_then_another_shows_each_only_its_rows() {
    let Some(scratch) = Scratch::new("turns") else {
        return;
    };
    let (a, b) = (scratch.a, scratch.b);
    // The connection was opened with tenant A as a default.
    assert_eq!(scratch.seen_by_platform(Access::Read), 0);
    assert_eq!(scratch.seen_by(a, Access::Read), names(&["A1"]));
    assert_eq!(scratch.seen_by(b, Access::Read), names(&["B1", "B2"]));
    assert_eq!(scratch.seen_by(a, Access::Read), names(&["A1"]));
    // A write's LOCAL setting ends with it; the session still holds A.
    assert_eq!(scratch.seen_by(b, Access::Write), names(&["B1", "B2"]));
    assert_eq!(
        scratch.session_tenant(),
        SessionTenant::Tenant(a.tenant_id())
    );
    assert_eq!(scratch.seen_by(a, Access::Read), names(&["A1"]));
    // The platform, read or write, never runs with the tenant left behind.
    assert_eq!(scratch.seen_by_platform(Access::Write), 0);
    assert_eq!(scratch.seen_by_platform(Access::Read), 0);
    assert_eq!(scratch.session_tenant(), SessionTenant::Platform);
    assert_eq!(scratch.seen_by(b, Access::Read), names(&["B1", "B2"]));
    assert_eq!(scratch.seen_by_platform(Access::Read), 0);
}

#[test]
fn errors_and_panics_mid_request_leave_nothing_behind() {
    let Some(scratch) = Scratch::new("faults") else {
        return;
    };
    let (a, b) = (scratch.a, scratch.b);
    // A read that fails after reading A's rows.
    let failed = block(scratch.db.tenant(a, Access::Read, |tx| {
        diesel::sql_query("SELECT short_name FROM organizations").load::<Name>(tx.conn)?;
        tx.conn.batch_execute("SELECT 1 / 0").map_err(DbError::from)
    }));
    assert!(failed.is_err());
    assert_eq!(scratch.seen_by_platform(Access::Read), 0);
    assert_eq!(scratch.seen_by(b, Access::Read), names(&["B1", "B2"]));

    // A write that fails after writing: rolled back, and nothing stays set.
    let failed = block(scratch.db.tenant(a, Access::Write, |tx| {
        insert_a2(tx)?;
        tx.conn.batch_execute("SELECT 1 / 0").map_err(DbError::from)
    }));
    assert!(failed.is_err());
    assert_eq!(scratch.seen_by(b, Access::Read), names(&["B1", "B2"]));
    assert_eq!(scratch.seen_by(a, Access::Read), names(&["A1"]));

    // A read that panics once A is set: the connection is closed, and the
    // next one knows nothing of A.
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        block(scratch.db.tenant(b, Access::Read, |tx| {
            diesel::sql_query("SELECT short_name FROM organizations").load::<Name>(tx.conn)?;
            panic!("a request's work panics");
            #[allow(unreachable_code)]
            Ok::<(), DbError>(())
        }))
    }));
    assert!(panicked.is_err());
    assert_eq!(scratch.seen_by_platform(Access::Read), 0);
    assert_eq!(scratch.seen_by(a, Access::Read), names(&["A1"]));
}

#[test]
fn a_read_for_the_tenant_the_connection_holds_is_one_round_trip() {
    let Some(scratch) = Scratch::new("trips") else {
        return;
    };
    let (a, b) = (scratch.a, scratch.b);
    assert_eq!(
        scratch.statements_of_read(a),
        2,
        "set the tenant, then read"
    );
    assert_eq!(scratch.statements_of_read(a), 1, "read");
    assert_eq!(scratch.statements_of_read(b), 2);
    assert_eq!(
        scratch.statements_of(|s| drop(s.seen_by(b, Access::Write))),
        3,
        "BEGIN with the tenant, the statement, COMMIT"
    );
    assert_eq!(scratch.statements_of_read(b), 1);
}

/// Behind a pooler in transaction mode, or on Citus: every read in its own
/// transaction with `SET LOCAL`, and nothing left on the session.
#[test]
fn reads_can_run_in_transactions_instead() {
    let Some(scratch) = Scratch::open("tx_reads", true) else {
        return;
    };
    let (a, b) = (scratch.a, scratch.b);
    assert_eq!(
        scratch.statements_of_read(a),
        3,
        "BEGIN with the tenant, the read, COMMIT"
    );
    assert_eq!(scratch.statements_of_read(a), 3);
    assert_eq!(scratch.session_tenant(), SessionTenant::Platform);
    assert_eq!(scratch.seen_by(b, Access::Read), names(&["B1", "B2"]));
    assert_eq!(scratch.seen_by(a, Access::Read), names(&["A1"]));
    assert_eq!(scratch.seen_by_platform(Access::Read), 0);
}

#[test]
fn a_read_cannot_write_nor_hold_a_lock() {
    let Some(scratch) = Scratch::new("readonly") else {
        return;
    };
    let written = block(scratch.db.tenant(scratch.a, Access::Read, insert_a2));
    let error = written.unwrap_err().to_string();
    assert!(error.contains("read-only"), "{error}");
    assert_eq!(scratch.seen_by(scratch.a, Access::Read), names(&["A1"]));
    let locked = block(
        scratch
            .db
            .tenant(scratch.a, Access::Read, |tx| tx.lock_tenant(1, true)),
    );
    assert!(matches!(locked, Err(DbError::Config(_))), "{locked:?}");
}
