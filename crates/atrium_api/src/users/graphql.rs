//! GraphQL: a tenant's accounts, through the same service as REST.

use async_graphql::{Context, InputObject, Object};
use atrium_core::UserId;

use super::wire::{UserDto, UserList};
use crate::graphql::request;
use crate::problem::ApiError;
use crate::wire::ListQuery;

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The tenant's accounts, oldest first (tenant admins). `q` searches
    /// email, username and name, ignoring case.
    async fn users(
        &self,
        ctx: &Context<'_>,
        q: Option<String>,
        is_active: Option<bool>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<UserList, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let page = ListQuery { limit, cursor }.page()?;
        let filter = atrium_identity::AccountFilter { q, is_active };
        Ok(state
            .identity
            .list_users(&req.caller, scope, filter, page)
            .await?
            .into())
    }

    async fn user(&self, ctx: &Context<'_>, id: i64) -> Result<UserDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        Ok(state
            .identity
            .get_user(&req.caller, scope, UserId(id))
            .await?
            .into())
    }
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    pub username: String,
    #[graphql(default)]
    pub name: String,
    /// Optional: without one, the account can sign in only after a
    /// password reset. At least 10 characters and at most 1,024 bytes, not
    /// the username or email, not one of the most common passwords.
    pub password: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateUserInput {
    pub email: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
    /// `false` deactivates the account; the tenant's last active tenant
    /// admin cannot be deactivated (`CONFLICT`).
    pub is_active: Option<bool>,
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> Result<UserDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let new = atrium_identity::NewUser {
            email: input.email,
            username: input.username,
            name: input.name,
            password: input.password,
        };
        Ok(state
            .identity
            .create_user(&req.caller, scope, new)
            .await?
            .into())
    }

    async fn update_user(
        &self,
        ctx: &Context<'_>,
        id: i64,
        input: UpdateUserInput,
    ) -> Result<UserDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let patch = atrium_identity::AccountPatch {
            email: input.email,
            username: input.username,
            name: input.name,
            is_active: input.is_active,
        };
        Ok(state
            .identity
            .update_user(&req.caller, scope, UserId(id), patch)
            .await?
            .into())
    }

    /// Deletes an account with its role assignments and tokens; answers
    /// `true`. The tenant's last active tenant admin cannot be deleted.
    async fn delete_user(&self, ctx: &Context<'_>, id: i64) -> Result<bool, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        state
            .identity
            .delete_user(&req.caller, scope, UserId(id))
            .await?;
        Ok(true)
    }
}
