//! The catalog at the gateway: the site's public courses, for learners and
//! anonymous visitors, through `atrium_courses`.

pub mod graphql;
pub mod rest;
pub mod wire;

use atrium_courses::{CatalogOrder, CatalogSite};
use atrium_db::TenantScope;
use atrium_sites::HostEntry;
use serde_json::Value;

use crate::problem::ApiError;
use crate::routes::Api;
use crate::state::AppState;

/// The setting's name, as `atrium_sites` declares and validates it (a
/// boolean).
const SORT_BY_START: &str = "ENABLE_COURSE_SORTING_BY_START_DATE";

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_catalog, _, _>(rest::catalog);
}

/// What the site at this host serves, from its configuration (site
/// first, then the platform's defaults): its `course_org_filter` and
/// whether it sorts by start date (`ENABLE_COURSE_SORTING_BY_START_DATE`).
pub(crate) async fn site_of(
    state: &AppState,
    entry: &HostEntry,
) -> Result<(TenantScope, CatalogSite), ApiError> {
    let helpers = &state.sites.helpers;
    let course_org_filter = helpers
        .organizations_of_site(entry.scope, entry.site_id)
        .await?;
    let by_start = helpers
        .value(
            entry.scope,
            entry.site_id,
            SORT_BY_START,
            Value::Bool(false),
        )
        .await?
        .as_bool()
        .unwrap_or(false);
    Ok((
        entry.scope,
        CatalogSite {
            course_org_filter,
            order: if by_start {
                CatalogOrder::StartDate
            } else {
                CatalogOrder::DisplayName
            },
        },
    ))
}
