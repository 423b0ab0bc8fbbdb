//! The wire types of API clients.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::wire::{list_type, utc, Name};

/// An API client. Its secret is never shown again after creation.
#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "ApiClient")]
pub struct ApiClientDto {
    pub id: i64,
    /// What the client sends as `client_id` to the token endpoint.
    pub client_id: String,
    pub name: String,
    #[schema(value_type = Vec<ScopeName>)]
    pub scopes: Vec<String>,
    /// The short name of the organization the client is limited to
    /// (within its subtree); `null`: the whole tenant, as its scopes allow.
    pub organization: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<atrium_identity::ApiClient> for ApiClientDto {
    fn from(client: atrium_identity::ApiClient) -> Self {
        Self {
            id: client.id.0,
            client_id: client.client_id,
            name: client.name,
            scopes: client
                .scopes
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            organization: client.organization,
            created_at: utc(client.created_at),
        }
    }
}

/// A client just created: the one answer that carries its secret.
#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "CreatedApiClient")]
pub struct CreatedApiClientDto {
    pub id: i64,
    pub client_id: String,
    /// Shown this once and stored only as a hash: keep it now.
    pub client_secret: String,
    pub name: String,
    #[schema(value_type = Vec<ScopeName>)]
    pub scopes: Vec<String>,
    pub organization: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<atrium_identity::CreatedApiClient> for CreatedApiClientDto {
    fn from(created: atrium_identity::CreatedApiClient) -> Self {
        let client = ApiClientDto::from(created.client);
        Self {
            id: client.id,
            client_id: client.client_id,
            client_secret: created.client_secret,
            name: client.name,
            scopes: client.scopes,
            organization: client.organization,
            created_at: client.created_at,
        }
    }
}

list_type!(ApiClientList, ApiClientDto);

/// A new API client.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiClientBody {
    #[schema(value_type = Name)]
    pub name: String,
    /// At least one.
    #[schema(value_type = Vec<ScopeName>, min_items = 1)]
    pub scopes: Vec<String>,
    /// The short name of an organization of the tenant, to limit the
    /// client to its subtree.
    #[serde(default)]
    pub organization: Option<String>,
}

impl From<NewApiClientBody> for atrium_identity::NewApiClient {
    fn from(body: NewApiClientBody) -> Self {
        Self {
            name: body.name,
            scopes: body.scopes,
            organization: body.organization,
        }
    }
}

/// What an API client may be allowed to do.
// For the document only: scopes travel as strings, and the service names
// an unknown one in a field error.
#[derive(ToSchema)]
#[allow(dead_code)]
pub enum ScopeName {
    #[schema(rename = "sites:read")]
    SitesRead,
    #[schema(rename = "sites:write")]
    SitesWrite,
    #[schema(rename = "users:read")]
    UsersRead,
    #[schema(rename = "users:write")]
    UsersWrite,
    #[schema(rename = "organizations:read")]
    OrganizationsRead,
    #[schema(rename = "organizations:write")]
    OrganizationsWrite,
    #[schema(rename = "courses:read")]
    CoursesRead,
    #[schema(rename = "courses:write")]
    CoursesWrite,
    #[schema(rename = "enrollments:read")]
    EnrollmentsRead,
    #[schema(rename = "enrollments:write")]
    EnrollmentsWrite,
}
