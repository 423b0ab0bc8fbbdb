//! Who is asking, and where: the host resolution middleware and the typed
//! extractors handlers take (`TenantHost`, `PlatformHost`, `Auth`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, ResponseError};
use atrium_db::TenantScope;
use atrium_permissions::Caller;
use atrium_sites::{HostEntry, Resolution};

use crate::problem::ApiError;
use crate::state::AppState;

/// Paths that answer on any host, known or not: probes, metrics and the
/// API's own documentation.
pub(crate) fn is_host_independent(path: &str) -> bool {
    path.starts_with("/health/")
        || path == "/metrics"
        || path == "/api/openapi.json"
        || path == "/docs"
        || path.starts_with("/docs/")
}

/// Resolves the `Host` header before routing: an unknown host is a 404 and
/// a suspended tenant a 403 on every path, public ones included.
pub async fn resolve_host(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if is_host_independent(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let Some(state) = state else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // The Host header alone (or HTTP/2's authority): forwarding headers are
    // client-controlled and must not choose the tenant.
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or_default()
        .to_owned();
    let refusal = match state.directory.resolve(&host).await {
        Ok(Resolution::Unknown) => Some(ApiError::UnknownSite),
        Ok(Resolution::Tenant(entry)) if entry.suspended => Some(ApiError::TenantSuspended),
        Ok(resolution) => {
            req.extensions_mut().insert(resolution);
            None
        }
        Err(error) => Some(error.into()),
    };
    match refusal {
        Some(error) => {
            let response = error.error_response();
            Ok(req.into_response(response))
        }
        None => Ok(next.call(req).await?.map_into_boxed_body()),
    }
}

/// What the host middleware resolved for this request.
pub fn request_resolution(req: &HttpRequest) -> Result<Resolution, ApiError> {
    req.extensions()
        .get::<Resolution>()
        .cloned()
        .ok_or_else(|| {
            ApiError::Internal("request reached a handler without host resolution".into())
        })
}

/// A request to one of a tenant's sites.
#[derive(Debug, Clone)]
pub struct TenantHost(pub Arc<HostEntry>);

impl TenantHost {
    pub fn scope(&self) -> TenantScope {
        self.0.scope
    }
}

impl FromRequest for TenantHost {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(match request_resolution(req) {
            Ok(Resolution::Tenant(entry)) => Ok(TenantHost(entry)),
            Ok(_) => Err(ApiError::NotFound(
                "this endpoint on the platform host (use a tenant's site)".into(),
            )),
            Err(e) => Err(e),
        })
    }
}

/// A request to the platform host.
#[derive(Debug, Clone, Copy)]
pub struct PlatformHost;

impl FromRequest for PlatformHost {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(match request_resolution(req) {
            Ok(Resolution::Platform) => Ok(PlatformHost),
            Ok(_) => Err(ApiError::NotFound(
                "this endpoint on a tenant's site (use the platform host)".into(),
            )),
            Err(e) => Err(e),
        })
    }
}

/// The caller, authenticated from a bearer token that must have been issued
/// where the request was sent. No token: `Caller::Anonymous`; a bad token
/// is a 401 whatever the endpoint.
#[derive(Debug, Clone)]
pub struct Auth(pub Caller);

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let scope = scope_of(&request_resolution(&req)?);
            authenticate(&state, scope, req.headers().get(header::AUTHORIZATION))
                .await
                .map(Auth)
        })
    }
}

/// The caller behind an `Authorization` header (shared with GraphQL).
pub async fn authenticate(
    state: &AppState,
    scope: Option<TenantScope>,
    authorization: Option<&header::HeaderValue>,
) -> Result<Caller, ApiError> {
    let Some(value) = authorization else {
        return Ok(Caller::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthenticated("the Authorization header must be 'Bearer <token>'".into())
        })?;
    Ok(state.identity.authenticate(scope, token).await?)
}

/// The tenant of a tenant host, or of the platform (`None`).
pub fn scope_of(resolution: &Resolution) -> Option<TenantScope> {
    match resolution {
        Resolution::Tenant(entry) => Some(entry.scope),
        _ => None,
    }
}
