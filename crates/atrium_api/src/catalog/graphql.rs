//! GraphQL: the catalog, through the same service as REST (no token
//! needed).

use async_graphql::{Context, Object};
use atrium_core::SeekRequest;

use super::site_of;
use super::wire::{CatalogFilterQuery, CatalogList, CourseStatusFilter};
use crate::graphql::request;
use crate::problem::ApiError;

#[derive(Default)]
pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    /// The public courses of this site, as `GET /api/v1/catalog` lists
    /// them (same order, filters and cursors).
    #[allow(clippy::too_many_arguments)]
    async fn catalog(
        &self,
        ctx: &Context<'_>,
        organization: Option<String>,
        language: Option<String>,
        search: Option<String>,
        status: Option<CourseStatusFilter>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<CatalogList, ApiError> {
        let (state, req) = request(ctx)?;
        let (scope, site) = site_of(state, req.tenant()?).await?;
        let page = SeekRequest::parse(limit, cursor.as_deref(), site.order.as_str())?;
        let query = CatalogFilterQuery {
            organization,
            language,
            q: search,
            search: None,
            status,
        };
        Ok(state
            .courses
            .catalog(scope, site, query.into_query(), page)
            .await?
            .into())
    }
}
