//! What every domain's wire types share: list paging and timestamps. Each
//! domain's own request and response types live in its folder (`wire.rs`),
//! derived for serde, utoipa and async-graphql at once so that REST and
//! GraphQL can only show the same fields.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, PartialSchema, ToSchema};

pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// `limit` and `cursor` of every list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (base64url; any other value is a
    /// `400`).
    #[param(pattern = r"^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// A human-readable name (of a tenant, site or organization): 1 to 255
/// characters, not blank, no control characters (`atrium_core::is_name`;
/// blank is Unicode White_Space, as `str::trim` has it). The wire fields are
/// `String`s; this is their schema.
pub struct Name;

impl PartialSchema for Name {
    fn schema() -> RefOr<Schema> {
        string_schema(
            "1 to 255 characters, not blank, without control characters",
            255,
            r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$",
        )
    }
}
impl ToSchema for Name {}

/// A site's host name as `atrium_sites::normalize_domain` takes it; the
/// wire fields are `String`s, this is their schema.
pub struct HostName;

impl PartialSchema for HostName {
    fn schema() -> RefOr<Schema> {
        string_schema(
            "A lowercase host name without scheme, port or path: dot-separated labels of \
             `a-z`, `0-9` and inner `-`, at most 63 characters each. A label may also be \
             international (Unicode); it is stored in its punycode (`xn--`) form, and IDNA's \
             rules for such labels (and for `--` in a label's third and fourth place) are \
             checked by the server, not by this pattern.",
            253,
            r"^[^\x00-\x2f:-\x60{-\x7f]([^\x00-\x2c./:-\x60{-\x7f]{0,61}[^\x00-\x2f:-\x60{-\x7f])?(\.[^\x00-\x2f:-\x60{-\x7f]([^\x00-\x2c./:-\x60{-\x7f]{0,61}[^\x00-\x2f:-\x60{-\x7f])?)*$",
        )
    }
}
impl ToSchema for HostName {}

fn string_schema(description: &str, max_length: usize, pattern: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .min_length(Some(1))
        .max_length(Some(max_length))
        .pattern(Some(pattern))
        .into()
}

impl ListQuery {
    pub fn page(&self) -> Result<atrium_core::PageRequest, atrium_core::ValidationErrors> {
        atrium_core::PageRequest::parse(self.limit, self.cursor.as_deref())
    }
}

/// A page of `$item`s, for REST (`{items, next_cursor}`) and GraphQL.
macro_rules! list_type {
    ($name:ident, $item:ty) => {
        #[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
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
pub(crate) use list_type;
