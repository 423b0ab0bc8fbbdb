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
    /// A user's or operator's email; `null` for API clients.
    pub email: Option<String>,
    /// A user's username; `null` for operators and API clients.
    pub username: Option<String>,
    /// A user's or API client's name; `null` for operators.
    pub name: Option<String>,
    /// The slug of a user's or client's tenant; `null` for operators.
    pub tenant: Option<String>,
    pub roles: Vec<RoleDto>,
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
    /// The caller as `GET /api/v1/me` and GraphQL `me` show it, from the
    /// identity service's answer and the request's host.
    pub fn new(me: atrium_identity::Me, ctx: &RequestContext) -> Self {
        use atrium_identity::CallerKind;
        let tenant = match me.kind {
            CallerKind::User | CallerKind::Client => ctx
                .host
                .tenant()
                .ok()
                .map(|entry| entry.tenant_slug.clone()),
            CallerKind::Operator => None,
        };
        let kind = match me.kind {
            CallerKind::User => "user",
            CallerKind::Operator => "operator",
            CallerKind::Client => "client",
        };
        let client = me.client;
        Self {
            kind: kind.into(),
            id: me.id,
            email: me.email,
            username: me.username,
            name: me.name,
            tenant,
            client_id: client.as_ref().map(|c| c.client_id.clone()),
            scopes: client
                .as_ref()
                .map(|c| c.scopes.iter().map(|s| s.as_str().to_owned()).collect()),
            organization: client.and_then(|c| c.organization),
            roles: me
                .grants
                .iter()
                .map(|g| RoleDto {
                    role: g.role.as_str().into(),
                    scope: g.scope.encode(),
                })
                .collect(),
        }
    }

    /// Looks the caller up through the identity service.
    pub async fn of(state: &AppState, ctx: &RequestContext) -> Result<Self, ApiError> {
        let me = state.identity.me(&ctx.caller, ctx.host.scope()).await?;
        Ok(Self::new(me, ctx))
    }
}

/// `PATCH /api/v1/me`: only the fields sent change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatchBody {
    /// Users only (operators have no name).
    #[schema(max_length = 255, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    pub name: Option<String>,
    /// The new password: at least 10 characters and at most 1,024 bytes;
    /// not the username or the email (ignoring case); not one of the most
    /// common passwords. Each broken rule is its own field error on
    /// `password`. Needs `current_password`.
    #[schema(min_length = 10, max_length = 1024)]
    pub password: Option<String>,
    /// Required with `password`. A wrong one is a `400` with a field error
    /// on `current_password`, and counts as a failed login of the account.
    pub current_password: Option<String>,
}

impl From<MePatchBody> for atrium_identity::MePatch {
    fn from(body: MePatchBody) -> Self {
        Self {
            name: body.name,
            password: body.password,
            current_password: body.current_password,
        }
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
    /// At least 10 characters and at most 1,024 bytes; not the username
    /// or the email (ignoring case); not one of the most common passwords.
    /// Each broken rule is its own field error on `password`.
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
