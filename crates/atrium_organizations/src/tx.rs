//! Organizations read and written inside the caller's transaction:
//! provisioning makes the root organization with its tenant, and the sites
//! domain checks the organizations a `course_org_filter` names; the
//! identity domain names the organization an API client is limited to.

use atrium_core::OrganizationId;
use atrium_db::{organizations, DbError, DbResult, TenantTx};
use atrium_permissions::Lineage;

use crate::{NewOrganization, Organization, OrganizationsError};

/// Creates the root organization of a tenant.
pub fn insert_root(
    tx: &mut TenantTx<'_>,
    new: &NewOrganization,
) -> Result<Organization, OrganizationsError> {
    let row = organizations::insert(
        tx,
        organizations::NewOrganization {
            short_name: &new.short_name,
            name: &new.name,
            description: "",
            parent_id: None,
            logo_url: "",
            is_root: true,
        },
    )
    .map_err(|e| match e {
        DbError::UniqueViolation { .. } => OrganizationsError::ShortNameTaken,
        other => other.into(),
    })?;
    Ok(row.into())
}

/// The short names among `wanted` that name an organization of the tenant.
pub fn existing_short_names(tx: &mut TenantTx<'_>, wanted: &[String]) -> DbResult<Vec<String>> {
    Ok(organizations::find_by_short_names(tx, wanted)?
        .into_iter()
        .map(|org| org.short_name)
        .collect())
}

/// The organization whose short name is `short_name`, if the tenant has it.
pub fn find_by_short_name(
    tx: &mut TenantTx<'_>,
    short_name: &str,
) -> DbResult<Option<Organization>> {
    Ok(organizations::find_by_short_name(tx, short_name)?.map(Organization::from))
}

/// The organizations among `ids` that the tenant has.
pub fn find_by_ids(tx: &mut TenantTx<'_>, ids: &[OrganizationId]) -> DbResult<Vec<Organization>> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    Ok(organizations::find_by_ids(tx, &ids)?
        .into_iter()
        .map(Organization::from)
        .collect())
}

/// `organization` with its ancestors, root first, for an action's
/// `atrium_permissions::Place`: one recursive query. `None` when the tenant
/// has no such organization.
pub fn lineage(tx: &mut TenantTx<'_>, organization: OrganizationId) -> DbResult<Option<Lineage>> {
    let chain = organizations::lineage(tx, organization.0)?;
    let tenant = tx.tenant_id();
    Ok(Lineage::new(
        tenant,
        chain.into_iter().map(OrganizationId).collect(),
    ))
}
