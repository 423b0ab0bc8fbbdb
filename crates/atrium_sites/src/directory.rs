//! Host → tenant resolution with an in-memory cache.
//!
//! Every request is resolved, so a database round trip here would be paid
//! by every request: entries (unknown hosts too) are cached and the whole
//! cache is dropped whenever a site or a tenant changes, by this replica
//! directly and by the others through the routing notification channel.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use atrium_core::SiteId;
use atrium_db::routing::{self, ResolvedHost};
use atrium_db::{Db, DbError, TenantScope};

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

pub struct SiteDirectory {
    db: Db,
    platform_host: String,
    cache: moka::sync::Cache<String, Resolution>,
    /// Bumped by every invalidation, so that a lookup that raced with a
    /// change does not put its stale answer back into the cache.
    generation: AtomicU64,
}

impl SiteDirectory {
    pub fn new(db: Db, platform_host: String) -> Self {
        // Bounded, so that a flood of made-up hosts cannot grow it without end.
        let cache = moka::sync::Cache::builder().max_capacity(50_000).build();
        Self {
            db,
            platform_host,
            cache,
            generation: AtomicU64::new(0),
        }
    }

    /// Resolves a `Host` header value (port ignored, case ignored).
    pub async fn resolve(&self, host_header: &str) -> Result<Resolution, DbError> {
        let host = host_only(host_header);
        if host == self.platform_host {
            return Ok(Resolution::Platform);
        }
        if let Some(hit) = self.cache.get(&host) {
            return Ok(hit);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let resolution = match routing::resolve_host(&self.db, host.clone()).await? {
            Some(ResolvedHost {
                scope,
                tenant_slug,
                tenant_status,
                site_id,
            }) => Resolution::Tenant(Arc::new(HostEntry {
                scope,
                tenant_slug,
                suspended: tenant_status == "suspended",
                site_id,
            })),
            None => Resolution::Unknown,
        };
        if self.generation.load(Ordering::Acquire) == generation {
            self.cache.insert(host, resolution.clone());
        }
        Ok(resolution)
    }

    /// Forgets every cached resolution.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.cache.invalidate_all();
    }

    pub fn platform_host(&self) -> &str {
        &self.platform_host
    }
}

/// `Example.ORG:8080` → `example.org`; IPv6 literals keep their brackets.
fn host_only(header: &str) -> String {
    let header = header.trim();
    let host = if header.starts_with('[') {
        header
            .split_once(']')
            .map_or(header, |(h, _)| h)
            .trim_start_matches('[')
    } else {
        header.rsplit_once(':').map_or(header, |(h, _)| h)
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    #[test]
    fn host_only_drops_port_and_case() {
        assert_eq!(
            super::host_only("Acme.Example.ORG:8080"),
            "acme.example.org"
        );
        assert_eq!(super::host_only("localhost"), "localhost");
        assert_eq!(super::host_only("[::1]:8080"), "::1");
    }
}
