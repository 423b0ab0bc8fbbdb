//! The wire types of the catalog: public information about a course only.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::wire::list_type;

/// A course as the catalog shows it to anyone.
#[derive(Debug, Clone, serde::Serialize, ToSchema, SimpleObject)]
#[schema(as = CatalogCourse)]
#[graphql(name = "CatalogCourse")]
pub struct CatalogCourseDto {
    /// `course-v1:ORG+NUMBER+RUN`.
    pub key: String,
    pub display_name: String,
    pub short_description: String,
    /// A BCP 47 tag, or empty.
    pub language: String,
    /// The short name of the course's organization.
    pub org: String,
    pub number: String,
    pub run: String,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub enrollment_start: Option<DateTime<Utc>>,
    pub enrollment_end: Option<DateTime<Utc>>,
    /// Only staff enroll learners in it.
    pub invitation_only: bool,
}

impl From<atrium_courses::Course> for CatalogCourseDto {
    fn from(course: atrium_courses::Course) -> Self {
        Self {
            key: course.key,
            display_name: course.display_name,
            short_description: course.short_description,
            language: course.language,
            org: course.org,
            number: course.number,
            run: course.run,
            start: course.start,
            end: course.end,
            enrollment_start: course.enrollment_start,
            enrollment_end: course.enrollment_end,
            invitation_only: course.invitation_only,
        }
    }
}

list_type!(CatalogList, CatalogCourseDto);

/// Where a course stands in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
#[graphql(name = "CourseStatus")]
pub enum CourseStatusFilter {
    /// Starts later than now.
    Upcoming,
    /// Started (or without a start) and not ended.
    Current,
    /// Ended.
    Ended,
}

impl CourseStatusFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upcoming => "upcoming",
            Self::Current => "current",
            Self::Ended => "ended",
        }
    }
}

/// The catalog's filters (besides `limit` and `cursor`).
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogFilterQuery {
    /// An organization's short name: its courses and those of the
    /// organizations below it (still only those the site serves).
    #[param(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub organization: Option<String>,
    /// A BCP 47 tag: courses in it or one of its subtags (`en` finds
    /// `en-GB`), without regard to case.
    #[param(max_length = 64)]
    pub language: Option<String>,
    /// Text in the display name, without regard to case.
    #[param(max_length = 255)]
    pub q: Option<String>,
    /// The same as `q` (when both are sent, `q` wins).
    #[param(max_length = 255)]
    pub search: Option<String>,
    /// `upcoming` (starts later), `current` (started, not ended) or `ended`.
    #[param(inline)]
    pub status: Option<CourseStatusFilter>,
}

impl CatalogFilterQuery {
    pub fn into_query(self) -> atrium_courses::CatalogQuery {
        atrium_courses::CatalogQuery {
            organization: self.organization,
            language: self.language,
            text: self.q.or(self.search),
            status: self.status.map(|s| s.as_str().to_owned()),
        }
    }
}
