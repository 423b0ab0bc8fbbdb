//! The audit log at the gateway: a tenant's entries for its tenant admins
//! on a tenant's host, operators' actions for operators on the platform
//! host (REST and GraphQL, the same path and query on both hosts).

pub mod graphql;
pub mod rest;
pub mod wire;

use crate::context::RequestContext;
use crate::problem::ApiError;
use crate::routes::Api;
use crate::state::AppState;
use wire::{AuditEventList, AuditEventQuery};

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_list, _, _>(rest::list);
}

/// The log the request's host shows: the tenant's on a tenant's host, the
/// platform's on the platform host. REST and GraphQL both come here.
async fn list(
    state: &AppState,
    ctx: &RequestContext,
    query: AuditEventQuery,
    page: atrium_core::PageRequest,
) -> Result<AuditEventList, ApiError> {
    let page = match ctx.host.scope() {
        Some(scope) => {
            state
                .audit
                .list(&ctx.caller, scope, query.into(), page)
                .await?
        }
        None => {
            ctx.platform()?;
            state
                .audit
                .list_platform(&ctx.caller, query.into(), page)
                .await?
        }
    };
    Ok(page.into())
}
