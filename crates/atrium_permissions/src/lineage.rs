//! Where an action happens: the platform, a tenant, an organization (with
//! its ancestors, for inheritance) or a course.

use atrium_core::{OrganizationId, TenantId};

/// An organization with its ancestors, root first and the organization
/// itself last, as one recursive query reads them
/// (`atrium_organizations::tx::lineage`). Roles held on any of them apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lineage {
    tenant: TenantId,
    chain: Vec<OrganizationId>,
}

impl Lineage {
    /// `chain` is root first; it must not be empty.
    pub fn new(tenant: TenantId, chain: Vec<OrganizationId>) -> Option<Self> {
        (!chain.is_empty()).then_some(Self { tenant, chain })
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The organization this lineage leads to.
    pub fn organization(&self) -> OrganizationId {
        self.chain[self.chain.len() - 1]
    }

    /// Whether `organization` is this one or one of its ancestors.
    pub fn contains(&self, organization: OrganizationId) -> bool {
        self.chain.contains(&organization)
    }

    /// Root first.
    pub fn chain(&self) -> &[OrganizationId] {
        &self.chain
    }
}

/// Where an action happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place<'a> {
    /// The platform's own resources (tenants, operators).
    Platform,
    /// A tenant's resources that belong to no organization (sites,
    /// accounts, API clients, the audit log).
    Tenant(TenantId),
    /// An organization, for what is done to it or inside it.
    Organization(&'a Lineage),
    /// A course (by key) of the organization the lineage leads to.
    Course(&'a Lineage, &'a str),
}

impl<'a> Place<'a> {
    pub fn tenant(self) -> Option<TenantId> {
        match self {
            Place::Platform => None,
            Place::Tenant(tenant) => Some(tenant),
            Place::Organization(lineage) | Place::Course(lineage, _) => Some(lineage.tenant()),
        }
    }

    /// The organization and ancestors the place lies in; none for the
    /// platform and for a tenant's own resources.
    pub fn lineage(self) -> Option<&'a Lineage> {
        match self {
            Place::Organization(lineage) | Place::Course(lineage, _) => Some(lineage),
            Place::Platform | Place::Tenant(_) => None,
        }
    }
}
