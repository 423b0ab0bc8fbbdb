//! Per-site snapshots (site, configuration, theme) in memory: the public
//! bootstrap and every configuration lookup read them, so the hot path
//! costs no database round trip. Any write drops the whole cache, here at
//! once and on other replicas through the settings notification channel.

use std::sync::Arc;

use atrium_core::{SiteId, TenantId};
use atrium_db::{site_settings, Access, Db, TenantScope};

use crate::mirror::Mirror;
use crate::service::{read_site, Site};
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
    entries: Mirror<(TenantId, SiteId), Arc<SiteSnapshot>>,
}

impl SiteSettingsCache {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            entries: Mirror::new(20_000),
        }
    }

    pub async fn snapshot(
        &self,
        scope: TenantScope,
        site: SiteId,
    ) -> Result<Arc<SiteSnapshot>, SitesError> {
        let load = self.db.tenant(scope, Access::Read, move |tx| {
            let row = read_site(tx, site)?;
            let configuration =
                SiteConfiguration::from_row(site, site_settings::configuration(tx, site.0)?)?;
            let theme = SiteTheme::from_row(site, site_settings::theme(tx, site.0)?)?;
            Ok::<_, SitesError>(Arc::new(SiteSnapshot {
                site: row.into(),
                configuration,
                theme,
            }))
        });
        self.entries
            .get_or_load((scope.tenant_id(), site), load)
            .await
    }

    pub fn invalidate(&self) {
        self.entries.invalidate();
    }
}
