//! Sites and their settings written inside the caller's transaction:
//! provisioning makes a tenant's primary site, its first configuration and
//! theme atomically with the tenant.

use atrium_audit::Author;
use atrium_core::SiteId;
use atrium_db::{sites, TenantTx};
use serde_json::{Map, Value};

use crate::service::{domain_conflict, record_site, NewSite, Site};
use crate::settings::{
    validate_theme, write_configuration, write_theme, SiteConfiguration, SiteTheme,
};
use crate::SitesError;

/// Creates a site whose domain routes at once: for domains an operator
/// chose (provisioning), which are trusted. Its domain must come from
/// [`crate::SiteService::check_domain`].
/// Recorded as `site.create`, like a site made through the API.
pub fn insert_site(
    tx: &mut TenantTx<'_>,
    site: &NewSite,
    author: &Author,
) -> Result<Site, SitesError> {
    // A new tenant has no other site to take the primary flag from.
    let (site, _demoted) = insert(tx, site, false)?;
    record_site(tx, author, "site.create", site.id, None, Some(&site))?;
    Ok(site)
}

/// Creates a site, its domain `pending` (claimed, not routed) or not,
/// with the site it took the primary flag from, if any.
pub(crate) fn insert(
    tx: &mut TenantTx<'_>,
    site: &NewSite,
    pending: bool,
) -> Result<(Site, Vec<sites::Demoted>), SitesError> {
    let (row, demoted) = sites::insert(
        tx,
        sites::NewSite {
            domain: &site.domain,
            name: &site.name,
            is_primary: site.is_primary,
            pending,
        },
    )
    .map_err(domain_conflict)?;
    Ok((row.into(), demoted))
}

/// Writes the first configuration of a new site, enabled.
pub fn insert_configuration(
    tx: &mut TenantTx<'_>,
    site: SiteId,
    values: &Map<String, Value>,
    author: &Author,
) -> Result<(), SitesError> {
    let document = SiteConfiguration {
        site_id: site,
        values: values.clone(),
        enabled: true,
        version: 0,
        updated_at: None,
    };
    write_configuration(
        tx,
        &SiteConfiguration::from_row(site, None)?,
        &document,
        author,
    )?;
    Ok(())
}

/// Writes the first theme of a new site.
pub fn insert_theme(
    tx: &mut TenantTx<'_>,
    site: SiteId,
    theme: &Value,
    author: &Author,
) -> Result<(), SitesError> {
    let input = validate_theme(theme)?;
    write_theme(tx, &SiteTheme::from_row(site, None)?, &input, author)?;
    Ok(())
}

/// The sites whose `course_org_filter` names `short_name`, as an
/// organization's deletion reports what holds it (see
/// `atrium_organizations::HolderCheck`).
pub fn filters_naming(tx: &mut TenantTx<'_>, short_name: &str) -> atrium_db::DbResult<Vec<String>> {
    Ok(atrium_db::site_settings::all_configurations(tx)?
        .into_iter()
        .filter(|row| {
            serde_json::from_str::<Map<String, Value>>(&row.values_json).is_ok_and(|values| {
                crate::course_org_filter(&values)
                    .iter()
                    .any(|o| o == short_name)
            })
        })
        .map(|row| format!("the course_org_filter of site {}", row.site_id))
        .collect())
}
