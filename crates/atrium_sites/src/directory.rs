//! Host → tenant resolution with an in-memory cache.
//!
//! Every request is resolved, so a database round trip here would be paid
//! by every request: entries (unknown hosts too) are cached and the whole
//! cache is dropped whenever a site or a tenant changes, by this replica
//! directly and by the others through the routing notification channel.

use std::sync::Arc;

use atrium_core::SiteId;
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

pub struct SiteDirectory {
    db: Db,
    platform_host: String,
    cache: Mirror<String, Resolution>,
}

impl SiteDirectory {
    pub fn new(db: Db, platform_host: String) -> Self {
        Self {
            db,
            platform_host,
            cache: Mirror::new(50_000),
        }
    }

    /// Resolves a `Host` header value (port ignored, case ignored).
    pub async fn resolve(&self, host_header: &str) -> Result<Resolution, DbError> {
        let host = host_only(host_header);
        if host == self.platform_host {
            return Ok(Resolution::Platform);
        }
        let load = async {
            Ok(match routing::resolve_host(&self.db, host.clone()).await? {
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
            })
        };
        self.cache.get_or_load(host.clone(), load).await
    }

    /// Forgets every cached resolution.
    pub fn invalidate(&self) {
        self.cache.invalidate();
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
