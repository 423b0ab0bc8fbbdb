//! The wire types of a tenant's accounts.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::wire::{list_type, utc};

/// An account of the tenant, as its admins see it.
#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "User")]
pub struct UserDto {
    pub id: i64,
    /// Lowercase.
    pub email: String,
    pub username: String,
    pub name: String,
    /// A deactivated account cannot sign in, and its tokens stop working
    /// on their next request.
    pub is_active: bool,
    pub email_verified: bool,
    /// `false` for an account created without a password: it can sign in
    /// only after a password reset.
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<atrium_identity::Account> for UserDto {
    fn from(a: atrium_identity::Account) -> Self {
        Self {
            id: a.id.0,
            email: a.email,
            username: a.username,
            name: a.name,
            is_active: a.is_active,
            email_verified: a.email_verified,
            has_password: a.has_password,
            created_at: utc(a.created_at),
            updated_at: utc(a.updated_at),
        }
    }
}

list_type!(UserList, UserDto);

/// The filters of `GET /api/v1/users` (besides `limit` and `cursor`).
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserSearchQuery {
    /// A substring of the email, username or name, ignoring case; at most
    /// 255 characters, without control characters.
    #[param(max_length = 255, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    pub q: Option<String>,
    /// Only active (`true`) or only deactivated (`false`) accounts.
    pub is_active: Option<bool>,
}

impl UserSearchQuery {
    pub fn filter(self) -> atrium_identity::AccountFilter {
        atrium_identity::AccountFilter {
            q: self.q,
            is_active: self.is_active,
        }
    }
}

/// `POST /api/v1/users`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    /// Unique in the tenant, ignoring case; stored lowercase.
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    /// Unique in the tenant, ignoring case.
    #[schema(pattern = r"^[A-Za-z0-9_.-]{2,30}$")]
    pub username: String,
    #[serde(default)]
    #[schema(max_length = 255, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    pub name: String,
    /// Optional. Without one, the account can sign in only after a password
    /// reset. At least 10 characters and at most 1,024 bytes; not the
    /// username or the email (ignoring case); not one of the most common
    /// passwords. Each broken rule is its own field error.
    #[schema(min_length = 10, max_length = 1024)]
    pub password: Option<String>,
}

impl From<NewUserBody> for atrium_identity::NewUser {
    fn from(body: NewUserBody) -> Self {
        Self {
            email: body.email,
            username: body.username,
            name: body.name,
            password: body.password,
        }
    }
}

/// `PATCH /api/v1/users/{id}`: only the fields sent change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatchBody {
    #[schema(format = "email", max_length = 254)]
    pub email: Option<String>,
    #[schema(pattern = r"^[A-Za-z0-9_.-]{2,30}$")]
    pub username: Option<String>,
    #[schema(max_length = 255, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    pub name: Option<String>,
    /// `false` deactivates the account: it cannot sign in and its tokens
    /// stop working at once. The tenant's last active tenant admin cannot
    /// be deactivated (`409`).
    pub is_active: Option<bool>,
}

impl From<UserPatchBody> for atrium_identity::AccountPatch {
    fn from(body: UserPatchBody) -> Self {
        Self {
            email: body.email,
            username: body.username,
            name: body.name,
            is_active: body.is_active,
        }
    }
}
