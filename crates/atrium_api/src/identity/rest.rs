//! REST: the token endpoint, the public keys, the caller, and
//! self-registration.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use atrium_identity::IdentityError;
use atrium_sites::Resolution;

use super::wire::{
    JwksDocument, MeDto, MePatchBody, NewAccountBody, RegisteredUser, TokenRequest, TokenResponse,
};
use crate::client_address::client_address;
use crate::context::{RequestContext, RequestHost};
use crate::framework::{body_error, from_object};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

fn oauth(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::OAuth(status, code, detail.into())
}

/// The token endpoint answers as RFC 6749 §5.2 says: bad credentials are
/// `invalid_grant`, not a bare 401.
fn login_failed(error: IdentityError) -> ApiError {
    match error {
        IdentityError::InvalidCredentials => oauth(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "invalid username or password",
        ),
        other => other.into(),
    }
}

fn parse_token_request(req: &HttpRequest, body: &[u8]) -> Result<TokenRequest, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => serde_json::from_slice(body)
            .map_err(|e| body_error(&e))
            .and_then(from_object)
            .map_err(|e| oauth(StatusCode::BAD_REQUEST, "invalid_request", e.to_string())),
        "application/x-www-form-urlencoded" => serde_urlencoded::from_bytes(body).map_err(|e| {
            oauth(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                format!("invalid form body: {e}"),
            )
        }),
        _ => Err(ApiError::UnsupportedMediaType(
            "send the token request as application/json or application/x-www-form-urlencoded"
                .into(),
        )),
    }
}

/// Exchange credentials for an access token. On the platform host this
/// logs in operators; on a tenant's site, that tenant's users.
#[utoipa::path(operation_id = "issue_token", post, path = "/api/v1/auth/token", tag = "auth",
    request_body(content(
        (TokenRequest = "application/json"),
        (TokenRequest = "application/x-www-form-urlencoded"),
    )),
    responses((status = 200, description = "An access token", body = TokenResponse)))]
pub async fn token(
    state: web::Data<AppState>,
    host: RequestHost,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let request = parse_token_request(&req, &body)?;
    let issued = match request.grant_type.as_deref() {
        Some("password") => {
            let (Some(username), Some(password)) =
                (request.username.as_deref(), request.password.as_deref())
            else {
                return Err(oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "the password grant needs username and password",
                ));
            };
            let client = client_address(&req, &state.settings.trusted_proxies);
            match host.resolution() {
                Resolution::Platform => {
                    state
                        .identity
                        .login_operator(username, password, client)
                        .await
                }
                Resolution::Tenant(entry) => {
                    state
                        .identity
                        .login_user(entry.scope, username, password, client)
                        .await
                }
                Resolution::Unknown => return Err(ApiError::UnknownSite),
            }
            .map_err(login_failed)?
        }
        Some("refresh_token" | "client_credentials") => {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "this grant type is not enabled yet",
            ))
        }
        Some(other) => {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("unknown grant type {other:?}"),
            ))
        }
        None => {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            ))
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token: issued.access_token,
            token_type: "Bearer".into(),
            expires_in: issued.expires_in,
        }))
}

/// The public keys that verify access tokens.
#[utoipa::path(operation_id = "get_jwks", get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "JSON Web Key Set", body = JwksDocument)))]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(JwksDocument {
            keys: state.identity.jwks().keys.clone(),
        })
}

/// The caller: operator or user, its account, tenant and roles.
#[utoipa::path(operation_id = "get_me", get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, description = "The caller", body = MeDto)),
    security(("bearer" = [])))]
pub async fn me(state: web::Data<AppState>, ctx: RequestContext) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(MeDto::of(&state, &ctx).await?))
}

/// Change the caller's own name (users) or password (users and operators).
/// A new password needs `current_password`; a wrong one is a `400` with a
/// field error on `current_password`.
#[utoipa::path(operation_id = "update_me", patch, path = "/api/v1/me", tag = "auth",
    request_body = MePatchBody,
    responses((status = 200, description = "The caller, changed", body = MeDto)),
    security(("bearer" = [])))]
pub async fn update_me(
    state: web::Data<AppState>,
    ctx: RequestContext,
    req: HttpRequest,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let body: MePatchBody = from_object(body.into_inner())?;
    let client = client_address(&req, &state.settings.trusted_proxies);
    let me = state
        .identity
        .update_me(&ctx.caller, ctx.host.scope(), body.into(), client)
        .await?;
    Ok(HttpResponse::Ok().json(MeDto::new(me, &ctx)))
}

/// Create an account on this site, when its configuration allows public
/// registration (`ALLOW_PUBLIC_ACCOUNT_CREATION`).
#[utoipa::path(operation_id = "register", post, path = "/api/v1/auth/register", tag = "auth", request_body = NewAccountBody,
    responses(
        (status = 201, description = "The new account", body = RegisteredUser),
        (status = 409, description = "Email or username taken", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register(
    state: web::Data<AppState>,
    host: RequestHost,
    req: HttpRequest,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let entry = host.tenant()?;
    let body: NewAccountBody = from_object(body.into_inner())?;
    let user = state
        .identity
        .register(
            entry.scope,
            entry.site_id,
            body.into(),
            client_address(&req, &state.settings.trusted_proxies),
        )
        .await?;
    Ok(HttpResponse::Created().json(RegisteredUser {
        id: user.id,
        email: user.email,
        username: user.username,
        name: user.name,
    }))
}
