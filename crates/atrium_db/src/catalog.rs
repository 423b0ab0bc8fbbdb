//! The catalog's reads of courses: public courses of a site's
//! organizations, in a stable keyset order.

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamp};

use crate::connection::DbConnection;
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

/// `(left) > (right)`: SQL's row-value comparison (SQLite has it since
/// 3.15), which diesel does not spell. PostgreSQL takes it as the lower
/// bound of one index range scan over `(tenant_id, visibility, key, id)`,
/// where the same seek written `key > x OR (key = x AND id > y)` is a
/// filter over every earlier row of the tenant: a deep page of a large
/// tenant cost tens of milliseconds that way, a few hundredths this way.
/// A null inside either row makes it false, as any comparison with null.
#[derive(Debug, Clone, Copy, QueryId, ValidGrouping)]
struct RowAfter<L, R> {
    left: L,
    right: R,
}

fn row_after<L, R>(left: L, right: R) -> RowAfter<L, R>
where
    L: Expression,
    R: Expression<SqlType = L::SqlType>,
{
    RowAfter { left, right }
}

impl<L: Expression, R: Expression> Expression for RowAfter<L, R> {
    type SqlType = Bool;
}

impl<QS, L, R> AppearsOnTable<QS> for RowAfter<L, R>
where
    L: AppearsOnTable<QS>,
    R: AppearsOnTable<QS>,
    Self: Expression,
{
}

impl<QS, L, R> SelectableExpression<QS> for RowAfter<L, R>
where
    L: SelectableExpression<QS>,
    R: SelectableExpression<QS>,
    Self: AppearsOnTable<QS>,
{
}

impl<DB: Backend, L: QueryFragment<DB>, R: QueryFragment<DB>> QueryFragment<DB> for RowAfter<L, R> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("(");
        self.left.walk_ast(out.reborrow())?;
        out.push_sql(") > (");
        self.right.walk_ast(out.reborrow())?;
        out.push_sql(")");
        Ok(())
    }
}

type CourseQuery = courses::BoxedQuery<'static, <DbConnection as Connection>::Backend>;

/// The tenant's public courses that pass `filter`, in no order yet.
fn public_filtered(tenant: i64, filter: &CatalogFilter) -> CourseQuery {
    // Tenant and visibility lead both catalog indexes: every page below
    // is a range scan inside them.
    let mut query = courses::table
        .filter(courses::tenant_id.eq(tenant))
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
    query
}

/// One page of the public courses that pass `filter`, in `seek`'s order,
/// at most `limit`.
pub fn public_courses(
    tx: &mut TenantTx<'_>,
    filter: &CatalogFilter,
    seek: &CatalogSeek,
    limit: i64,
) -> DbResult<Vec<CourseRow>> {
    let tenant = tx.tenant();
    match seek {
        CatalogSeek::Name(after) => {
            let mut query = public_filtered(tenant, filter);
            if let Some((name, id)) = after {
                query = query.filter(row_after(
                    (courses::display_name, courses::id),
                    (name.clone().into_sql::<Text>(), (*id).into_sql::<BigInt>()),
                ));
            }
            Ok(query
                .order((courses::display_name, courses::id))
                .limit(limit)
                .select(CourseRow::as_select())
                .load(tx.conn)?)
        }
        CatalogSeek::Start(after) => {
            // Courses without a start come last. PostgreSQL sorts nulls
            // last and SQLite first, and no single row-value seek steps
            // from a dated course to the undated ones: the dated courses
            // are read first, then, when the page has room, the undated
            // ones. Each read is one index range scan on both backends.
            let mut rows = Vec::new();
            if !matches!(after, Some((None, _))) {
                let mut dated =
                    public_filtered(tenant, filter).filter(courses::starts_at.is_not_null());
                if let Some((Some(start), id)) = after {
                    dated = dated.filter(row_after(
                        (courses::starts_at, courses::id),
                        (
                            (*start).into_sql::<Nullable<Timestamp>>(),
                            (*id).into_sql::<BigInt>(),
                        ),
                    ));
                }
                rows = dated
                    .order((courses::starts_at, courses::id))
                    .limit(limit)
                    .select(CourseRow::as_select())
                    .load(tx.conn)?;
            }
            let room = limit - rows.len() as i64;
            if room > 0 {
                let mut undated =
                    public_filtered(tenant, filter).filter(courses::starts_at.is_null());
                if let Some((None, id)) = after {
                    undated = undated.filter(courses::id.gt(*id));
                }
                // Ordered by the (null) start too, so that the order is the
                // index's own and PostgreSQL sorts nothing.
                rows.extend(
                    undated
                        .order((courses::starts_at, courses::id))
                        .limit(room)
                        .select(CourseRow::as_select())
                        .load(tx.conn)?,
                );
            }
            Ok(rows)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_wildcards_literally() {
        assert_eq!(contains_pattern("50%_Off\\"), "%50\\%\\_off\\\\%");
    }
}
