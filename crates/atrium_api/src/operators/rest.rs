//! REST, platform host: platform operators.

use actix_web::{web, HttpResponse};
use atrium_core::OperatorId;
use serde_json::Value;

use super::wire::{OperatorDto, OperatorList, OperatorPatchBody};
use crate::context::RequestContext;
use crate::framework::from_object;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::wire::ListQuery;

/// List platform operators, active or not.
#[utoipa::path(operation_id = "list_operators", get, path = "/api/v1/operators", tag = "operators", params(ListQuery),
    responses((status = 200, description = "A page of operators", body = OperatorList)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    ctx.platform()?;
    let page = state
        .identity
        .list_operators(&ctx.caller, query.page()?)
        .await?;
    Ok(HttpResponse::Ok().json(OperatorList::from(page)))
}

/// Disable (`{"is_active": false}`) or re-enable an operator.
///
/// A disabled operator cannot log in, and its tokens are refused from the next request on, on every
/// server.
#[utoipa::path(operation_id = "update_operator", patch, path = "/api/v1/operators/{id}", tag = "operators",
    params(("id" = i64, Path)),
    request_body = OperatorPatchBody,
    responses(
        (status = 200, description = "The changed operator", body = OperatorDto),
        (status = 409, description = "The last active operator cannot be disabled", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    ctx.platform()?;
    let body: OperatorPatchBody = from_object(body.into_inner())?;
    let operator = state
        .identity
        .set_operator_active(&ctx.caller, OperatorId(*id), body.is_active)
        .await?;
    Ok(HttpResponse::Ok().json(OperatorDto::from(operator)))
}

/// Delete an operator.
#[utoipa::path(operation_id = "delete_operator", delete, path = "/api/v1/operators/{id}", tag = "operators",
    params(("id" = i64, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "The last active operator cannot be deleted", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    ctx.platform()?;
    state
        .identity
        .delete_operator(&ctx.caller, OperatorId(*id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
