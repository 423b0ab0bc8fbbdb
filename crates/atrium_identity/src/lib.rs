//! Accounts and authentication: platform operators, tenant users, password
//! hashing, access tokens and the keys that sign them.
//!
//! Tokens are bound to where they were issued (`iss` names the tenant, or the
//! platform), so a token of one tenant is worth nothing on another's hosts.
//! A password login also starts a family of refresh tokens (`sessions`).

mod access;
mod accounts;
mod clients;
mod error;
pub mod keys;
mod operators;
mod password_rules;
mod passwords;
mod recovery;
mod secrets;
mod service;
mod sessions;
mod throttle;
pub mod tokens;
pub mod tx;

pub use access::ACCESS_POLL;
pub use accounts::{Account, AccountFilter, AccountPatch, CallerKind, Me, MePatch, NewUser};
pub use atrium_db::access::AccessChange;
pub use clients::{ApiClient, ClientToken, CreatedApiClient, NewApiClient};
pub use error::IdentityError;
pub use keys::{Jwk, Jwks, Kek, KeyStore};
pub use operators::{delete_operator, list_operators, set_operator_active, Operator, OperatorRef};
pub use password_rules::check_new_password;
pub use passwords::{set_queue_limit as set_password_hash_queue, MIN_PASSWORD_LENGTH};
pub use recovery::RecoveryOptions;
pub use service::{create_operator, Identity, IssuedToken, NewAccount};
pub use throttle::ThrottleLimits;
pub use tokens::Realm;
