//! REST: password reset by mail and email verification. Public (no
//! token), on a tenant's site only; the flows live in
//! `atrium_identity`'s `recovery`.

use actix_web::{web, HttpResponse};
use atrium_core::{is_email, ValidationErrors};

use super::wire::{
    PasswordResetAccepted, PasswordResetBody, PasswordResetConfirmBody, VerifyEmailBody,
};
use crate::context::RequestHost;
use crate::framework::from_object;
use crate::problem::ApiError;
use crate::state::AppState;

/// Mail a link to reset the password of the account with this email, if
/// there is an active one on this site's tenant. The answer is the same
/// `202` either way, so it tells nobody whether an account exists. At most
/// one mail per account and minute: asking again sooner sends nothing
/// (the first link still works). Only a body that is not an email address
/// at all is a `400`.
#[utoipa::path(operation_id = "request_password_reset", post, path = "/api/v1/auth/password-reset",
    tag = "auth", request_body = PasswordResetBody,
    responses((status = 202, description = "Accepted, whether or not the email has an account", body = PasswordResetAccepted)))]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    host: RequestHost,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let entry = host.tenant()?;
    let body: PasswordResetBody = from_object(body.into_inner())?;
    let email = body.email.trim();
    if email.len() > 254 || !is_email(email) {
        return Err(ValidationErrors::single("email", "must be an email address").into());
    }
    state
        .identity
        .request_password_reset(entry.scope, entry.site_id, email)
        .await?;
    Ok(HttpResponse::Accepted().json(PasswordResetAccepted {
        detail: "If an active account has this email, a link to reset its password is on its way."
            .into(),
    }))
}

/// Set a new password with the token of a reset link. The token works
/// once and expires (`password_reset_ttl_secs`); using it also verifies
/// the email and revokes every refresh token of the account. An unusable
/// token (unknown, of another site's tenant, used or expired) is a `400`
/// with a field error on `token`.
#[utoipa::path(operation_id = "confirm_password_reset", post, path = "/api/v1/auth/password-reset/confirm",
    tag = "auth", request_body = PasswordResetConfirmBody,
    responses((status = 204, description = "The password is set; log in with it")))]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    host: RequestHost,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let entry = host.tenant()?;
    let body: PasswordResetConfirmBody = from_object(body.into_inner())?;
    state
        .identity
        .confirm_password_reset(entry.scope, &body.token, &body.password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Verify an account's email with the token of the link mailed at
/// registration (on sites with `REQUIRE_EMAIL_VERIFICATION`). Until then
/// the account cannot log in. An unusable token is a `400` with a field
/// error on `token`; a lost link is replaced by a password reset, which
/// verifies the email too.
#[utoipa::path(operation_id = "verify_email", post, path = "/api/v1/auth/verify-email",
    tag = "auth", request_body = VerifyEmailBody,
    responses((status = 204, description = "The email is verified")))]
pub async fn verify_email(
    state: web::Data<AppState>,
    host: RequestHost,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let entry = host.tenant()?;
    let body: VerifyEmailBody = from_object(body.into_inner())?;
    state
        .identity
        .verify_email(entry.scope, &body.token)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
