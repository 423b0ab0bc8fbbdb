//! GraphQL: role assignments, through the same service as REST.

use async_graphql::{Context, InputObject, Object};

use super::wire::{RoleAssignmentDto, RoleAssignmentList};
use crate::graphql::request;
use crate::problem::ApiError;
use crate::wire::ListQuery;

#[derive(Default)]
pub struct RoleAssignmentQuery;

#[Object]
impl RoleAssignmentQuery {
    /// The grants the caller may view, oldest first, filtered by account,
    /// role and exact scope.
    async fn role_assignments(
        &self,
        ctx: &Context<'_>,
        user_id: Option<i64>,
        role: Option<String>,
        scope: Option<String>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<RoleAssignmentList, ApiError> {
        let (state, req) = request(ctx)?;
        let tenant = req.tenant()?.scope;
        let page = ListQuery { limit, cursor }.page()?;
        let query = atrium_organizations::RoleAssignmentQuery {
            user_id,
            role,
            scope,
        };
        Ok(state
            .organizations
            .list_role_assignments(&req.caller, tenant, query, page)
            .await?
            .into())
    }

    /// One grant, for those who may view grants at its place.
    async fn role_assignment(
        &self,
        ctx: &Context<'_>,
        id: i64,
    ) -> Result<RoleAssignmentDto, ApiError> {
        let (state, req) = request(ctx)?;
        let tenant = req.tenant()?.scope;
        Ok(state
            .organizations
            .get_role_assignment(&req.caller, tenant, id)
            .await?
            .into())
    }
}

#[derive(InputObject)]
pub struct GrantRoleInput {
    pub user_id: i64,
    /// A role whose level matches the scope's.
    pub role: String,
    /// `tenant`, `org:SHORT_NAME` or `course:COURSE_KEY`.
    pub scope: String,
}

#[derive(Default)]
pub struct RoleAssignmentMutation;

#[Object]
impl RoleAssignmentMutation {
    /// Grants a role, with the checks of `POST /api/v1/role-assignments`.
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        input: GrantRoleInput,
    ) -> Result<RoleAssignmentDto, ApiError> {
        let (state, req) = request(ctx)?;
        let tenant = req.tenant()?.scope;
        let new = atrium_organizations::NewRoleAssignment {
            user_id: input.user_id,
            role: input.role,
            scope: input.scope,
        };
        Ok(state
            .organizations
            .grant_role(&req.caller, tenant, new)
            .await?
            .into())
    }

    /// Revokes a grant; answers `true`. The tenant's last active tenant
    /// admin keeps its grant (`CONFLICT`).
    async fn revoke_role(&self, ctx: &Context<'_>, id: i64) -> Result<bool, ApiError> {
        let (state, req) = request(ctx)?;
        let tenant = req.tenant()?.scope;
        state
            .organizations
            .revoke_role(&req.caller, tenant, id)
            .await?;
        Ok(true)
    }
}
