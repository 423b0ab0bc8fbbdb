//! GraphQL: the audit log, through the same service and host rule as REST.

use async_graphql::{Context, Object};

use super::wire::{AuditEventList, AuditEventQuery};
use crate::graphql::request;
use crate::problem::ApiError;
use crate::wire::ListQuery;

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit log, newest first: the tenant's changes on a tenant's host
    /// (tenant admins), operators' actions on the platform host
    /// (operators). `since` and `until` are RFC 3339.
    #[allow(clippy::too_many_arguments)]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        actor: Option<String>,
        target_type: Option<String>,
        target_id: Option<String>,
        action: Option<String>,
        since: Option<String>,
        until: Option<String>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<AuditEventList, ApiError> {
        let (state, req) = request(ctx)?;
        let page = ListQuery { limit, cursor }.page()?;
        let query = AuditEventQuery {
            actor,
            target_type,
            target_id,
            action,
            since,
            until,
        };
        super::list(state, req, query, page).await
    }
}
