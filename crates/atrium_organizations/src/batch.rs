//! Reads of many organizations at once, for GraphQL's per-request
//! loaders: each is one tenant transaction whose statement count does not
//! grow with the number of keys (the lineages come from one read of the
//! tree's shape, walked in memory). Each organization is checked against
//! the caller as the single reads check it; what the caller may not see is
//! left out.

use std::collections::HashMap;

use atrium_core::OrganizationId;
use atrium_db::{memberships, organizations, Access, TenantScope};
use atrium_permissions::{Action, Caller, Lineage};

use crate::tree::with_parents;
use crate::tx::{all_lineages, allowed};
use crate::{Membership, Organization, Organizations, OrganizationsError};

/// The most members a batch read shows of one organization (the first, by
/// user id): a query over many organizations must not read every
/// membership of each; the members listing pages through the rest.
pub const MEMBERS_PER_ORGANIZATION: i64 = 100;

/// Whether `caller` may take `action` at organization `id`.
impl Organizations {
    /// The organizations among `ids` that the caller may see.
    pub async fn organizations_by_ids(
        &self,
        caller: &Caller,
        scope: TenantScope,
        ids: Vec<OrganizationId>,
    ) -> Result<HashMap<OrganizationId, Organization>, OrganizationsError> {
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Read, move |tx| {
                let lineages = all_lineages(tx)?;
                let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
                let mut orgs: Vec<Organization> = organizations::find_by_ids(tx, &raw)?
                    .into_iter()
                    .map(Organization::from)
                    .collect();
                with_parents(tx, &mut orgs)?;
                let mut found = HashMap::new();
                for org in orgs {
                    if allowed(&caller, &lineages, Action::ViewOrganizations, org.id)? {
                        found.insert(org.id, org);
                    }
                }
                Ok(found)
            })
            .await
    }

    /// The children the caller may see of each of `parents`, in id order.
    pub async fn children_of(
        &self,
        caller: &Caller,
        scope: TenantScope,
        parents: Vec<OrganizationId>,
    ) -> Result<HashMap<OrganizationId, Vec<Organization>>, OrganizationsError> {
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Read, move |tx| {
                let lineages = all_lineages(tx)?;
                let raw: Vec<i64> = parents.iter().map(|id| id.0).collect();
                let mut children: Vec<Organization> = organizations::children_of(tx, &raw)?
                    .into_iter()
                    .map(Organization::from)
                    .collect();
                with_parents(tx, &mut children)?;
                let mut found: HashMap<OrganizationId, Vec<Organization>> =
                    parents.iter().map(|id| (*id, Vec::new())).collect();
                for child in children {
                    if !allowed(&caller, &lineages, Action::ViewOrganizations, child.id)? {
                        continue;
                    }
                    if let Some(parent) = child.parent_id {
                        found.entry(parent).or_default().push(child);
                    }
                }
                Ok(found)
            })
            .await
    }

    /// The first [`MEMBERS_PER_ORGANIZATION`] members of each organization
    /// of `ids`, in user id order; `None` for an organization whose members
    /// the caller may not see.
    pub async fn members_of(
        &self,
        caller: &Caller,
        scope: TenantScope,
        ids: Vec<OrganizationId>,
    ) -> Result<HashMap<OrganizationId, Option<Vec<Membership>>>, OrganizationsError> {
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Read, move |tx| {
                let lineages = all_lineages(tx)?;
                let mut visible = Vec::new();
                let mut found = HashMap::new();
                for id in &ids {
                    if allowed(&caller, &lineages, Action::ViewMembers, *id)? {
                        visible.push(id.0);
                        found.insert(*id, Some(Vec::new()));
                    } else {
                        found.insert(*id, None);
                    }
                }
                let names: HashMap<i64, String> = organizations::find_by_ids(tx, &visible)?
                    .into_iter()
                    .map(|row| (row.id, row.short_name))
                    .collect();
                for row in
                    memberships::first_of_organizations(tx, &visible, MEMBERS_PER_ORGANIZATION)?
                {
                    let id = OrganizationId(row.organization_id);
                    let name = names.get(&row.organization_id).cloned().unwrap_or_default();
                    if let Some(Some(list)) = found.get_mut(&id) {
                        list.push(Membership::from_row(row, name));
                    }
                }
                Ok(found)
            })
            .await
    }

    /// The lineage of each organization of `ids` the tenant has (for the
    /// caller's roles there).
    pub async fn lineages_of(
        &self,
        scope: TenantScope,
        ids: Vec<OrganizationId>,
    ) -> Result<HashMap<OrganizationId, Lineage>, OrganizationsError> {
        self.db
            .tenant(scope, Access::Read, move |tx| {
                let mut all = all_lineages(tx)?;
                Ok(ids
                    .iter()
                    .filter_map(|id| all.remove(id).map(|lineage| (*id, lineage)))
                    .collect())
            })
            .await
    }
}
