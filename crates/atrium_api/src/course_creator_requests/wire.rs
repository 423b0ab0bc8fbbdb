//! The wire types of course-creator requests.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::wire::{list_type, utc};

/// A user's request to become a course creator in an organization.
#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "CourseCreatorRequest")]
pub struct CourseCreatorRequestDto {
    pub id: i64,
    /// Who asked.
    pub user_id: i64,
    /// The organization's short name.
    #[schema(pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    pub organization: String,
    /// `pending`, then `granted` or `denied`; a granted request becomes
    /// `revoked` when its grant is revoked.
    pub state: String,
    pub message: String,
    /// Who granted or denied it.
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<atrium_organizations::CourseCreatorRequest> for CourseCreatorRequestDto {
    fn from(r: atrium_organizations::CourseCreatorRequest) -> Self {
        Self {
            id: r.id,
            user_id: r.user_id.0,
            organization: r.organization,
            state: r.state,
            message: r.message,
            decided_by: r.decided_by.map(|u| u.0),
            decided_at: r.decided_at.map(utc),
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        }
    }
}

list_type!(CourseCreatorRequestList, CourseCreatorRequestDto);

/// The filters of `GET /api/v1/course-creator-requests` (besides `limit`
/// and `cursor`).
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreatorRequestSearch {
    /// `pending`, `granted`, `denied` or `revoked`.
    #[param(pattern = "^(pending|granted|denied|revoked)$")]
    pub state: Option<String>,
    /// An organization's short name.
    #[param(pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    pub organization: Option<String>,
}

impl From<CreatorRequestSearch> for atrium_organizations::CreatorRequestQuery {
    fn from(q: CreatorRequestSearch) -> Self {
        Self {
            state: q.state,
            organization: q.organization,
        }
    }
}

/// `POST /api/v1/course-creator-requests`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCreatorRequestBody {
    /// The organization's short name.
    #[schema(pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    pub organization: String,
    /// For the deciders; at most 2,000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub message: String,
}

impl From<NewCreatorRequestBody> for atrium_organizations::NewCreatorRequest {
    fn from(b: NewCreatorRequestBody) -> Self {
        Self {
            organization: b.organization,
            message: b.message,
        }
    }
}

/// `PATCH /api/v1/course-creator-requests/{id}`: the decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatorDecisionBody {
    /// `granted` or `denied`.
    #[schema(pattern = "^(granted|denied)$")]
    pub state: String,
    /// Why; kept in the audit log (at most 2,000 characters).
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

impl From<CreatorDecisionBody> for atrium_organizations::CreatorDecision {
    fn from(b: CreatorDecisionBody) -> Self {
        Self {
            state: b.state,
            reason: b.reason,
        }
    }
}
