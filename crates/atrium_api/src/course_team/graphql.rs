//! GraphQL: a course's team, through the same service as REST.

use async_graphql::{Context, Object};
use atrium_core::UserId;

use super::wire::{TeamMemberDto, TeamMemberList};
use crate::graphql::request;
use crate::problem::ApiError;
use crate::wire::ListQuery;

#[derive(Default)]
pub struct CourseTeamQuery;

#[Object]
impl CourseTeamQuery {
    /// A course's team, in the order its members were added, as `GET
    /// /api/v1/courses/{course_key}/team`.
    async fn course_team(
        &self,
        ctx: &Context<'_>,
        course_key: String,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<TeamMemberList, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let page = ListQuery { limit, cursor }.page()?;
        Ok(state
            .courses
            .list_team(&req.caller, scope, course_key, page)
            .await?
            .into())
    }
}

#[derive(Default)]
pub struct CourseTeamMutation;

#[Object]
impl CourseTeamMutation {
    /// Adds a user to a course's team with a role (`course_instructor`,
    /// `course_staff` or `beta_tester`), as `POST
    /// /api/v1/courses/{course_key}/team`.
    async fn add_team_member(
        &self,
        ctx: &Context<'_>,
        course_key: String,
        user_id: i64,
        role: String,
    ) -> Result<TeamMemberDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        Ok(state
            .courses
            .add_team_member(&req.caller, scope, course_key, UserId(user_id), role)
            .await?
            .into())
    }

    /// Removes a user's `role` on a course, or all its roles there; answers
    /// `true`.
    async fn remove_team_member(
        &self,
        ctx: &Context<'_>,
        course_key: String,
        user_id: i64,
        role: Option<String>,
    ) -> Result<bool, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        state
            .courses
            .remove_team_member(&req.caller, scope, course_key, UserId(user_id), role)
            .await?;
        Ok(true)
    }
}
