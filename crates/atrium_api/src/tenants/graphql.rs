//! GraphQL, platform host: tenants, for operators.

use async_graphql::{Context, Object};

use super::wire::{TenantDto, TenantList};
use crate::graphql::request;
use crate::problem::ApiError;
use crate::wire::ListQuery;

#[derive(Default)]
pub struct TenantQuery;

#[Object]
impl TenantQuery {
    /// Tenants of the platform (operators, platform host).
    async fn tenants(
        &self,
        ctx: &Context<'_>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<TenantList, ApiError> {
        let (state, req) = request(ctx)?;
        req.platform()?;
        let page = ListQuery { limit, cursor }.page()?;
        Ok(state.tenants.list(&req.caller, page).await?.into())
    }

    /// One tenant by slug (operators, platform host).
    async fn tenant(&self, ctx: &Context<'_>, slug: String) -> Result<TenantDto, ApiError> {
        let (state, req) = request(ctx)?;
        req.platform()?;
        Ok(state.tenants.get(&req.caller, &slug).await?.into())
    }
}
