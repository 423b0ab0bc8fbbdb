//! What every domain's wire types share: list paging and timestamps. Each
//! domain's own request and response types live in its folder (`wire.rs`),
//! derived for serde, utoipa and async-graphql at once so that REST and
//! GraphQL can only show the same fields.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

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
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
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
