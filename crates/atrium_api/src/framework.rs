//! The framework's own failures as problems: malformed JSON, a bad query
//! string or path, a body over the limit, a wrong content type, an unknown
//! route or method. Nothing leaves the server as HTML or plain text.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest};

use crate::graphql::http::GRAPHQL_RESPONSE_JSON;
use crate::problem::{ApiError, PROBLEM_JSON};

pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|error, _req: &HttpRequest| json_error(error).into())
}

pub fn json_error(error: JsonPayloadError) -> ApiError {
    match error {
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("send the body as application/json".into())
        }
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge(format!("the body is larger than {limit} bytes"))
        }
        JsonPayloadError::Deserialize(e) => body_error(&e),
        other => ApiError::BadRequest {
            detail: format!("the body could not be read: {other}"),
        },
    }
}

/// A request body that must be a JSON object, read into `T`. serde's derived
/// structs also take a JSON array of their fields in declaration order
/// (`[null, null]` for a patch of two optional fields), which the document
/// does not allow and no client should come to rely on.
///
/// A number written with a zero fraction (`7.0`) is an integer to JSON
/// Schema, and so to the OpenAPI document: it is read as one wherever an
/// integer is expected (a float field takes an integer as it is).
pub fn from_object<T: serde::de::DeserializeOwned>(
    mut body: serde_json::Value,
) -> Result<T, ApiError> {
    if !body.is_object() {
        return Err(ApiError::BadRequest {
            detail: "the body does not have the expected shape: expected a JSON object".into(),
        });
    }
    integral_floats_as_integers(&mut body);
    serde_json::from_value(body).map_err(|e| body_error(&e))
}

fn integral_floats_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) => {
            // Within ±2^53 a float holds every integer exactly; beyond
            // it `1e300` would silently become some other integer.
            const EXACT: f64 = 9_007_199_254_740_992.0;
            if let Some(float) = number.as_f64().filter(|_| number.is_f64()) {
                if float.fract() == 0.0 && float.abs() <= EXACT {
                    *value = Value::from(float as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_floats_as_integers),
        Value::String(_) | Value::Bool(_) | Value::Null => {}
    }
}

/// A JSON body that does not parse, with where it went wrong (serde's
/// message carries line and column), or that parses but has the wrong shape.
pub fn body_error(error: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::BadRequest {
            detail: format!("the body is not valid JSON: {error}"),
        },
        Category::Data => ApiError::BadRequest {
            detail: format!("the body does not have the expected shape: {error}"),
        },
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req| {
        let detail = match error {
            QueryPayloadError::Deserialize(e) => format!("invalid query string: {e}"),
            other => format!("invalid query string: {other}"),
        };
        ApiError::BadRequest { detail }.into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error, _req| {
        let detail = match error {
            PathError::Deserialize(e) => format!("invalid path parameter: {e}"),
            other => format!("invalid path parameter: {other}"),
        };
        ApiError::BadRequest { detail }.into()
    })
}

pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

/// For requests no route matches.
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "route {} {} not found",
        req.method(),
        req.path()
    )))
}

/// Turns any error response that is not already a problem into one: what
/// actix answers by itself (405 from a resource, 413 from a payload
/// extractor) and what third-party extractors answer in plain text.
pub async fn problems_everywhere(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?;
    let status = response.status();
    // A GraphQL response carries its errors in its own shape, which its
    // client asked for (the GraphQL-over-HTTP spec's 4xx answers).
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| {
            let ct = ct.as_bytes();
            ct.starts_with(PROBLEM_JSON.as_bytes())
                || ct.starts_with(GRAPHQL_RESPONSE_JSON.as_bytes())
        });
    if !status.is_client_error() && !status.is_server_error() || is_problem {
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    let allow = response
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let detail = match response.into_body().try_into_bytes() {
        Ok(bytes) if !bytes.is_empty() => String::from_utf8_lossy(&bytes).into_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    let error = match status.as_u16() {
        401 => ApiError::Unauthenticated(detail),
        403 => ApiError::Forbidden(detail),
        404 => ApiError::NotFound("resource not found".into()),
        405 => ApiError::MethodNotAllowed {
            detail: format!("{} is not allowed on {}", request.method(), request.path()),
            allow: allow.clone(),
        },
        413 => ApiError::PayloadTooLarge(detail),
        415 => ApiError::UnsupportedMediaType(detail),
        503 => ApiError::Unavailable(detail),
        400..=499 => ApiError::BadRequest { detail },
        _ => ApiError::Internal(detail),
    };
    // The status stays what the framework chose; the body says the same.
    let mut problem = error.problem();
    problem.status = status.as_u16();
    let mut replaced = actix_web::HttpResponse::build(status);
    replaced.content_type(PROBLEM_JSON);
    if !allow.is_empty() {
        replaced.insert_header((header::ALLOW, allow));
    }
    Ok(ServiceResponse::new(request, replaced.json(problem)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn integral_floats_read_as_integers_and_others_stay() {
        #[derive(serde::Deserialize)]
        struct Body {
            user_id: i64,
            items: Vec<i64>,
            ratio: f64,
        }
        let body: Body = super::from_object(
            json!({"user_id": -164142071741.0, "items": [1.0, 2], "ratio": 3.0}),
        )
        .unwrap_or_else(|_| panic!("integral floats are integers"));
        assert_eq!(
            (body.user_id, body.items, body.ratio),
            (-164142071741, vec![1, 2], 3.0)
        );
        assert!(
            super::from_object::<Body>(json!({"user_id": 1.5, "items": [], "ratio": 0})).is_err()
        );
        assert!(
            super::from_object::<Body>(json!({"user_id": 1e300, "items": [], "ratio": 0})).is_err()
        );
    }
}
