//! Role assignments, read and written inside the caller's transaction: the
//! identity service reads a user's grants when it authenticates a request,
//! provisioning grants the first tenant admin with its tenant, and the
//! organizations domain lists, grants and revokes them for its API.

use atrium_core::{OrganizationId, UserId};
pub use atrium_db::roles::{AssignmentFilter, RoleAssignmentRow as Assignment, Visible};
use atrium_db::{roles, DbResult, TenantTx};

use crate::{Grant, GrantScope, Role};

/// Grants `role` on `scope` to `user`; `organization` is the organization
/// the scope lies in (see [`GrantScope::organization_short_name`]).
pub fn grant(
    tx: &mut TenantTx<'_>,
    user: UserId,
    role: Role,
    scope: &GrantScope,
    organization: Option<OrganizationId>,
) -> DbResult<()> {
    grant_row(tx, user, role, scope, organization)?;
    Ok(())
}

/// [`grant`], answering the stored row (a duplicate is a unique
/// violation).
pub fn grant_row(
    tx: &mut TenantTx<'_>,
    user: UserId,
    role: Role,
    scope: &GrantScope,
    organization: Option<OrganizationId>,
) -> DbResult<Assignment> {
    roles::grant(
        tx,
        user.0,
        role.as_str(),
        &scope.encode(),
        organization.map(|org| org.0),
    )
}

/// [`grant_row`], or `None` when the user already holds this grant (one
/// a concurrent writer just made included); the caller's transaction goes
/// on either way.
pub fn grant_row_unless_held(
    tx: &mut TenantTx<'_>,
    user: UserId,
    role: Role,
    scope: &GrantScope,
    organization: Option<OrganizationId>,
) -> DbResult<Option<Assignment>> {
    roles::grant_unless_held(
        tx,
        user.0,
        role.as_str(),
        &scope.encode(),
        organization.map(|org| org.0),
    )
}

/// The grant `id`, if the tenant has it.
pub fn find(tx: &mut TenantTx<'_>, id: i64) -> DbResult<Option<Assignment>> {
    roles::find(tx, id)
}

/// Removes the grant `id` (`NotFound` when absent).
pub fn revoke(tx: &mut TenantTx<'_>, id: i64) -> DbResult<()> {
    roles::revoke(tx, id)
}

/// Whether the tenant has the account `user`, whom a grant would name.
pub fn account_exists(tx: &mut TenantTx<'_>, user: UserId) -> DbResult<bool> {
    roles::account_exists(tx, user.0)
}

/// A page of the grants `visible` shows, filtered, in id order.
pub fn list(
    tx: &mut TenantTx<'_>,
    visible: &Visible,
    filter: &AssignmentFilter,
    after: Option<i64>,
    limit: i64,
) -> DbResult<Vec<Assignment>> {
    roles::list(tx, visible, filter, after, limit)
}

/// The first `per_scope` grants (in id order) on each of `scopes`, in one
/// statement: a batch of course teams, bounded however large a team is.
pub fn first_on_scopes(
    tx: &mut TenantTx<'_>,
    scopes: &[GrantScope],
    per_scope: i64,
) -> DbResult<Vec<Assignment>> {
    let scopes: Vec<String> = scopes.iter().map(GrantScope::encode).collect();
    roles::first_on_scopes(tx, &scopes, per_scope)
}

/// Removes every grant on `scope`, answering them (for their audit
/// entries); see `atrium_organizations::tx::revoke_all_on`.
pub fn revoke_on_scope(tx: &mut TenantTx<'_>, scope: &GrantScope) -> DbResult<Vec<Assignment>> {
    roles::revoke_on_scope(tx, &scope.encode())
}

/// Every grant `user` holds. Rows this version does not understand (a role
/// added by a newer replica, say) are skipped rather than failing the login.
pub fn grants_of(tx: &mut TenantTx<'_>, user: UserId) -> DbResult<Vec<Grant>> {
    Ok(roles::for_user(tx, user.0)?
        .into_iter()
        .filter_map(|row| {
            let role = Role::parse(&row.role)?;
            let scope = GrantScope::decode(&row.scope)?;
            // A role on the wrong kind of scope (an org role on `tenant`,
            // written by hand or by a bug) would hold where the matrix never
            // meant it to: it grants nothing.
            (role.level() == scope.level()).then(|| Grant {
                role,
                scope,
                organization: row.organization_id.map(OrganizationId),
            })
        })
        .collect())
}

/// Whether `user` is the tenant's only active tenant admin (role
/// `tenant_admin` on scope `tenant`), so that deactivating, deleting or
/// demoting it would lock the tenant's admins out. Call it inside the write
/// transaction that makes the change: it takes a lock that serializes
/// every such check and change of the tenant (see
/// [`roles::active_holders_locked`]), so two concurrent requests cannot
/// both pass it.
pub fn is_last_active_tenant_admin(tx: &mut TenantTx<'_>, user: UserId) -> DbResult<bool> {
    let admins =
        roles::active_holders_locked(tx, Role::TenantAdmin.as_str(), &GrantScope::Tenant.encode())?;
    Ok(admins == [user.0])
}

/// How many grants lie in `organization` (their scope names it, or a
/// course of it): they keep it from being deleted.
pub fn grants_in_organization(
    tx: &mut TenantTx<'_>,
    organization: OrganizationId,
) -> DbResult<i64> {
    roles::count_in_organization(tx, organization.0)
}

/// The grants made on `scope` (a course's team, on `course:KEY`).
pub fn grants_on_scope(tx: &mut TenantTx<'_>, scope: &GrantScope) -> DbResult<Vec<Assignment>> {
    roles::on_scope(tx, &scope.encode())
}
