//! Everything a request handler can reach, built once at start-up.

use std::sync::Arc;

use atrium_core::Settings;
use atrium_db::{Db, ROUTING_CHANNEL, SETTINGS_CHANNEL};
use atrium_identity::{Identity, KeyStore};
use atrium_sites::{ConfigHelpers, SettingsService, SiteDirectory, SiteService, SiteSettingsCache};
use atrium_tenants::TenantService;

use crate::graphql::{build_schema, AtriumSchema};
use crate::observability::Metrics;

pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub directory: Arc<SiteDirectory>,
    pub snapshots: Arc<SiteSettingsCache>,
    pub identity: Arc<Identity>,
    pub sites: Arc<SiteService>,
    pub site_settings: Arc<SettingsService>,
    pub config: Arc<ConfigHelpers>,
    pub tenants: Arc<TenantService>,
    pub metrics: Arc<Metrics>,
    pub graphql: AtriumSchema,
    pub lifecycle: crate::limits::Lifecycle,
}

impl AppState {
    pub fn new(settings: Settings, db: Db, keys: KeyStore) -> Arc<Self> {
        let settings = Arc::new(settings);
        let directory = Arc::new(SiteDirectory::new(db.clone(), settings.platform_host()));
        let snapshots = Arc::new(SiteSettingsCache::new(db.clone()));
        let identity = Arc::new(Identity::new(
            db.clone(),
            Arc::new(keys),
            settings.access_token_ttl_secs,
        ));
        let sites = Arc::new(SiteService::new(
            db.clone(),
            Arc::clone(&directory),
            Arc::clone(&snapshots),
        ));
        let site_settings = Arc::new(SettingsService::new(db.clone(), Arc::clone(&snapshots)));
        let config = Arc::new(ConfigHelpers::new(
            db.clone(),
            Arc::clone(&snapshots),
            settings.site_defaults.clone(),
        ));
        let tenants = Arc::new(TenantService::new(
            db.clone(),
            Arc::clone(&directory),
            Arc::clone(&sites),
        ));
        let graphql = build_schema(&settings);
        Arc::new(Self {
            metrics: Arc::new(Metrics::new()),
            settings,
            db,
            directory,
            snapshots,
            identity,
            sites,
            site_settings,
            config,
            tenants,
            graphql,
            lifecycle: Default::default(),
        })
    }

    /// Keeps this replica's caches in step with writes made by others
    /// (PostgreSQL only; SQLite has one process).
    pub fn listen_for_changes(self: &Arc<Self>) {
        for channel in [ROUTING_CHANNEL, SETTINGS_CHANNEL] {
            let state = Arc::downgrade(self);
            atrium_db::spawn_listener(&self.settings.database_url, channel, move || {
                if let Some(state) = state.upgrade() {
                    state.forget_cached();
                }
            });
        }
    }

    /// Drops every cache that mirrors the database.
    pub fn forget_cached(&self) {
        self.directory.invalidate();
        self.snapshots.invalidate();
    }
}
