//! GraphQL's per-request loader of courses' enrollments, for
//! `Course.enrollments`: the first
//! [`ENROLLMENTS_PER_COURSE`](atrium_courses::ENROLLMENTS_PER_COURSE)
//! active enrollments of every course of a batch, read in one tenant
//! transaction (three statements however many courses) instead of one
//! read per course.
//!
//! Made for each request, with its tenant and caller, and put in the
//! request's data ([`for_request`]); it caches nothing across requests,
//! tenants or callers. A field resolver reads it as
//! `ctx.data::<EnrollmentLoaders>()?.load_one(EnrollmentsOf(course.id))`:
//! `Some(Some(list))` where the caller manages the course's enrollments,
//! `Some(None)` where it does not (answer `null`), `None` for a course
//! the tenant does not have.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use atrium_core::CourseId;
use atrium_courses::{Courses, Enrollment};
use atrium_db::TenantScope;
use atrium_permissions::Caller;

use crate::context::RequestContext;
use crate::problem::ApiError;
use crate::state::AppState;

/// The enrollments of a course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnrollmentsOf(pub CourseId);

/// The request's view of enrollments.
pub struct EnrollmentLoader {
    courses: Arc<Courses>,
    scope: TenantScope,
    caller: Caller,
}

pub type EnrollmentLoaders = DataLoader<EnrollmentLoader>;

/// The loader of a request to a tenant's host; none on the platform host.
pub fn for_request(state: &AppState, context: &RequestContext) -> Option<EnrollmentLoaders> {
    let scope = context.tenant().ok()?.scope;
    let loader = EnrollmentLoader {
        courses: Arc::clone(&state.courses),
        scope,
        caller: context.caller.clone(),
    };
    Some(DataLoader::new(loader, tokio::spawn))
}

impl Loader<EnrollmentsOf> for EnrollmentLoader {
    /// `None`: the caller may not manage these enrollments.
    type Value = Option<Vec<Enrollment>>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[EnrollmentsOf],
    ) -> Result<HashMap<EnrollmentsOf, Option<Vec<Enrollment>>>, ApiError> {
        if matches!(self.caller, Caller::Anonymous) {
            return Ok(keys.iter().map(|key| (*key, None)).collect());
        }
        let ids = keys.iter().map(|k| k.0).collect();
        let found = self
            .courses
            .first_enrollments_of_courses(&self.caller, self.scope, ids)
            .await?;
        Ok(found
            .into_iter()
            .map(|(id, list)| (EnrollmentsOf(id), list))
            .collect())
    }
}
