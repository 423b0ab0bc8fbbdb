//! REST: content libraries.

use actix_web::{web, HttpRequest, HttpResponse};
use atrium_courses::LibraryPatch;
use serde_json::Value;

use super::wire::{LibraryDto, LibraryList, LibraryPatchBody, NewLibraryBody};
use crate::conditional::{if_match, with_etag};
use crate::context::RequestContext;
use crate::framework::from_object;
use crate::idempotency;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::wire::ListQuery;

/// List the libraries the caller may author, in creation order: a tenant
/// admin all of the tenant's; organization roles those of their
/// organizations' subtrees; a library's team its own; an API client with
/// `courses:write` those of its organization's subtree.
#[utoipa::path(operation_id = "list_libraries", get, path = "/api/v1/libraries", tag = "libraries",
    params(ListQuery),
    responses((status = 200, description = "A page of libraries", body = LibraryList)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    page: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let page = state
        .courses
        .list_libraries(&ctx.caller, scope, page.page()?)
        .await?;
    Ok(HttpResponse::Ok().json(LibraryList::from(page)))
}

/// Create a library in an active organization: for those who may create
/// courses there (tenant admins, org admins and course creators of it or
/// an organization above, API clients with `courses:write` in their
/// subtree). An account that creates one becomes its `course_instructor`
/// (a grant on `course:lib:ORG:SLUG`). Honours `Idempotency-Key`.
#[utoipa::path(operation_id = "create_library", post, path = "/api/v1/libraries", tag = "libraries",
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Replays the first answer for a repeated request")),
    request_body = NewLibraryBody,
    responses(
        (status = 201, description = "The new library", body = LibraryDto, headers(("Location" = String))),
        (status = 409, description = "The key is taken in this tenant, or the same Idempotency-Key in flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body = body.into_inner();
    // The key as the body names it, for `Location` (a replay carries it
    // too); the answer is a 201 only when the body was a valid library.
    let key = format!(
        "lib:{}:{}",
        body["org"].as_str().unwrap_or_default(),
        body["slug"].as_str().unwrap_or_default()
    );
    let response = idempotency::once(&state, &ctx, &req, &body, || async {
        let body: NewLibraryBody = from_object(body.clone())?;
        let library = state
            .courses
            .create_library(&ctx.caller, scope, body.into())
            .await?;
        idempotency::created(LibraryDto::from(library))
    })
    .await?;
    idempotency::with_location(response, &format!("/api/v1/libraries/{key}"))
}

/// Read a library, with its `ETag` (send it as `If-Match` to change it). A
/// library the caller may neither author nor preview is a `404`.
#[utoipa::path(operation_id = "get_library", get, path = "/api/v1/libraries/{library_key}", tag = "libraries",
    params(("library_key" = String, Path, pattern = r"^lib:[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9_.-]{1,64}$", description = "`lib:ORG:SLUG`, literally or percent-encoded")),
    responses(
        (status = 200, description = "The library", body = LibraryDto, headers(("ETag" = String))),
        (status = 404, description = "No such library, or one the caller cannot see", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let library = state
        .courses
        .get_library(&ctx.caller, scope, key.into_inner())
        .await?;
    let etag = library.etag();
    with_etag(HttpResponse::Ok().json(LibraryDto::from(library)), &etag)
}

/// Change a library's name or description (its authors). With `If-Match`
/// (the `ETag` of a read) the change applies only to that version, else
/// `412`.
#[utoipa::path(operation_id = "update_library", patch, path = "/api/v1/libraries/{library_key}", tag = "libraries",
    params(("library_key" = String, Path, pattern = r"^lib:[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9_.-]{1,64}$", description = "`lib:ORG:SLUG`, literally or percent-encoded"), ("If-Match" = Option<String>, Header, description = "The ETag this change is based on")),
    request_body = LibraryPatchBody,
    responses(
        (status = 200, description = "The changed library", body = LibraryDto, headers(("ETag" = String))),
        (status = 412, description = "Changed since the ETag sent", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    ctx: RequestContext,
    req: HttpRequest,
    key: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body: LibraryPatchBody = from_object(body.into_inner())?;
    let patch = LibraryPatch {
        display_name: body.display_name,
        description: body.description,
        if_match: if_match(&req)?,
    };
    let library = state
        .courses
        .update_library(&ctx.caller, scope, key.into_inner(), patch)
        .await?;
    let etag = library.etag();
    with_etag(HttpResponse::Ok().json(LibraryDto::from(library)), &etag)
}

/// Delete a library and its team's grants. Who may create courses in its
/// organization may, and so may who manages its team (its course
/// instructors, org instructors and admins above it).
#[utoipa::path(operation_id = "delete_library", delete, path = "/api/v1/libraries/{library_key}", tag = "libraries",
    params(("library_key" = String, Path, pattern = r"^lib:[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9_.-]{1,64}$", description = "`lib:ORG:SLUG`, literally or percent-encoded")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such library, or one the caller cannot see", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    ctx: RequestContext,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    state
        .courses
        .delete_library(&ctx.caller, scope, key.into_inner())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
