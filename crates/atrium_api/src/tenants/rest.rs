//! REST, platform host: tenant provisioning and administration.

use actix_web::{web, HttpRequest, HttpResponse};
use atrium_organizations::NewOrganization;
use atrium_tenants::{ProvisionRequest, TenantPatch};
use serde_json::Value;

use super::wire::{ProvisionTenantBody, ProvisionedDto, TenantDto, TenantList, TenantPatchBody};
use crate::conditional::{if_match, with_etag};
use crate::context::RequestContext;
use crate::framework::from_object;
use crate::idempotency;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::wire::ListQuery;

/// Provision a tenant: tenant, primary site, root organization, admin
/// account, optional configuration and theme, all or nothing.
#[utoipa::path(operation_id = "provision_tenant", post, path = "/api/v1/tenants", tag = "tenants",
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Replays the first answer for a repeated request")),
    request_body = ProvisionTenantBody,
    responses(
        (status = 201, description = "Provisioned (or replayed)", body = ProvisionedDto),
        (status = 409, description = "Slug or domain taken, or the same Idempotency-Key in flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn provision(
    state: web::Data<AppState>,
    ctx: RequestContext,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    ctx.platform()?;
    let body = body.into_inner();
    idempotency::once(&state, &ctx, &req, &body, || async {
        let parsed: ProvisionTenantBody = from_object(body.clone())?;
        let request = ProvisionRequest {
            slug: parsed.slug,
            name: parsed.name,
            domain: parsed.domain,
            organization: NewOrganization {
                short_name: parsed.organization.short_name,
                name: parsed.organization.name,
            },
            admin: parsed.admin.into(),
            configuration: parsed.configuration,
            theme: parsed.theme,
        };
        let provisioned = state.tenants.provision(&ctx.caller, request).await?;
        idempotency::created(ProvisionedDto::from(&provisioned))
    })
    .await
}

/// List tenants.
#[utoipa::path(operation_id = "list_tenants", get, path = "/api/v1/tenants", tag = "tenants", params(ListQuery),
    responses((status = 200, description = "A page of tenants", body = TenantList)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    ctx.platform()?;
    let page = state.tenants.list(&ctx.caller, query.page()?).await?;
    Ok(HttpResponse::Ok().json(TenantList::from(page)))
}

/// Read a tenant, with its `ETag` (send it as `If-Match` to change the tenant).
#[utoipa::path(operation_id = "get_tenant", get, path = "/api/v1/tenants/{slug}", tag = "tenants", params(("slug" = String, Path)),
    responses((status = 200, description = "The tenant", body = TenantDto, headers(("ETag" = String)))),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.platform()?;
    let tenant = state.tenants.get(&ctx.caller, &slug).await?;
    let etag = tenant.etag();
    with_etag(HttpResponse::Ok().json(TenantDto::from(tenant)), &etag)
}

/// Rename, suspend (`{"status": "suspended"}`) or reactivate a tenant. With
/// `If-Match` (the `ETag` of a read) the change applies only if the tenant is
/// still that version, else `412`; without it, to whatever is current.
#[utoipa::path(operation_id = "update_tenant", patch, path = "/api/v1/tenants/{slug}", tag = "tenants",
    params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "The ETag this change is based on")),
    request_body = TenantPatchBody,
    responses(
        (status = 200, description = "The changed tenant", body = TenantDto, headers(("ETag" = String))),
        (status = 412, description = "Changed since the ETag sent", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    ctx: RequestContext,
    req: HttpRequest,
    slug: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    ctx.platform()?;
    let body: TenantPatchBody = from_object(body.into_inner())?;
    let patch = TenantPatch {
        name: body.name,
        status: body.status.map(Into::into),
        if_match: if_match(&req)?,
    };
    let tenant = state.tenants.update(&ctx.caller, &slug, patch).await?;
    let etag = tenant.etag();
    with_etag(HttpResponse::Ok().json(TenantDto::from(tenant)), &etag)
}

/// Delete a tenant and everything it owns.
#[utoipa::path(operation_id = "delete_tenant", delete, path = "/api/v1/tenants/{slug}", tag = "tenants", params(("slug" = String, Path)),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    ctx: RequestContext,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.platform()?;
    state.tenants.delete(&ctx.caller, &slug).await?;
    Ok(HttpResponse::NoContent().finish())
}
