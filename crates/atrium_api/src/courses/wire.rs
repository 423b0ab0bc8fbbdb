//! The wire types of Studio's courses, reruns and batch creation. The
//! request bodies derive GraphQL input objects too, so the two doors take
//! the same fields.

use atrium_courses::{Course, CourseFields, CoursePatch, NewCourse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::wire::{utc, Name};

/// A course of the tenant, as Studio shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Course)]
pub struct CourseDto {
    /// `course-v1:ORG+NUMBER+RUN`; never changes.
    #[schema(
        pattern = r"^course-v1:[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}\+[A-Za-z0-9_.-]{1,64}$"
    )]
    pub key: String,
    /// The short name of the organization the course lies in.
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub org: String,
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub number: String,
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub run: String,
    #[schema(value_type = Name)]
    pub display_name: String,
    pub short_description: String,
    /// A BCP 47 language tag, or empty.
    pub language: String,
    /// `public` (in the catalog), `unlisted` (by its key only) or
    /// `private` (its team and those staff enroll).
    #[schema(pattern = "^(public|unlisted|private)$")]
    pub visibility: String,
    pub invitation_only: bool,
    /// `null`: no limit.
    pub enrollment_limit: Option<i32>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub enrollment_start: Option<DateTime<Utc>>,
    pub enrollment_end: Option<DateTime<Utc>>,
    /// The key of the course this one is a rerun of.
    pub rerun_of: Option<String>,
    /// Grows with every change; the `ETag` is `"v{version}"`.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Course> for CourseDto {
    fn from(c: Course) -> Self {
        Self {
            key: c.key,
            org: c.org,
            number: c.number,
            run: c.run,
            display_name: c.display_name,
            short_description: c.short_description,
            language: c.language,
            visibility: c.visibility.as_str().to_owned(),
            invitation_only: c.invitation_only,
            enrollment_limit: c.enrollment_limit,
            start: c.start,
            end: c.end,
            enrollment_start: c.enrollment_start,
            enrollment_end: c.enrollment_end,
            rerun_of: c.rerun_of,
            version: c.version,
            created_at: utc(c.created_at),
            updated_at: utc(c.updated_at),
        }
    }
}

/// A page of courses.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseList {
    pub items: Vec<CourseDto>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<atrium_core::Page<Course>> for CourseList {
    fn from(page: atrium_core::Page<Course>) -> Self {
        Self {
            items: page.items.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// The courses a batch created, in the order sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseItems {
    pub items: Vec<CourseDto>,
}

/// The filter of `GET /api/v1/courses` (besides `limit` and `cursor`).
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseListQuery {
    /// Only the courses of this organization (a short name) and of the
    /// organizations below it; one the tenant does not have is a `400`.
    #[param(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub org: Option<String>,
}

/// `POST /api/v1/courses` (and each item of a batch): Studio's "Create a
/// new course". The key is `course-v1:ORG+NUMBER+RUN`.
#[derive(Debug, Clone, Deserialize, ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
#[graphql(name = "NewCourseInput")]
pub struct NewCourseBody {
    /// The short name of an active organization of the tenant, where the
    /// caller may create courses.
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub org: String,
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub number: String,
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub run: String,
    #[schema(value_type = Name)]
    pub display_name: String,
    #[serde(default)]
    #[graphql(default)]
    #[schema(max_length = 10000)]
    pub short_description: String,
    /// A BCP 47 language tag (`en`, `pt-BR`), or empty.
    #[serde(default)]
    #[graphql(default)]
    #[schema(max_length = 35)]
    pub language: String,
    /// `public` (default), `unlisted` or `private`.
    #[schema(pattern = "^(public|unlisted|private)$")]
    pub visibility: Option<String>,
    #[serde(default)]
    #[graphql(default)]
    pub invitation_only: bool,
    /// `null` or absent: no limit.
    #[schema(minimum = 0, maximum = 1000000)]
    pub enrollment_limit: Option<i64>,
    pub start: Option<DateTime<Utc>>,
    /// After `start`.
    pub end: Option<DateTime<Utc>>,
    pub enrollment_start: Option<DateTime<Utc>>,
    /// After `enrollment_start`.
    pub enrollment_end: Option<DateTime<Utc>>,
}

impl From<NewCourseBody> for NewCourse {
    fn from(b: NewCourseBody) -> Self {
        Self {
            org: b.org,
            number: b.number,
            run: b.run,
            fields: CourseFields {
                display_name: b.display_name,
                short_description: b.short_description,
                language: b.language,
                visibility: b.visibility.unwrap_or_else(|| "public".into()),
                invitation_only: b.invitation_only,
                enrollment_limit: b.enrollment_limit,
                start: b.start,
                end: b.end,
                enrollment_start: b.enrollment_start,
                enrollment_end: b.enrollment_end,
            },
        }
    }
}

/// Absent stays `None`; `null` becomes `Some(None)`.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `PATCH /api/v1/courses/{course_key}`: only the fields sent change;
/// `null` clears a nullable one. `org`, `number` and `run` may be sent, but
/// only as they are (they make the key).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoursePatchBody {
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub org: Option<String>,
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub number: Option<String>,
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub run: Option<String>,
    #[schema(value_type = Option<Name>)]
    pub display_name: Option<String>,
    #[schema(max_length = 10000)]
    pub short_description: Option<String>,
    #[schema(max_length = 35)]
    pub language: Option<String>,
    #[schema(pattern = "^(public|unlisted|private)$")]
    pub visibility: Option<String>,
    pub invitation_only: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = true, minimum = 0, maximum = 1000000)]
    pub enrollment_limit: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = true)]
    pub start: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = true)]
    pub end: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = true)]
    pub enrollment_start: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = true)]
    pub enrollment_end: Option<Option<DateTime<Utc>>>,
}

impl CoursePatchBody {
    pub fn into_change(self, if_match: Option<String>) -> atrium_courses::CourseChange {
        atrium_courses::CourseChange {
            patch: CoursePatch {
                display_name: self.display_name,
                short_description: self.short_description,
                language: self.language,
                visibility: self.visibility,
                invitation_only: self.invitation_only,
                enrollment_limit: self.enrollment_limit,
                start: self.start,
                end: self.end,
                enrollment_start: self.enrollment_start,
                enrollment_end: self.enrollment_end,
            },
            org: self.org,
            number: self.number,
            run: self.run,
            if_match,
        }
    }
}

/// `POST /api/v1/courses/{course_key}/reruns`: the new run, with the
/// dates and name that replace the source's (every other setting, and the
/// team, is copied).
#[derive(Debug, Clone, Deserialize, ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
#[graphql(name = "RerunInput")]
pub struct RerunBody {
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub run: String,
    pub start: Option<DateTime<Utc>>,
    /// After `start` (the sent one, or the source's).
    pub end: Option<DateTime<Utc>>,
    #[schema(value_type = Option<Name>)]
    pub display_name: Option<String>,
}

impl From<RerunBody> for atrium_courses::Rerun {
    fn from(b: RerunBody) -> Self {
        Self {
            run: b.run,
            start: b.start,
            end: b.end,
            display_name: b.display_name,
        }
    }
}

/// `POST /api/v1/courses/batch`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseBatchBody {
    /// 1 to 100 courses, created in this order in one transaction.
    #[schema(min_items = 1, max_items = 100)]
    pub courses: Vec<NewCourseBody>,
}
