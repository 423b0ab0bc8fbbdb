//! The wire types of sites, their configuration, theme and history.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::wire::{list_type, utc, HostName, Name};

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "Site")]
pub struct SiteDto {
    pub id: i64,
    pub domain: String,
    pub name: String,
    pub is_primary: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `active`: the domain routes to the site. `pending`: a domain outside
    /// the tenant's own base (`{slug}.{tenant_domain_base}`), waiting for an
    /// operator's approval; it does not route meanwhile. `rejected`: an
    /// operator refused the domain; move the site to another or delete it.
    pub domain_status: DomainStatus,
    /// The domain that routes to the site now: `domain` once active; while
    /// `domain` is pending, the site's earlier domain, or `null` if it had
    /// none.
    pub active_domain: Option<String>,
}

/// Whether a domain routes to its site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
pub enum DomainStatus {
    Active,
    Pending,
    Rejected,
}

impl From<atrium_sites::DomainStatus> for DomainStatus {
    fn from(status: atrium_sites::DomainStatus) -> Self {
        match status {
            atrium_sites::DomainStatus::Active => Self::Active,
            atrium_sites::DomainStatus::Pending => Self::Pending,
            atrium_sites::DomainStatus::Rejected => Self::Rejected,
        }
    }
}

/// A domain claimed by a tenant's site, as operators see it.
#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "DomainClaim")]
pub struct DomainClaimDto {
    pub domain: String,
    /// The slug of the tenant whose site claims the domain.
    pub tenant: String,
    pub site_id: i64,
    /// `pending` until approved (`active`) or rejected (`rejected`).
    pub status: DomainStatus,
}

impl From<atrium_sites::DomainClaim> for DomainClaimDto {
    fn from(c: atrium_sites::DomainClaim) -> Self {
        Self {
            domain: c.domain,
            tenant: c.tenant_slug,
            site_id: c.site_id.0,
            status: c.status.into(),
        }
    }
}

list_type!(DomainClaimList, DomainClaimDto);

impl From<atrium_sites::Site> for SiteDto {
    fn from(s: atrium_sites::Site) -> Self {
        Self {
            id: s.id.0,
            domain_status: s.domain_status.into(),
            active_domain: s.active_domain,
            domain: s.domain,
            name: s.name,
            is_primary: s.is_primary,
            created_at: utc(s.created_at),
            updated_at: utc(s.updated_at),
        }
    }
}

list_type!(SiteList, SiteDto);

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
#[serde(deny_unknown_fields)]
pub struct BrandingDto {
    /// An https:// URL, without spaces or control characters.
    #[schema(
        pattern = r"^https://[^/?#\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        max_length = 2048
    )]
    pub logo_url: Option<String>,
    /// An https:// URL, without spaces or control characters.
    #[schema(
        pattern = r"^https://[^/?#\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        max_length = 2048
    )]
    pub favicon_url: Option<String>,
    /// `#rrggbb`.
    #[schema(pattern = r"^#[0-9A-Fa-f]{6}$")]
    pub primary_color: Option<String>,
    /// `#rrggbb`.
    #[schema(pattern = r"^#[0-9A-Fa-f]{6}$")]
    pub secondary_color: Option<String>,
    #[schema(max_length = 2000)]
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

list_type!(SettingChangeList, SettingChangeDto);

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

/// `POST /api/v1/sites`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSiteBody {
    /// A lowercase host name; international names are stored as punycode.
    #[schema(value_type = HostName)]
    pub domain: String,
    #[schema(value_type = Name)]
    pub name: String,
    /// Make this the tenant's primary site.
    #[serde(default)]
    pub is_primary: bool,
}

/// `PATCH /api/v1/sites/{id}`: only the fields sent change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SitePatchBody {
    #[schema(value_type = Option<HostName>)]
    pub domain: Option<String>,
    #[schema(value_type = Option<Name>)]
    pub name: Option<String>,
    /// `true` moves the primary flag here; `false` is refused on the primary.
    pub is_primary: Option<bool>,
}

/// `PUT /api/v1/sites/{id}/configuration`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigurationBody {
    /// A JSON object of at most 64 KiB; well-known keys are type-checked.
    #[schema(value_type = Object)]
    pub values: Value,
    pub enabled: bool,
}

/// `PUT /api/v1/sites/{id}/theme`, for the document only: the handler
/// passes the raw JSON to the domain, which names every bad field at once.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ThemeBody {
    /// Letters, digits, `_`, `.` or `-`.
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub name: String,
    pub branding: Option<BrandingDto>,
}
