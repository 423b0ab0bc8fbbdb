//! Enrollments: which users take which courses, and in what mode. An
//! unenrollment keeps the row, inactive.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::DbResult;
use crate::schema::enrollments;
use crate::tenancy::TenantTx;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
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
