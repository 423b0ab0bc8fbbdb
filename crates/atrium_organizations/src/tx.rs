//! Organizations read and written inside the caller's transaction:
//! provisioning makes the root organization with its tenant, and the sites
//! domain checks the organizations a `course_org_filter` names.

use atrium_db::{organizations, DbError, DbResult, TenantTx};

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
