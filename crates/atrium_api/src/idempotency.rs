//! `Idempotency-Key` for any write: the first request with a key runs and
//! its answer is stored; a repeat with the same key and body gets that
//! answer again (`Idempotent-Replayed: true`), one with another body a
//! `422`, and one sent while the first is still running a `409`. Keys are
//! kept per tenant (or the platform) and caller, for 24 hours.
//!
//! Only successful answers are stored: a write that failed changed nothing,
//! so its key is released and the client may retry with it.

use std::future::Future;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use atrium_core::Failure;
use atrium_db::idempotency::{self, Claim, KeyOwner};
use atrium_permissions::Caller;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::context::RequestContext;
use crate::problem::ApiError;
use crate::state::AppState;

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
const KEY_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// A write's answer: its status and JSON body.
pub struct Answer {
    status: StatusCode,
    body: Value,
}

/// A `201 Created` answer with `body`.
pub fn created(body: impl Serialize) -> Result<Answer, ApiError> {
    Ok(Answer {
        status: StatusCode::CREATED,
        body: serde_json::to_value(body).map_err(|e| ApiError::Internal(e.to_string()))?,
    })
}

/// Adds `Location: path` to a `201`, a first answer or its replay (the
/// stored answer keeps no headers, so the handler derives the path from
/// what was sent).
pub fn with_location(mut response: HttpResponse, path: &str) -> Result<HttpResponse, ApiError> {
    if response.status() == StatusCode::CREATED {
        let value = HeaderValue::from_str(path).map_err(|e| ApiError::Internal(e.to_string()))?;
        response
            .headers_mut()
            .insert(actix_web::http::header::LOCATION, value);
    }
    Ok(response)
}

/// Runs `write` at most once per `Idempotency-Key` (when the request has
/// one). `body` is the request body the key is bound to.
pub async fn once<F, Fut>(
    state: &AppState,
    ctx: &RequestContext,
    req: &HttpRequest,
    body: &Value,
    write: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Answer, ApiError>>,
{
    let Some(key) = req.headers().get(IDEMPOTENCY_KEY) else {
        return write().await.map(respond);
    };
    // Who asks before what they sent: a write without a token is a 401,
    // whatever its key looks like.
    let caller = caller_key(&ctx.caller)?;
    let owner = KeyOwner {
        scope: ctx.host.scope(),
        caller,
        key: parse_key(key)?,
    };
    let fingerprint = fingerprint(req, body);
    let expired_before = chrono::Utc::now().naive_utc() - KEY_LIFETIME;
    let claim = idempotency::claim(
        &state.db,
        owner.clone(),
        fingerprint.clone(),
        expired_before,
    )
    .await
    .map_err(Failure::from)?;
    if let Claim::Taken(stored) = claim {
        if stored.request_hash != fingerprint {
            return Err(ApiError::Unprocessable(
                "this Idempotency-Key was already used with a different request".into(),
            ));
        }
        let (Some(status), Some(body)) = (stored.status_code, stored.response_body) else {
            return Err(ApiError::Conflict(
                "a request with this Idempotency-Key is still in progress; retry shortly".into(),
            ));
        };
        let status = u16::try_from(status)
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .ok_or_else(|| ApiError::Internal(format!("stored status {status} unreadable")))?;
        let body: Value = serde_json::from_str(&body)
            .map_err(|e| ApiError::Internal(format!("stored answer unreadable: {e}")))?;
        let mut response = respond(Answer { status, body });
        response
            .headers_mut()
            .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
        return Ok(response);
    }
    match write().await {
        Ok(answer) => {
            let stored = idempotency::complete(
                &state.db,
                owner,
                i32::from(answer.status.as_u16()),
                answer.body.to_string(),
            )
            .await;
            // The write is done either way; a key that could not be completed
            // stays in flight until it expires, which refuses retries rather
            // than repeating the write.
            if let Err(error) = stored {
                tracing::error!(%error, "could not store an idempotent answer");
            }
            Ok(respond(answer))
        }
        Err(error) => {
            if let Err(release) = idempotency::release(&state.db, owner).await {
                tracing::error!(error = %release, "could not release an idempotency key");
            }
            Err(error)
        }
    }
}

fn respond(answer: Answer) -> HttpResponse {
    HttpResponse::build(answer.status).json(answer.body)
}

/// A key is 1 to 255 visible ASCII characters, no spaces: the pattern
/// `^[!-~]{1,255}$` that `create_site` and `provision_tenant` declare.
fn parse_key(value: &HeaderValue) -> Result<String, ApiError> {
    let bytes = value.as_bytes();
    Some(bytes)
        .filter(|k| (1..=255).contains(&k.len()) && k.iter().all(|b| (b'!'..=b'~').contains(b)))
        .and_then(|k| std::str::from_utf8(k).ok())
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::validation(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )
        })
}

/// Keys belong to whoever sent them; an anonymous caller has none to keep,
/// and its write is refused by the service anyway.
fn caller_key(caller: &Caller) -> Result<String, ApiError> {
    match caller {
        Caller::Operator { id } => Ok(format!("operator:{id}")),
        Caller::User { id, .. } => Ok(format!("user:{id}")),
        Caller::Client { id, .. } => Ok(format!("client:{id}")),
        Caller::Anonymous => Err(atrium_permissions::Denied::Unauthenticated.into()),
    }
}

/// The request a key is bound to: method, path and body, with object keys
/// sorted so that key order does not make two bodies differ.
fn fingerprint(req: &HttpRequest, body: &Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(b" ");
    hasher.update(req.path());
    hasher.update(b"\n");
    hasher.update(canonical(body));
    format!("{:x}", hasher.finalize())
}

/// JSON with object keys sorted at every level.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<_> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), canonical(&map[*k])))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn canonical_json_ignores_key_order() {
        let a = json!({"b": 1, "a": {"y": [1, {"d": 2, "c": 3}], "x": "s"}});
        let b = json!({"a": {"x": "s", "y": [1, {"c": 3, "d": 2}]}, "b": 1});
        assert_eq!(super::canonical(&a), super::canonical(&b));
        assert_ne!(super::canonical(&a), super::canonical(&json!({"b": 2})));
    }
}
