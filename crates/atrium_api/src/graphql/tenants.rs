//! Platform host: tenants, for operators.

use async_graphql::{Context, Object};

use super::{gql_error, platform_host, request};
use crate::dto::{ListQuery, TenantDto, TenantList};

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
    ) -> async_graphql::Result<TenantList> {
        let data = request(ctx)?;
        platform_host(data)?;
        let page = ListQuery { limit, cursor }.page().map_err(gql_error)?;
        let page = data
            .state
            .tenants
            .list(&data.caller, page)
            .await
            .map_err(gql_error)?;
        Ok(page.into())
    }

    /// One tenant by slug (operators, platform host).
    async fn tenant(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<TenantDto> {
        let data = request(ctx)?;
        platform_host(data)?;
        Ok(data
            .state
            .tenants
            .get(&data.caller, &slug)
            .await
            .map_err(gql_error)?
            .into())
    }
}
