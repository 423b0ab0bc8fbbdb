//! Host → tenant resolution with an in-memory cache.
//!
//! Every request is resolved, so a database round trip here would be paid
//! by every request: resolutions are cached, and the whole cache is dropped
//! whenever a site or a tenant changes, by this replica directly and by the
//! others through the routing notification channel.
//!
//! Anyone can send any `Host`, so only host names are looked up (anything
//! else is refused unread), and unknown hosts go to a small negative cache
//! bounded in bytes: a stream of made-up names costs database reads, never
//! memory. Known hosts are as many as the sites, and stay cached.
//!
//! In `/metrics` the two are `hosts` and `unknown_hosts`: a lookup counts
//! as a hit of the cache that answered it, and a database read as a miss of
//! the cache its answer goes to, so each ratio says how often a host of its
//! kind cost a read.

use std::sync::Arc;

use atrium_core::{CacheReport, HostName, SiteId};
use atrium_db::routing::{self, ResolvedHost};
use atrium_db::{Db, DbError, TenantScope};

use crate::mirror::Mirror;

/// What a host resolves to.
#[derive(Debug, Clone)]
pub enum Resolution {
    /// The platform host: operators only.
    Platform,
    /// A site of a tenant.
    Tenant(Arc<HostEntry>),
    /// No site has this host.
    Unknown,
}

#[derive(Debug, Clone)]
pub struct HostEntry {
    pub scope: TenantScope,
    pub tenant_slug: String,
    pub suspended: bool,
    pub site_id: SiteId,
}

/// The negative cache's bound, in bytes as [`unknown_host_weight`] counts.
const UNKNOWN_HOSTS_CACHE_BYTES: u64 = 1 << 20;

/// What an unknown host's entry costs: its name, and moka's bookkeeping
/// (the hash table slot, the entry and its access-order nodes, about 200
/// bytes on 64-bit targets).
fn unknown_host_weight(host: &str) -> u32 {
    u32::try_from(host.len())
        .unwrap_or(u32::MAX)
        .saturating_add(200)
}

pub struct SiteDirectory {
    db: Db,
    platform_host: String,
    known: Mirror<String, Arc<HostEntry>>,
    unknown: Mirror<String, ()>,
}

impl SiteDirectory {
    /// `platform_host` is normalized like request hosts (see
    /// `Settings::platform_host`).
    pub fn new(db: Db, platform_host: String) -> Self {
        Self::with_unknown_bytes(db, platform_host, UNKNOWN_HOSTS_CACHE_BYTES)
    }

    fn with_unknown_bytes(db: Db, platform_host: String, unknown_bytes: u64) -> Self {
        let platform_host =
            HostName::parse(&platform_host).map_or(platform_host, |host| host.to_string());
        Self {
            db,
            platform_host,
            known: Mirror::new(50_000),
            unknown: Mirror::weighted(unknown_bytes, |host: &String, _: &()| {
                unknown_host_weight(host)
            }),
        }
    }

    /// Resolves a `Host` header value (port, case and a trailing dot
    /// ignored). A value that is not a host name resolves to nothing without
    /// a cache entry or a database read; the gateway refuses it first.
    pub async fn resolve(&self, host_header: &str) -> Result<Resolution, DbError> {
        match HostName::parse(host_header.trim()) {
            Ok(host) => self.resolve_host(host).await,
            Err(_) => Ok(Resolution::Unknown),
        }
    }

    async fn resolve_host(&self, host: HostName) -> Result<Resolution, DbError> {
        let host = host.to_string();
        if host == self.platform_host {
            return Ok(Resolution::Platform);
        }
        if let Some(entry) = self.known.get(&host) {
            self.known.counters().hit();
            return Ok(Resolution::Tenant(entry));
        }
        if self.unknown.get(&host).is_some() {
            self.unknown.counters().hit();
            return Ok(Resolution::Unknown);
        }
        // Both tickets before the read: an invalidation during it wins.
        let (known, unknown) = (self.known.ticket(), self.unknown.ticket());
        Ok(match routing::resolve_host(&self.db, host.clone()).await? {
            Some(ResolvedHost {
                scope,
                tenant_slug,
                tenant_status,
                site_id,
            }) => {
                let entry = Arc::new(HostEntry {
                    scope,
                    tenant_slug,
                    suspended: tenant_status == "suspended",
                    site_id,
                });
                self.known.counters().miss();
                self.known.store(known, host, Arc::clone(&entry));
                Resolution::Tenant(entry)
            }
            None => {
                self.unknown.counters().miss();
                self.unknown.store(unknown, host, ());
                Resolution::Unknown
            }
        })
    }

    /// Forgets every cached resolution.
    pub fn invalidate(&self) {
        self.known.invalidate();
        self.unknown.invalidate();
    }

    /// The `hosts` and `unknown_hosts` caches, for `/metrics`.
    pub fn cache_reports(&self) -> [CacheReport; 2] {
        [
            self.known.report("hosts"),
            self.unknown.report("unknown_hosts"),
        ]
    }

    pub fn platform_host(&self) -> &str {
        &self.platform_host
    }
}

#[cfg(test)]
mod tests {
    use atrium_db::{Db, DbOptions};

    use super::{Resolution, SiteDirectory};

    fn directory(unknown_bytes: u64) -> (tempfile::TempDir, SiteDirectory) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("hosts.db").display());
        atrium_db::run_migrations(&url).unwrap();
        let db = Db::connect(&url, &DbOptions::default()).unwrap();
        let directory =
            SiteDirectory::with_unknown_bytes(db, "Admin.Example.ORG.".into(), unknown_bytes);
        (dir, directory)
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn made_up_hosts_stay_within_the_negative_cache_bytes() {
        let bound = 64 * 1024;
        let (_dir, directory) = directory(bound);
        let rt = runtime();
        for n in 0..5_000 {
            let host = format!("made-up-{n}.{}.example", "x".repeat(60));
            let resolution = rt.block_on(directory.resolve(&host)).unwrap();
            assert!(matches!(resolution, Resolution::Unknown));
        }
        let (entries, bytes) = directory.unknown.footprint();
        assert!(bytes <= bound, "{bytes} bytes in {entries} entries");
        assert!(entries > 0 && entries < 5_000, "{entries} entries");
        assert_eq!(directory.known.footprint().0, 0);
    }

    #[test]
    fn a_repeated_unknown_host_is_read_once_and_then_a_hit() {
        let (_dir, directory) = directory(64 * 1024);
        let rt = runtime();
        for _ in 0..3 {
            rt.block_on(directory.resolve("nobody.example")).unwrap();
        }
        rt.block_on(directory.resolve("admin.example.org")).unwrap();
        let [hosts, unknown] = directory.cache_reports();
        assert_eq!((hosts.hits, hosts.misses, hosts.entries), (0, 0, 0));
        assert_eq!((unknown.hits, unknown.misses, unknown.entries), (2, 1, 1));
        assert_eq!(unknown.cache, "unknown_hosts");
    }

    #[test]
    fn what_is_not_a_host_is_neither_read_nor_cached() {
        let (_dir, directory) = directory(64 * 1024);
        let rt = runtime();
        for header in [
            "x".repeat(8192),
            "a..b".into(),
            "under_score.example".into(),
            String::new(),
        ] {
            let resolution = rt.block_on(directory.resolve(&header)).unwrap();
            assert!(matches!(resolution, Resolution::Unknown));
        }
        assert_eq!(directory.unknown.footprint(), (0, 0));
    }

    #[test]
    fn the_platform_host_is_normalized_like_request_hosts() {
        let (_dir, directory) = directory(64 * 1024);
        let rt = runtime();
        for header in ["admin.example.org", "ADMIN.example.org.:8080"] {
            let resolution = rt.block_on(directory.resolve(header)).unwrap();
            assert!(matches!(resolution, Resolution::Platform), "{header}");
        }
    }
}
