//! Courses of a tenant, each in one of its organizations.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};

use crate::connection::DbConnection;
use crate::error::DbResult;
use crate::now;
use crate::schema::{courses, enrollments};
use crate::tenancy::{RowLock, TenantTx};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable)]
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

/// The courses among `keys` that this tenant has (a batch's taken keys).
pub fn find_by_keys(tx: &mut TenantTx<'_>, keys: &[String]) -> DbResult<Vec<CourseRow>> {
    Ok(courses::table
        .filter(courses::tenant_id.eq(tx.tenant()))
        .filter(courses::course_key.eq_any(keys))
        .select(CourseRow::as_select())
        .load(tx.conn)?)
}

/// A page of all the tenant's courses in id order after `after`: Studio's
/// listing for a caller who may author in every organization (one range
/// of the primary key).
pub fn list_all(tx: &mut TenantTx<'_>, after: Option<i64>, limit: i64) -> DbResult<Vec<CourseRow>> {
    Ok(courses::table
        .filter(courses::tenant_id.eq(tx.tenant()))
        .filter(courses::id.gt(after.unwrap_or(0)))
        .order(courses::id)
        .limit(limit)
        .select(CourseRow::as_select())
        .load(tx.conn)?)
}

/// Studio's listing on PostgreSQL: one range of `courses_organization` per
/// organization (each gives that organization's courses in id order, and
/// stops at `limit`), one probe of the keys, then the first `limit` of
/// those. Written as `organization_id = ANY(..) OR course_key = ANY(..)`,
/// the listing left PostgreSQL to choose between walking the tenant's
/// whole id range and sorting every course of the organizations, both
/// milliseconds in a tenant of 50,000 courses, and to choose from
/// statistics that a few large tenants among many small ones skew.
/// `UNION` drops a course that both an organization and a key bring.
const LIST_IN_POSTGRES: &str = "\
    SELECT c.* FROM unnest($1::BIGINT[]) AS listed (organization_id) \
      CROSS JOIN LATERAL ( \
        SELECT * FROM courses \
         WHERE tenant_id = $2 AND organization_id = listed.organization_id AND id > $3 \
         ORDER BY id LIMIT $4) c \
    UNION \
    SELECT * FROM courses WHERE tenant_id = $2 AND course_key = ANY($5::TEXT[]) AND id > $3 \
    ORDER BY id LIMIT $4";

/// A page of the courses that lie in one of `organizations` or whose key
/// is among `keys`, in id order after `after`: Studio's listing, whose
/// caller may author exactly those.
pub fn list_in(
    tx: &mut TenantTx<'_>,
    organizations: &[i64],
    keys: &[String],
    after: Option<i64>,
    limit: i64,
) -> DbResult<Vec<CourseRow>> {
    if organizations.is_empty() && keys.is_empty() {
        return Ok(Vec::new());
    }
    let tenant = tx.tenant();
    let after = after.unwrap_or(0);
    Ok(match &mut *tx.conn {
        DbConnection::Postgres(pg) => diesel::sql_query(LIST_IN_POSTGRES)
            .bind::<Array<BigInt>, _>(organizations)
            .bind::<BigInt, _>(tenant)
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(limit)
            .bind::<Array<Text>, _>(keys)
            .load(pg)?,
        // SQLite has no LATERAL; it walks the tenant's id range.
        DbConnection::Sqlite(sqlite) => courses::table
            .filter(courses::tenant_id.eq(tenant))
            .filter(
                courses::organization_id
                    .eq_any(organizations)
                    .or(courses::course_key.eq_any(keys)),
            )
            .filter(courses::id.gt(after))
            .order(courses::id)
            .limit(limit)
            .select(CourseRow::as_select())
            .load(sqlite)?,
    })
}

/// The course of this tenant whose key is `key`, held until the
/// transaction ends as `lock` says: a count of its active enrollments read
/// after an `Update` hold (the enrollment limit, a deletion's check) stays
/// true until the commit, and so does its existence after a `Share` hold
/// (a grant on it).
pub fn find_by_key_locked(
    tx: &mut TenantTx<'_>,
    key: &str,
    lock: RowLock,
) -> DbResult<Option<CourseRow>> {
    let tenant = tx.tenant();
    let query = courses::table
        .filter(courses::tenant_id.eq(tenant))
        .filter(courses::course_key.eq(key))
        .select(CourseRow::as_select());
    Ok(match &mut *tx.conn {
        DbConnection::Postgres(pg) => match lock {
            RowLock::Update => query.for_update().first(pg).optional()?,
            RowLock::Share => query.for_share().first(pg).optional()?,
        },
        DbConnection::Sqlite(_) => find_by_key(tx, key)?,
    })
}

/// Writes `settings` over the course `id` if it is still at `version`,
/// making it `version + 1`; `false` when another change came first (no
/// lost updates, whatever the isolation level).
pub fn update_settings(
    tx: &mut TenantTx<'_>,
    id: i64,
    version: i64,
    settings: &CourseSettings,
) -> DbResult<bool> {
    let changed = diesel::update(
        courses::table
            .filter(courses::tenant_id.eq(tx.tenant()))
            .filter(courses::id.eq(id))
            .filter(courses::version.eq(version)),
    )
    .set((
        settings,
        courses::version.eq(version + 1),
        courses::updated_at.eq(now()),
    ))
    .execute(tx.conn)?;
    Ok(changed == 1)
}

/// Deletes the course `id` with its (inactive) enrollments; the caller
/// checks there are no active ones, under [`lock`].
pub fn delete(tx: &mut TenantTx<'_>, id: i64) -> DbResult<()> {
    let tenant = tx.tenant();
    diesel::delete(
        enrollments::table
            .filter(enrollments::tenant_id.eq(tenant))
            .filter(enrollments::course_id.eq(id)),
    )
    .execute(tx.conn)?;
    diesel::delete(
        courses::table
            .filter(courses::tenant_id.eq(tenant))
            .filter(courses::id.eq(id)),
    )
    .execute(tx.conn)?;
    Ok(())
}
