//! The wire types of content libraries.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::wire::{list_type, utc, Name};

/// A content library: reusable content of one organization, partitioned
/// like its courses.
#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[schema(as = Library)]
#[graphql(name = "Library")]
pub struct LibraryDto {
    /// `lib:ORG:SLUG`; never changes.
    #[schema(pattern = r"^lib:[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9_.-]{1,64}$")]
    pub key: String,
    /// The organization's short name (the key's `ORG`).
    pub org: String,
    pub slug: String,
    #[schema(value_type = Name)]
    pub display_name: String,
    pub description: String,
    /// Grows with every change; the `ETag` is `"v{version}"`.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<atrium_courses::Library> for LibraryDto {
    fn from(l: atrium_courses::Library) -> Self {
        Self {
            key: l.key,
            org: l.org,
            slug: l.slug,
            display_name: l.display_name,
            description: l.description,
            version: l.version,
            created_at: utc(l.created_at),
            updated_at: utc(l.updated_at),
        }
    }
}

list_type!(LibraryList, LibraryDto);

/// `POST /api/v1/libraries`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLibraryBody {
    /// The short name of an active organization of this tenant (`400` on
    /// `org` otherwise).
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub org: String,
    #[schema(pattern = r"^[A-Za-z0-9_.-]{1,64}$")]
    pub slug: String,
    #[schema(value_type = Name)]
    pub display_name: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub description: String,
}

impl From<NewLibraryBody> for atrium_courses::NewLibrary {
    fn from(b: NewLibraryBody) -> Self {
        Self {
            org: b.org,
            slug: b.slug,
            display_name: b.display_name,
            description: b.description,
        }
    }
}

/// `PATCH /api/v1/libraries/{library_key}`: only the fields sent change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LibraryPatchBody {
    #[schema(value_type = Option<Name>)]
    pub display_name: Option<String>,
    #[schema(max_length = 10000)]
    pub description: Option<String>,
}
