//! REST: the token endpoint, the public keys, the caller, and
//! self-registration.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use atrium_db::TenantScope;
use atrium_identity::IdentityError;
use atrium_sites::Resolution;
use serde::de::DeserializeOwned;

use super::wire::{
    JwksDocument, MeDto, MePatchBody, NewAccountBody, RegisteredUser, RevokeRequest, TokenRequest,
    TokenResponse,
};
use crate::client_address::client_address;
use crate::context::{RequestContext, RequestHost};
use crate::framework::{body_error, from_object};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

fn oauth(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::OAuth(status, code, detail.into())
}

/// The token endpoint answers as RFC 6749 §5.2 says: bad credentials and
/// bad refresh tokens are `invalid_grant`, not a bare 401. Each has one
/// detail whatever the reason (unknown name, wrong password or disabled
/// account give the same bytes), and the problem body carries nothing of
/// the request (its id travels in `X-Request-Id`).
fn grant_failed(error: IdentityError) -> ApiError {
    match error {
        IdentityError::InvalidCredentials => oauth(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "invalid username or password",
        ),
        IdentityError::InvalidRefreshToken => oauth(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the refresh token is invalid, expired or revoked",
        ),
        IdentityError::EmailNotVerified => oauth(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the email address of this account is not verified yet: follow the link mailed to it",
        ),
        IdentityError::NotAMember => oauth(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "this site admits only members of the organizations it serves",
        ),
        other => other.into(),
    }
}

fn invalid_request(detail: impl Into<String>) -> ApiError {
    oauth(StatusCode::BAD_REQUEST, "invalid_request", detail)
}

/// An OAuth request body (RFC 6749 §4, RFC 7009 §2.1): form fields, or
/// the same fields as a JSON object.
fn parse_oauth_body<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
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
            .map_err(|e| invalid_request(e.to_string())),
        "application/x-www-form-urlencoded" => serde_urlencoded::from_bytes(body)
            .map_err(|e| invalid_request(format!("invalid form body: {e}"))),
        _ => Err(ApiError::UnsupportedMediaType(
            "send the request as application/json or application/x-www-form-urlencoded".into(),
        )),
    }
}

/// The realm of the host: a tenant's (`Some`) or the platform's (`None`).
fn realm(host: &RequestHost) -> Result<Option<TenantScope>, ApiError> {
    match host.resolution() {
        Resolution::Platform => Ok(None),
        Resolution::Tenant(entry) => Ok(Some(entry.scope)),
        Resolution::Unknown => Err(ApiError::UnknownSite),
    }
}

/// The site of a tenant host.
fn site_of(host: &RequestHost) -> Result<atrium_core::SiteId, ApiError> {
    match host.resolution() {
        Resolution::Tenant(entry) => Ok(entry.site_id),
        Resolution::Platform | Resolution::Unknown => Err(ApiError::UnknownSite),
    }
}

/// A field a grant needs, or `invalid_request` naming it.
fn required<'a>(value: &'a Option<String>, grant: &str, field: &str) -> Result<&'a str, ApiError> {
    value
        .as_deref()
        .ok_or_else(|| invalid_request(format!("the {grant} grant needs {field}")))
}

/// Exchange credentials for an access token. On the platform host this
/// logs in operators; on a tenant's site, that tenant's users. The
/// `password` grant also answers a refresh token; `refresh_token` spends
/// one and answers the next.
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
    let request: TokenRequest = parse_oauth_body(&req, &body)?;
    let scope = realm(&host)?;
    let client = client_address(&req, &state.settings.trusted_proxies);
    let identity = &state.identity;
    // One arm per grant type (RFC 6749 §4).
    let issued = match request.grant_type.as_deref() {
        Some("password") => {
            let username = required(&request.username, "password", "username")?;
            let password = required(&request.password, "password", "password")?;
            match scope {
                None => identity.login_operator(username, password, client).await,
                Some(scope) => {
                    let site = site_of(&host)?;
                    identity
                        .login_user(scope, site, username, password, client)
                        .await
                }
            }
        }
        Some("refresh_token") => {
            let token = required(&request.refresh_token, "refresh_token", "refresh_token")?;
            let site = scope.map(|_| site_of(&host)).transpose()?;
            identity.refresh(scope, site, token, client).await
        }
        Some("client_credentials") => {
            return client_credentials(&state, &host, &req, &request).await;
        }
        Some(other) => {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("unknown grant type {other:?}"),
            ))
        }
        None => return Err(invalid_request("grant_type is required")),
    }
    .map_err(grant_failed)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token: issued.access_token,
            token_type: "Bearer".into(),
            expires_in: issued.expires_in,
            refresh_token: issued.refresh_token,
            scope: None,
        }))
}

/// Revoke a refresh token and every token of its login (RFC 7009). The
/// answer is 200 whether or not the token was known, valid or already
/// revoked; access tokens are short-lived and not revocable. On the
/// platform host this revokes operators' tokens.
#[utoipa::path(operation_id = "revoke_token", post, path = "/api/v1/auth/revoke", tag = "auth",
    request_body(content(
        (RevokeRequest = "application/json"),
        (RevokeRequest = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        (status = 400, description = "No token (`invalid_request`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke(
    state: web::Data<AppState>,
    host: RequestHost,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let request: RevokeRequest = parse_oauth_body(&req, &body)?;
    let scope = realm(&host)?;
    let token = request
        .token
        .as_deref()
        .ok_or_else(|| invalid_request("token is required"))?;
    state.identity.revoke(scope, token).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

/// The client credentials grant (RFC 6749 §4.4): an API client's token, on
/// its tenant's hosts. The credentials come in the body or as HTTP Basic
/// (§2.3.1), not both. No refresh token (§4.4.3): the client asks again.
async fn client_credentials(
    state: &AppState,
    host: &RequestHost,
    req: &HttpRequest,
    request: &TokenRequest,
) -> Result<HttpResponse, ApiError> {
    let basic = basic_credentials(req)?;
    let (client_id, client_secret) = match (basic, &request.client_id, &request.client_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "send the client credentials either in the body or as HTTP Basic, not both",
            ))
        }
        (Some(basic), None, None) => basic,
        (None, Some(id), Some(secret)) => (id.clone(), secret.clone()),
        (None, _, _) => {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the client_credentials grant needs client_id and client_secret",
            ))
        }
    };
    let Resolution::Tenant(entry) = host.resolution() else {
        return Err(match host.resolution() {
            Resolution::Unknown => ApiError::UnknownSite,
            _ => oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "API clients belong to a tenant: ask one of its sites",
            ),
        });
    };
    let client = client_address(req, &state.settings.trusted_proxies);
    let issued = state
        .identity
        .client_credentials(
            entry.scope,
            &client_id,
            &client_secret,
            request.scope.as_deref(),
            client,
        )
        .await
        .map_err(|error| match error {
            IdentityError::InvalidClient => oauth(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "invalid client credentials",
            ),
            IdentityError::InvalidScope(detail) => {
                oauth(StatusCode::BAD_REQUEST, "invalid_scope", detail)
            }
            other => other.into(),
        })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token: issued.token.access_token,
            token_type: "Bearer".into(),
            expires_in: issued.token.expires_in,
            refresh_token: None,
            scope: Some(issued.scopes.encode()),
        }))
}

/// Client credentials sent as HTTP Basic: `client_id:client_secret`, each
/// form-urlencoded first (RFC 6749 §2.3.1). Another scheme is not ours.
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, ApiError> {
    use base64::Engine;
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let Some(encoded) = value.to_str().ok().and_then(|v| {
        v.get(..6)
            .filter(|s| s.eq_ignore_ascii_case("basic "))
            .map(|_| &v[6..])
    }) else {
        return Ok(None);
    };
    let bad = || {
        oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the Basic credentials must be base64 of client_id:client_secret",
        )
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let unescape = |part: &str| -> Result<String, ApiError> {
        if part.contains('&') {
            return Err(bad());
        }
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(&format!("v={part}")).map_err(|_| bad())?;
        pairs.pop().map(|(_, value)| value).ok_or_else(bad)
    };
    Ok(Some((unescape(id)?, unescape(secret)?)))
}

/// The public keys that verify access tokens.
///
/// The key that signs, and those that still verify tokens signed before a
/// rotation. Cacheable for a
/// minute, so that verifiers that cache it see a rotation soon (and one
/// that meets a token with an unknown `kid` should fetch it again). The
/// servers themselves read the keys from the database.
#[utoipa::path(operation_id = "get_jwks", get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "JSON Web Key Set", body = JwksDocument)))]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(JwksDocument {
            keys: state.identity.jwks().keys,
        })
}

/// The caller: operator, user or API client; its account, tenant and
/// roles (a client: its scopes).
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
        email_verified: user.email_verified,
    }))
}
