//! Per-site snapshots (site, configuration, theme) in memory: the public
//! bootstrap and every configuration lookup read them, so the hot path
//! costs no database round trip. Any write drops the whole cache, here at
//! once and on other replicas through the settings notification channel.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use atrium_core::{SiteId, TenantId};
use atrium_db::{site_settings, sites, Access, Db, DbError, TenantScope};

use crate::service::Site;
use crate::settings::{SiteConfiguration, SiteTheme};
use crate::SitesError;

#[derive(Debug, Clone)]
pub struct SiteSnapshot {
    pub site: Site,
    pub configuration: SiteConfiguration,
    pub theme: SiteTheme,
}

pub struct SiteSettingsCache {
    db: Db,
    entries: moka::sync::Cache<(TenantId, SiteId), Arc<SiteSnapshot>>,
    generation: AtomicU64,
}

impl SiteSettingsCache {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            entries: moka::sync::Cache::builder().max_capacity(20_000).build(),
            generation: AtomicU64::new(0),
        }
    }

    pub async fn snapshot(
        &self,
        scope: TenantScope,
        site: SiteId,
    ) -> Result<Arc<SiteSnapshot>, SitesError> {
        let key = (scope.tenant_id(), site);
        if let Some(hit) = self.entries.get(&key) {
            return Ok(hit);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let snapshot = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                let row = sites::get(tx, site.0).map_err(|e| match e {
                    DbError::NotFound => SitesError::NotFound("site"),
                    other => other.into(),
                })?;
                let configuration =
                    SiteConfiguration::from_row(site, site_settings::configuration(tx, site.0)?)?;
                let theme = SiteTheme::from_row(site, site_settings::theme(tx, site.0)?)?;
                Ok::<_, SitesError>(Arc::new(SiteSnapshot {
                    site: row.into(),
                    configuration,
                    theme,
                }))
            })
            .await?;
        if self.generation.load(Ordering::Acquire) == generation {
            self.entries.insert(key, Arc::clone(&snapshot));
        }
        Ok(snapshot)
    }

    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.invalidate_all();
    }
}
