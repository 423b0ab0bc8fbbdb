//! Accounts written inside the caller's transaction: provisioning makes a
//! tenant's first admin atomically with its tenant; an organization's
//! deletion asks which API clients are limited to it.

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

/// Records the creation of `account` in the tenant's audit log as the
/// accounts service does (`user.create`, the API's view of it): for
/// accounts made by [`insert_account`] outside that service.
pub fn record_created(
    tx: &mut TenantTx<'_>,
    author: &atrium_audit::Author,
    account: &crate::Account,
) -> Result<(), IdentityError> {
    crate::accounts::record_account(
        tx,
        author,
        "user.create",
        account.id,
        None,
        Some(account),
        false,
    )?;
    Ok(())
}

/// The API clients limited to `organization`, as its deletion reports what
/// holds it (see `atrium_organizations::HolderCheck`): deleting it would
/// delete them with it.
pub fn clients_limited_to(
    tx: &mut TenantTx<'_>,
    organization: atrium_core::OrganizationId,
) -> atrium_db::DbResult<Vec<String>> {
    let count = atrium_db::api_clients::count_in_organization(tx, organization.0)?;
    Ok((count > 0)
        .then(|| format!("{count} API client(s) limited to it"))
        .into_iter()
        .collect())
}
