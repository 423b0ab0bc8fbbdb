//! GraphQL's per-request loaders for the organization tree: the nested
//! fields of many organizations (`parent`, `children`, `members`,
//! `myRoles`) are gathered into one batch per field and level, each read
//! in one tenant transaction, instead of one read per organization.
//!
//! A loader is made for each request, with that request's tenant and
//! caller, and put in the request's data ([`for_request`]); it caches
//! nothing, so no answer outlives its request or crosses tenants or
//! callers.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use atrium_core::OrganizationId;
use atrium_db::TenantScope;
use atrium_organizations::{Membership, Organization, Organizations};
use atrium_permissions::{Caller, Lineage};

use crate::context::RequestContext;
use crate::problem::ApiError;
use crate::state::AppState;

/// An organization by id (a `parent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ById(pub OrganizationId);

/// The children of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChildrenOf(pub OrganizationId);

/// The members of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MembersOf(pub OrganizationId);

/// The lineage of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LineageOf(pub OrganizationId);

/// The request's view of the organizations domain.
pub struct OrganizationLoader {
    organizations: Arc<Organizations>,
    scope: TenantScope,
    caller: Caller,
}

pub type Loaders = DataLoader<OrganizationLoader>;

/// The loader of a request to a tenant's host; none on the platform host.
pub fn for_request(state: &AppState, context: &RequestContext) -> Option<Loaders> {
    let scope = context.tenant().ok()?.scope;
    let loader = OrganizationLoader {
        organizations: Arc::clone(&state.organizations),
        scope,
        caller: context.caller.clone(),
    };
    Some(DataLoader::new(loader, tokio::spawn))
}

fn keyed<K, V>(found: HashMap<OrganizationId, V>, wrap: fn(OrganizationId) -> K) -> HashMap<K, V>
where
    K: std::hash::Hash + Eq,
{
    found.into_iter().map(|(id, v)| (wrap(id), v)).collect()
}

impl Loader<ById> for OrganizationLoader {
    type Value = Organization;
    type Error = ApiError;

    async fn load(&self, keys: &[ById]) -> Result<HashMap<ById, Organization>, ApiError> {
        let ids = keys.iter().map(|k| k.0).collect();
        let found = self
            .organizations
            .organizations_by_ids(&self.caller, self.scope, ids)
            .await?;
        Ok(keyed(found, ById))
    }
}

impl Loader<ChildrenOf> for OrganizationLoader {
    type Value = Vec<Organization>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[ChildrenOf],
    ) -> Result<HashMap<ChildrenOf, Vec<Organization>>, ApiError> {
        let ids = keys.iter().map(|k| k.0).collect();
        let found = self
            .organizations
            .children_of(&self.caller, self.scope, ids)
            .await?;
        Ok(keyed(found, ChildrenOf))
    }
}

impl Loader<MembersOf> for OrganizationLoader {
    /// `None`: the caller may not see these members.
    type Value = Option<Vec<Membership>>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[MembersOf],
    ) -> Result<HashMap<MembersOf, Option<Vec<Membership>>>, ApiError> {
        let ids = keys.iter().map(|k| k.0).collect();
        let found = self
            .organizations
            .members_of(&self.caller, self.scope, ids)
            .await?;
        Ok(keyed(found, MembersOf))
    }
}

impl Loader<LineageOf> for OrganizationLoader {
    type Value = Lineage;
    type Error = ApiError;

    async fn load(&self, keys: &[LineageOf]) -> Result<HashMap<LineageOf, Lineage>, ApiError> {
        let ids = keys.iter().map(|k| k.0).collect();
        let found = self.organizations.lineages_of(self.scope, ids).await?;
        Ok(keyed(found, LineageOf))
    }
}
