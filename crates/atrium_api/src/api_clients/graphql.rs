//! GraphQL: a tenant's API clients, through the same service as REST.
//! Their tokens come only from the REST token endpoint.

use async_graphql::{Context, InputObject, Object};
use atrium_core::ApiClientId;

use super::wire::{ApiClientList, CreatedApiClientDto};
use crate::graphql::request;
use crate::problem::ApiError;
use crate::wire::ListQuery;

#[derive(Default)]
pub struct ApiClientQuery;

#[Object]
impl ApiClientQuery {
    /// The tenant's API clients (tenant admins); secrets are never shown.
    async fn api_clients(
        &self,
        ctx: &Context<'_>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<ApiClientList, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let page = ListQuery { limit, cursor }.page()?;
        Ok(state
            .identity
            .api_clients(&req.caller, scope, page)
            .await?
            .into())
    }
}

#[derive(InputObject)]
pub struct CreateApiClientInput {
    pub name: String,
    /// Scope names, e.g. `sites:read`; at least one.
    pub scopes: Vec<String>,
    /// The short name of the organization to limit the client to.
    pub organization: Option<String>,
}

#[derive(Default)]
pub struct ApiClientMutation;

#[Object]
impl ApiClientMutation {
    /// Creates an API client; `clientSecret` is shown in this answer only.
    /// The client gets its tokens from `POST /api/v1/auth/token`
    /// (`grant_type=client_credentials`).
    async fn create_api_client(
        &self,
        ctx: &Context<'_>,
        input: CreateApiClientInput,
    ) -> Result<CreatedApiClientDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let new = atrium_identity::NewApiClient {
            name: input.name,
            scopes: input.scopes,
            organization: input.organization,
        };
        Ok(state
            .identity
            .create_api_client(&req.caller, scope, new)
            .await?
            .into())
    }

    /// Deletes an API client; answers `true`. Its tokens stop working at
    /// once.
    async fn delete_api_client(&self, ctx: &Context<'_>, id: i64) -> Result<bool, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        state
            .identity
            .delete_api_client(&req.caller, scope, ApiClientId(id))
            .await?;
        Ok(true)
    }
}
