//! GraphQL's per-request loader of course teams: the `team` of many
//! courses (a page of `courses`, say) is gathered into one batch, read in
//! one tenant transaction of three statements
//! ([`atrium_courses::Courses::teams_of`]), instead of one read per course.
//!
//! A loader is made for each request, with that request's tenant and
//! caller, and put in the request's data ([`for_request`]); it caches
//! nothing across requests, so no answer crosses tenants or callers.
//!
//! A resolver reads a course's team with
//! `ctx.data::<TeamLoader>()?.load_one(TeamOf(course.id)).await?`:
//! `None` or `Some(None)` when the caller may not read that course's team
//! (or the tenant has no such course), `Some(Some(members))` with its
//! first [`atrium_courses::TEAM_PER_COURSE`] members otherwise.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use atrium_core::CourseId;
use atrium_courses::{Courses, TeamMember};
use atrium_db::TenantScope;
use atrium_permissions::Caller;

use crate::context::RequestContext;
use crate::problem::ApiError;
use crate::state::AppState;

/// The team of a course, by the course's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TeamOf(pub CourseId);

/// The request's view of course teams.
pub struct CourseTeamLoader {
    courses: Arc<Courses>,
    scope: TenantScope,
    caller: Caller,
}

pub type TeamLoader = DataLoader<CourseTeamLoader>;

/// The loader of a request to a tenant's host; none on the platform host.
pub fn for_request(state: &AppState, context: &RequestContext) -> Option<TeamLoader> {
    let scope = context.tenant().ok()?.scope;
    let loader = CourseTeamLoader {
        courses: Arc::clone(&state.courses),
        scope,
        caller: context.caller.clone(),
    };
    Some(DataLoader::new(loader, tokio::spawn))
}

impl Loader<TeamOf> for CourseTeamLoader {
    /// `None`: the caller may not read this team.
    type Value = Option<Vec<TeamMember>>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[TeamOf],
    ) -> Result<HashMap<TeamOf, Option<Vec<TeamMember>>>, ApiError> {
        let ids = keys.iter().map(|k| k.0).collect();
        let found = self.courses.teams_of(&self.caller, self.scope, ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, team)| (TeamOf(id), team))
            .collect())
    }
}
