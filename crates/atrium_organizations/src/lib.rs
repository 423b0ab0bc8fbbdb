//! Organizations: a tree (root organization, departments) per tenant. Their
//! short names are the `ORG` of course keys (`course-v1:ORG+NUMBER+RUN`).
//!
//! This crate holds the organization tree, memberships (who belongs to
//! which organization), role assignments (grants on the tenant, an
//! organization or a course) and Studio's course-creator requests. Every
//! method authorizes through `atrium_permissions::authorize` and writes its
//! audit entry in the transaction of its change.

mod assignments;
mod batch;
mod creator_requests;
mod error;
mod members;
mod service;
mod tree;
pub mod tx;

pub use assignments::{NewRoleAssignment, RoleAssignment, RoleAssignmentQuery};
pub use batch::MEMBERS_PER_ORGANIZATION;
pub use creator_requests::{
    CourseCreatorRequest, CreatorDecision, CreatorRequestQuery, NewCreatorRequest,
};
pub use error::OrganizationsError;
pub use members::Membership;
pub use service::{ContentCheck, HolderCheck, Organizations};
pub use tree::{NewChildOrganization, OrganizationPatch, MAX_DEPTH};

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
    /// The parent's short name (what the API shows); filled by the
    /// service's reads, `None` for a top-level organization.
    pub parent: Option<String>,
    /// An `https://` URL, or empty.
    pub logo_url: String,
    pub is_active: bool,
    /// The organization made at provisioning: it cannot be deleted.
    pub is_root: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Organization {
    /// A deactivated organization keeps its courses but takes no new ones:
    /// the courses domain asks this before creating one in it.
    pub fn accepts_new_courses(&self) -> bool {
        self.is_active
    }
}

impl From<OrganizationRow> for Organization {
    fn from(row: OrganizationRow) -> Self {
        Self {
            id: OrganizationId(row.id),
            short_name: row.short_name,
            name: row.name,
            description: row.description,
            parent_id: row.parent_id.map(OrganizationId),
            parent: None,
            logo_url: row.logo_url,
            is_active: row.is_active,
            is_root: row.is_root,
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

/// A logo is shown by browsers on pages served over TLS: only `https://`
/// URLs (or none, empty) are taken.
pub fn is_logo_url(value: &str) -> bool {
    value.is_empty()
        || (value.len() <= 2048
            && value.strip_prefix("https://").is_some_and(|rest| {
                let host = rest.split(['/', '?', '#']).next().unwrap_or("");
                !host.is_empty()
            })
            && !value.chars().any(|c| c.is_whitespace() || c.is_control()))
}

/// A description: at most 10,000 characters, without control characters
/// other than line breaks and tabs.
pub fn is_description(value: &str) -> bool {
    value.chars().count() <= 10_000
        && !value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Short names stand as the `ORG` of course and library keys.
pub fn is_short_name(value: &str) -> bool {
    atrium_core::is_key_part(value)
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
        assert!(!is_short_name(&"a".repeat(65)));
    }

    #[test]
    fn logos_are_https_or_none() {
        assert!(is_logo_url(""));
        assert!(is_logo_url("https://cdn.example.com/logo.png"));
        assert!(!is_logo_url("http://cdn.example.com/logo.png"));
        assert!(!is_logo_url("https:///logo.png"));
        assert!(!is_logo_url("javascript:alert(1)"));
        assert!(!is_logo_url("https://a.example/ x.png"));
    }
}
