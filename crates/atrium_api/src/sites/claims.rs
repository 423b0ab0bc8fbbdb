//! REST, platform host: operators list the domains tenants claimed outside
//! their own base, and approve or reject them.

use actix_web::{web, HttpResponse};

use super::wire::{DomainClaimDto, DomainClaimList};
use crate::context::RequestContext;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::wire::ListQuery;

/// List the domains waiting for an operator's approval, of every tenant.
#[utoipa::path(operation_id = "list_domain_claims", get, path = "/api/v1/domain-claims", tag = "tenants", params(ListQuery),
    responses((status = 200, description = "A page of pending domain claims", body = DomainClaimList)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    ctx.platform()?;
    let page = state.sites.claims.list(&ctx.caller, query.page()?).await?;
    Ok(HttpResponse::Ok().json(DomainClaimList::from(page)))
}

/// Approve a pending domain: it routes to the site that claimed it at once,
/// and the site's earlier domain, kept routed meanwhile, is released.
#[utoipa::path(operation_id = "approve_domain_claim", post, path = "/api/v1/domain-claims/{domain}/approve", tag = "tenants",
    params(("domain" = String, Path, description = "The pending domain")),
    responses((status = 200, description = "The approved claim, now active", body = DomainClaimDto)),
    security(("bearer" = [])))]
pub async fn approve(
    state: web::Data<AppState>,
    ctx: RequestContext,
    domain: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.platform()?;
    let claim = state.sites.claims.approve(&ctx.caller, &domain).await?;
    Ok(HttpResponse::Ok().json(DomainClaimDto::from(claim)))
}

/// Reject a pending domain: the name is free again. The site falls back to
/// its earlier domain, still routed; a site that never had one is left with
/// `domain_status: rejected`.
#[utoipa::path(operation_id = "reject_domain_claim", post, path = "/api/v1/domain-claims/{domain}/reject", tag = "tenants",
    params(("domain" = String, Path, description = "The pending domain")),
    responses((status = 200, description = "The rejected claim", body = DomainClaimDto)),
    security(("bearer" = [])))]
pub async fn reject(
    state: web::Data<AppState>,
    ctx: RequestContext,
    domain: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.platform()?;
    let claim = state.sites.claims.reject(&ctx.caller, &domain).await?;
    Ok(HttpResponse::Ok().json(DomainClaimDto::from(claim)))
}
