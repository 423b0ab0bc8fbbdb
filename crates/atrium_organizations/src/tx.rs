//! Organizations read and written inside the caller's transaction:
//! provisioning makes the root organization with its tenant, and the sites
//! domain checks the organizations a `course_org_filter` names; the
//! identity domain names the organization an API client is limited to and
//! asks, at token time, whether a user is a member where a site requires it.

use std::collections::{HashMap, HashSet};

use atrium_audit::Author;
use atrium_core::{OrganizationId, UserId};
use atrium_db::{memberships, organizations, DbError, DbResult, TenantTx};
use atrium_permissions::{may, Action, Caller, Denied, GrantScope, Lineage, Place, Role};

use crate::{NewOrganization, Organization, OrganizationsError, RoleAssignment};

/// Creates the root organization of a tenant, recorded as
/// `organization.create` like any other.
pub fn insert_root(
    tx: &mut TenantTx<'_>,
    new: &NewOrganization,
    author: &Author,
) -> Result<Organization, OrganizationsError> {
    let row = organizations::insert(
        tx,
        organizations::NewOrganization {
            short_name: &new.short_name,
            name: &new.name,
            description: "",
            parent_id: None,
            logo_url: "",
            is_root: true,
        },
    )
    .map_err(|e| match e {
        DbError::UniqueViolation { .. } => OrganizationsError::ShortNameTaken,
        other => other.into(),
    })?;
    let org = Organization::from(row);
    crate::tree::record_created(tx, author, &org)?;
    Ok(org)
}

/// Grants `role` on `scope` with its `role_assignment.create` entry and
/// the user's access announcement, as `POST /role-assignments` does: for
/// grants made outside this crate (a new tenant's first admin).
pub fn grant(
    tx: &mut TenantTx<'_>,
    author: &Author,
    user: UserId,
    role: Role,
    scope: &GrantScope,
    organization: Option<OrganizationId>,
) -> Result<RoleAssignment, OrganizationsError> {
    crate::assignments::write_grant(tx, author, user, role, scope, organization)
}

/// Grants `role` on `scope` to `user` for `caller`, with the rules of
/// `POST /role-assignments` (`Action::Grant(role)` at the scope's place,
/// the account and organization the tenant's), its audit entry and
/// announcement: for another domain's door onto grants (a course's team).
/// A course scope's course or library is the caller's to have found.
pub fn grant_as(
    tx: &mut TenantTx<'_>,
    caller: &Caller,
    author: &Author,
    user: UserId,
    role: Role,
    scope: &GrantScope,
) -> Result<RoleAssignment, OrganizationsError> {
    crate::assignments::grant_checked(tx, caller, author, (user, role, scope), None)
}

/// Revokes the grant `id` for `caller`, with the rules of `DELETE
/// /role-assignments/{id}`, its audit entry and announcement.
pub fn revoke_as(
    tx: &mut TenantTx<'_>,
    caller: &Caller,
    author: &Author,
    id: i64,
) -> Result<(), OrganizationsError> {
    crate::assignments::revoke_checked(tx, caller, author, id)
}

/// Removes every grant on `scope`, each with its `role_assignment.delete`
/// entry and its account's announcement, without asking who may: for the
/// deletion of what the scope names (a library), which its domain has
/// authorized.
pub fn revoke_all_on(
    tx: &mut TenantTx<'_>,
    author: &Author,
    scope: &GrantScope,
) -> Result<Vec<RoleAssignment>, OrganizationsError> {
    crate::assignments::revoke_scope(tx, author, scope)
}

/// The short names among `wanted` that name an organization of the tenant.
/// Takes the tenant's tree lock for a write that makes another domain's
/// row refer to organizations (a site's `course_org_filter`, an API
/// client's organization): a concurrent deletion waits for it, or it for
/// the deletion, so no reference outlives its organization. Call it before
/// reading the organizations referred to.
pub fn hold_tree(tx: &mut TenantTx<'_>) -> DbResult<()> {
    organizations::lock_tree(tx, organizations::TreeLock::Refer)
}

pub fn existing_short_names(tx: &mut TenantTx<'_>, wanted: &[String]) -> DbResult<Vec<String>> {
    Ok(organizations::find_by_short_names(tx, wanted)?
        .into_iter()
        .map(|org| org.short_name)
        .collect())
}

/// The organization whose short name is `short_name`, if the tenant has it.
pub fn find_by_short_name(
    tx: &mut TenantTx<'_>,
    short_name: &str,
) -> DbResult<Option<Organization>> {
    Ok(organizations::find_by_short_name(tx, short_name)?.map(Organization::from))
}

/// The organizations the tenant has among those named `short_names`, in
/// one read (a batch of courses names many).
pub fn find_by_short_names(
    tx: &mut TenantTx<'_>,
    short_names: &[String],
) -> DbResult<Vec<Organization>> {
    Ok(organizations::find_by_short_names(tx, short_names)?
        .into_iter()
        .map(Organization::from)
        .collect())
}

/// The organizations among `ids` that the tenant has.
pub fn find_by_ids(tx: &mut TenantTx<'_>, ids: &[OrganizationId]) -> DbResult<Vec<Organization>> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    Ok(organizations::find_by_ids(tx, &ids)?
        .into_iter()
        .map(Organization::from)
        .collect())
}

/// `organization` with its ancestors, root first, for an action's
/// `atrium_permissions::Place`: one recursive query. `None` when the tenant
/// has no such organization.
pub fn lineage(tx: &mut TenantTx<'_>, organization: OrganizationId) -> DbResult<Option<Lineage>> {
    let chain = organizations::lineage(tx, organization.0)?;
    let tenant = tx.tenant_id();
    Ok(Lineage::new(
        tenant,
        chain.into_iter().map(OrganizationId).collect(),
    ))
}

/// Every lineage of the tenant, from one read of the tree's shape: for
/// the many organizations of a list or a GraphQL page at once.
pub fn all_lineages(tx: &mut TenantTx<'_>) -> DbResult<HashMap<OrganizationId, Lineage>> {
    let shape = organizations::shape(tx)?;
    Ok(lineages_of(tx.tenant_id(), &shape))
}

/// Whether `caller` may take `action` at organization `id`, from the
/// lineages of the whole tree read once ([`all_lineages`]); an id the tree
/// does not have allows nothing.
pub(crate) fn allowed(
    caller: &Caller,
    lineages: &HashMap<OrganizationId, Lineage>,
    action: Action,
    id: OrganizationId,
) -> Result<bool, Denied> {
    Ok(match lineages.get(&id) {
        Some(lineage) => may(caller, action, Place::Organization(lineage))?,
        None => false,
    })
}

/// The lineage of every organization of `shape`, walked in memory.
pub(crate) fn lineages_of(
    tenant: atrium_core::TenantId,
    shape: &[(i64, Option<i64>)],
) -> HashMap<OrganizationId, Lineage> {
    let parents: HashMap<i64, Option<i64>> = shape.iter().copied().collect();
    shape
        .iter()
        .filter_map(|&(id, _)| {
            let mut chain = vec![id];
            let mut at = parents.get(&id).copied().flatten();
            // A cycle cannot be written (moves are checked), but a bound
            // keeps a corrupted tree from looping forever.
            while let Some(parent) = at {
                if chain.len() > 64 || chain.contains(&parent) {
                    break;
                }
                chain.push(parent);
                at = parents.get(&parent).copied().flatten();
            }
            chain.reverse();
            let chain = chain.into_iter().map(OrganizationId).collect();
            Lineage::new(tenant, chain).map(|lineage| (OrganizationId(id), lineage))
        })
        .collect()
}

/// `roots` and every organization below them, by id.
pub(crate) fn subtree(shape: &[(i64, Option<i64>)], roots: &[i64]) -> HashSet<i64> {
    let mut found: HashSet<i64> = roots.iter().copied().collect();
    loop {
        let before = found.len();
        for &(id, parent) in shape {
            if parent.is_some_and(|p| found.contains(&p)) {
                found.insert(id);
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

/// Whether `user` may sign in on a site that requires an organization
/// membership (`REQUIRE_ORGANIZATION_MEMBERSHIP`): an active membership in
/// an active organization the site serves. `served` is the site's
/// `course_org_filter` (the named organizations and everything below
/// them); empty, any organization of the tenant.
pub fn is_member_of_served(
    tx: &mut TenantTx<'_>,
    user: UserId,
    served: &[String],
) -> DbResult<bool> {
    let mine = memberships::active_organizations_of(tx, user.0)?;
    if mine.is_empty() || served.is_empty() {
        return Ok(!mine.is_empty());
    }
    let named: Vec<i64> = organizations::find_by_short_names(tx, served)?
        .into_iter()
        .map(|org| org.id)
        .collect();
    let served = subtree(&organizations::shape(tx)?, &named);
    Ok(mine.iter().any(|org| served.contains(org)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use atrium_core::TenantId;

    /// 1 ─┬─ 2 ── 4
    ///    └─ 3
    /// 5 (another top-level organization)
    const SHAPE: &[(i64, Option<i64>)] = &[
        (1, None),
        (2, Some(1)),
        (3, Some(1)),
        (4, Some(2)),
        (5, None),
    ];

    #[test]
    fn lineages_run_root_first_from_the_shape() {
        let all = lineages_of(TenantId(7), SHAPE);
        let chain = |id| -> Vec<i64> {
            all[&OrganizationId(id)]
                .chain()
                .iter()
                .map(|o| o.0)
                .collect()
        };
        assert_eq!(chain(4), [1, 2, 4]);
        assert_eq!(chain(3), [1, 3]);
        assert_eq!(chain(5), [5]);
        assert_eq!(all[&OrganizationId(4)].tenant(), TenantId(7));
    }

    #[test]
    fn a_cycle_in_a_corrupted_shape_ends_the_walk() {
        let all = lineages_of(TenantId(1), &[(1, Some(2)), (2, Some(1))]);
        assert_eq!(all[&OrganizationId(1)].chain().len(), 2);
    }

    #[test]
    fn subtrees_hold_every_descendant_and_nothing_else() {
        assert_eq!(subtree(SHAPE, &[2]), HashSet::from([2, 4]));
        assert_eq!(subtree(SHAPE, &[1]), HashSet::from([1, 2, 3, 4]));
        assert_eq!(subtree(SHAPE, &[4, 5]), HashSet::from([4, 5]));
        assert!(subtree(SHAPE, &[]).is_empty());
    }
}
