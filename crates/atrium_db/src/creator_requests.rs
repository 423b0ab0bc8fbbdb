//! Studio's course-creator requests: a user asks to become a course
//! creator in an organization; a decider grants or denies. Rows are never
//! deleted: they are the history.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::{DbError, DbResult};
use crate::now;
use crate::schema::course_creator_requests as requests;
use crate::tenancy::TenantTx;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = requests)]
pub struct CreatorRequestRow {
    pub id: i64,
    pub user_id: i64,
    pub organization_id: i64,
    /// `pending`, `granted`, `denied` or `revoked`.
    pub state: String,
    pub message: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new `pending` request; a second pending one of the same user for the
/// same organization is a unique violation.
pub fn insert(
    tx: &mut TenantTx<'_>,
    user_id: i64,
    organization_id: i64,
    message: &str,
) -> DbResult<CreatorRequestRow> {
    let at = now();
    let id = diesel::insert_into(requests::table)
        .values((
            requests::tenant_id.eq(tx.tenant()),
            requests::user_id.eq(user_id),
            requests::organization_id.eq(organization_id),
            requests::state.eq("pending"),
            requests::message.eq(message),
            requests::created_at.eq(at),
            requests::updated_at.eq(at),
        ))
        .returning(requests::id)
        .get_result(tx.conn)?;
    Ok(CreatorRequestRow {
        id,
        user_id,
        organization_id,
        state: "pending".to_owned(),
        message: message.to_owned(),
        decided_by: None,
        decided_at: None,
        created_at: at,
        updated_at: at,
    })
}

pub fn find(tx: &mut TenantTx<'_>, id: i64) -> DbResult<Option<CreatorRequestRow>> {
    Ok(requests::table
        .filter(requests::tenant_id.eq(tx.tenant()))
        .filter(requests::id.eq(id))
        .select(CreatorRequestRow::as_select())
        .first(tx.conn)
        .optional()?)
}

/// Moves a `pending` request to `state`, decided by `decided_by`;
/// `NotFound` when it is no longer pending (a concurrent decision won).
pub fn decide(
    tx: &mut TenantTx<'_>,
    id: i64,
    state: &str,
    decided_by: i64,
) -> DbResult<CreatorRequestRow> {
    let at = now();
    diesel::update(
        requests::table
            .filter(requests::tenant_id.eq(tx.tenant()))
            .filter(requests::id.eq(id))
            .filter(requests::state.eq("pending")),
    )
    .set((
        requests::state.eq(state),
        requests::decided_by.eq(decided_by),
        requests::decided_at.eq(at),
        requests::updated_at.eq(at),
    ))
    .execute(tx.conn)
    .map_err(DbError::from)
    .and_then(|updated| match updated {
        0 => Err(DbError::NotFound),
        _ => Ok(()),
    })?;
    find(tx, id)?.ok_or(DbError::NotFound)
}

/// Marks `user_id`'s `granted` requests for `organization_id` `revoked`
/// (its grant was taken back); answers them as they are now.
pub fn revoke_granted(
    tx: &mut TenantTx<'_>,
    user_id: i64,
    organization_id: i64,
) -> DbResult<Vec<CreatorRequestRow>> {
    let ids: Vec<i64> = diesel::update(
        requests::table
            .filter(requests::tenant_id.eq(tx.tenant()))
            .filter(requests::user_id.eq(user_id))
            .filter(requests::organization_id.eq(organization_id))
            .filter(requests::state.eq("granted")),
    )
    .set((
        requests::state.eq("revoked"),
        requests::updated_at.eq(now()),
    ))
    .returning(requests::id)
    .get_results(tx.conn)?;
    Ok(requests::table
        .filter(requests::tenant_id.eq(tx.tenant()))
        .filter(requests::id.eq_any(ids))
        .order(requests::id)
        .select(CreatorRequestRow::as_select())
        .load(tx.conn)?)
}

/// Which requests a listing may show: all, or those of `user_id` and those
/// of the `organizations` (where the caller decides).
#[derive(Debug, Clone, Default)]
pub struct Visible {
    pub everything: bool,
    pub user_id: Option<i64>,
    pub organizations: Vec<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub state: Option<String>,
    pub organization_id: Option<i64>,
}

/// A page of the requests `visible` lets the caller see, in id order.
pub fn list(
    tx: &mut TenantTx<'_>,
    visible: &Visible,
    filter: &RequestFilter,
    after: Option<i64>,
    limit: i64,
) -> DbResult<Vec<CreatorRequestRow>> {
    let mut query = requests::table
        .filter(requests::tenant_id.eq(tx.tenant()))
        .filter(requests::id.gt(after.unwrap_or(0)))
        .into_boxed();
    if !visible.everything {
        // -1 names no account: a caller without one sees only what it
        // decides.
        query = query.filter(
            requests::user_id
                .eq(visible.user_id.unwrap_or(-1))
                .or(requests::organization_id.eq_any(visible.organizations.clone())),
        );
    }
    if let Some(state) = &filter.state {
        query = query.filter(requests::state.eq(state.clone()));
    }
    if let Some(organization_id) = filter.organization_id {
        query = query.filter(requests::organization_id.eq(organization_id));
    }
    Ok(query
        .order(requests::id)
        .limit(limit)
        .select(CreatorRequestRow::as_select())
        .load(tx.conn)?)
}

/// How many requests for `organization_id` still wait for a decision (they
/// keep it from being deleted; decided ones are history, and the audit log
/// keeps them once the organization is gone).
pub fn count_pending_in_organization(tx: &mut TenantTx<'_>, organization_id: i64) -> DbResult<i64> {
    Ok(requests::table
        .filter(requests::tenant_id.eq(tx.tenant()))
        .filter(requests::organization_id.eq(organization_id))
        .filter(requests::state.eq("pending"))
        .count()
        .get_result(tx.conn)?)
}
