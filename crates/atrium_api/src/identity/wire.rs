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
    /// `operator` or `user`.
    pub kind: String,
    pub id: i64,
    pub email: String,
    /// A user's username; `null` for operators.
    pub username: Option<String>,
    /// A user's name; `null` for operators.
    pub name: Option<String>,
    /// The slug of a user's tenant; `null` for operators.
    pub tenant: Option<String>,
    pub roles: Vec<RoleDto>,
}

impl MeDto {
    /// The caller as `GET /api/v1/me` and GraphQL `me` show it, from the
    /// identity service's answer and the request's host.
    pub fn new(me: atrium_identity::Me, ctx: &RequestContext) -> Self {
        let tenant = match me.kind {
            atrium_identity::CallerKind::User => ctx
                .host
                .tenant()
                .ok()
                .map(|entry| entry.tenant_slug.clone()),
            atrium_identity::CallerKind::Operator => None,
        };
        let kind = match me.kind {
            atrium_identity::CallerKind::User => "user",
            atrium_identity::CallerKind::Operator => "operator",
        };
        Self {
            kind: kind.into(),
            id: me.id,
            email: me.email,
            username: me.username,
            name: me.name,
            tenant,
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
}
