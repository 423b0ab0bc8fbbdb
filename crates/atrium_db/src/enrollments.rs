//! Enrollments: which users take which courses, and in what mode. An
//! unenrollment keeps the row, inactive.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbResult;
use crate::now;
use crate::schema::{courses, enrollments};
use crate::tenancy::TenantTx;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = enrollments)]
pub struct EnrollmentRow {
    pub course_id: i64,
    pub user_id: i64,
    pub mode: String,
    pub is_active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// How many active enrollments `course` has.
pub fn count_active(tx: &mut TenantTx<'_>, course: i64) -> DbResult<i64> {
    Ok(enrollments::table
        .filter(enrollments::tenant_id.eq(tx.tenant()))
        .filter(enrollments::course_id.eq(course))
        .filter(enrollments::is_active.eq(true))
        .count()
        .get_result(tx.conn)?)
}

pub fn find(tx: &mut TenantTx<'_>, course: i64, user: i64) -> DbResult<Option<EnrollmentRow>> {
    Ok(enrollments::table
        .filter(enrollments::tenant_id.eq(tx.tenant()))
        .filter(enrollments::course_id.eq(course))
        .filter(enrollments::user_id.eq(user))
        .select(EnrollmentRow::as_select())
        .first(tx.conn)
        .optional()?)
}

/// Enrolls `user` (active) in `course`; the caller has locked the course
/// ([`crate::courses::lock`]) and found no row, so the key is free.
pub fn insert(
    tx: &mut TenantTx<'_>,
    course: i64,
    user: i64,
    mode: &str,
) -> DbResult<EnrollmentRow> {
    let at = now();
    diesel::insert_into(enrollments::table)
        .values((
            enrollments::tenant_id.eq(tx.tenant()),
            enrollments::course_id.eq(course),
            enrollments::user_id.eq(user),
            enrollments::mode.eq(mode),
            enrollments::is_active.eq(true),
            enrollments::created_at.eq(at),
            enrollments::updated_at.eq(at),
        ))
        .execute(tx.conn)?;
    Ok(EnrollmentRow {
        course_id: course,
        user_id: user,
        mode: mode.to_owned(),
        is_active: true,
        created_at: at,
        updated_at: at,
    })
}

/// Sets the mode and whether the enrollment is active; answers the row as
/// it now is.
pub fn update(
    tx: &mut TenantTx<'_>,
    current: &EnrollmentRow,
    mode: &str,
    is_active: bool,
) -> DbResult<EnrollmentRow> {
    let at = now();
    diesel::update(
        enrollments::table
            .filter(enrollments::tenant_id.eq(tx.tenant()))
            .filter(enrollments::course_id.eq(current.course_id))
            .filter(enrollments::user_id.eq(current.user_id)),
    )
    .set((
        enrollments::mode.eq(mode),
        enrollments::is_active.eq(is_active),
        enrollments::updated_at.eq(at),
    ))
    .execute(tx.conn)?;
    Ok(EnrollmentRow {
        mode: mode.to_owned(),
        is_active,
        updated_at: at,
        ..current.clone()
    })
}

/// A page of a course's enrollments in user id order.
pub fn of_course(
    tx: &mut TenantTx<'_>,
    course: i64,
    include_inactive: bool,
    after: Option<i64>,
    limit: i64,
) -> DbResult<Vec<EnrollmentRow>> {
    let mut query = enrollments::table
        .filter(enrollments::tenant_id.eq(tx.tenant()))
        .filter(enrollments::course_id.eq(course))
        .filter(enrollments::user_id.gt(after.unwrap_or(0)))
        .into_boxed();
    if !include_inactive {
        query = query.filter(enrollments::is_active.eq(true));
    }
    Ok(query
        .order(enrollments::user_id)
        .limit(limit)
        .select(EnrollmentRow::as_select())
        .load(tx.conn)?)
}

/// A page of a user's enrollments in course id order, each with its
/// course's key and display name (one join).
pub fn of_user(
    tx: &mut TenantTx<'_>,
    user: i64,
    include_inactive: bool,
    after: Option<i64>,
    limit: i64,
) -> DbResult<Vec<(EnrollmentRow, String, String)>> {
    let mut query = enrollments::table
        .inner_join(
            courses::table.on(courses::tenant_id
                .eq(enrollments::tenant_id)
                .and(courses::id.eq(enrollments::course_id))),
        )
        .filter(enrollments::tenant_id.eq(tx.tenant()))
        .filter(enrollments::user_id.eq(user))
        .filter(enrollments::course_id.gt(after.unwrap_or(0)))
        .into_boxed();
    if !include_inactive {
        query = query.filter(enrollments::is_active.eq(true));
    }
    Ok(query
        .order(enrollments::course_id)
        .limit(limit)
        .select((
            EnrollmentRow::as_select(),
            courses::course_key,
            courses::display_name,
        ))
        .load(tx.conn)?)
}

/// The first `per_course` active enrollments (in user id order) of each
/// of `course_ids`, in one statement: a GraphQL loader's batch, bounded
/// however many learners a course has.
pub fn first_active_of_courses(
    tx: &mut TenantTx<'_>,
    course_ids: &[i64],
    per_course: i64,
) -> DbResult<Vec<EnrollmentRow>> {
    use diesel::sql_types::{Array, BigInt, Text};
    // A window function has no place in diesel's DSL; the list of ids is an
    // array on PostgreSQL and a JSON array read by json_each on SQLite.
    const RANKED: &str =
        "SELECT course_id, user_id, mode, is_active, created_at, updated_at FROM ( \
           SELECT course_id, user_id, mode, is_active, created_at, updated_at, \
                  ROW_NUMBER() OVER (PARTITION BY course_id ORDER BY user_id) AS n \
             FROM enrollments \
            WHERE tenant_id = $1 AND is_active AND course_id IN (IDS)) ranked \
         WHERE n <= $3 ORDER BY course_id, user_id";
    let tenant = tx.tenant();
    Ok(match &mut *tx.conn {
        DbConnection::Postgres(pg) => diesel::sql_query(RANKED.replace("IDS", "SELECT unnest($2)"))
            .bind::<BigInt, _>(tenant)
            .bind::<Array<BigInt>, _>(course_ids)
            .bind::<BigInt, _>(per_course)
            .load(pg)?,
        DbConnection::Sqlite(sqlite) => {
            // Integers written as a JSON array: nothing to escape.
            let ids = course_ids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            // `$N` are named parameters to SQLite, numbered in order of
            // first appearance: here 1, 2, 3 as bound.
            diesel::sql_query(RANKED.replace("IDS", "SELECT value FROM json_each($2)"))
                .bind::<BigInt, _>(tenant)
                .bind::<Text, _>(format!("[{ids}]"))
                .bind::<BigInt, _>(per_course)
                .load(sqlite)?
        }
    })
}
