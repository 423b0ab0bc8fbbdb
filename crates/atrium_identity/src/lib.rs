//! Accounts and authentication: platform operators, tenant users, password
//! hashing, access tokens and the keys that sign them.
//!
//! Tokens are bound to where they were issued (`iss` names the tenant, or the
//! platform), so a token of one tenant is worth nothing on another's hosts.
//! Refresh tokens and API clients will extend [`tokens`] with more grants.

mod accounts;
mod error;
mod keys;
mod password_rules;
mod passwords;
mod service;
mod throttle;
pub mod tokens;
pub mod tx;

pub use accounts::{Account, AccountFilter, AccountPatch, CallerKind, Me, MePatch, NewUser};
pub use error::IdentityError;
pub use keys::{Jwk, Jwks, KeyStore};
pub use password_rules::check_new_password;
pub use passwords::{set_queue_limit as set_password_hash_queue, MIN_PASSWORD_LENGTH};
pub use service::{create_operator, Identity, IssuedToken, NewAccount};
pub use throttle::ThrottleLimits;
pub use tokens::Realm;
