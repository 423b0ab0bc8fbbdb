//! Organizations: a tree (root organization, departments) per tenant. Their
//! short names are the `ORG` of course keys (`course-v1:ORG+NUMBER+RUN`).
//!
//! This crate holds the organization tree, memberships (who belongs to
//! which organization), role assignments (grants on the tenant, an
//! organization or a course) and Studio's course-creator requests. Every
//! method authorizes through `atrium_permissions::authorize` and writes its
//! audit entry in the transaction of its change.

mod assignments;
mod creator_requests;
mod error;
mod service;
pub mod tx;

pub use assignments::{NewRoleAssignment, RoleAssignment, RoleAssignmentQuery};
pub use creator_requests::{
    CourseCreatorRequest, CreatorDecision, CreatorRequestQuery, NewCreatorRequest,
};
pub use error::OrganizationsError;
pub use service::Organizations;

use atrium_core::{OrganizationId, ValidationErrors};
use atrium_db::organizations::OrganizationRow;
use chrono::NaiveDateTime;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Organization {
    pub id: OrganizationId,
    pub short_name: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<OrganizationId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl From<OrganizationRow> for Organization {
    fn from(row: OrganizationRow) -> Self {
        Self {
            id: OrganizationId(row.id),
            short_name: row.short_name,
            name: row.name,
            description: row.description,
            parent_id: row.parent_id.map(OrganizationId),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub short_name: String,
    pub name: String,
}

impl NewOrganization {
    /// Short names follow edx-organizations: what may stand in a course key.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if !is_short_name(&self.short_name) {
            errors.add(
                "short_name",
                "must be 1 to 64 letters, digits, '_', '.' or '-'",
            );
        }
        if !atrium_core::is_name(&self.name, 255) {
            errors.add("name", "must be 1 to 255 characters");
        }
        errors.into_result()
    }
}

pub fn is_short_name(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_course_key_safe() {
        assert!(is_short_name("MITx"));
        assert!(is_short_name("Dept_of-Math.2"));
        assert!(!is_short_name("has space"));
        assert!(!is_short_name("plus+sign"));
        assert!(!is_short_name(""));
    }
}
