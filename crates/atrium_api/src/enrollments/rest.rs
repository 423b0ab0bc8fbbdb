//! REST: enrolling, unenrolling, a course's roster and a learner's own
//! enrollments.

use actix_web::{web, HttpResponse};
use atrium_core::UserId;
use atrium_courses::Enrolled;
use serde_json::Value;

use super::wire::{EnrollmentDto, EnrollmentList, EnrollmentListQuery, NewEnrollmentBody};
use crate::context::RequestContext;
use crate::framework::from_object;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::wire::ListQuery;

/// Enroll in a course. A learner enrolls itself (no `user_id`, or its
/// own) in a public or unlisted course that is not invitation only, while
/// enrollment is open (`enrollment_start` ≤ now < `enrollment_end`). Course
/// staff and API clients with `enrollments:write` in the course's
/// organization enroll any account of the tenant, in any of their
/// courses, at any time. Everyone is held to `enrollment_limit`.
/// Enrolling again after unenrolling reactivates the record (`200`).
#[utoipa::path(operation_id = "enroll", post, path = "/api/v1/courses/{course_key}/enrollments", tag = "enrollments",
    params(("course_key" = String, Path, description = "`course-v1:ORG+NUMBER+RUN`, literal or percent-encoded")),
    request_body = NewEnrollmentBody,
    responses(
        (status = 201, description = "The new enrollment", body = EnrollmentDto),
        (status = 200, description = "An inactive enrollment made active again (in the mode sent), or, by staff, an active one's mode changed", body = EnrollmentDto),
        (status = 403, description = "Refused by the course's rules for learners (the detail says which: private, invitation only, enrollment not open yet or closed), or not allowed to enroll others", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such course (or one the caller cannot see), or no such user in this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The course is full (`enrollment_limit`), or the user is enrolled already", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn enroll(
    state: web::Data<AppState>,
    ctx: RequestContext,
    course_key: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body: NewEnrollmentBody = from_object(body.into_inner())?;
    let (enrollment, enrolled) = state
        .courses
        .enroll(
            &ctx.caller,
            scope,
            course_key.into_inner(),
            body.user_id.map(UserId),
            body.mode,
        )
        .await?;
    let dto = EnrollmentDto::from(enrollment);
    Ok(match enrolled {
        Enrolled::Created => HttpResponse::Created().json(dto),
        Enrolled::Updated => HttpResponse::Ok().json(dto),
    })
}

/// Unenroll: the enrollment becomes inactive (its record stays). By the
/// learner itself or the course's staff; an inactive enrollment is left
/// as it is.
#[utoipa::path(operation_id = "unenroll", delete, path = "/api/v1/courses/{course_key}/enrollments/{user_id}", tag = "enrollments",
    params(("course_key" = String, Path, description = "`course-v1:ORG+NUMBER+RUN`, literal or percent-encoded"), ("user_id" = i64, Path)),
    responses(
        (status = 204, description = "Inactive"),
        (status = 404, description = "No such course (or one the caller cannot see), or no enrollment of that user", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn unenroll(
    state: web::Data<AppState>,
    ctx: RequestContext,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let (course_key, user) = path.into_inner();
    state
        .courses
        .unenroll(&ctx.caller, scope, course_key, UserId(user))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A course's enrollments in user id order, for its staff: the active
/// ones, or all with `include_inactive`.
#[utoipa::path(operation_id = "list_course_enrollments", get, path = "/api/v1/courses/{course_key}/enrollments", tag = "enrollments",
    params(("course_key" = String, Path, description = "`course-v1:ORG+NUMBER+RUN`, literal or percent-encoded"), ListQuery, EnrollmentListQuery),
    responses((status = 200, description = "A page of enrollments", body = EnrollmentList)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    course_key: web::Path<String>,
    page: web::Query<ListQuery>,
    filter: web::Query<EnrollmentListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let page = state
        .courses
        .course_enrollments(
            &ctx.caller,
            scope,
            course_key.into_inner(),
            filter.include_inactive.unwrap_or(false),
            page.page()?,
        )
        .await?;
    Ok(HttpResponse::Ok().json(EnrollmentList::from(page)))
}

/// The caller's own enrollments in course order (accounts only): the
/// active ones, or all with `include_inactive`.
#[utoipa::path(operation_id = "list_my_enrollments", get, path = "/api/v1/me/enrollments", tag = "enrollments",
    params(ListQuery, EnrollmentListQuery),
    responses(
        (status = 200, description = "A page of enrollments", body = EnrollmentList),
        (status = 403, description = "An API client: only accounts have enrollments", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn mine(
    state: web::Data<AppState>,
    ctx: RequestContext,
    page: web::Query<ListQuery>,
    filter: web::Query<EnrollmentListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let page = state
        .courses
        .my_enrollments(
            &ctx.caller,
            scope,
            filter.include_inactive.unwrap_or(false),
            page.page()?,
        )
        .await?;
    Ok(HttpResponse::Ok().json(EnrollmentList::from(page)))
}
