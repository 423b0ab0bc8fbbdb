//! REST: the catalog.

use actix_web::{web, HttpResponse};
use atrium_core::SeekRequest;

use super::site_of;
use super::wire::{CatalogFilterQuery, CatalogList};
use crate::context::RequestContext;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::wire::ListQuery;

/// The public courses of this site: those of the organizations in its
/// `course_org_filter` and below them (all of the tenant's when it has
/// none). Sorted by start date (courses without one last) when the site's
/// `ENABLE_COURSE_SORTING_BY_START_DATE` is on, else by display name; ties
/// by creation. No token needed. The cursor holds the sort key and the id
/// of the page's last course, so courses added meanwhile are neither
/// repeated nor skipped; a cursor of the other order (the site changed its
/// setting) is a `400`: start again without it.
#[utoipa::path(operation_id = "list_catalog", get, path = "/api/v1/catalog", tag = "catalog",
    params(ListQuery, CatalogFilterQuery),
    responses((status = 200, description = "A page of the catalog", body = CatalogList)),
    security((), ("bearer" = [])))]
pub async fn catalog(
    state: web::Data<AppState>,
    ctx: RequestContext,
    page: web::Query<ListQuery>,
    filter: web::Query<CatalogFilterQuery>,
) -> Result<HttpResponse, ApiError> {
    let (scope, site) = site_of(&state, ctx.tenant()?).await?;
    let page = SeekRequest::parse(page.limit, page.cursor.as_deref(), site.order.as_str())?;
    let page = state
        .courses
        .catalog(scope, site, filter.into_inner().into_query(), page)
        .await?;
    Ok(HttpResponse::Ok().json(CatalogList::from(page)))
}
