//! REST: the audit log, on a tenant's host (its tenant admins) and on the
//! platform host (operators).

use actix_web::{web, HttpResponse};

use super::wire::{AuditEventList, AuditEventQuery};
use crate::context::RequestContext;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::wire::ListQuery;

/// The audit log, newest first. On a tenant's host: the tenant's changes
/// (tenant admins). On the platform host: operators' actions on tenants
/// (operators).
#[utoipa::path(operation_id = "list_audit_events", get, path = "/api/v1/audit-events", tag = "audit",
    params(ListQuery, AuditEventQuery),
    responses((status = 200, description = "A page of entries, newest first", body = AuditEventList)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    page: web::Query<ListQuery>,
    filter: web::Query<AuditEventQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.page()?;
    Ok(HttpResponse::Ok().json(super::list(&state, &ctx, filter.into_inner(), page).await?))
}
