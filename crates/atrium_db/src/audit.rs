//! The audit log: one row per change, inside a tenant (`audit_events`) or
//! of the platform (`platform_audit_events`, operators' actions on
//! tenants). Rows are written in the transaction of the change they record,
//! so a change and its entry commit or roll back together.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::DbResult;
use crate::now;
use crate::schema::{audit_events, platform_audit_events};
use crate::tenancy::{PlatformTx, TenantTx};

/// One entry, as both tables store it.
#[derive(Debug, Clone, Queryable)]
pub struct AuditRow {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<String>,
    pub occurred_at: NaiveDateTime,
}

/// An entry to write; `before`/`after` are JSON documents (`None`: the
/// target did not exist before, or does not after).
#[derive(Debug, Clone, Copy)]
pub struct NewAuditEntry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub before_json: Option<&'a str>,
    pub after_json: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

/// Which entries a list shows; every field narrows it. Lists run newest
/// first, the cursor being the last id seen.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// Exact action names (`site.configuration.update`); empty: any.
    pub actions: Vec<String>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
}

pub fn record(tx: &mut TenantTx<'_>, entry: NewAuditEntry<'_>) -> DbResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::tenant_id.eq(tx.tenant()),
            audit_events::actor.eq(entry.actor),
            audit_events::action.eq(entry.action),
            audit_events::target_type.eq(entry.target_type),
            audit_events::target_id.eq(entry.target_id),
            audit_events::before_json.eq(entry.before_json),
            audit_events::after_json.eq(entry.after_json),
            audit_events::request_id.eq(entry.request_id),
            audit_events::occurred_at.eq(now()),
        ))
        .execute(tx.conn)?;
    Ok(())
}

pub fn record_platform(tx: &mut PlatformTx<'_>, entry: NewAuditEntry<'_>) -> DbResult<()> {
    diesel::insert_into(platform_audit_events::table)
        .values((
            platform_audit_events::actor.eq(entry.actor),
            platform_audit_events::action.eq(entry.action),
            platform_audit_events::target_type.eq(entry.target_type),
            platform_audit_events::target_id.eq(entry.target_id),
            platform_audit_events::before_json.eq(entry.before_json),
            platform_audit_events::after_json.eq(entry.after_json),
            platform_audit_events::request_id.eq(entry.request_id),
            platform_audit_events::occurred_at.eq(now()),
        ))
        .execute(tx.conn)?;
    Ok(())
}

/// Narrows a boxed query of either table by an [`AuditFilter`], newest
/// first; both tables have the same columns, not the same type.
macro_rules! filtered_page {
    ($table:ident, $query:expr, $filter:expr, $before:expr, $limit:expr) => {{
        use $table as a;
        let filter: &AuditFilter = $filter;
        let mut query = $query.filter(a::id.lt($before.unwrap_or(i64::MAX)));
        if let Some(actor) = &filter.actor {
            query = query.filter(a::actor.eq(actor.clone()));
        }
        if let Some(target_type) = &filter.target_type {
            query = query.filter(a::target_type.eq(target_type.clone()));
        }
        if let Some(target_id) = &filter.target_id {
            query = query.filter(a::target_id.eq(target_id.clone()));
        }
        if !filter.actions.is_empty() {
            query = query.filter(a::action.eq_any(filter.actions.clone()));
        }
        if let Some(since) = filter.since {
            query = query.filter(a::occurred_at.ge(since));
        }
        if let Some(until) = filter.until {
            query = query.filter(a::occurred_at.lt(until));
        }
        query.order(a::id.desc()).limit($limit).select((
            a::id,
            a::actor,
            a::action,
            a::target_type,
            a::target_id,
            a::before_json,
            a::after_json,
            a::request_id,
            a::occurred_at,
        ))
    }};
}

/// The tenant's entries, newest first, after the cursor `before` (an id).
pub fn list(
    tx: &mut TenantTx<'_>,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> DbResult<Vec<AuditRow>> {
    let tenant = audit_events::table
        .filter(audit_events::tenant_id.eq(tx.tenant()))
        .into_boxed();
    Ok(filtered_page!(audit_events, tenant, filter, before, limit).load(tx.conn)?)
}

/// The platform's entries, newest first, after the cursor `before`.
pub fn list_platform(
    tx: &mut PlatformTx<'_>,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> DbResult<Vec<AuditRow>> {
    let all = platform_audit_events::table.into_boxed();
    Ok(filtered_page!(platform_audit_events, all, filter, before, limit).load(tx.conn)?)
}
