//! REST: the tenant's organizations and their members.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use atrium_core::UserId;
use serde_json::Value;

use super::wire::{
    MembershipDto, MembershipList, NewMemberBody, NewOrganizationBody, OrganizationDto,
    OrganizationList, OrganizationListQuery, OrganizationPatchBody,
};
use crate::context::RequestContext;
use crate::framework::from_object;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::wire::ListQuery;

/// List the organizations the caller may see, in creation order; with
/// `parent`, only its children.
#[utoipa::path(operation_id = "list_organizations", get, path = "/api/v1/organizations", tag = "organizations",
    params(ListQuery, OrganizationListQuery),
    responses((status = 200, description = "A page of organizations", body = OrganizationList)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    page: web::Query<ListQuery>,
    filter: web::Query<OrganizationListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let page = state
        .organizations
        .list_organizations(&ctx.caller, scope, filter.into_inner().parent, page.page()?)
        .await?;
    Ok(HttpResponse::Ok().json(OrganizationList::from(page)))
}

/// Create an organization: top-level (tenant admins), or under `parent`
/// (whoever manages the parent).
#[utoipa::path(operation_id = "create_organization", post, path = "/api/v1/organizations", tag = "organizations",
    request_body = NewOrganizationBody,
    responses(
        (status = 201, description = "The new organization", body = OrganizationDto, headers(("Location" = String))),
        (status = 409, description = "The short name is taken in this tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body: NewOrganizationBody = from_object(body.into_inner())?;
    let org = state
        .organizations
        .create_organization(&ctx.caller, scope, body.into())
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/organizations/{}", org.short_name),
        ))
        .json(OrganizationDto::from(org)))
}

/// Read an organization.
#[utoipa::path(operation_id = "get_organization", get, path = "/api/v1/organizations/{short_name}", tag = "organizations",
    params(("short_name" = String, Path)),
    responses((status = 200, description = "The organization", body = OrganizationDto)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    short_name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let org = state
        .organizations
        .get_organization(&ctx.caller, scope, short_name.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(OrganizationDto::from(org)))
}

/// Change an organization, or move it with `parent`.
#[utoipa::path(operation_id = "update_organization", patch, path = "/api/v1/organizations/{short_name}", tag = "organizations",
    params(("short_name" = String, Path)),
    request_body = OrganizationPatchBody,
    responses((status = 200, description = "The changed organization", body = OrganizationDto)),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    ctx: RequestContext,
    short_name: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body: OrganizationPatchBody = from_object(body.into_inner())?;
    let org = state
        .organizations
        .update_organization(&ctx.caller, scope, short_name.into_inner(), body.into())
        .await?;
    Ok(HttpResponse::Ok().json(OrganizationDto::from(org)))
}

/// Delete an organization that nothing holds any more; its memberships go
/// with it.
#[utoipa::path(operation_id = "delete_organization", delete, path = "/api/v1/organizations/{short_name}", tag = "organizations",
    params(("short_name" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "The root organization, or one still held (the detail names by what: organizations below it, grants, API clients, a site's course_org_filter)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    ctx: RequestContext,
    short_name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    state
        .organizations
        .delete_organization(&ctx.caller, scope, short_name.into_inner())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List an organization's members, in user id order.
#[utoipa::path(operation_id = "list_organization_members", get, path = "/api/v1/organizations/{short_name}/members", tag = "organizations",
    params(("short_name" = String, Path), ListQuery),
    responses((status = 200, description = "A page of memberships", body = MembershipList)),
    security(("bearer" = [])))]
pub async fn list_members(
    state: web::Data<AppState>,
    ctx: RequestContext,
    short_name: web::Path<String>,
    page: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let page = state
        .organizations
        .list_members(&ctx.caller, scope, short_name.into_inner(), page.page()?)
        .await?;
    Ok(HttpResponse::Ok().json(MembershipList::from(page)))
}

/// Add a user to an organization (`201`); for a member already, change
/// only `is_active` when sent (`200`).
#[utoipa::path(operation_id = "add_organization_member", post, path = "/api/v1/organizations/{short_name}/members", tag = "organizations",
    params(("short_name" = String, Path)),
    request_body = NewMemberBody,
    responses(
        (status = 201, description = "The new membership", body = MembershipDto),
        (status = 200, description = "The membership that existed, as it now is", body = MembershipDto),
        (status = 404, description = "No such organization or user in this tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn add_member(
    state: web::Data<AppState>,
    ctx: RequestContext,
    short_name: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body: NewMemberBody = from_object(body.into_inner())?;
    let (membership, created) = state
        .organizations
        .add_member(
            &ctx.caller,
            scope,
            short_name.into_inner(),
            UserId(body.user_id),
            body.is_active,
        )
        .await?;
    let dto = MembershipDto::from(membership);
    Ok(if created {
        HttpResponse::Created().json(dto)
    } else {
        HttpResponse::Ok().json(dto)
    })
}

/// Remove a user from an organization.
#[utoipa::path(operation_id = "remove_organization_member", delete, path = "/api/v1/organizations/{short_name}/members/{user_id}", tag = "organizations",
    params(("short_name" = String, Path), ("user_id" = i64, Path)),
    responses((status = 204, description = "Removed")),
    security(("bearer" = [])))]
pub async fn remove_member(
    state: web::Data<AppState>,
    ctx: RequestContext,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let (short_name, user) = path.into_inner();
    state
        .organizations
        .remove_member(&ctx.caller, scope, short_name, UserId(user))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The organizations a user is a member of (the tenant's user
/// administrators, or the user itself).
#[utoipa::path(operation_id = "list_user_organizations", get, path = "/api/v1/users/{id}/organizations", tag = "organizations",
    params(("id" = i64, Path), ListQuery),
    responses((status = 200, description = "A page of the user's memberships", body = MembershipList)),
    security(("bearer" = [])))]
pub async fn user_organizations(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
    page: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let page = state
        .organizations
        .organizations_of_user(&ctx.caller, scope, UserId(*id), page.page()?)
        .await?;
    Ok(HttpResponse::Ok().json(MembershipList::from(page)))
}
