//! Host → tenant resolution: the one read that precedes every scope.

use atrium_core::{SiteId, TenantId};
use diesel::prelude::*;

use crate::connection::Db;
use crate::error::{DbError, DbResult};
use crate::schema::{site_domains, tenants};
use crate::tenancy::{Access, TenantScope};

/// What a host resolves to.
#[derive(Debug, Clone)]
pub struct ResolvedHost {
    pub scope: TenantScope,
    pub tenant_slug: String,
    pub tenant_status: String,
    pub site_id: SiteId,
}

/// Looks a host up in the routing table. `None` means no site has it.
pub async fn resolve_host(db: &Db, host: String) -> DbResult<Option<ResolvedHost>> {
    db.platform(Access::Read, move |tx| {
        let found: Option<(i64, String, String, i64)> = site_domains::table
            .inner_join(tenants::table)
            .filter(site_domains::domain.eq(&host))
            // A pending domain is reserved, not routed.
            .filter(site_domains::status.eq(crate::sites::ACTIVE))
            .select((
                tenants::id,
                tenants::slug,
                tenants::status,
                site_domains::site_id,
            ))
            .first(tx.conn)
            .optional()?;
        Ok::<_, DbError>(
            found.map(
                |(tenant_id, tenant_slug, tenant_status, site_id)| ResolvedHost {
                    scope: TenantScope::new(TenantId(tenant_id)),
                    tenant_slug,
                    tenant_status,
                    site_id: SiteId(site_id),
                },
            ),
        )
    })
    .await
}
