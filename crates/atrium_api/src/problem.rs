//! Every error of the HTTP API, and the one place where each becomes a
//! status and an `application/problem+json` body (RFC 9457).

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use atrium_core::{ErrorKind, Failure, FieldError, ValidationErrors};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";
const TYPE_BASE: &str = "https://atrium.dev/problems/";

/// An RFC 9457 problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// URI naming the kind of problem; its last segment is stable.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// One entry per invalid field, for validation failures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<ProblemFieldError>)]
    pub errors: Vec<FieldError>,
    /// The OAuth 2.0 error code (RFC 6749 §5.2), on token endpoint failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A field that failed validation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemFieldError {
    pub field: String,
    pub message: String,
}

/// Every failure a handler or resolver can return: the kinds every domain
/// shares (from a [`Failure`]) and the few that only HTTP knows.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest { detail: String },
    #[error("{0}")]
    Validation(ValidationErrors),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("no site is served at this host")]
    UnknownSite,
    #[error("this tenant is suspended")]
    TenantSuspended,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("the resource changed since it was read")]
    PreconditionFailed,
    #[error("If-Match is required to change an existing resource")]
    PreconditionRequired,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// `allow` lists the methods the path has (the `Allow` header).
    #[error("{detail}")]
    MethodNotAllowed { detail: String, allow: String },
    #[error("{0}")]
    NotAcceptable(String),
    /// A token endpoint failure: status, RFC 6749 error code, detail.
    #[error("{2}")]
    OAuth(StatusCode, &'static str, String),
    #[error("{0}")]
    Unavailable(String),
    /// Not ready because of the database's configuration: a 503 whose
    /// detail is shown, since it says what an operator must change
    /// (readiness on Citus).
    #[error("{0}")]
    Misconfigured(String),
    /// Too many attempts; `Retry-After` says when to try again.
    #[error("{detail}")]
    TooManyRequests {
        detail: String,
        retry_after_secs: u64,
    },
    /// Too much work waiting already (a 503 with `Retry-After`).
    #[error("{detail}")]
    Overloaded {
        detail: String,
        retry_after_secs: u64,
    },
    /// Never the client's fault: logged, and hidden from the client.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    fn kind(&self) -> (StatusCode, &'static str, &'static str) {
        use ApiError::*;
        match self {
            BadRequest { .. } => (StatusCode::BAD_REQUEST, "bad-request", "Bad request"),
            Validation(_) => (StatusCode::BAD_REQUEST, "validation", "Invalid request"),
            Unauthenticated(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Authentication required",
            ),
            Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            UnknownSite => (StatusCode::NOT_FOUND, "unknown-site", "Unknown site"),
            TenantSuspended => (
                StatusCode::FORBIDDEN,
                "tenant-suspended",
                "Tenant suspended",
            ),
            Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            Unprocessable(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "unprocessable",
                "Unprocessable request",
            ),
            PreconditionFailed => (
                StatusCode::PRECONDITION_FAILED,
                "precondition-failed",
                "Precondition failed",
            ),
            PreconditionRequired => (
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                "Precondition required",
            ),
            UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            PayloadTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Payload too large",
            ),
            MethodNotAllowed { .. } => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            NotAcceptable(_) => (
                StatusCode::NOT_ACCEPTABLE,
                "not-acceptable",
                "Not acceptable",
            ),
            OAuth(status, _, _) => (*status, "oauth", "Token request failed"),
            Unavailable(_) | Misconfigured(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
            TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many requests",
            ),
            Overloaded { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }

    /// The problem body, for REST responses and GraphQL extensions alike.
    pub fn problem(&self) -> Problem {
        let (status, slug, title) = self.kind();
        let detail = match self {
            ApiError::Internal(message) => {
                tracing::error!(error = %message, "internal error");
                "an unexpected error occurred; it has been logged".to_owned()
            }
            ApiError::Unavailable(message) => {
                tracing::warn!(error = %message, "service unavailable");
                "the service is temporarily unavailable; retry shortly".to_owned()
            }
            other => other.to_string(),
        };
        Problem {
            type_: format!("{TYPE_BASE}{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors: match self {
                ApiError::Validation(errors) => errors.errors.clone(),
                _ => Vec::new(),
            },
            error: match self {
                ApiError::OAuth(_, code, _) => Some((*code).to_owned()),
                _ => None,
            },
        }
    }

    /// The stable, machine-readable code of this error (GraphQL
    /// `extensions.code`): the problem type's last segment, uppercased.
    pub fn code(&self) -> String {
        self.kind().1.replace('-', "_").to_uppercase()
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(ValidationErrors::single(field, message))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind().0
    }

    fn error_response(&self) -> HttpResponse {
        let problem = self.problem();
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            ApiError::Unauthenticated(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"atrium\""));
            }
            ApiError::OAuth(status, code, _) if *status == StatusCode::UNAUTHORIZED => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, format!("Basic error=\"{code}\"")));
            }
            ApiError::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            ApiError::TooManyRequests {
                retry_after_secs, ..
            }
            | ApiError::Overloaded {
                retry_after_secs, ..
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            _ => {}
        }
        if matches!(self, ApiError::OAuth(..)) {
            response.insert_header((header::CACHE_CONTROL, "no-store"));
        }
        response.json(problem)
    }
}

/// The one mapping of the shared kinds onto HTTP's.
impl From<Failure> for ApiError {
    fn from(failure: Failure) -> Self {
        let Failure {
            kind,
            message,
            fields,
        } = failure;
        match kind {
            ErrorKind::BadRequest => ApiError::BadRequest { detail: message },
            ErrorKind::Validation => ApiError::Validation(ValidationErrors { errors: fields }),
            ErrorKind::Unauthenticated => ApiError::Unauthenticated(message),
            ErrorKind::Forbidden => ApiError::Forbidden(message),
            ErrorKind::NotFound => ApiError::NotFound(message),
            ErrorKind::Conflict => ApiError::Conflict(message),
            ErrorKind::Unprocessable => ApiError::Unprocessable(message),
            ErrorKind::PreconditionFailed => ApiError::PreconditionFailed,
            ErrorKind::PreconditionRequired => ApiError::PreconditionRequired,
            ErrorKind::Unavailable => ApiError::Unavailable(message),
            ErrorKind::TooManyRequests { retry_after_secs } => ApiError::TooManyRequests {
                detail: message,
                retry_after_secs,
            },
            ErrorKind::Overloaded { retry_after_secs } => ApiError::Overloaded {
                detail: message,
                retry_after_secs,
            },
            ErrorKind::Internal => ApiError::Internal(message),
        }
    }
}

/// Each domain's error reaches HTTP through its [`Failure`] mapping: one
/// line per domain.
macro_rules! through_failure {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for ApiError {
            fn from(error: $error) -> Self {
                Failure::from(error).into()
            }
        }
    )*};
}

through_failure!(
    ValidationErrors,
    atrium_permissions::Denied,
    atrium_identity::IdentityError,
    atrium_sites::SitesError,
    atrium_tenants::TenantsError,
    atrium_audit::AuditError,
    atrium_organizations::OrganizationsError,
    atrium_courses::CoursesError,
);
