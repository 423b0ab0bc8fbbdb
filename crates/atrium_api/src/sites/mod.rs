//! The sites domain at the gateway: its services, routes, GraphQL parts and
//! wire types.

pub mod claims;
pub mod graphql;
pub mod rest;
pub mod wire;

use std::sync::Arc;

use atrium_core::Settings;
use atrium_db::Db;
use atrium_sites::{
    ConfigHelpers, DomainClaims, SettingsService, SiteDirectory, SiteService, SiteSettingsCache,
};

use crate::routes::Api;

/// The services of the sites domain, built once at start-up.
pub struct SitesState {
    /// Host → tenant resolution, cached.
    pub directory: Arc<SiteDirectory>,
    /// Per-site snapshots (site, configuration, theme), cached.
    pub snapshots: Arc<SiteSettingsCache>,
    /// Sites themselves.
    pub service: Arc<SiteService>,
    /// Configuration and theme documents, with history.
    pub settings: Arc<SettingsService>,
    /// Settings resolved site-first with platform defaults.
    pub helpers: Arc<ConfigHelpers>,
    /// Operators' approval of domains outside a tenant's own base.
    pub claims: Arc<DomainClaims>,
}

impl SitesState {
    pub fn new(db: &Db, platform: &Settings) -> Self {
        let directory = Arc::new(SiteDirectory::new(db.clone(), platform.platform_host()));
        let snapshots = Arc::new(SiteSettingsCache::new(db.clone()));
        Self {
            service: Arc::new(SiteService::new(
                db.clone(),
                Arc::clone(&directory),
                Arc::clone(&snapshots),
                &platform.tenant_domain_base,
            )),
            claims: Arc::new(DomainClaims::new(
                db.clone(),
                Arc::clone(&directory),
                Arc::clone(&snapshots),
            )),
            settings: Arc::new(SettingsService::new(db.clone(), Arc::clone(&snapshots))),
            helpers: Arc::new(ConfigHelpers::new(
                db.clone(),
                Arc::clone(&snapshots),
                platform.site_defaults.clone(),
            )),
            directory,
            snapshots,
        }
    }

    /// Drops every cache that mirrors the database.
    pub fn forget_cached(&self) {
        self.directory.invalidate();
        self.snapshots.invalidate();
    }
}

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_public_site, _, _>(rest::public_site)
        .add::<rest::__path_list, _, _>(rest::list)
        .add::<rest::__path_create, _, _>(rest::create)
        .add::<rest::__path_get, _, _>(rest::get)
        .add::<rest::__path_update, _, _>(rest::update)
        .add::<rest::__path_delete, _, _>(rest::delete)
        .add::<rest::__path_configuration, _, _>(rest::configuration)
        .add::<rest::__path_put_configuration, _, _>(rest::put_configuration)
        .add::<rest::__path_history, _, _>(rest::history)
        .add::<rest::__path_theme, _, _>(rest::theme)
        .add::<rest::__path_put_theme, _, _>(rest::put_theme)
        .add::<rest::__path_config_value, _, _>(rest::config_value)
        .add::<claims::__path_list, _, _>(claims::list)
        .add::<claims::__path_approve, _, _>(claims::approve)
        .add::<claims::__path_reject, _, _>(claims::reject);
}
