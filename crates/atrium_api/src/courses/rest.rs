//! REST: Studio's courses, their reruns, and batch creation.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::wire::{
    CourseBatchBody, CourseDto, CourseItems, CourseList, CourseListQuery, CoursePatchBody,
    NewCourseBody, RerunBody,
};
use crate::conditional::{if_match, with_etag};
use crate::context::RequestContext;
use crate::framework::from_object;
use crate::idempotency;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::wire::ListQuery;

/// The course key of a path, as sent literally (`course-v1:ORG+N+R`) or
/// percent-encoded (`course-v1%3AORG%2BN%2BR`): the router matches on the
/// path with `%2B`, `%2F` and `%25` still encoded (so an encoded `/` cannot
/// split the segment), and `web::Path` decodes the segment once, fully. A
/// `+` stays a plus (paths are not forms), and nothing is decoded twice
/// (`%252B` is the text `%2B`, which no key holds).
fn course_key(key: web::Path<String>) -> String {
    key.into_inner()
}

/// Where a course is read: its key as is (`:` and `+` are allowed in a
/// path segment).
fn location(key: &str) -> String {
    format!("/api/v1/courses/{key}")
}

/// Studio's list: the courses the caller may author (an API client also
/// those it may preview), in creation order. A tenant admin sees all of
/// the tenant's; an organization role, those of its organization and the
/// organizations below it; a course team member, its courses.
#[utoipa::path(operation_id = "list_courses", get, path = "/api/v1/courses", tag = "courses",
    params(ListQuery, CourseListQuery),
    responses((status = 200, description = "A page of courses", body = CourseList)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    page: web::Query<ListQuery>,
    filter: web::Query<CourseListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let page = state
        .courses
        .list_courses(&ctx.caller, scope, filter.into_inner().org, page.page()?)
        .await?;
    Ok(HttpResponse::Ok().json(CourseList::from(page)))
}

/// Create a course in an active organization (tenant admins, its org
/// admins and course creators and those above it, API clients with
/// `courses:write` within their organization). The user who creates it
/// becomes its `course_instructor`. An organization the tenant does not
/// have, or a deactivated one, is a `400` on `org`. Honours
/// `Idempotency-Key`.
#[utoipa::path(operation_id = "create_course", post, path = "/api/v1/courses", tag = "courses",
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Replays the first answer for a repeated request")),
    request_body = NewCourseBody,
    responses(
        (status = 201, description = "The new course", body = CourseDto, headers(("Location" = String))),
        (status = 409, description = "The key is taken in this tenant, or the same Idempotency-Key is in flight", body = Problem, content_type = "application/problem+json"),
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
    let response = idempotency::once(&state, &ctx, &req, &body, || async {
        let parsed: NewCourseBody = from_object(body.clone())?;
        let course = state
            .courses
            .create_course(&ctx.caller, scope, parsed.into())
            .await?;
        idempotency::created(CourseDto::from(course))
    })
    .await?;
    // A 201 came from a body that parsed, so its key's parts are there.
    let part = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or_default();
    let key = format!(
        "course-v1:{}+{}+{}",
        part("org"),
        part("number"),
        part("run")
    );
    idempotency::with_location(response, &location(&key))
}

/// Create up to 100 courses in one transaction: all of them, or none.
/// Every item is checked first; a `400` lists each failing item's field
/// errors as `courses[INDEX].FIELD`, among them an organization the
/// tenant does not have or a deactivated one (`.org`), and a key taken
/// already or repeated inside the batch (`.run`). A key taken by a
/// concurrent request in between is a `409`; an organization where the
/// caller may not create courses a `403` naming the item. Its body may be
/// up to 5 MiB (a hundred courses at their largest), beyond the limit of
/// other requests. Honours `Idempotency-Key`.
#[utoipa::path(operation_id = "create_courses", post, path = "/api/v1/courses/batch", tag = "courses",
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Replays the first answer for a repeated request")),
    request_body = CourseBatchBody,
    responses(
        (status = 201, description = "The new courses, in the order sent", body = CourseItems),
        (status = 409, description = "A key taken concurrently (the detail names the item), or the same Idempotency-Key in flight", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 5 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create_batch(
    state: web::Data<AppState>,
    ctx: RequestContext,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body = body.into_inner();
    idempotency::once(&state, &ctx, &req, &body, || async {
        let parsed: CourseBatchBody = from_object(body.clone())?;
        let batch = parsed.courses.into_iter().map(Into::into).collect();
        let created = state
            .courses
            .create_courses(&ctx.caller, scope, batch)
            .await?;
        idempotency::created(CourseItems {
            items: created.into_iter().map(Into::into).collect(),
        })
    })
    .await
}

/// Read a course, with its `ETag` (send it as `If-Match` to change it). A
/// course the caller cannot see is a `404`. The key may be sent literally
/// or percent-encoded.
#[utoipa::path(operation_id = "get_course", get, path = "/api/v1/courses/{course_key}", tag = "courses",
    params(("course_key" = String, Path, pattern = r"^course-v1:[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}$", description = "`course-v1:ORG+NUMBER+RUN`, literally or percent-encoded")),
    responses((status = 200, description = "The course", body = CourseDto, headers(("ETag" = String)))),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let course = state
        .courses
        .get_course(&ctx.caller, scope, course_key(key))
        .await?;
    let etag = course.etag();
    with_etag(HttpResponse::Ok().json(CourseDto::from(course)), &etag)
}

/// Change a course's settings (its authors). With `If-Match` (the `ETag`
/// of a read) the change applies only if the course is still that
/// version, else `412`; without it, to whatever is current. `org`,
/// `number` and `run` cannot change (a `400` when sent different).
#[utoipa::path(operation_id = "update_course", patch, path = "/api/v1/courses/{course_key}", tag = "courses",
    params(("course_key" = String, Path, pattern = r"^course-v1:[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}$", description = "`course-v1:ORG+NUMBER+RUN`, literally or percent-encoded"),
        ("If-Match" = Option<String>, Header, description = "The ETag this change is based on")),
    request_body = CoursePatchBody,
    responses(
        (status = 200, description = "The changed course", body = CourseDto, headers(("ETag" = String))),
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
    let body: CoursePatchBody = from_object(body.into_inner())?;
    let change = body.into_change(if_match(&req)?);
    let course = state
        .courses
        .update_course(&ctx.caller, scope, course_key(key), change)
        .await?;
    let etag = course.etag();
    with_etag(HttpResponse::Ok().json(CourseDto::from(course)), &etag)
}

/// Delete a course without active enrollments; its inactive enrollments
/// and its team's grants go with it. Allowed to those who may create
/// courses in its organization and to those who manage its team (its
/// course and organization instructors).
#[utoipa::path(operation_id = "delete_course", delete, path = "/api/v1/courses/{course_key}", tag = "courses",
    params(("course_key" = String, Path, pattern = r"^course-v1:[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}$", description = "`course-v1:ORG+NUMBER+RUN`, literally or percent-encoded")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "The course has active enrollments", body = Problem, content_type = "application/problem+json"),
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
        .delete_course(&ctx.caller, scope, course_key(key))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Make a new run of a course: same organization and number, the settings
/// and team copied (the dates and name sent replace the source's; the
/// settings' rules apply to the result), `rerun_of` naming the source.
/// Needs what creating a course in its organization needs and the right
/// to author the source (a source the caller cannot see is a `404`); the
/// user who makes it becomes its instructor too. Honours `Idempotency-Key`.
#[utoipa::path(operation_id = "rerun_course", post, path = "/api/v1/courses/{course_key}/reruns", tag = "courses",
    params(("course_key" = String, Path, pattern = r"^course-v1:[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}$", description = "The source: `course-v1:ORG+NUMBER+RUN`, literally or percent-encoded"),
        ("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Replays the first answer for a repeated request")),
    request_body = RerunBody,
    responses(
        (status = 201, description = "The new run", body = CourseDto, headers(("Location" = String))),
        (status = 409, description = "The new key is taken, the organization is deactivated, or the same Idempotency-Key is in flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn rerun(
    state: web::Data<AppState>,
    ctx: RequestContext,
    req: HttpRequest,
    key: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let source = course_key(key);
    let body = body.into_inner();
    let response = idempotency::once(&state, &ctx, &req, &body, || async {
        let parsed: RerunBody = from_object(body.clone())?;
        let course = state
            .courses
            .rerun_course(&ctx.caller, scope, source.clone(), parsed.into())
            .await?;
        idempotency::created(CourseDto::from(course))
    })
    .await?;
    // The new key differs from the source's in its run only.
    let run = body.get("run").and_then(Value::as_str).unwrap_or_default();
    let new_key = source
        .rsplit_once('+')
        .map(|(prefix, _)| format!("{prefix}+{run}"));
    match new_key {
        Some(new_key) => idempotency::with_location(response, &location(&new_key)),
        None => Ok(response),
    }
}
