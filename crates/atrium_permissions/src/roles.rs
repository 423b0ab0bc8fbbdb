//! Roles and the scopes they are granted on.

use atrium_core::OrganizationId;
use serde::Serialize;

/// A role a user can be granted. The learner is no role: every account of
/// a tenant is one (see [`crate::Column::Learner`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything within one tenant.
    TenantAdmin,
    /// Manages an organization, its members and the grants below it.
    OrgAdmin,
    /// Creates courses and libraries in an organization.
    CourseCreator,
    /// Course staff on every course of an organization.
    OrgStaff,
    /// Course instructor on every course of an organization.
    OrgInstructor,
    /// Manages one course's team.
    CourseInstructor,
    /// Authors one course.
    CourseStaff,
    /// Sees one course before it starts.
    BetaTester,
}

/// What kind of scope a role is granted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Tenant,
    Organization,
    Course,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::TenantAdmin,
        Role::OrgAdmin,
        Role::CourseCreator,
        Role::OrgStaff,
        Role::OrgInstructor,
        Role::CourseInstructor,
        Role::CourseStaff,
        Role::BetaTester,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::TenantAdmin => "tenant_admin",
            Role::OrgAdmin => "org_admin",
            Role::CourseCreator => "course_creator",
            Role::OrgStaff => "org_staff",
            Role::OrgInstructor => "org_instructor",
            Role::CourseInstructor => "course_instructor",
            Role::CourseStaff => "course_staff",
            Role::BetaTester => "beta_tester",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == value)
    }

    /// The one kind of scope this role is granted on: `tenant_admin` on the
    /// tenant, organization roles on an organization (and so on its whole
    /// subtree), course roles on a course.
    pub fn level(self) -> Level {
        match self {
            Role::TenantAdmin => Level::Tenant,
            Role::OrgAdmin | Role::CourseCreator | Role::OrgStaff | Role::OrgInstructor => {
                Level::Organization
            }
            Role::CourseInstructor | Role::CourseStaff | Role::BetaTester => Level::Course,
        }
    }
}

/// Where a grant applies, in its wire and stored form: `tenant`,
/// `org:SHORT_NAME` or `course:COURSE_KEY`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "key", rename_all = "snake_case")]
pub enum GrantScope {
    Tenant,
    Organization(String),
    Course(String),
}

impl GrantScope {
    pub fn encode(&self) -> String {
        match self {
            GrantScope::Tenant => "tenant".into(),
            GrantScope::Organization(short_name) => format!("org:{short_name}"),
            GrantScope::Course(key) => format!("course:{key}"),
        }
    }

    pub fn decode(value: &str) -> Option<Self> {
        if value == "tenant" {
            return Some(GrantScope::Tenant);
        }
        if let Some(short_name) = value.strip_prefix("org:") {
            return (!short_name.is_empty()).then(|| GrantScope::Organization(short_name.into()));
        }
        let key = value.strip_prefix("course:")?;
        course_organization(key).map(|_| GrantScope::Course(key.into()))
    }

    pub fn level(&self) -> Level {
        match self {
            GrantScope::Tenant => Level::Tenant,
            GrantScope::Organization(_) => Level::Organization,
            GrantScope::Course(_) => Level::Course,
        }
    }

    /// The short name of the organization the scope lies in: the
    /// organization itself, or the `ORG` of a course key.
    pub fn organization_short_name(&self) -> Option<&str> {
        match self {
            GrantScope::Tenant => None,
            GrantScope::Organization(short_name) => Some(short_name),
            GrantScope::Course(key) => course_organization(key),
        }
    }
}

/// The `ORG` of a course key `course-v1:ORG+NUMBER+RUN` or of a library
/// key `lib:ORG:SLUG` (course roles are granted on libraries too, whose
/// team is kept like a course's); `None` when the key has neither shape.
pub fn course_organization(key: &str) -> Option<&str> {
    use atrium_core::is_key_part;
    if let Some(rest) = key.strip_prefix("lib:") {
        let (org, slug) = rest.split_once(':')?;
        return (is_key_part(org) && is_key_part(slug)).then_some(org);
    }
    let mut parts = key.strip_prefix("course-v1:")?.split('+');
    let (org, number, run) = (parts.next()?, parts.next()?, parts.next()?);
    (parts.next().is_none() && is_key_part(org) && is_key_part(number) && is_key_part(run))
        .then_some(org)
}

/// A role a user holds, on a scope; `organization` is the organization the
/// scope lies in (see [`GrantScope::organization_short_name`]), resolved
/// when the grant was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    pub scope: GrantScope,
    #[serde(skip)]
    pub organization: Option<OrganizationId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip() {
        for scope in [
            GrantScope::Tenant,
            GrantScope::Organization("MIT".into()),
            GrantScope::Course("course-v1:MIT+6.001+2026".into()),
            GrantScope::Course("lib:MIT:problems".into()),
        ] {
            assert_eq!(GrantScope::decode(&scope.encode()), Some(scope));
        }
        for bad in [
            "",
            "org:",
            "course:",
            "course:MIT+1+2",
            "course:course-v1:A+B",
            "course:lib:MIT",
            "course:lib:MIT:a:b",
            "site:1",
        ] {
            assert_eq!(GrantScope::decode(bad), None, "{bad}");
        }
        assert_eq!(
            GrantScope::decode("course:course-v1:MITx+6.001+2026")
                .unwrap()
                .organization_short_name(),
            Some("MITx")
        );
    }

    #[test]
    fn roles_round_trip_and_each_has_one_level() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("learner"), None);
        assert_eq!(Role::OrgInstructor.level(), Level::Organization);
        assert_eq!(Role::BetaTester.level(), Level::Course);
    }
}
