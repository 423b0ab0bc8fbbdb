//! REST: a tenant's API clients (tenant admins).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use atrium_core::ApiClientId;
use serde_json::Value;

use super::wire::{ApiClientDto, ApiClientList, CreatedApiClientDto, NewApiClientBody};
use crate::context::RequestContext;
use crate::framework::from_object;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::wire::ListQuery;

/// List the tenant's API clients (never their secrets).
#[utoipa::path(operation_id = "list_api_clients", get, path = "/api/v1/api-clients", tag = "api clients", params(ListQuery),
    responses((status = 200, description = "A page of API clients", body = ApiClientList)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let page = state
        .identity
        .api_clients(&ctx.caller, scope, query.page()?)
        .await?;
    Ok(HttpResponse::Ok().json(ApiClientList::from(page)))
}

/// Create an API client. The answer carries `client_secret`: the only time
/// it is shown (it is stored as a hash). No `Idempotency-Key` here: a
/// replayed answer would have to keep the secret.
#[utoipa::path(operation_id = "create_api_client", post, path = "/api/v1/api-clients", tag = "api clients",
    request_body = NewApiClientBody,
    responses((status = 201, description = "The new client, with its secret", body = CreatedApiClientDto,
        headers(("Location" = String)))),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body: NewApiClientBody = from_object(body.into_inner())?;
    let created = state
        .identity
        .create_api_client(&ctx.caller, scope, body.into())
        .await?;
    let created = CreatedApiClientDto::from(created);
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/api-clients/{}", created.id),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(created))
}

/// Read an API client (never its secret).
#[utoipa::path(operation_id = "get_api_client", get, path = "/api/v1/api-clients/{id}", tag = "api clients", params(("id" = i64, Path)),
    responses((status = 200, description = "The API client", body = ApiClientDto)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let client = state
        .identity
        .api_client(&ctx.caller, scope, ApiClientId(*id))
        .await?;
    Ok(HttpResponse::Ok().json(ApiClientDto::from(client)))
}

/// Delete an API client: its tokens are refused from the next request on.
#[utoipa::path(operation_id = "delete_api_client", delete, path = "/api/v1/api-clients/{id}", tag = "api clients", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    state
        .identity
        .delete_api_client(&ctx.caller, scope, ApiClientId(*id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
