//! Per-site snapshots (site, configuration, theme) in memory: the public
//! bootstrap and every configuration lookup read them, so the hot path
//! costs no database round trip. Any write drops the whole cache, here at
//! once and on other replicas through the settings notification channel.
//!
//! A site's configuration may be up to [`crate::MAX_CONFIGURATION_BYTES`] of JSON,
//! so a count of entries would not bound the memory: the cache is bounded
//! in bytes of the stored documents instead.

use std::sync::Arc;

use atrium_core::{CacheReport, SiteId, TenantId};
use atrium_db::{site_settings, Access, Db, TenantScope};

use crate::mirror::Mirror;
use crate::service::{read_site, Site};
use crate::settings::{SiteConfiguration, SiteTheme};
use crate::SitesError;

/// The snapshots' bound, in bytes as [`snapshot_weight`] counts them: a
/// few thousand sites of ordinary size, or 512 at the largest
/// configuration. Parsed, a document takes a few times its text.
const SNAPSHOTS_CACHE_BYTES: u64 = 32 << 20;

/// What a snapshot is counted as: its stored JSON documents and a fixed
/// part for the rest (the site's row, the entry's bookkeeping).
fn snapshot_weight(stored_json_bytes: usize) -> u32 {
    u32::try_from(stored_json_bytes)
        .unwrap_or(u32::MAX)
        .saturating_add(1024)
}

#[derive(Debug, Clone)]
pub struct SiteSnapshot {
    pub site: Site,
    pub configuration: SiteConfiguration,
    pub theme: SiteTheme,
    /// The length of the configuration and branding documents as stored.
    stored_json_bytes: usize,
}

pub struct SiteSettingsCache {
    db: Db,
    entries: Mirror<(TenantId, SiteId), Arc<SiteSnapshot>>,
}

impl SiteSettingsCache {
    pub fn new(db: Db) -> Self {
        Self::with_bytes(db, SNAPSHOTS_CACHE_BYTES)
    }

    fn with_bytes(db: Db, max_bytes: u64) -> Self {
        Self {
            db,
            entries: Mirror::weighted(max_bytes, |_, snapshot: &Arc<SiteSnapshot>| {
                snapshot_weight(snapshot.stored_json_bytes)
            }),
        }
    }

    pub async fn snapshot(
        &self,
        scope: TenantScope,
        site: SiteId,
    ) -> Result<Arc<SiteSnapshot>, SitesError> {
        let load = self.db.tenant(scope, Access::Read, move |tx| {
            let row = read_site(tx, site)?;
            let configuration = site_settings::configuration(tx, site.0)?;
            let theme = site_settings::theme(tx, site.0)?;
            let stored_json_bytes = configuration.as_ref().map_or(0, |c| c.values_json.len())
                + theme.as_ref().map_or(0, |t| t.branding_json.len());
            Ok::<_, SitesError>(Arc::new(SiteSnapshot {
                site: row.into(),
                configuration: SiteConfiguration::from_row(site, configuration)?,
                theme: SiteTheme::from_row(site, theme)?,
                stored_json_bytes,
            }))
        });
        self.entries
            .get_or_load((scope.tenant_id(), site), load)
            .await
    }

    pub fn invalidate(&self) {
        self.entries.invalidate();
    }

    /// The `site_snapshots` cache, for `/metrics`.
    pub fn cache_report(&self) -> CacheReport {
        self.entries.report("site_snapshots")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::MAX_CONFIGURATION_BYTES;

    const _: () = assert!(MAX_CONFIGURATION_BYTES < SNAPSHOTS_CACHE_BYTES as usize);

    #[test]
    fn sites_at_the_largest_configuration_stay_within_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("snapshots.db").display());
        atrium_db::run_migrations(&url).unwrap();
        let db = atrium_db::Db::connect(&url, &atrium_db::DbOptions::default()).unwrap();
        let bound = 1 << 20;
        let cache = SiteSettingsCache::with_bytes(db, bound);
        let snapshot = |id: i64, stored_json_bytes: usize| {
            let now = chrono::Utc::now().naive_utc();
            Arc::new(SiteSnapshot {
                site: Site {
                    id: SiteId(id),
                    domain: format!("site-{id}.example"),
                    name: "Site".into(),
                    is_primary: false,
                    created_at: now,
                    updated_at: now,
                    domain_status: crate::DomainStatus::Active,
                    active_domain: None,
                },
                configuration: SiteConfiguration::from_row(SiteId(id), None).unwrap(),
                theme: SiteTheme::from_row(SiteId(id), None).unwrap(),
                stored_json_bytes,
            })
        };
        for id in 0..200 {
            let ticket = cache.entries.ticket();
            let key = (TenantId(1), SiteId(id));
            cache
                .entries
                .store(ticket, key, snapshot(id, MAX_CONFIGURATION_BYTES));
        }
        let (entries, bytes) = cache.entries.footprint();
        assert!(bytes <= bound, "{bytes} bytes in {entries} entries");
        assert!(entries <= 16, "{entries} entries of the largest size");
    }
}
