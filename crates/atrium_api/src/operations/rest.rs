//! REST, any host: probes and metrics.

use actix_web::{web, HttpResponse};
use atrium_core::Failure;

use crate::context::RequestHost;
use crate::problem::ApiError;
use crate::state::AppState;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct HealthStatus {
    /// `ok`.
    pub status: String,
}

/// Liveness: the process answers.
#[utoipa::path(operation_id = "health_live", get, path = "/health/live", tag = "operations",
    responses((status = 200, description = "The process is alive", body = HealthStatus)))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus {
        status: "ok".into(),
    })
}

/// Readiness: the database answers.
#[utoipa::path(operation_id = "health_ready", get, path = "/health/ready", tag = "operations",
    responses((status = 200, description = "Ready to serve", body = HealthStatus)))]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.db.ping().await.map_err(Failure::from)?;
    Ok(HttpResponse::Ok().json(HealthStatus {
        status: "ok".into(),
    }))
}

/// Prometheus metrics in the text exposition format, on the platform host
/// only: a tenant's host or an unknown one answers `404`.
#[utoipa::path(operation_id = "metrics", get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics(
    state: web::Data<AppState>,
    host: RequestHost,
) -> Result<HttpResponse, ApiError> {
    // Traffic by route and pool state are the operator's business, not a
    // tenant's (nor an address scanner's).
    host.platform()?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render(&state.db)?))
}
