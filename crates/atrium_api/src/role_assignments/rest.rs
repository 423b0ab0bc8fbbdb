//! REST: role assignments.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::Value;

use super::wire::{
    NewRoleAssignmentBody, RoleAssignmentDto, RoleAssignmentList, RoleAssignmentSearch,
};
use crate::context::RequestContext;
use crate::framework::from_object;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::wire::ListQuery;

/// List the grants the caller may view, oldest first: a tenant admin sees
/// all; an org admin or org instructor those on its organizations'
/// subtrees (courses included); a course instructor those on its courses.
/// Anyone else: `403`.
#[utoipa::path(operation_id = "list_role_assignments", get, path = "/api/v1/role-assignments", tag = "role assignments",
    params(ListQuery, RoleAssignmentSearch),
    responses((status = 200, description = "A page of grants", body = RoleAssignmentList)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    page: web::Query<ListQuery>,
    search: web::Query<RoleAssignmentSearch>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let page = state
        .organizations
        .list_role_assignments(&ctx.caller, scope, search.into_inner().into(), page.page()?)
        .await?;
    Ok(HttpResponse::Ok().json(RoleAssignmentList::from(page)))
}

/// Grant a role. Only those allowed to grant that role at that place may:
/// nobody grants above their own role or outside their own subtree (`403`).
/// It takes effect on the account's next request, on every server.
#[utoipa::path(operation_id = "create_role_assignment", post, path = "/api/v1/role-assignments", tag = "role assignments",
    request_body = NewRoleAssignmentBody,
    responses(
        (status = 201, description = "The grant", body = RoleAssignmentDto, headers(("Location" = String))),
        (status = 404, description = "No such account or organization in this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account holds this role on this scope already", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body: NewRoleAssignmentBody = from_object(body.into_inner())?;
    let assignment = state
        .organizations
        .grant_role(&ctx.caller, scope, body.into())
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/role-assignments/{}", assignment.id),
        ))
        .json(RoleAssignmentDto::from(assignment)))
}

/// Read a grant (for those who may view grants at its place).
#[utoipa::path(operation_id = "get_role_assignment", get, path = "/api/v1/role-assignments/{id}", tag = "role assignments",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The grant", body = RoleAssignmentDto)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let assignment = state
        .organizations
        .get_role_assignment(&ctx.caller, scope, *id)
        .await?;
    Ok(HttpResponse::Ok().json(RoleAssignmentDto::from(assignment)))
}

/// Revoke a grant; needs the right to grant its role at its place. The
/// tenant's last active tenant admin keeps its grant (`409`). Revoking a
/// course creator marks the request it was granted through `revoked`.
#[utoipa::path(operation_id = "delete_role_assignment", delete, path = "/api/v1/role-assignments/{id}", tag = "role assignments",
    params(("id" = i64, Path)),
    responses(
        (status = 204, description = "Revoked"),
        (status = 409, description = "The tenant's last active tenant admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    state
        .organizations
        .revoke_role(&ctx.caller, scope, *id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
