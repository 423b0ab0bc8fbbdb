//! The wire types of organizations and memberships.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::wire::{list_type, utc, Name};

/// An organization of the tenant: the university, a department.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Organization)]
pub struct OrganizationDto {
    /// Unique in the tenant; never changes (course keys name it).
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub short_name: String,
    #[schema(value_type = Name)]
    pub name: String,
    pub description: String,
    /// An `https://` URL, or empty.
    pub logo_url: String,
    /// A deactivated organization keeps its courses but takes no new ones.
    pub is_active: bool,
    /// The organization made at provisioning: it stays at the top of the
    /// tree and cannot be deleted.
    pub is_root: bool,
    /// The parent's short name; `null` at the top of the tree.
    pub parent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<atrium_organizations::Organization> for OrganizationDto {
    fn from(org: atrium_organizations::Organization) -> Self {
        Self {
            short_name: org.short_name,
            name: org.name,
            description: org.description,
            logo_url: org.logo_url,
            is_active: org.is_active,
            is_root: org.is_root,
            parent: org.parent,
            created_at: utc(org.created_at),
            updated_at: utc(org.updated_at),
        }
    }
}

/// A page of organizations (REST; GraphQL pages its own node type).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationList {
    pub items: Vec<OrganizationDto>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<atrium_core::Page<atrium_organizations::Organization>> for OrganizationList {
    fn from(page: atrium_core::Page<atrium_organizations::Organization>) -> Self {
        Self {
            items: page.items.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// The filter of `GET /api/v1/organizations` (besides `limit` and `cursor`).
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationListQuery {
    /// Only the children of this organization (a short name; `404` when
    /// the tenant has none such). Without it, every organization the
    /// caller may see.
    pub parent: Option<String>,
}

/// `POST /api/v1/organizations`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganizationBody {
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub short_name: String,
    #[schema(value_type = Name)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub description: String,
    /// An `https://` URL, or empty.
    #[serde(default)]
    #[schema(max_length = 2048)]
    pub logo_url: String,
    #[serde(default = "active")]
    #[schema(default = true)]
    pub is_active: bool,
    /// The parent's short name (an organization of this tenant, else a
    /// `400` on `parent`); absent or `null`: a top-level organization. The
    /// tree is at most 8 levels deep.
    pub parent: Option<String>,
}

fn active() -> bool {
    true
}

impl From<NewOrganizationBody> for atrium_organizations::NewChildOrganization {
    fn from(body: NewOrganizationBody) -> Self {
        Self {
            short_name: body.short_name,
            name: body.name,
            description: body.description,
            logo_url: body.logo_url,
            is_active: body.is_active,
            parent: body.parent,
        }
    }
}

/// Absent stays `None`; `null` becomes `Some(None)`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// `PATCH /api/v1/organizations/{short_name}`: only the fields sent change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatchBody {
    /// Immutable: only the current short name is accepted.
    pub short_name: Option<String>,
    #[schema(value_type = Option<Name>)]
    pub name: Option<String>,
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    #[schema(max_length = 2048)]
    pub logo_url: Option<String>,
    pub is_active: Option<bool>,
    /// Moves the organization under another one (managing both), or to the
    /// top with `null` (managing the tenant's organizations). Not under
    /// itself or one of its descendants; the tree stays at most 8 deep.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = true)]
    pub parent: Option<Option<String>>,
}

impl From<OrganizationPatchBody> for atrium_organizations::OrganizationPatch {
    fn from(body: OrganizationPatchBody) -> Self {
        Self {
            short_name: body.short_name,
            name: body.name,
            description: body.description,
            logo_url: body.logo_url,
            is_active: body.is_active,
            parent: body.parent,
        }
    }
}

/// A user's membership of an organization.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
#[schema(as = Membership)]
#[graphql(name = "Membership")]
pub struct MembershipDto {
    /// The organization's short name.
    pub organization: String,
    pub user_id: i64,
    /// An inactive membership is kept but counts for nothing (a site's
    /// `REQUIRE_ORGANIZATION_MEMBERSHIP`, say).
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<atrium_organizations::Membership> for MembershipDto {
    fn from(m: atrium_organizations::Membership) -> Self {
        Self {
            organization: m.organization,
            user_id: m.user_id.0,
            is_active: m.is_active,
            created_at: utc(m.created_at),
            updated_at: utc(m.updated_at),
        }
    }
}

list_type!(MembershipList, MembershipDto);

/// `POST /api/v1/organizations/{short_name}/members`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMemberBody {
    /// A user of this tenant (else `404`).
    pub user_id: i64,
    /// Default `true` for a new membership; for an existing one, absent
    /// leaves it as it is.
    pub is_active: Option<bool>,
}
