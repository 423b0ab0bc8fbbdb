//! Courses, content libraries and enrollments, partitioned per
//! organization: each course (`course-v1:ORG+NUMBER+RUN`) and library
//! (`lib:ORG:SLUG`) lies in the organization its key names, and who may see
//! or change it follows from the roles held on that organization's lineage
//! (`atrium_permissions::authorize` at `Place::Course`) or on the course
//! itself (its team, kept as course-scoped role assignments).
//!
//! Every method authorizes through `atrium_permissions::authorize` and
//! writes its audit entry in the transaction of its change.

mod access;
pub mod batch;
mod catalog;
mod enrollments;
mod error;
pub mod keys;
mod libraries;
mod reruns;
mod service;
mod settings;
mod studio;
mod team;
pub mod tx;

pub use catalog::{CatalogOrder, CatalogQuery, CatalogSite};
pub use enrollments::{Enrolled, Enrollment, ENROLLMENTS_PER_COURSE, MODES};
pub use error::CoursesError;
pub use keys::{CourseKey, LibraryKey};
pub use libraries::{Library, LibraryPatch, NewLibrary};
pub use reruns::Rerun;
pub use service::Courses;
pub use settings::{CourseFields, CoursePatch, NewCourse, Visibility};
pub use studio::CourseChange;
pub use team::{TeamMember, TEAM_PER_COURSE, TEAM_ROLES};

use atrium_core::{CourseId, OrganizationId};
use atrium_db::courses::CourseRow;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

/// A course as the domain hands it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Course {
    pub id: CourseId,
    /// `course-v1:ORG+NUMBER+RUN`.
    pub key: String,
    pub organization_id: OrganizationId,
    /// The `ORG` of the key: the organization's short name.
    pub org: String,
    pub number: String,
    pub run: String,
    pub display_name: String,
    pub short_description: String,
    /// A BCP 47 tag, or empty.
    pub language: String,
    pub visibility: Visibility,
    pub invitation_only: bool,
    pub enrollment_limit: Option<i32>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub enrollment_start: Option<DateTime<Utc>>,
    pub enrollment_end: Option<DateTime<Utc>>,
    /// The key of the course this one is a rerun of.
    pub rerun_of: Option<String>,
    /// Grows by one with every change: the `ETag` and `If-Match` value.
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Course {
    /// The strong entity tag of this version.
    pub fn etag(&self) -> String {
        format!("\"v{}\"", self.version)
    }

    /// The fields a change starts from.
    pub fn fields(&self) -> CourseFields {
        CourseFields {
            display_name: self.display_name.clone(),
            short_description: self.short_description.clone(),
            language: self.language.clone(),
            visibility: self.visibility.as_str().to_owned(),
            invitation_only: self.invitation_only,
            enrollment_limit: self.enrollment_limit.map(i64::from),
            start: self.start,
            end: self.end,
            enrollment_start: self.enrollment_start,
            enrollment_end: self.enrollment_end,
        }
    }
}

fn utc(at: Option<NaiveDateTime>) -> Option<DateTime<Utc>> {
    at.map(|at| at.and_utc())
}

impl From<CourseRow> for Course {
    fn from(row: CourseRow) -> Self {
        let (org, _) = row
            .course_key
            .strip_prefix("course-v1:")
            .and_then(|rest| rest.split_once('+'))
            .unwrap_or_default();
        Self {
            id: CourseId(row.id),
            org: org.to_owned(),
            key: row.course_key,
            organization_id: OrganizationId(row.organization_id),
            number: row.number,
            run: row.run,
            display_name: row.display_name,
            short_description: row.short_description,
            language: row.language,
            // A value a newer version wrote shows as the most private.
            visibility: Visibility::parse(&row.visibility).unwrap_or(Visibility::Private),
            invitation_only: row.invitation_only,
            enrollment_limit: row.enrollment_limit,
            start: utc(row.starts_at),
            end: utc(row.ends_at),
            enrollment_start: utc(row.enrollment_starts_at),
            enrollment_end: utc(row.enrollment_ends_at),
            rerun_of: row.rerun_of,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}
