//! REST: course-creator requests.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::Value;

use super::wire::{
    CourseCreatorRequestDto, CourseCreatorRequestList, CreatorDecisionBody, CreatorRequestSearch,
    NewCreatorRequestBody,
};
use crate::context::RequestContext;
use crate::framework::from_object;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::wire::ListQuery;

/// List requests, oldest first: the caller's own, and those it may decide
/// (an org admin above the organization, or a tenant admin).
#[utoipa::path(operation_id = "list_course_creator_requests", get, path = "/api/v1/course-creator-requests", tag = "course creator requests",
    params(ListQuery, CreatorRequestSearch),
    responses((status = 200, description = "A page of requests", body = CourseCreatorRequestList)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    page: web::Query<ListQuery>,
    search: web::Query<CreatorRequestSearch>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let page = state
        .organizations
        .list_course_creator_requests(&ctx.caller, scope, search.into_inner().into(), page.page()?)
        .await?;
    Ok(HttpResponse::Ok().json(CourseCreatorRequestList::from(page)))
}

/// Ask to become a course creator in an organization (accounts only, not
/// API clients). One pending request per organization; none when the
/// caller is a course creator there already (`409`).
#[utoipa::path(operation_id = "create_course_creator_request", post, path = "/api/v1/course-creator-requests", tag = "course creator requests",
    request_body = NewCreatorRequestBody,
    responses(
        (status = 201, description = "The pending request", body = CourseCreatorRequestDto, headers(("Location" = String))),
        (status = 404, description = "No such organization in this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A pending request exists, or the caller is a course creator there", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body: NewCreatorRequestBody = from_object(body.into_inner())?;
    let request = state
        .organizations
        .request_course_creator(&ctx.caller, scope, body.into())
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/course-creator-requests/{}", request.id),
        ))
        .json(CourseCreatorRequestDto::from(request)))
}

/// Read a request: the requester's own, or one the caller may decide.
#[utoipa::path(operation_id = "get_course_creator_request", get, path = "/api/v1/course-creator-requests/{id}", tag = "course creator requests",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The request", body = CourseCreatorRequestDto)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let request = state
        .organizations
        .get_course_creator_request(&ctx.caller, scope, *id)
        .await?;
    Ok(HttpResponse::Ok().json(CourseCreatorRequestDto::from(request)))
}

/// Grant or deny a pending request (an org admin above its organization,
/// or a tenant admin). Granting makes the `course_creator` grant on the
/// organization at once. A decided request is not decided again (`409`).
#[utoipa::path(operation_id = "decide_course_creator_request", patch, path = "/api/v1/course-creator-requests/{id}", tag = "course creator requests",
    params(("id" = i64, Path)),
    request_body = CreatorDecisionBody,
    responses(
        (status = 200, description = "The decided request", body = CourseCreatorRequestDto),
        (status = 409, description = "The request is not pending", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn decide(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body: CreatorDecisionBody = from_object(body.into_inner())?;
    let request = state
        .organizations
        .decide_course_creator_request(&ctx.caller, scope, *id, body.into())
        .await?;
    Ok(HttpResponse::Ok().json(CourseCreatorRequestDto::from(request)))
}
