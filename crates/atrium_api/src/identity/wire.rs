//! The wire types of authentication: token requests and answers, the
//! public keys, registration and the caller (`me`).

use async_graphql::SimpleObject;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::context::RequestContext;
use crate::problem::ApiError;

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
    /// `operator` or `user`.
    pub kind: String,
    pub id: i64,
    /// The tenant of a user; `null` for operators.
    pub tenant: Option<String>,
    pub roles: Vec<RoleDto>,
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
            }),
        }
    }
}

/// A token request (RFC 6749), as JSON or form fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Only `password` is served yet; `refresh_token` and
    /// `client_credentials` answer `unsupported_grant_type`.
    #[schema(required = true, value_type = GrantType)]
    pub grant_type: Option<String>,
    /// A username or an email (the password grant's, so required while it
    /// is the only grant).
    #[schema(required = true, value_type = String)]
    pub username: Option<String>,
    #[schema(required = true, value_type = String)]
    pub password: Option<String>,
}

/// The grant types the token endpoint serves.
// For the document only: the handler reads `grant_type` as a string and
// answers any other value with `unsupported_grant_type`.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum GrantType {
    Password,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
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
