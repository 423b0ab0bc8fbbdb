//! REST, any host: probes and metrics.

use actix_web::{web, HttpResponse};
use atrium_db::citus::CitusCheck;

use crate::context::RequestHost;
use crate::problem::{ApiError, Problem};
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

/// What `/health/ready` answers when ready.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ok`.
    pub status: String,
    /// Present when the database is a Citus coordinator.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, value_type = CitusReadiness)]
    pub citus: Option<CitusReadiness>,
}

/// What readiness checked of Citus. Readiness answers on any host without
/// a token, so it says no more than the two things it checks (the version
/// and the database are in the server's log).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CitusReadiness {
    /// `local`: the tenant (`SET LOCAL`) reaches the workers.
    pub propagate_set_commands: String,
    /// `true`: reads run in transactions, as on Citus they must.
    pub reads_in_transactions: bool,
}

/// Readiness: the database answers and, on Citus, the tenant reaches workers.
#[utoipa::path(operation_id = "health_ready", get, path = "/health/ready", tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "The database does not answer, the server is stopping, or Citus is misconfigured (the detail says which setting to change)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let found = state.citus.ask(&state.db).await?;
    // Asked on every probe, not only at start-up: a setting changed since
    // (ALTER DATABASE) shows as soon as a new connection takes it.
    let reads_in_transactions = state.db.reads_in_transactions();
    let citus = match found.check(reads_in_transactions) {
        CitusCheck::Absent => None,
        CitusCheck::Ready { .. } => Some(CitusReadiness {
            propagate_set_commands: found.propagate_set_commands.unwrap_or_default(),
            reads_in_transactions,
        }),
        CitusCheck::Misconfigured(detail) => {
            // The whole story (version, database, both fixes) is for the
            // operator's log; anyone may call readiness.
            tracing::warn!(%detail, "not ready: Citus is misconfigured");
            return Err(ApiError::Misconfigured(public_detail(&found)));
        }
    };
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ok".into(),
        citus,
    }))
}

/// What a misconfigured Citus is, for anyone: the setting to change and
/// where, without the version or the database's name.
fn public_detail(found: &atrium_db::citus::CitusFound) -> String {
    match found.propagate_set_commands.as_deref() {
        Some("local") => "Citus needs reads in transactions and this server reads outside them: \
                          restart atrium (the server's log says more)"
            .into(),
        setting => format!(
            "citus.propagate_set_commands is {} on the coordinator, so the tenant never reaches \
             the workers: set it to 'local' in postgresql.conf (then SELECT pg_reload_conf()) \
             or with ALTER DATABASE ... SET (the server's log says more)",
            setting.map_or_else(|| "not set".to_owned(), |s| format!("'{s}'"))
        ),
    }
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
