//! GraphQL: the caller.

use async_graphql::{Context, Object};

use super::wire::MeDto;
use crate::graphql::request;
use crate::problem::ApiError;

#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The caller: operator, user or API client, its tenant and its roles
    /// (a client: its scopes).
    async fn me(&self, ctx: &Context<'_>) -> Result<MeDto, ApiError> {
        let (state, req) = request(ctx)?;
        MeDto::of(state, req).await
    }
}
