//! Accounts written inside the caller's transaction: provisioning makes a
//! tenant's first admin atomically with its tenant.

use atrium_db::users::{self, UserRow};
use atrium_db::TenantTx;

use crate::{IdentityError, NewAccount};

/// Creates an account. The account must have passed
/// [`NewAccount::validate`] and its password been hashed with
/// [`crate::Identity::hash_password`].
pub fn insert_account(
    tx: &mut TenantTx<'_>,
    account: &NewAccount,
    password_hash: &str,
) -> Result<UserRow, IdentityError> {
    users::insert(
        tx,
        users::NewUser {
            email: &account.email,
            username: &account.username,
            name: &account.name,
            password_hash,
        },
    )
    .map_err(crate::accounts::account_write_error)
}
