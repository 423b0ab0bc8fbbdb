//! GraphQL: the caller.

use async_graphql::{Context, Object};

use super::wire::MeDto;
use crate::graphql::request;
use crate::problem::ApiError;

#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The caller: operator or user, its tenant and its roles.
    async fn me(&self, ctx: &Context<'_>) -> Result<MeDto, ApiError> {
        let (state, req) = request(ctx)?;
        MeDto::of(state, req).await
    }
}
