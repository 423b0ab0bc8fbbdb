//! The wire types of authentication: token requests and answers, the
//! public keys, registration and the caller (`me`).

use async_graphql::SimpleObject;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::context::RequestContext;
use crate::problem::ApiError;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "RoleGrant")]
pub struct RoleDto {
    pub role: String,
    /// `tenant` or `org:SHORT_NAME`.
    pub scope: String,
}

/// The caller of `GET /api/v1/me`.
#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "Me")]
pub struct MeDto {
    /// `operator`, `user` or `client` (an API client).
    pub kind: String,
    pub id: i64,
    /// The tenant of a user or client; `null` for operators.
    pub tenant: Option<String>,
    pub roles: Vec<RoleDto>,
    /// An API client's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An API client's public id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// An API client's scopes in this token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// The short name of the organization an API client is limited to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
}

impl MeDto {
    /// The caller as `GET /api/v1/me` and GraphQL `me` show it.
    pub fn of(ctx: &RequestContext) -> Result<Self, ApiError> {
        use atrium_permissions::Caller;
        let tenant = ctx
            .host
            .tenant()
            .ok()
            .map(|entry| entry.tenant_slug.clone());
        match &ctx.caller {
            Caller::Anonymous => Err(atrium_permissions::Denied::Unauthenticated.into()),
            Caller::Operator { id } => Ok(Self {
                kind: "operator".into(),
                id: id.0,
                tenant: None,
                roles: Vec::new(),
                name: None,
                client_id: None,
                scopes: None,
                organization: None,
            }),
            Caller::User { id, grants, .. } => Ok(Self {
                kind: "user".into(),
                id: id.0,
                tenant,
                roles: grants
                    .iter()
                    .map(|g| RoleDto {
                        role: g.role.as_str().into(),
                        scope: g.scope.encode(),
                    })
                    .collect(),
                name: None,
                client_id: None,
                scopes: None,
                organization: None,
            }),
            Caller::Client { id, scopes, .. } => Ok(Self {
                kind: "client".into(),
                id: id.0,
                tenant,
                roles: Vec::new(),
                name: None,
                client_id: None,
                scopes: Some(scopes.iter().map(|s| s.as_str().to_owned()).collect()),
                organization: None,
            }),
        }
    }

    /// Adds what an API client's token does not say: its name, public id
    /// and organization (read from the client itself).
    pub async fn with_client_details(
        mut self,
        state: &AppState,
        ctx: &RequestContext,
    ) -> Result<Self, ApiError> {
        if let atrium_permissions::Caller::Client { .. } = ctx.caller {
            let client = state
                .identity
                .calling_client(&ctx.caller, ctx.tenant()?.scope)
                .await?;
            self.name = Some(client.name);
            self.client_id = Some(client.client_id);
            self.organization = client.organization;
        }
        Ok(self)
    }
}

/// A token request (RFC 6749), as JSON or form fields. Which fields a
/// request needs depends on its grant type; a missing one is an
/// `invalid_request`, and fields a grant does not use are ignored.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `password` or `refresh_token`; `client_credentials` for API clients
    /// (on a tenant's site).
    #[schema(required = true, value_type = GrantType)]
    pub grant_type: Option<String>,
    /// `password` grant: a username or an email.
    #[schema(required = false, value_type = String)]
    pub username: Option<String>,
    /// `password` grant.
    #[schema(required = false, value_type = String)]
    pub password: Option<String>,
    /// `refresh_token` grant: the refresh token to rotate. It is spent by
    /// this request: use the new one from the answer next time.
    #[schema(required = false, value_type = String)]
    pub refresh_token: Option<String>,
    /// The client credentials grant's (or send both as HTTP Basic).
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Client credentials grant: the scopes wanted, space-separated, all
    /// held by the client; absent, all the client holds.
    pub scope: Option<String>,
}

/// The grant types the token endpoint serves: `password` (username and
/// password), `refresh_token` (a refresh token from an earlier answer) and
/// `client_credentials` (an API client's id and secret).
// For the document only: the handler reads `grant_type` as a string and
// answers any other value with `unsupported_grant_type`.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum GrantType {
    Password,
    RefreshToken,
    ClientCredentials,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Opaque; exchange it with `grant_type=refresh_token` for a new access
    /// token (and a new refresh token: each one works once). Presenting a
    /// used one again revokes the whole login.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, value_type = String)]
    pub refresh_token: Option<String>,
    /// The scopes granted, space-separated (API clients' tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A revocation request (RFC 7009), as JSON or form fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RevokeRequest {
    /// A refresh token: it and every token of its login are revoked.
    #[schema(required = true, value_type = String)]
    pub token: Option<String>,
    /// `refresh_token` or `access_token`; a hint only (RFC 7009 §2.1).
    /// Access tokens are short-lived and not revocable: revoking one
    /// changes nothing.
    #[schema(required = false, value_type = Option<String>)]
    // Accepted, and not needed: refresh tokens are the only revocable kind.
    #[allow(dead_code)]
    pub token_type_hint: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JwksDocument {
    /// Ed25519 public keys (OKP, RFC 8037); match a token's `kid`.
    #[schema(value_type = Vec<Object>)]
    pub keys: Vec<atrium_identity::Jwk>,
}

/// A new account: `POST /api/v1/auth/register`, and a tenant's first admin
/// at provisioning.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    #[schema(pattern = r"^[A-Za-z0-9_.-]{2,30}$")]
    pub username: String,
    /// At least 10 characters, at most 1,024 bytes.
    #[schema(min_length = 10, max_length = 1024)]
    pub password: String,
    #[serde(default)]
    #[schema(max_length = 255, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    pub name: String,
}

impl From<NewAccountBody> for atrium_identity::NewAccount {
    fn from(body: NewAccountBody) -> Self {
        Self {
            email: body.email,
            username: body.username,
            name: body.name,
            password: body.password,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredUser {
    pub id: i64,
    pub email: String,
    pub username: String,
    pub name: String,
    /// `false` when the site requires email verification: the account
    /// logs in once the link mailed to it was followed.
    pub email_verified: bool,
}

/// `POST /api/v1/auth/password-reset`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetBody {
    /// The account's email; the answer is the same whether it has one.
    #[schema(format = "email", max_length = 254)]
    pub email: String,
}

/// The one answer to a reset request, whatever the email.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetAccepted {
    pub detail: String,
}

/// `POST /api/v1/auth/password-reset/confirm`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirmBody {
    /// The `token` of the mailed link.
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
    /// The new password: at least 10 characters, at most 1,024 bytes.
    #[schema(min_length = 10, max_length = 1024)]
    pub password: String,
}

/// `POST /api/v1/auth/verify-email`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailBody {
    /// The `token` of the mailed link.
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
}
