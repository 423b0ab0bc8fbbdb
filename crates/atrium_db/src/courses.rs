//! Courses of a tenant, each in one of its organizations.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::DbResult;
use crate::now;
use crate::schema::courses;
use crate::tenancy::TenantTx;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = courses)]
pub struct CourseRow {
    pub id: i64,
    pub organization_id: i64,
    pub course_key: String,
    pub number: String,
    pub run: String,
    pub display_name: String,
    pub short_description: String,
    pub language: String,
    pub visibility: String,
    pub invitation_only: bool,
    pub enrollment_limit: Option<i32>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub enrollment_starts_at: Option<NaiveDateTime>,
    pub enrollment_ends_at: Option<NaiveDateTime>,
    pub rerun_of: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The settings of a course, as written on creation and on every change.
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset, Insertable)]
#[diesel(table_name = courses, treat_none_as_null = true)]
pub struct CourseSettings {
    pub display_name: String,
    pub short_description: String,
    pub language: String,
    pub visibility: String,
    pub invitation_only: bool,
    pub enrollment_limit: Option<i32>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub enrollment_starts_at: Option<NaiveDateTime>,
    pub enrollment_ends_at: Option<NaiveDateTime>,
}

pub struct NewCourse<'a> {
    pub organization_id: i64,
    pub course_key: &'a str,
    pub number: &'a str,
    pub run: &'a str,
    pub rerun_of: Option<&'a str>,
    pub settings: &'a CourseSettings,
}

/// Inserts a course (a taken key is a unique violation).
pub fn insert(tx: &mut TenantTx<'_>, new: NewCourse<'_>) -> DbResult<CourseRow> {
    let at = now();
    let s = new.settings;
    let id = diesel::insert_into(courses::table)
        .values((
            courses::tenant_id.eq(tx.tenant()),
            courses::organization_id.eq(new.organization_id),
            courses::course_key.eq(new.course_key),
            courses::number.eq(new.number),
            courses::run.eq(new.run),
            courses::rerun_of.eq(new.rerun_of),
            s,
            courses::version.eq(1),
            courses::created_at.eq(at),
            courses::updated_at.eq(at),
        ))
        .returning(courses::id)
        .get_result(tx.conn)?;
    Ok(CourseRow {
        id,
        organization_id: new.organization_id,
        course_key: new.course_key.to_owned(),
        number: new.number.to_owned(),
        run: new.run.to_owned(),
        display_name: s.display_name.clone(),
        short_description: s.short_description.clone(),
        language: s.language.clone(),
        visibility: s.visibility.clone(),
        invitation_only: s.invitation_only,
        enrollment_limit: s.enrollment_limit,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        enrollment_starts_at: s.enrollment_starts_at,
        enrollment_ends_at: s.enrollment_ends_at,
        rerun_of: new.rerun_of.map(str::to_owned),
        version: 1,
        created_at: at,
        updated_at: at,
    })
}

/// The course of this tenant whose key is `key`.
pub fn find_by_key(tx: &mut TenantTx<'_>, key: &str) -> DbResult<Option<CourseRow>> {
    Ok(courses::table
        .filter(courses::tenant_id.eq(tx.tenant()))
        .filter(courses::course_key.eq(key))
        .select(CourseRow::as_select())
        .first(tx.conn)
        .optional()?)
}

/// The courses among `ids` that this tenant has.
pub fn find_by_ids(tx: &mut TenantTx<'_>, ids: &[i64]) -> DbResult<Vec<CourseRow>> {
    Ok(courses::table
        .filter(courses::tenant_id.eq(tx.tenant()))
        .filter(courses::id.eq_any(ids))
        .select(CourseRow::as_select())
        .load(tx.conn)?)
}

/// How many courses `organization` holds, for the check that refuses
/// deleting an organization with courses.
pub fn count_in_organization(tx: &mut TenantTx<'_>, organization: i64) -> DbResult<i64> {
    Ok(courses::table
        .filter(courses::tenant_id.eq(tx.tenant()))
        .filter(courses::organization_id.eq(organization))
        .count()
        .get_result(tx.conn)?)
}
