//! Conditional requests (RFC 9110 §13): reading `If-Match` and
//! `If-None-Match`, and sending `ETag`. The comparisons themselves are
//! `atrium_core::etag`, which the domain's write rules use too.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use crate::problem::ApiError;

/// The `If-Match` header a write is conditional on, if any.
pub fn if_match(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    header_text(req, header::IF_MATCH, "If-Match")
}

/// Whether `If-None-Match` names `etag` (weak comparison): the client's copy
/// is current and a `304` will do.
pub fn is_not_modified(req: &HttpRequest, etag: &str) -> Result<bool, ApiError> {
    Ok(header_text(req, header::IF_NONE_MATCH, "If-None-Match")?
        .is_some_and(|tags| atrium_core::etag::if_none_match(&tags, etag)))
}

/// Adds `ETag: etag` to a response.
pub fn with_etag(mut response: HttpResponse, etag: &str) -> Result<HttpResponse, ApiError> {
    let value = HeaderValue::from_str(etag).map_err(|e| ApiError::Internal(e.to_string()))?;
    response.headers_mut().insert(header::ETAG, value);
    Ok(response)
}

fn header_text(
    req: &HttpRequest,
    name: header::HeaderName,
    field: &str,
) -> Result<Option<String>, ApiError> {
    req.headers()
        .get(&name)
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| ApiError::validation(field, "must be a list of entity tags"))
        })
        .transpose()
}
