//! Persistence for Atrium: the schema, the connection pool over SQLite or
//! PostgreSQL, the migrations, and the tenant-aware repository layer.
//!
//! Tenant-owned tables can only be reached through a [`TenantTx`], which only
//! exists inside a transaction opened for a [`TenantScope`]. The schema and the
//! raw connection are private to this crate, so code elsewhere cannot build a
//! query of a tenant table that forgets its tenant:
//!
//! ```compile_fail
//! // The schema is private: no crate but this one can name a tenant table.
//! use atrium_db::schema::sites;
//! ```
//!
//! ```compile_fail
//! // A scope cannot be made up: it comes from a resolved host or from the
//! // platform layer (`PlatformTx::enter_tenant`).
//! let scope = atrium_db::TenantScope { tenant_id: atrium_core::TenantId(1) };
//! ```
//!
//! The trybuild tests in `tests/compile_fail` show the same walls with the
//! compiler's exact words.
//!
//! On PostgreSQL, row-level security is the second wall: every scoped
//! transaction starts with `set_config('atrium.tenant_id', id, true)`, which
//! ends with the transaction, and the service's role cannot bypass the
//! policies.

mod connection;
mod error;
mod migrations;
mod models;
mod notifications;
mod schema;
mod tenancy;

pub mod idempotency;
pub mod operators;
pub mod organizations;
pub mod roles;
pub mod routing;
pub mod site_settings;
pub mod sites;
pub mod tenants;
pub mod users;

pub use connection::{Backend, Db, DbOptions};
pub use error::{DbError, DbResult};
pub use migrations::{revert_all, run_migrations};
pub use models::*;
pub use notifications::{spawn_listener, ROUTING_CHANNEL};
pub use site_settings::SETTINGS_CHANNEL;
pub use tenancy::{Access, PlatformTx, TenantScope, TenantTx};

/// The current UTC time at microsecond precision, the finest both backends
/// store, so that a row reads back exactly as it was written.
pub(crate) fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}
