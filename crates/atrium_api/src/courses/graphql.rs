//! GraphQL: Studio's courses, reruns and batch creation, through the same
//! service (and so the same `authorize`) as REST. A course's nested
//! `organization`, `team` and `enrollments` load through the request's
//! loaders, one batch each for a whole page of courses.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject};
use atrium_courses::{Course, CourseChange, CoursePatch};
use chrono::{DateTime, Utc};

use super::wire::{NewCourseBody, RerunBody};
use crate::course_team::loaders::{TeamLoader, TeamOf};
use crate::course_team::wire::TeamMemberDto;
use crate::enrollments::loaders::{EnrollmentLoaders, EnrollmentsOf};
use crate::enrollments::wire::EnrollmentDto;
use crate::graphql::request;
use crate::organizations::graphql::OrganizationNode;
use crate::organizations::loaders::{ById, Loaders};
use crate::problem::ApiError;
use crate::wire::{utc, ListQuery};

/// A course of the tenant, as Studio shows it.
pub struct CourseNode(pub Course);

#[Object(name = "Course")]
impl CourseNode {
    /// `course-v1:ORG+NUMBER+RUN`; never changes.
    async fn key(&self) -> &str {
        &self.0.key
    }
    /// The short name of the organization the course lies in.
    async fn org(&self) -> &str {
        &self.0.org
    }
    async fn number(&self) -> &str {
        &self.0.number
    }
    async fn run(&self) -> &str {
        &self.0.run
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn short_description(&self) -> &str {
        &self.0.short_description
    }
    /// A BCP 47 language tag, or empty.
    async fn language(&self) -> &str {
        &self.0.language
    }
    /// `public`, `unlisted` or `private`.
    async fn visibility(&self) -> &str {
        self.0.visibility.as_str()
    }
    async fn invitation_only(&self) -> bool {
        self.0.invitation_only
    }
    /// `null`: no limit.
    async fn enrollment_limit(&self) -> Option<i32> {
        self.0.enrollment_limit
    }
    async fn start(&self) -> Option<DateTime<Utc>> {
        self.0.start
    }
    async fn end(&self) -> Option<DateTime<Utc>> {
        self.0.end
    }
    async fn enrollment_start(&self) -> Option<DateTime<Utc>> {
        self.0.enrollment_start
    }
    async fn enrollment_end(&self) -> Option<DateTime<Utc>> {
        self.0.enrollment_end
    }
    /// The key of the course this one is a rerun of.
    async fn rerun_of(&self) -> Option<&str> {
        self.0.rerun_of.as_deref()
    }
    /// Grows with every change: pass it as `expectedVersion` to
    /// `updateCourse`.
    async fn version(&self) -> i64 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The organization the course lies in; `null` for a caller who may
    /// not view it.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<OrganizationNode>, ApiError> {
        let loaders = ctx.data::<Loaders>().map_err(|_| not_here())?;
        Ok(loaders
            .load_one(ById(self.0.organization_id))
            .await?
            .map(OrganizationNode))
    }

    /// The course's team (its first 100 grants, in the order they were
    /// made), as `GET /api/v1/courses/{course_key}/team`; `null` for a
    /// caller who may not read it.
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Vec<TeamMemberDto>>, ApiError> {
        let loader = ctx.data::<TeamLoader>().map_err(|_| not_here())?;
        Ok(loader
            .load_one(TeamOf(self.0.id))
            .await?
            .flatten()
            .map(|team| team.into_iter().map(TeamMemberDto::from).collect()))
    }

    /// The course's first 100 active enrollments, in user id order; `null`
    /// unless the caller manages this course's enrollments (the whole
    /// roster is `courseEnrollments`).
    async fn enrollments(&self, ctx: &Context<'_>) -> Result<Option<Vec<EnrollmentDto>>, ApiError> {
        let loader = ctx.data::<EnrollmentLoaders>().map_err(|_| not_here())?;
        Ok(loader
            .load_one(EnrollmentsOf(self.0.id))
            .await?
            .flatten()
            .map(|roster| roster.into_iter().map(EnrollmentDto::from).collect()))
    }
}

/// A nested field's loader is missing only off a tenant's host.
fn not_here() -> ApiError {
    ApiError::NotFound("courses are not served on the platform host".into())
}

/// A page of courses.
#[derive(SimpleObject)]
pub struct CoursePage {
    pub items: Vec<CourseNode>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Default)]
pub struct CourseQuery;

#[Object]
impl CourseQuery {
    /// Studio's list: the courses the caller may author (an API client
    /// also those it may preview), in creation order; with `org`, only
    /// those of that organization and the organizations below it.
    async fn courses(
        &self,
        ctx: &Context<'_>,
        org: Option<String>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<CoursePage, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let page = ListQuery { limit, cursor }.page()?;
        let page = state
            .courses
            .list_courses(&req.caller, scope, org, page)
            .await?;
        Ok(CoursePage {
            items: page.items.into_iter().map(CourseNode).collect(),
            next_cursor: page.next_cursor,
        })
    }

    /// A course the caller can see (else `NOT_FOUND`).
    async fn course(&self, ctx: &Context<'_>, key: String) -> Result<CourseNode, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        Ok(CourseNode(
            state.courses.get_course(&req.caller, scope, key).await?,
        ))
    }
}

/// A change of a course's settings: only the fields given change; `null`
/// clears a nullable one.
#[derive(InputObject)]
pub struct UpdateCourseInput {
    pub display_name: Option<String>,
    pub short_description: Option<String>,
    pub language: Option<String>,
    pub visibility: Option<String>,
    pub invitation_only: Option<bool>,
    pub enrollment_limit: MaybeUndefined<i64>,
    pub start: MaybeUndefined<DateTime<Utc>>,
    pub end: MaybeUndefined<DateTime<Utc>>,
    pub enrollment_start: MaybeUndefined<DateTime<Utc>>,
    pub enrollment_end: MaybeUndefined<DateTime<Utc>>,
}

fn given<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

#[derive(Default)]
pub struct CourseMutation;

#[Object]
impl CourseMutation {
    /// Creates a course, as `POST /api/v1/courses`.
    async fn create_course(
        &self,
        ctx: &Context<'_>,
        input: NewCourseBody,
    ) -> Result<CourseNode, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        Ok(CourseNode(
            state
                .courses
                .create_course(&req.caller, scope, input.into())
                .await?,
        ))
    }

    /// Creates up to 100 courses in one transaction, all or none, as `POST
    /// /api/v1/courses/batch` (field errors name `courses[INDEX].FIELD`).
    async fn create_courses(
        &self,
        ctx: &Context<'_>,
        courses: Vec<NewCourseBody>,
    ) -> Result<Vec<CourseNode>, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let batch = courses.into_iter().map(Into::into).collect();
        Ok(state
            .courses
            .create_courses(&req.caller, scope, batch)
            .await?
            .into_iter()
            .map(CourseNode)
            .collect())
    }

    /// Changes a course's settings; with `expectedVersion`, only if the
    /// course is still that version (else `PRECONDITION_FAILED`).
    async fn update_course(
        &self,
        ctx: &Context<'_>,
        key: String,
        input: UpdateCourseInput,
        expected_version: Option<i64>,
    ) -> Result<CourseNode, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let change = CourseChange {
            patch: CoursePatch {
                display_name: input.display_name,
                short_description: input.short_description,
                language: input.language,
                visibility: input.visibility,
                invitation_only: input.invitation_only,
                enrollment_limit: given(input.enrollment_limit),
                start: given(input.start),
                end: given(input.end),
                enrollment_start: given(input.enrollment_start),
                enrollment_end: given(input.enrollment_end),
            },
            if_match: expected_version.map(|v| format!("\"v{v}\"")),
            ..CourseChange::default()
        };
        Ok(CourseNode(
            state
                .courses
                .update_course(&req.caller, scope, key, change)
                .await?,
        ))
    }

    /// Deletes a course without active enrollments; answers `true`.
    async fn delete_course(&self, ctx: &Context<'_>, key: String) -> Result<bool, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        state.courses.delete_course(&req.caller, scope, key).await?;
        Ok(true)
    }

    /// Makes a new run of a course, its settings and team copied.
    async fn rerun_course(
        &self,
        ctx: &Context<'_>,
        key: String,
        input: RerunBody,
    ) -> Result<CourseNode, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        Ok(CourseNode(
            state
                .courses
                .rerun_course(&req.caller, scope, key, input.into())
                .await?,
        ))
    }
}
