//! The wire types of enrollments.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::wire::{list_type, utc};

/// A user's enrollment in a course.
#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[schema(as = Enrollment)]
#[graphql(name = "Enrollment")]
pub struct EnrollmentDto {
    /// `course-v1:ORG+NUMBER+RUN`.
    pub course_key: String,
    pub course_display_name: String,
    pub user_id: i64,
    pub mode: EnrollmentMode,
    /// False once unenrolled: the record stays, for history.
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<atrium_courses::Enrollment> for EnrollmentDto {
    fn from(e: atrium_courses::Enrollment) -> Self {
        Self {
            course_key: e.course_key,
            course_display_name: e.course_display_name,
            user_id: e.user_id.0,
            mode: EnrollmentMode::parse(&e.mode),
            is_active: e.is_active,
            created_at: utc(e.created_at),
            updated_at: utc(e.updated_at),
        }
    }
}

/// How a learner takes a course.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, async_graphql::Enum,
)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentMode {
    Audit,
    Honor,
    Verified,
}

impl EnrollmentMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Audit => "audit",
            Self::Honor => "honor",
            Self::Verified => "verified",
        }
    }

    /// The stored value; the database allows only these three.
    fn parse(mode: &str) -> Self {
        match mode {
            "honor" => Self::Honor,
            "verified" => Self::Verified,
            _ => Self::Audit,
        }
    }
}

list_type!(EnrollmentList, EnrollmentDto);

/// `POST /api/v1/courses/{course_key}/enrollments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEnrollmentBody {
    /// Whom to enroll: absent (or the caller's own id) for the caller
    /// itself; another account of the tenant for course staff and API
    /// clients (who must send it).
    pub user_id: Option<i64>,
    /// `audit`, `honor` or `verified` (anything else is a `400` on `mode`);
    /// a learner enrolling itself takes `audit` or `honor`, `verified` is
    /// given by staff (`400` on `mode`).
    // Read as text so that a wrong one is a field error, not a body error.
    #[schema(value_type = EnrollmentMode)]
    pub mode: String,
}

/// The filter of a course's enrollment list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnrollmentListQuery {
    /// Inactive (unenrolled) records too (default `false`).
    pub include_inactive: Option<bool>,
}
