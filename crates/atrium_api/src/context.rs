//! Who is asking, and where: the host resolution middleware and the two
//! extractors built on it, [`RequestHost`] and [`RequestContext`]. Host
//! gating (`.tenant()?`, `.platform()?`) and authentication exist here only,
//! for REST and GraphQL alike.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, ResponseError};
use atrium_core::Failure;
use atrium_db::TenantScope;
use atrium_permissions::Caller;
use atrium_sites::{HostEntry, Resolution};

use crate::observability::RequestId;
use crate::problem::ApiError;
use crate::state::AppState;

/// The one detail of a 401 for a bad bearer token, whatever is wrong with
/// it: telling a caller *why* (bad signature, another site's token, a
/// disabled account) helps an attacker probe, so the reason goes to the log
/// with the request id instead.
pub const INVALID_TOKEN: &str = "the access token is invalid or expired";

/// Paths that answer on any host, known or not: probes and the API's own
/// documentation. Not `/metrics`: it answers on the platform host only.
pub(crate) fn is_host_independent(path: &str) -> bool {
    path.starts_with("/health/")
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
    let refusal = match state.sites.directory.resolve(&host).await {
        Ok(Resolution::Unknown) => Some(ApiError::UnknownSite),
        Ok(Resolution::Tenant(entry)) if entry.suspended => Some(ApiError::TenantSuspended),
        Ok(resolution) => {
            req.extensions_mut().insert(resolution);
            None
        }
        Err(error) => Some(Failure::from(error).into()),
    };
    match refusal {
        Some(error) => {
            let response = error.error_response();
            Ok(req.into_response(response))
        }
        None => Ok(next.call(req).await?.map_into_boxed_body()),
    }
}

/// Where a request was sent, as the host middleware resolved it. Public
/// endpoints take this alone; everything else takes [`RequestContext`].
#[derive(Debug, Clone)]
pub struct RequestHost(Resolution);

impl RequestHost {
    fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        req.extensions()
            .get::<Resolution>()
            .cloned()
            .map(RequestHost)
            .ok_or_else(|| {
                ApiError::Internal("request reached a handler without host resolution".into())
            })
    }

    pub fn resolution(&self) -> &Resolution {
        &self.0
    }

    /// The tenant's site this request was sent to; on the platform host the
    /// endpoint does not exist (404).
    pub fn tenant(&self) -> Result<&HostEntry, ApiError> {
        match &self.0 {
            Resolution::Tenant(entry) => Ok(entry),
            _ => Err(ApiError::NotFound(
                "this endpoint is not served on the platform host (use a tenant's site)".into(),
            )),
        }
    }

    /// That this request was sent to the platform host; on a tenant's site
    /// the endpoint does not exist (404).
    pub fn platform(&self) -> Result<(), ApiError> {
        match &self.0 {
            Resolution::Platform => Ok(()),
            _ => Err(ApiError::NotFound(
                "this endpoint is not served on a tenant's site (use the platform host)".into(),
            )),
        }
    }

    /// The tenant of a tenant host; `None` on the platform host.
    pub fn scope(&self) -> Option<TenantScope> {
        match &self.0 {
            Resolution::Tenant(entry) => Some(entry.scope),
            _ => None,
        }
    }
}

impl FromRequest for RequestHost {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(RequestHost::of(req))
    }
}

/// Who is asking, and where: the host and the caller authenticated from a
/// bearer token issued there. No token: `Caller::Anonymous`; a bad token is
/// a 401 whatever the endpoint. REST handlers extract it; the GraphQL
/// endpoint extracts the same value and hands it to every resolver.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub host: RequestHost,
    pub caller: Caller,
}

impl RequestContext {
    pub fn tenant(&self) -> Result<&HostEntry, ApiError> {
        self.host.tenant()
    }

    pub fn platform(&self) -> Result<(), ApiError> {
        self.host.platform()
    }
}

impl FromRequest for RequestContext {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let host = RequestHost::of(&req)?;
            let request_id = req.extensions().get::<RequestId>().cloned();
            let caller = authenticate(
                &state,
                host.scope(),
                req.headers().get(header::AUTHORIZATION),
            )
            .await
            .map_err(|error| match error {
                Refused::Token(reason) => {
                    tracing::warn!(
                        request_id = request_id.as_ref().map_or("-", |id| id.0.as_str()),
                        reason,
                        "bearer token refused"
                    );
                    ApiError::Unauthenticated(INVALID_TOKEN.into())
                }
                Refused::Other(error) => error,
            })?;
            Ok(RequestContext { host, caller })
        })
    }
}

/// Why [`authenticate`] said no: a bad token (its reason is for the log
/// only), or anything else, already an answer.
enum Refused {
    Token(&'static str),
    Other(ApiError),
}

impl From<ApiError> for Refused {
    fn from(error: ApiError) -> Self {
        Refused::Other(error)
    }
}

/// The caller behind an `Authorization` header.
async fn authenticate(
    state: &AppState,
    scope: Option<TenantScope>,
    authorization: Option<&header::HeaderValue>,
) -> Result<Caller, Refused> {
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
    match state.identity.authenticate(scope, token).await {
        Ok(caller) => Ok(caller),
        Err(atrium_identity::IdentityError::InvalidToken(reason)) => Err(Refused::Token(reason)),
        Err(other) => Err(Refused::Other(other.into())),
    }
}
