//! GraphQL: course-creator requests, through the same service as REST.

use async_graphql::{Context, InputObject, Object};

use super::wire::{CourseCreatorRequestDto, CourseCreatorRequestList};
use crate::graphql::request;
use crate::problem::ApiError;
use crate::wire::ListQuery;

#[derive(Default)]
pub struct CreatorRequestQuery;

#[Object]
impl CreatorRequestQuery {
    /// The caller's own requests and those it may decide, oldest first.
    async fn course_creator_requests(
        &self,
        ctx: &Context<'_>,
        state: Option<String>,
        organization: Option<String>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<CourseCreatorRequestList, ApiError> {
        let (app, req) = request(ctx)?;
        let tenant = req.tenant()?.scope;
        let page = ListQuery { limit, cursor }.page()?;
        let query = atrium_organizations::CreatorRequestQuery {
            state,
            organization,
        };
        Ok(app
            .organizations
            .list_course_creator_requests(&req.caller, tenant, query, page)
            .await?
            .into())
    }

    async fn course_creator_request(
        &self,
        ctx: &Context<'_>,
        id: i64,
    ) -> Result<CourseCreatorRequestDto, ApiError> {
        let (app, req) = request(ctx)?;
        let tenant = req.tenant()?.scope;
        Ok(app
            .organizations
            .get_course_creator_request(&req.caller, tenant, id)
            .await?
            .into())
    }
}

#[derive(InputObject)]
pub struct RequestCourseCreatorInput {
    /// The organization's short name.
    pub organization: String,
    #[graphql(default)]
    pub message: String,
}

#[derive(InputObject)]
pub struct DecideCourseCreatorRequestInput {
    /// `granted` or `denied`.
    pub state: String,
    pub reason: Option<String>,
}

#[derive(Default)]
pub struct CreatorRequestMutation;

#[Object]
impl CreatorRequestMutation {
    /// Asks to become a course creator in an organization.
    async fn request_course_creator(
        &self,
        ctx: &Context<'_>,
        input: RequestCourseCreatorInput,
    ) -> Result<CourseCreatorRequestDto, ApiError> {
        let (app, req) = request(ctx)?;
        let tenant = req.tenant()?.scope;
        let new = atrium_organizations::NewCreatorRequest {
            organization: input.organization,
            message: input.message,
        };
        Ok(app
            .organizations
            .request_course_creator(&req.caller, tenant, new)
            .await?
            .into())
    }

    /// Grants or denies a pending request; granting makes the grant.
    async fn decide_course_creator_request(
        &self,
        ctx: &Context<'_>,
        id: i64,
        input: DecideCourseCreatorRequestInput,
    ) -> Result<CourseCreatorRequestDto, ApiError> {
        let (app, req) = request(ctx)?;
        let tenant = req.tenant()?.scope;
        let decision = atrium_organizations::CreatorDecision {
            state: input.state,
            reason: input.reason,
        };
        Ok(app
            .organizations
            .decide_course_creator_request(&req.caller, tenant, id, decision)
            .await?
            .into())
    }
}
