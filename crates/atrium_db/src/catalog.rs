//! The catalog's reads of courses: public courses of a site's
//! organizations, in a stable keyset order.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::courses::CourseRow;
use crate::error::DbResult;
use crate::schema::courses;
use crate::tenancy::TenantTx;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// The catalog's two orders, each ending with the id so that every row has
/// one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogSeek {
    /// By display name; after `(name, id)` when paging on.
    Name(Option<(String, i64)>),
    /// By start date, courses without one last; after `(start, id)`.
    Start(Option<(Option<NaiveDateTime>, i64)>),
}

/// Where a course stands in time, relative to `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Starts after now.
    Upcoming,
    /// Started (or has no start) and has not ended.
    Current,
    /// Ended at or before now.
    Ended,
}

#[derive(Debug, Clone)]
pub struct CatalogFilter {
    /// Only courses of these organizations; `None`: any of the tenant's.
    pub organizations: Option<Vec<i64>>,
    /// A BCP 47 tag: courses in it or in one of its subtags (`en` finds
    /// `en-GB`), compared without regard to case.
    pub language: Option<String>,
    /// Text the display name contains, without regard to case.
    pub text: Option<String>,
    pub timing: Option<(Timing, NaiveDateTime)>,
}

/// `%text%` with LIKE's wildcards and the escape character matched
/// literally, lowercase (compared with `lower(column)`).
fn contains_pattern(text: &str) -> String {
    format!("%{}%", escape_like(&text.to_lowercase()))
}

fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// One page of the public courses that pass `filter`, in `seek`'s order,
/// at most `limit`.
pub fn public_courses(
    tx: &mut TenantTx<'_>,
    filter: &CatalogFilter,
    seek: &CatalogSeek,
    limit: i64,
) -> DbResult<Vec<CourseRow>> {
    let mut query = courses::table
        .filter(courses::tenant_id.eq(tx.tenant()))
        .filter(courses::visibility.eq("public"))
        .into_boxed();
    if let Some(ids) = &filter.organizations {
        query = query.filter(courses::organization_id.eq_any(ids.clone()));
    }
    if let Some(language) = &filter.language {
        let language = language.to_lowercase();
        query = query.filter(
            lower(courses::language)
                .eq(language.clone())
                .or(lower(courses::language)
                    .like(format!("{}-%", escape_like(&language)))
                    .escape('\\')),
        );
    }
    if let Some(text) = &filter.text {
        query = query.filter(
            lower(courses::display_name)
                .like(contains_pattern(text))
                .escape('\\'),
        );
    }
    match filter.timing {
        None => {}
        Some((Timing::Upcoming, now)) => query = query.filter(courses::starts_at.gt(now)),
        Some((Timing::Current, now)) => {
            query = query
                .filter(courses::starts_at.is_null().or(courses::starts_at.le(now)))
                .filter(courses::ends_at.is_null().or(courses::ends_at.gt(now)))
        }
        Some((Timing::Ended, now)) => query = query.filter(courses::ends_at.le(now)),
    }
    let query = match seek {
        CatalogSeek::Name(after) => {
            let query = match after {
                None => query,
                Some((name, id)) => query.filter(
                    courses::display_name
                        .gt(name.clone())
                        .or(courses::display_name
                            .eq(name.clone())
                            .and(courses::id.gt(*id))),
                ),
            };
            query.order((courses::display_name, courses::id))
        }
        CatalogSeek::Start(after) => {
            let query = match after {
                None => query,
                // Null starts sort last, on both backends (SQLite puts
                // nulls first, PostgreSQL last): the order leads with
                // `starts_at IS NULL`, and the seek follows it.
                Some((Some(start), id)) => query.filter(
                    courses::starts_at
                        .gt(*start)
                        .or(courses::starts_at.eq(*start).and(courses::id.gt(*id)))
                        .or(courses::starts_at.is_null()),
                ),
                Some((None, id)) => {
                    query.filter(courses::starts_at.is_null().and(courses::id.gt(*id)))
                }
            };
            query.order((
                courses::starts_at.is_null(),
                courses::starts_at,
                courses::id,
            ))
        }
    };
    Ok(query
        .limit(limit)
        .select(CourseRow::as_select())
        .load(tx.conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_wildcards_literally() {
        assert_eq!(contains_pattern("50%_Off\\"), "%50\\%\\_off\\\\%");
    }
}
