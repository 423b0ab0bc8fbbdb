//! REST: a tenant's accounts, for its tenant admins.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use atrium_core::UserId;
use serde_json::Value;

use super::wire::{NewUserBody, UserDto, UserList, UserPatchBody, UserSearchQuery};
use crate::context::RequestContext;
use crate::framework::from_object;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::wire::ListQuery;

/// List the tenant's accounts, oldest first; search with `q`, filter with
/// `is_active`.
#[utoipa::path(operation_id = "list_users", get, path = "/api/v1/users", tag = "users",
    params(ListQuery, UserSearchQuery),
    responses((status = 200, description = "A page of accounts", body = UserList)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    page: web::Query<ListQuery>,
    search: web::Query<UserSearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let page = state
        .identity
        .list_users(
            &ctx.caller,
            scope,
            search.into_inner().filter(),
            page.page()?,
        )
        .await?;
    Ok(HttpResponse::Ok().json(UserList::from(page)))
}

/// Create an account, with a password or without one (it can then sign in
/// only after a password reset).
#[utoipa::path(operation_id = "create_user", post, path = "/api/v1/users", tag = "users",
    request_body = NewUserBody,
    responses(
        (status = 201, description = "The new account", body = UserDto, headers(("Location" = String))),
        (status = 409, description = "Email or username taken (the detail names the field)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body: NewUserBody = from_object(body.into_inner())?;
    let account = state
        .identity
        .create_user(&ctx.caller, scope, body.into())
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", account.id)))
        .json(UserDto::from(account)))
}

/// Read an account.
#[utoipa::path(operation_id = "get_user", get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, description = "The account", body = UserDto)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let account = state
        .identity
        .get_user(&ctx.caller, scope, UserId(*id))
        .await?;
    Ok(HttpResponse::Ok().json(UserDto::from(account)))
}

/// Change an account's email, username, name, or whether it is active.
/// Deactivating ends its access on its next request.
#[utoipa::path(operation_id = "update_user", patch, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path)),
    request_body = UserPatchBody,
    responses(
        (status = 200, description = "The changed account", body = UserDto),
        (status = 409, description = "Email or username taken, or the tenant's last active tenant admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body: UserPatchBody = from_object(body.into_inner())?;
    let account = state
        .identity
        .update_user(&ctx.caller, scope, UserId(*id), body.into())
        .await?;
    Ok(HttpResponse::Ok().json(UserDto::from(account)))
}

/// Delete an account with its role assignments and tokens; its access ends
/// on its next request.
#[utoipa::path(operation_id = "delete_user", delete, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses(
        (status = 204, description = "Deleted"),
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
        .identity
        .delete_user(&ctx.caller, scope, UserId(*id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
