//! What a client may cost the server, and how the server stops.
//!
//! - Connection limits (`configure_server`): the time to send a request
//!   head, to close a connection, and to sit idle on keep-alive; and the
//!   grace period of a stop.
//! - Per request (`enforce`, one middleware just inside `observe`): a `Host`
//!   that is not a host name is a 400 before any cache or database work, and
//!   the whole request, body and GraphQL execution included, has a time
//!   limit past which it answers 503.
//! - Stopping (`Lifecycle`): once a stop has begun, `/health/ready` answers
//!   503 so that load balancers take the replica out; the binary keeps
//!   serving for `shutdown_drain_secs`, then stops accepting and lets
//!   requests in flight finish within the rest of `shutdown_grace_secs`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use atrium_core::{HostName, Settings};

use crate::problem::ApiError;
use crate::state::AppState;

/// Whether this process is stopping.
#[derive(Debug, Default)]
pub struct Lifecycle {
    draining: AtomicBool,
}

impl Lifecycle {
    /// From now on, readiness fails.
    pub fn begin_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

/// Applies the connection limits and the stop's grace period of
/// `settings` to a server (the binary's and the tests' alike).
pub fn configure_server<F, I, S, B>(
    server: actix_web::HttpServer<F, I, S, B>,
    settings: &Settings,
) -> actix_web::HttpServer<F, I, S, B>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: actix_service::IntoServiceFactory<S, actix_http::Request>,
    S: actix_web::dev::ServiceFactory<actix_http::Request, Config = actix_web::dev::AppConfig>
        + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<actix_http::Response<B>> + 'static,
    <S::Service as actix_web::dev::Service<actix_http::Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    server
        .client_request_timeout(Duration::from_millis(settings.client_request_timeout_ms))
        .client_disconnect_timeout(Duration::from_millis(settings.client_disconnect_timeout_ms))
        .keep_alive(Duration::from_secs(settings.keep_alive_secs))
        // The stop begins after the drain; together they fit in the grace.
        .shutdown_timeout(
            settings
                .shutdown_grace_secs
                .saturating_sub(settings.shutdown_drain_secs)
                .max(1),
        )
}

/// The request's host as the client sent it: the `Host` header alone (or
/// HTTP/2's authority), never a forwarding header.
fn host_of(req: &ServiceRequest) -> Result<HostName, ApiError> {
    let value = match req.headers().get(header::HOST) {
        Some(value) => value.to_str().map_err(|_| ApiError::BadRequest {
            detail: "the Host header is not a host name".into(),
        })?,
        None => req.uri().authority().map_or("", |a| a.as_str()),
    };
    HostName::parse(value.trim()).map_err(|reason| ApiError::BadRequest {
        detail: format!("the Host header is not a host name: {reason}"),
    })
}

/// Refuses bad hosts and bounds each request's time (see the module doc).
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let refusal = if req.path() == "/health/ready" && state.lifecycle.is_draining() {
        Some(ApiError::Unavailable(
            "stopping: not ready for new requests".into(),
        ))
    } else if crate::context::is_host_independent(req.path()) {
        None
    } else {
        host_of(&req).err()
    };
    if let Some(error) = refusal {
        return Ok(req.into_response(error.error_response()));
    }
    let limit = Duration::from_millis(state.settings.request_timeout_ms);
    let what = format!("{} {}", req.method(), req.path());
    let draining = &state.lifecycle;
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(response) => {
            let mut response = response?.map_into_boxed_body();
            // A client that sent on a kept-alive connection as the server
            // closed it at the end of the drain would lose its request:
            // during the drain every answer closes its connection, so the
            // next request opens a new one, which the stopped listener
            // refuses before anything is sent.
            if draining.is_draining() {
                response
                    .response_mut()
                    .head_mut()
                    .set_connection_type(actix_web::http::ConnectionType::Close);
            }
            Ok(response)
        }
        // The request went down with the dropped future, and a copy cannot
        // be kept (routing needs it unshared), so the answer goes back as an
        // error, which actix turns into this problem.
        Err(_elapsed) => Err(ApiError::Unavailable(format!(
            "{what} exceeded the request time limit ({} ms)",
            limit.as_millis()
        ))
        .into()),
    }
}
