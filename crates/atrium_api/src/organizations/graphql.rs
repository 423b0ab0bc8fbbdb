//! GraphQL: the tenant's organizations and memberships, through the same
//! service as REST. Nested fields (`parent`, `children`, `members`,
//! `myRoles`) load through the request's [`loaders`](super::loaders).

use async_graphql::{Context, InputObject, Object, SimpleObject};
use atrium_core::UserId;
use atrium_organizations::Organization;
use atrium_permissions::{holds_at, Place};
use chrono::{DateTime, Utc};

use super::loaders::{ById, ChildrenOf, LineageOf, Loaders, MembersOf};
use super::wire::{MembershipDto, MembershipList};
use crate::graphql::request;
use crate::identity::wire::RoleDto;
use crate::problem::ApiError;
use crate::wire::{utc, ListQuery};

fn loaders<'a>(ctx: &'a Context<'_>) -> Result<&'a Loaders, ApiError> {
    ctx.data::<Loaders>().map_err(|_| {
        ApiError::NotFound(
            "organizations are not served on the platform host (use a tenant's site)".into(),
        )
    })
}

/// An organization of the tenant: the university, a department.
pub struct OrganizationNode(pub Organization);

#[Object(name = "Organization")]
impl OrganizationNode {
    /// Unique in the tenant; never changes (course keys name it).
    async fn short_name(&self) -> &str {
        &self.0.short_name
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// An `https://` URL, or empty.
    async fn logo_url(&self) -> &str {
        &self.0.logo_url
    }
    /// A deactivated organization keeps its courses but takes no new ones.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// The organization made at provisioning; it cannot be deleted.
    async fn is_root(&self) -> bool {
        self.0.is_root
    }
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The organization above this one; `null` at the top of the tree.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<OrganizationNode>, ApiError> {
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .load_one(ById(parent))
            .await?
            .map(OrganizationNode))
    }

    /// The organizations directly below this one, in creation order.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<OrganizationNode>, ApiError> {
        Ok(loaders(ctx)?
            .load_one(ChildrenOf(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(OrganizationNode)
            .collect())
    }

    /// The organization's first 100 members, in user id order (the REST
    /// listing `GET /api/v1/organizations/{short_name}/members` pages
    /// through them all); for those who may view them: `null` with a
    /// `FORBIDDEN` error otherwise, which leaves the rest of the answer
    /// standing.
    async fn members(&self, ctx: &Context<'_>) -> Result<Option<Vec<MembershipDto>>, ApiError> {
        match loaders(ctx)?
            .load_one(MembersOf(self.0.id))
            .await?
            .flatten()
        {
            Some(members) => Ok(Some(members.into_iter().map(Into::into).collect())),
            None => Err(atrium_permissions::Denied::Forbidden(
                "view this organization's members".into(),
            )
            .into()),
        }
    }

    /// The caller's grants that hold here: on the tenant, on this
    /// organization or on one above it.
    async fn my_roles(&self, ctx: &Context<'_>) -> Result<Vec<RoleDto>, ApiError> {
        let (_, req) = request(ctx)?;
        let Some(lineage) = loaders(ctx)?.load_one(LineageOf(self.0.id)).await? else {
            return Ok(Vec::new());
        };
        Ok(req
            .caller
            .grants()
            .iter()
            .filter(|grant| holds_at(grant, Place::Organization(&lineage)))
            .map(|grant| RoleDto {
                role: grant.role.as_str().into(),
                scope: grant.scope.encode(),
            })
            .collect())
    }
}

/// A page of organizations.
#[derive(SimpleObject)]
pub struct OrganizationPage {
    pub items: Vec<OrganizationNode>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Default)]
pub struct OrganizationQuery;

#[Object]
impl OrganizationQuery {
    /// The organizations the caller may see, in creation order; with
    /// `parent` (a short name), only its children.
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        parent: Option<String>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<OrganizationPage, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let page = ListQuery { limit, cursor }.page()?;
        let page = state
            .organizations
            .list_organizations(&req.caller, scope, parent, page)
            .await?;
        Ok(OrganizationPage {
            items: page.items.into_iter().map(OrganizationNode).collect(),
            next_cursor: page.next_cursor,
        })
    }

    /// The organizations a user is a member of (the tenant's user
    /// administrators, or the user itself), as `GET
    /// /api/v1/users/{id}/organizations`.
    async fn user_organizations(
        &self,
        ctx: &Context<'_>,
        user_id: i64,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<MembershipList, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let page = ListQuery { limit, cursor }.page()?;
        Ok(state
            .organizations
            .organizations_of_user(&req.caller, scope, UserId(user_id), page)
            .await?
            .into())
    }

    async fn organization(
        &self,
        ctx: &Context<'_>,
        short_name: String,
    ) -> Result<OrganizationNode, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        Ok(OrganizationNode(
            state
                .organizations
                .get_organization(&req.caller, scope, short_name)
                .await?,
        ))
    }
}

#[derive(InputObject)]
pub struct CreateOrganizationInput {
    pub short_name: String,
    pub name: String,
    #[graphql(default)]
    pub description: String,
    /// An `https://` URL, or empty.
    #[graphql(default)]
    pub logo_url: String,
    #[graphql(default = true)]
    pub is_active: bool,
    /// The parent's short name; absent: a top-level organization.
    pub parent: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub logo_url: Option<String>,
    pub is_active: Option<bool>,
    /// Moves the organization under this one (a short name).
    pub parent: Option<String>,
    /// Moves the organization to the top of the tree.
    #[graphql(default)]
    pub to_top_level: bool,
}

#[derive(Default)]
pub struct OrganizationMutation;

#[Object]
impl OrganizationMutation {
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganizationInput,
    ) -> Result<OrganizationNode, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let new = atrium_organizations::NewChildOrganization {
            short_name: input.short_name,
            name: input.name,
            description: input.description,
            logo_url: input.logo_url,
            is_active: input.is_active,
            parent: input.parent,
        };
        Ok(OrganizationNode(
            state
                .organizations
                .create_organization(&req.caller, scope, new)
                .await?,
        ))
    }

    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        short_name: String,
        input: UpdateOrganizationInput,
    ) -> Result<OrganizationNode, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let parent = match (input.to_top_level, input.parent) {
            (true, None) => Some(None),
            (false, parent) => parent.map(Some),
            (true, Some(_)) => {
                return Err(atrium_core::ValidationErrors::single(
                    "parent",
                    "give either parent or toTopLevel",
                )
                .into())
            }
        };
        let patch = atrium_organizations::OrganizationPatch {
            short_name: None,
            name: input.name,
            description: input.description,
            logo_url: input.logo_url,
            is_active: input.is_active,
            parent,
        };
        Ok(OrganizationNode(
            state
                .organizations
                .update_organization(&req.caller, scope, short_name, patch)
                .await?,
        ))
    }

    /// Deletes an organization nothing holds any more; answers `true`.
    async fn delete_organization(
        &self,
        ctx: &Context<'_>,
        short_name: String,
    ) -> Result<bool, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        state
            .organizations
            .delete_organization(&req.caller, scope, short_name)
            .await?;
        Ok(true)
    }

    /// Adds a member, or changes whether its membership is active.
    async fn add_member(
        &self,
        ctx: &Context<'_>,
        short_name: String,
        user_id: i64,
        is_active: Option<bool>,
    ) -> Result<MembershipDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let (membership, _) = state
            .organizations
            .add_member(&req.caller, scope, short_name, UserId(user_id), is_active)
            .await?;
        Ok(membership.into())
    }

    /// Removes a member; answers `true`.
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        short_name: String,
        user_id: i64,
    ) -> Result<bool, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        state
            .organizations
            .remove_member(&req.caller, scope, short_name, UserId(user_id))
            .await?;
        Ok(true)
    }
}
