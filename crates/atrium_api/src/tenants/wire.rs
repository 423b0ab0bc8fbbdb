//! The wire types of tenants and of what provisioning makes.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::identity::wire::NewAccountBody;
use crate::sites::wire::SiteDto;
use crate::sites::wire::ThemeBody;
use crate::wire::{list_type, utc, HostName, Name};

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "Tenant")]
pub struct TenantDto {
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// `active` or `suspended`.
    #[schema(value_type = TenantStatusDto)]
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<atrium_tenants::Tenant> for TenantDto {
    fn from(t: atrium_tenants::Tenant) -> Self {
        Self {
            id: t.id.0,
            slug: t.slug,
            name: t.name,
            status: t.status.as_str().to_owned(),
            created_at: utc(t.created_at),
            updated_at: utc(t.updated_at),
        }
    }
}

list_type!(TenantList, TenantDto);

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "Organization")]
pub struct OrganizationDto {
    pub id: i64,
    pub short_name: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<atrium_organizations::Organization> for OrganizationDto {
    fn from(o: atrium_organizations::Organization) -> Self {
        Self {
            id: o.id.0,
            short_name: o.short_name,
            name: o.name,
            description: o.description,
            parent_id: o.parent_id.map(|p| p.0),
            created_at: utc(o.created_at),
            updated_at: utc(o.updated_at),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "Account")]
pub struct AccountDto {
    pub id: i64,
    pub email: String,
    pub username: String,
    pub name: String,
}

impl From<atrium_tenants::AdminAccount> for AccountDto {
    fn from(a: atrium_tenants::AdminAccount) -> Self {
        Self {
            id: a.id.0,
            email: a.email,
            username: a.username,
            name: a.name,
        }
    }
}

/// What provisioning made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProvisionedDto {
    pub tenant: TenantDto,
    pub site: SiteDto,
    pub organization: OrganizationDto,
    pub admin: AccountDto,
}

impl From<&atrium_tenants::Provisioned> for ProvisionedDto {
    fn from(p: &atrium_tenants::Provisioned) -> Self {
        let p = p.clone();
        Self {
            tenant: p.tenant.into(),
            site: p.site.into(),
            organization: p.organization.into(),
            admin: p.admin.into(),
        }
    }
}

/// The root organization made at provisioning.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvisionOrganization {
    /// The `ORG` of course keys: letters, digits, `_`, `.`, `-`.
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub short_name: String,
    #[schema(value_type = Name)]
    pub name: String,
}

/// `POST /api/v1/tenants`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvisionTenantBody {
    #[schema(pattern = r"^[a-z0-9][a-z0-9-]{1,62}$")]
    pub slug: String,
    #[schema(value_type = Name)]
    pub name: String,
    /// The primary site's host name, lowercase.
    #[schema(value_type = HostName)]
    pub domain: String,
    pub organization: ProvisionOrganization,
    pub admin: NewAccountBody,
    /// Initial values of the site configuration (enabled).
    #[schema(value_type = Option<Object>)]
    pub configuration: Option<serde_json::Map<String, Value>>,
    /// Initial theme: `{name, branding}`.
    #[schema(value_type = Option<ThemeBody>)]
    pub theme: Option<Value>,
}

/// `PATCH /api/v1/tenants/{slug}`: only the fields sent change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantPatchBody {
    #[schema(value_type = Option<Name>)]
    pub name: Option<String>,
    pub status: Option<TenantStatusDto>,
}

/// A tenant's status.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatusDto {
    Active,
    Suspended,
}

impl From<TenantStatusDto> for atrium_tenants::TenantStatus {
    fn from(status: TenantStatusDto) -> Self {
        match status {
            TenantStatusDto::Active => atrium_tenants::TenantStatus::Active,
            TenantStatusDto::Suspended => atrium_tenants::TenantStatus::Suspended,
        }
    }
}
