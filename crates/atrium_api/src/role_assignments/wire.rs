//! The wire types of role assignments.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::wire::{list_type, utc};

/// A grant: `user_id` holds `role` on `scope`.
#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "RoleAssignment")]
pub struct RoleAssignmentDto {
    pub id: i64,
    pub user_id: i64,
    /// `tenant_admin`, `org_admin`, `course_creator`, `org_staff`,
    /// `org_instructor`, `course_instructor`, `course_staff` or
    /// `beta_tester`.
    pub role: String,
    /// `tenant`, `org:SHORT_NAME` or `course:COURSE_KEY`.
    pub scope: String,
    pub created_at: DateTime<Utc>,
}

impl From<atrium_organizations::RoleAssignment> for RoleAssignmentDto {
    fn from(a: atrium_organizations::RoleAssignment) -> Self {
        Self {
            id: a.id,
            user_id: a.user_id.0,
            role: a.role,
            scope: a.scope,
            created_at: utc(a.created_at),
        }
    }
}

list_type!(RoleAssignmentList, RoleAssignmentDto);

/// The filters of `GET /api/v1/role-assignments` (besides `limit` and
/// `cursor`).
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoleAssignmentSearch {
    /// Only this account's grants.
    pub user_id: Option<i64>,
    /// Only grants of this role.
    #[param(
        pattern = "^(tenant_admin|org_admin|course_creator|org_staff|org_instructor|course_instructor|course_staff|beta_tester)$"
    )]
    pub role: Option<String>,
    /// Only grants on exactly this scope (`tenant`, `org:SHORT_NAME`,
    /// `course:COURSE_KEY`).
    #[param(
        pattern = "^(tenant|org:[A-Za-z0-9_.-]{1,64}|course:course-v1:[A-Za-z0-9_.-]{1,64}\\+[A-Za-z0-9_.-]{1,64}\\+[A-Za-z0-9_.-]{1,64}|course:lib:[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9_.-]{1,64})$"
    )]
    pub scope: Option<String>,
}

impl From<RoleAssignmentSearch> for atrium_organizations::RoleAssignmentQuery {
    fn from(q: RoleAssignmentSearch) -> Self {
        Self {
            user_id: q.user_id,
            role: q.role,
            scope: q.scope,
        }
    }
}

/// `POST /api/v1/role-assignments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRoleAssignmentBody {
    /// An account of this tenant (`404` otherwise).
    pub user_id: i64,
    /// A role whose level matches the scope's: `tenant_admin` on `tenant`;
    /// `org_admin`, `course_creator`, `org_staff`, `org_instructor` on
    /// `org:SHORT_NAME`; `course_instructor`, `course_staff`, `beta_tester`
    /// on `course:COURSE_KEY`.
    #[schema(
        pattern = "^(tenant_admin|org_admin|course_creator|org_staff|org_instructor|course_instructor|course_staff|beta_tester)$"
    )]
    pub role: String,
    /// `tenant`, `org:SHORT_NAME`, `course:course-v1:ORG+NUMBER+RUN` or
    /// `course:lib:ORG:SLUG`; the
    /// organization (a course key's `ORG`) must be this tenant's (`404`
    /// otherwise).
    #[schema(
        pattern = "^(tenant|org:[A-Za-z0-9_.-]{1,64}|course:course-v1:[A-Za-z0-9_.-]{1,64}\\+[A-Za-z0-9_.-]{1,64}\\+[A-Za-z0-9_.-]{1,64}|course:lib:[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9_.-]{1,64})$"
    )]
    pub scope: String,
}

impl From<NewRoleAssignmentBody> for atrium_organizations::NewRoleAssignment {
    fn from(b: NewRoleAssignmentBody) -> Self {
        Self {
            user_id: b.user_id,
            role: b.role,
            scope: b.scope,
        }
    }
}
