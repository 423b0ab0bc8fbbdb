//! The wire types of a course's team.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::wire::{list_type, utc};

/// One role a user holds on a course: one course-scoped grant, the same
/// row `/api/v1/role-assignments` shows with scope `course:COURSE_KEY`.
#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[schema(as = TeamMember)]
#[graphql(name = "TeamMember")]
pub struct TeamMemberDto {
    /// The grant's id in `/api/v1/role-assignments`.
    pub assignment_id: i64,
    pub user_id: i64,
    /// `course_instructor`, `course_staff` or `beta_tester`.
    pub role: String,
    pub created_at: DateTime<Utc>,
}

impl From<atrium_courses::TeamMember> for TeamMemberDto {
    fn from(m: atrium_courses::TeamMember) -> Self {
        Self {
            assignment_id: m.assignment_id,
            user_id: m.user_id.0,
            role: m.role,
            created_at: utc(m.created_at),
        }
    }
}

list_type!(TeamMemberList, TeamMemberDto);

/// `POST /api/v1/courses/{course_key}/team`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeamMemberBody {
    /// An account of this tenant (`404` otherwise).
    pub user_id: i64,
    #[schema(pattern = "^(course_instructor|course_staff|beta_tester)$")]
    pub role: String,
}

/// The filter of `DELETE /api/v1/courses/{course_key}/team/{user_id}`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoveTeamMemberQuery {
    /// Only this role; without it, every role the user holds on the course.
    #[param(pattern = "^(course_instructor|course_staff|beta_tester)$")]
    pub role: Option<String>,
}
