//! Keyset pagination shared by every list: `limit` and an opaque `cursor`.
//!
//! The cursor is the last id of the previous page, base64url-encoded behind a
//! version tag so that its format can change without breaking clients that
//! keep a cursor across a deploy.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::validation::ValidationErrors;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;
const CURSOR_TAG: &str = "v1:";

/// A validated request for one page: at most `limit` rows whose id is greater
/// than `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<i64>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            after: None,
        }
    }
}

impl PageRequest {
    /// Validates the raw query values; a bad limit or cursor is a field error.
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(l) if (1..=MAX_LIMIT).contains(&l) => l,
            Some(_) => {
                errors.add("limit", format!("must be between 1 and {MAX_LIMIT}"));
                DEFAULT_LIMIT
            }
        };
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => match decode_cursor(c) {
                Some(id) => Some(id),
                None => {
                    errors.add("cursor", "is not a cursor this API issued");
                    None
                }
            },
        };
        errors.into_result()?;
        Ok(Self { limit, after })
    }

    /// How many rows to fetch: one more than the page, to know whether a next
    /// page exists without a count query.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }
}

/// One page of items and the cursor of the next page, if any.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from rows fetched with [`PageRequest::fetch_limit`].
    pub fn from_rows(mut rows: Vec<T>, request: PageRequest, id_of: impl Fn(&T) -> i64) -> Self {
        let has_more = rows.len() as i64 > request.limit;
        rows.truncate(request.limit as usize);
        let next_cursor = if has_more {
            rows.last().map(|last| encode_cursor(id_of(last)))
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

pub fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_TAG}{id}"))
}

fn decode_cursor(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    text.strip_prefix(CURSOR_TAG)?.parse().ok()
}

/// Where a page of a list in a sort order other than id's ends: the sort
/// key of its last item (`None` for a null key) and that item's id, which
/// breaks ties. Its cursor names the order it was issued for, so a cursor
/// of one order is refused by a list in another instead of skipping rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeekKey {
    pub key: Option<String>,
    pub id: i64,
}

const SEEK_TAG: &str = "k1";

/// A validated request for one page of a keyset list sorted by `order`
/// (then id): at most `limit` rows after `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeekRequest {
    pub limit: i64,
    pub order: &'static str,
    pub after: Option<SeekKey>,
}

impl SeekRequest {
    /// Validates the raw query values for a list sorted by `order`; a bad
    /// limit, a cursor this API did not issue, or one issued for another
    /// order is a field error.
    pub fn parse(
        limit: Option<i64>,
        cursor: Option<&str>,
        order: &'static str,
    ) -> Result<Self, ValidationErrors> {
        // Every bad value is named at once, as `PageRequest` does.
        let mut errors = PageRequest::parse(limit, None).err().unwrap_or_default();
        let after = match cursor.filter(|c| !c.is_empty()).map(decode_seek) {
            None => None,
            Some(Some((issued_for, key))) if issued_for == order => Some(key),
            Some(Some(_)) => {
                errors.add(
                    "cursor",
                    "was issued for another sort order (start again without it)",
                );
                None
            }
            Some(None) => {
                errors.add("cursor", "is not a cursor this API issued");
                None
            }
        };
        errors.into_result()?;
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        Ok(Self {
            limit,
            order,
            after,
        })
    }

    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }
}

impl<T> Page<T> {
    /// Builds a page from rows fetched with [`SeekRequest::fetch_limit`].
    pub fn from_seek_rows(
        mut rows: Vec<T>,
        request: &SeekRequest,
        key_of: impl Fn(&T) -> SeekKey,
    ) -> Self {
        let has_more = rows.len() as i64 > request.limit;
        rows.truncate(request.limit as usize);
        let next_cursor = if has_more {
            rows.last()
                .map(|last| encode_seek(request.order, &key_of(last)))
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }
}

/// `k1:ORDER:ID:` then `-` for a null key or `=` and the key (which may
/// hold any character, `:` included: it is last).
pub fn encode_seek(order: &str, at: &SeekKey) -> String {
    let key = match &at.key {
        None => "-".to_owned(),
        Some(key) => format!("={key}"),
    };
    URL_SAFE_NO_PAD.encode(format!("{SEEK_TAG}:{order}:{}:{key}", at.id))
}

fn decode_seek(cursor: &str) -> Option<(String, SeekKey)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.splitn(4, ':');
    if parts.next()? != SEEK_TAG {
        return None;
    }
    let order = parts.next()?.to_owned();
    let id = parts.next()?.parse().ok()?;
    let rest = parts.next()?;
    let key = if rest == "-" {
        None
    } else {
        Some(rest.strip_prefix('=')?.to_owned())
    };
    Some((order, SeekKey { key, id }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let page = PageRequest::parse(Some(5), Some(&encode_cursor(42))).unwrap();
        assert_eq!(
            page,
            PageRequest {
                limit: 5,
                after: Some(42)
            }
        );
        let err = PageRequest::parse(None, Some("not-a-cursor")).unwrap_err();
        assert_eq!(err.errors[0].field, "cursor");
        let err = PageRequest::parse(Some(101), None).unwrap_err();
        assert_eq!(err.errors[0].field, "limit");
    }

    #[test]
    fn from_rows_sets_next_cursor_only_when_more_rows_exist() {
        let request = PageRequest {
            limit: 2,
            after: None,
        };
        let page = Page::from_rows(vec![1, 2, 3], request, |x| *x);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor, Some(encode_cursor(2)));
        let page = Page::from_rows(vec![1, 2], request, |x| *x);
        assert_eq!(page.next_cursor, None);
    }

    #[test]
    fn seek_cursors_round_trip_and_name_their_order() {
        for key in [None, Some("a:b=c".to_owned()), Some(String::new())] {
            let at = SeekKey { key, id: 7 };
            let cursor = encode_seek("name", &at);
            let page = SeekRequest::parse(Some(3), Some(&cursor), "name").unwrap();
            assert_eq!(page.after, Some(at));
            assert_eq!(page.limit, 3);
            let err = SeekRequest::parse(None, Some(&cursor), "start").unwrap_err();
            assert_eq!(err.errors[0].field, "cursor");
        }
        for bad in [
            "garbage",
            &encode_cursor(5),
            &URL_SAFE_NO_PAD.encode("k1:name:x:-"),
        ] {
            let err = SeekRequest::parse(None, Some(bad), "name").unwrap_err();
            assert_eq!(err.errors[0].field, "cursor", "{bad}");
        }
    }

    #[test]
    fn a_seek_request_names_every_bad_value() {
        let err = SeekRequest::parse(Some(0), Some("garbage"), "name").unwrap_err();
        let fields: Vec<&str> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["limit", "cursor"]);
        let ok = SeekRequest::parse(None, None, "name").unwrap();
        assert_eq!((ok.limit, ok.after), (DEFAULT_LIMIT, None));
    }
}
