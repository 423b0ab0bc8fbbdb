//! Persistence for Atrium: the schema, the connection pool over SQLite or
//! PostgreSQL, the migrations, and the tenant-aware repository layer.
//!
//! Tenant-owned tables can only be reached through a [`TenantTx`], which only
//! exists inside a unit of work opened for a [`TenantScope`]. The schema and the
//! raw connection are private to this crate, so code elsewhere cannot build a
//! query of a tenant table that forgets its tenant. The one way in:
//!
//! ```
//! async fn count_sites(db: &atrium_db::Db, scope: atrium_db::TenantScope) -> Result<usize, atrium_db::DbError> {
//!     let rows = db.tenant(scope, atrium_db::Access::Read, |tx| atrium_db::sites::list(tx, None, 10)).await?;
//!     Ok(rows.len())
//! }
//! ```
//!
//! Each of the following is that same code with the wall removed, and does
//! not compile. A tenant table cannot be named:
//!
//! ```compile_fail,E0603
//! use atrium_db::schema::sites;
//! let _everyone = sites::table;
//! ```
//!
//! A scope cannot be made up from an id:
//!
//! ```compile_fail,E0451
//! let _scope = atrium_db::TenantScope { tenant_id: atrium_core::TenantId(1) };
//! ```
//!
//! Nor can the platform layer enter a tenant it has not read or made:
//!
//! ```compile_fail,E0451
//! async fn enter(db: &atrium_db::Db) -> Result<(), atrium_db::DbError> {
//!     db.platform(atrium_db::Access::Read, |tx| {
//!         let made_up = atrium_db::tenants::TenantRow { id: 7, slug: String::new(), name: String::new(),
//!             status: String::new(), created_at: Default::default(), updated_at: Default::default() };
//!         tx.enter_tenant(&made_up).map(|_| ())
//!     })
//!     .await
//! }
//! ```
//!
//! Nor change the id of a tenant it did read before entering it:
//!
//! ```compile_fail,E0616
//! async fn retarget(db: &atrium_db::Db) -> Result<(), atrium_db::DbError> {
//!     db.platform(atrium_db::Access::Read, |tx| {
//!         let mut acme = atrium_db::tenants::find_by_slug(tx, "acme")?;
//!         acme.id = 7;
//!         tx.enter_tenant(&acme).map(|_| ())
//!     })
//!     .await
//! }
//! ```
//!
//! A repository function cannot be called without a scoped transaction:
//!
//! ```compile_fail,E0308
//! async fn count_sites(db: &atrium_db::Db) -> Result<usize, atrium_db::DbError> {
//!     Ok(atrium_db::sites::list(db, None, 10)?.len())
//! }
//! ```
//!
//! And the connection inside a scoped transaction cannot be taken out:
//!
//! ```compile_fail,E0616
//! fn escape(tx: &mut atrium_db::TenantTx<'_>) {
//!     let _raw = &mut tx.conn;
//! }
//! ```
//!
//! On PostgreSQL, row-level security is the second wall: the service's
//! role cannot bypass the policies, and every scoped unit of work runs
//! with `atrium.tenant_id` set to its tenant. A transaction sets it `LOCAL`
//! in the same round trip as its `BEGIN`; a read runs its statements on a
//! session set to its tenant, which the connection remembers, so a read
//! for the tenant the connection last served is one round trip. Why that
//! is safe, and what keeps a tenant from outliving its request, is told in
//! the `session` module (`src/session/mod.rs`).

mod connection;
mod error;
mod migrations;
mod notifications;
mod schema;
mod session;
mod tenancy;
#[cfg(test)]
mod test_database;

pub mod access;
pub mod account_tokens;
pub mod api_clients;
pub mod audit;
pub mod catalog;
pub mod citus;
pub mod courses;
pub mod creator_requests;
pub mod distribution;
pub mod enrollments;
pub mod idempotency;
pub mod libraries;
pub mod login_throttle;
pub mod mail_outbox;
pub mod memberships;
pub mod operators;
pub mod organizations;
pub mod refresh_tokens;
pub mod roles;
pub mod routing;
pub mod signing_keys;
pub mod site_settings;
pub mod sites;
pub mod tenants;
pub mod users;

pub use connection::{Backend, Db, DbOptions};
pub use error::{DbError, DbResult};
pub use migrations::{revert_all, run_migrations};
pub use notifications::{
    spawn_listener, spawn_payload_listener, Heard, DEFAULT_POLL_INTERVAL, ROUTING_CHANNEL,
};
pub use site_settings::SETTINGS_CHANNEL;
pub use tenancy::{Access, PlatformTx, RowLock, TenantScope, TenantTx};

/// The current UTC time at microsecond precision, the finest both backends
/// store, so that a row reads back exactly as it was written.
pub(crate) fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}
