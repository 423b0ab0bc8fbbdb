//! REST: a course's team.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use atrium_core::UserId;
use serde_json::Value;

use super::wire::{NewTeamMemberBody, RemoveTeamMemberQuery, TeamMemberDto, TeamMemberList};
use crate::context::RequestContext;
use crate::framework::from_object;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::wire::ListQuery;

/// List a course's team (its instructors, staff and beta testers), in the
/// order they were added: for whoever may author or preview the course. A
/// course the caller cannot see is a `404`.
#[utoipa::path(operation_id = "list_course_team", get, path = "/api/v1/courses/{course_key}/team", tag = "course team",
    params(("course_key" = String, Path, pattern = r"^course-v1:[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}$", description = "`course-v1:ORG+NUMBER+RUN`, literally or percent-encoded"), ListQuery),
    responses(
        (status = 200, description = "A page of the team", body = TeamMemberList),
        (status = 404, description = "No such course, or one the caller cannot see", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    course_key: web::Path<String>,
    page: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let page = state
        .courses
        .list_team(&ctx.caller, scope, course_key.into_inner(), page.page()?)
        .await?;
    Ok(HttpResponse::Ok().json(TeamMemberList::from(page)))
}

/// Add a user to a course's team with a role: a course-scoped grant (it
/// shows in `/api/v1/role-assignments`). Course instructors may, and those
/// above them (org instructors and admins of its organization's lineage,
/// tenant admins); others who can see the course get `403`.
#[utoipa::path(operation_id = "add_course_team_member", post, path = "/api/v1/courses/{course_key}/team", tag = "course team",
    params(("course_key" = String, Path, pattern = r"^course-v1:[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}$", description = "`course-v1:ORG+NUMBER+RUN`, literally or percent-encoded")),
    request_body = NewTeamMemberBody,
    responses(
        (status = 201, description = "The new team entry", body = TeamMemberDto, headers(("Location" = String))),
        (status = 404, description = "No such course (or one the caller cannot see), or no such account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The user holds this role on the course already", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn add(
    state: web::Data<AppState>,
    ctx: RequestContext,
    course_key: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body: NewTeamMemberBody = from_object(body.into_inner())?;
    let member = state
        .courses
        .add_team_member(
            &ctx.caller,
            scope,
            course_key.into_inner(),
            UserId(body.user_id),
            body.role,
        )
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/role-assignments/{}", member.assignment_id),
        ))
        .json(TeamMemberDto::from(member)))
}

/// Remove a user from a course's team: its one `role`, or all its roles on
/// the course (all or none, each needing the right to grant it). `404`
/// when the user holds none of them.
#[utoipa::path(operation_id = "remove_course_team_member", delete, path = "/api/v1/courses/{course_key}/team/{user_id}", tag = "course team",
    params(("course_key" = String, Path, pattern = r"^course-v1:[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}$", description = "`course-v1:ORG+NUMBER+RUN`, literally or percent-encoded"), ("user_id" = i64, Path), RemoveTeamMemberQuery),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such course (or one the caller cannot see), or nothing to remove", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn remove(
    state: web::Data<AppState>,
    ctx: RequestContext,
    path: web::Path<(String, i64)>,
    query: web::Query<RemoveTeamMemberQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let (course_key, user) = path.into_inner();
    state
        .courses
        .remove_team_member(
            &ctx.caller,
            scope,
            course_key,
            UserId(user),
            query.into_inner().role,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
