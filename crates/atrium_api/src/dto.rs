//! The wire types of the API, shared by REST (serde + utoipa) and GraphQL
//! (async-graphql), so the two can only show the same fields.

use async_graphql::SimpleObject;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// `limit` and `cursor` of every list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListQuery {
    pub fn page(&self) -> Result<atrium_core::PageRequest, atrium_core::ValidationErrors> {
        atrium_core::PageRequest::parse(self.limit, self.cursor.as_deref())
    }
}

macro_rules! list_type {
    ($name:ident, $item:ty, $gql:literal) => {
        #[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
        #[graphql(name = $gql)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `cursor` for the next page; `null` on the last page.
            pub next_cursor: Option<String>,
        }

        impl<T: Into<$item>> From<atrium_core::Page<T>> for $name {
            fn from(page: atrium_core::Page<T>) -> Self {
                Self {
                    items: page.items.into_iter().map(Into::into).collect(),
                    next_cursor: page.next_cursor,
                }
            }
        }
    };
}

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "Tenant")]
pub struct TenantDto {
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// `active` or `suspended`.
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

list_type!(TenantList, TenantDto, "TenantList");

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "Site")]
pub struct SiteDto {
    pub id: i64,
    pub domain: String,
    pub name: String,
    pub is_primary: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<atrium_sites::Site> for SiteDto {
    fn from(s: atrium_sites::Site) -> Self {
        Self {
            id: s.id.0,
            domain: s.domain,
            name: s.name,
            is_primary: s.is_primary,
            created_at: utc(s.created_at),
            updated_at: utc(s.updated_at),
        }
    }
}

list_type!(SiteList, SiteDto, "SiteList");

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

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "SiteConfiguration")]
pub struct SiteConfigurationDto {
    pub site_id: i64,
    /// Any JSON object; well-known keys are type-checked.
    #[schema(value_type = Object)]
    pub values: Value,
    /// A disabled configuration is kept but not applied.
    pub enabled: bool,
    /// Starts at 1; 0 means the site never had a configuration.
    pub version: i64,
    /// The entity tag to send as `If-Match` (REST) or `ifMatch` (GraphQL).
    pub etag: String,
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<atrium_sites::SiteConfiguration> for SiteConfigurationDto {
    fn from(c: atrium_sites::SiteConfiguration) -> Self {
        Self {
            etag: c.etag(),
            site_id: c.site_id.0,
            values: Value::Object(c.values),
            enabled: c.enabled,
            version: c.version,
            updated_at: c.updated_at.map(utc),
        }
    }
}

#[derive(
    Debug, Clone, Serialize, Deserialize, ToSchema, SimpleObject, async_graphql::InputObject,
)]
#[graphql(name = "Branding", input_name = "BrandingInput")]
pub struct BrandingDto {
    /// An https:// URL.
    pub logo_url: Option<String>,
    /// An https:// URL.
    pub favicon_url: Option<String>,
    /// `#rrggbb`.
    pub primary_color: Option<String>,
    /// `#rrggbb`.
    pub secondary_color: Option<String>,
    pub footer_text: Option<String>,
}

impl From<atrium_sites::Branding> for BrandingDto {
    fn from(b: atrium_sites::Branding) -> Self {
        Self {
            logo_url: b.logo_url,
            favicon_url: b.favicon_url,
            primary_color: b.primary_color,
            secondary_color: b.secondary_color,
            footer_text: b.footer_text,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "SiteTheme")]
pub struct SiteThemeDto {
    pub site_id: i64,
    pub name: String,
    pub branding: BrandingDto,
    /// 0 means the site never had a theme (the default one applies).
    pub version: i64,
    /// The entity tag to send as `If-Match` (REST) or `ifMatch` (GraphQL).
    pub etag: String,
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<atrium_sites::SiteTheme> for SiteThemeDto {
    fn from(t: atrium_sites::SiteTheme) -> Self {
        Self {
            etag: t.etag(),
            site_id: t.site_id.0,
            name: t.name,
            branding: t.branding.into(),
            version: t.version,
            updated_at: t.updated_at.map(utc),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "SettingChange")]
pub struct SettingChangeDto {
    pub id: i64,
    /// `configuration` or `theme`.
    pub kind: String,
    /// `user:ID` or `operator:ID`.
    pub actor: String,
    pub changed_at: DateTime<Utc>,
    /// The document before the change; `null` for the first version.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Object)]
    pub after: Value,
}

impl From<atrium_sites::SettingChange> for SettingChangeDto {
    fn from(c: atrium_sites::SettingChange) -> Self {
        Self {
            id: c.id,
            kind: c.kind,
            actor: c.actor,
            changed_at: utc(c.changed_at),
            before: c.before,
            after: c.after,
        }
    }
}

list_type!(SettingChangeList, SettingChangeDto, "SettingChangeList");

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "ConfigValue")]
pub struct ConfigValueDto {
    pub key: String,
    #[schema(value_type = Object, nullable)]
    pub value: Value,
    /// `site` or `platform`.
    pub source: String,
}

impl From<atrium_sites::ResolvedValue> for ConfigValueDto {
    fn from(v: atrium_sites::ResolvedValue) -> Self {
        let source = match v.source {
            atrium_sites::ValueSource::Site => "site",
            atrium_sites::ValueSource::Platform => "platform",
        };
        Self {
            key: v.key,
            value: v.value,
            source: source.to_owned(),
        }
    }
}

/// The public bootstrap of a site.
#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "PublicSite")]
pub struct PublicSiteDto {
    pub name: String,
    pub domain: String,
    pub platform_name: String,
    pub theme: PublicThemeDto,
    /// The configuration keys the site lists in `public_keys`, resolved.
    #[schema(value_type = Object)]
    pub configuration: Value,
    /// Whether `POST /api/v1/auth/register` is open on this site.
    pub registration_open: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "PublicTheme")]
pub struct PublicThemeDto {
    pub name: String,
    pub branding: BrandingDto,
}

impl From<atrium_sites::PublicSite> for PublicSiteDto {
    fn from(s: atrium_sites::PublicSite) -> Self {
        Self {
            name: s.name,
            domain: s.domain,
            platform_name: s.platform_name,
            theme: PublicThemeDto {
                name: s.theme_name,
                branding: s.branding.into(),
            },
            configuration: Value::Object(s.configuration),
            registration_open: s.registration_open,
        }
    }
}

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
    pub fn of(
        caller: &atrium_permissions::Caller,
        resolution: &atrium_sites::Resolution,
    ) -> Result<Self, crate::problem::ApiError> {
        use atrium_permissions::Caller;
        let tenant = match resolution {
            atrium_sites::Resolution::Tenant(entry) => Some(entry.tenant_slug.clone()),
            _ => None,
        };
        match caller {
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
