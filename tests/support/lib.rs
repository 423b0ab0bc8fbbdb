//! The test harness: a fresh database per test (a SQLite file, or a
//! PostgreSQL database cloned from a migrated template), a real server on a
//! free port, and a small HTTP client.
//!
//! PostgreSQL tests run when `ATRIUM_TEST_DATABASE_URL` names an owner
//! connection (e.g. `postgres://postgres@127.0.0.1:5432/postgres`); without
//! it they say so on stderr and return, except in CI (`CI` set), where they
//! fail. With it, a server that cannot be reached fails them.

mod client;
mod database;
mod mail;
mod outage;
mod raw;
mod server;

pub use client::{Request, Response};
pub use database::{Backend, TestDb};
pub use mail::{Eml, MailFolder};
pub use outage::DatabaseProxy;
pub use raw::{RawConnection, RawResponse};
pub use server::{Provisioned, TestApp, TestOptions, OPERATOR_EMAIL, OPERATOR_PASSWORD};

/// Generates, for each named test function taking a [`Backend`], one test
/// per backend: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name($crate::Backend::Sqlite) })*
        }
        mod postgres {
            $(#[test] fn $name() {
                if $crate::Backend::postgres_available() {
                    super::$name($crate::Backend::Postgres)
                }
            })*
        }
    };
}

/// Generates PostgreSQL-only tests (row-level security, the catalog,
/// LISTEN/NOTIFY between replicas).
#[macro_export]
macro_rules! postgres_tests {
    ($($name:ident),* $(,)?) => {
        mod postgres_only {
            $(#[test] fn $name() {
                if $crate::Backend::postgres_available() {
                    super::$name()
                }
            })*
        }
    };
}
