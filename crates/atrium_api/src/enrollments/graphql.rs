//! GraphQL: enrolling, unenrolling, a course's roster and the caller's own
//! enrollments, through the same service as REST.

use async_graphql::{Context, Object, SimpleObject};
use atrium_core::UserId;
use atrium_courses::Enrolled;

use super::wire::{EnrollmentDto, EnrollmentList, EnrollmentMode};
use crate::graphql::request;
use crate::problem::ApiError;
use crate::wire::ListQuery;

#[derive(Default)]
pub struct EnrollmentQuery;

#[Object]
impl EnrollmentQuery {
    /// The caller's own enrollments in course order (accounts only), as
    /// `GET /api/v1/me/enrollments`.
    async fn my_enrollments(
        &self,
        ctx: &Context<'_>,
        include_inactive: Option<bool>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<EnrollmentList, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let page = ListQuery { limit, cursor }.page()?;
        Ok(state
            .courses
            .my_enrollments(&req.caller, scope, include_inactive.unwrap_or(false), page)
            .await?
            .into())
    }

    /// A course's enrollments in user id order, for its staff, as
    /// `GET /api/v1/courses/{course_key}/enrollments`.
    async fn course_enrollments(
        &self,
        ctx: &Context<'_>,
        key: String,
        include_inactive: Option<bool>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<EnrollmentList, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let page = ListQuery { limit, cursor }.page()?;
        Ok(state
            .courses
            .course_enrollments(
                &req.caller,
                scope,
                key,
                include_inactive.unwrap_or(false),
                page,
            )
            .await?
            .into())
    }
}

/// What `enroll` did.
#[derive(SimpleObject)]
pub struct EnrollResult {
    pub enrollment: EnrollmentDto,
    /// True for a new enrollment (REST's `201`); false for one made active
    /// again or whose mode changed (`200`).
    pub created: bool,
}

#[derive(Default)]
pub struct EnrollmentMutation;

#[Object]
impl EnrollmentMutation {
    /// Enroll the caller (no `userId`) or, for staff, another account, as
    /// `POST /api/v1/courses/{course_key}/enrollments` (same rules and
    /// errors).
    async fn enroll(
        &self,
        ctx: &Context<'_>,
        course_key: String,
        user_id: Option<i64>,
        mode: EnrollmentMode,
    ) -> Result<EnrollResult, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let (enrollment, enrolled) = state
            .courses
            .enroll(
                &req.caller,
                scope,
                course_key,
                user_id.map(UserId),
                mode.as_str().to_owned(),
            )
            .await?;
        Ok(EnrollResult {
            enrollment: enrollment.into(),
            created: enrolled == Enrolled::Created,
        })
    }

    /// Make an enrollment inactive (its record stays), as
    /// `DELETE /api/v1/courses/{course_key}/enrollments/{user_id}`.
    async fn unenroll(
        &self,
        ctx: &Context<'_>,
        course_key: String,
        user_id: i64,
    ) -> Result<bool, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        state
            .courses
            .unenroll(&req.caller, scope, course_key, UserId(user_id))
            .await?;
        Ok(true)
    }
}
