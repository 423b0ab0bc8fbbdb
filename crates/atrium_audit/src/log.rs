//! The audit log's reading side: a tenant's entries for its tenant admins,
//! the platform's for operators. One query shape for both, so REST and
//! GraphQL (and both hosts) filter and page alike.

use atrium_core::{Page, PageRequest, ValidationErrors};
use atrium_db::audit::{self, AuditFilter, AuditRow};
use atrium_db::{Access, Db, TenantScope};
use atrium_permissions::{authorize, Action, Caller, Place};
use chrono::{DateTime, NaiveDateTime};
use serde_json::Value;

use crate::AuditError;

/// One entry as readers see it: before/after parsed back into JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub request_id: Option<String>,
    pub occurred_at: NaiveDateTime,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = AuditError;

    fn try_from(row: AuditRow) -> Result<Self, AuditError> {
        let parse = |text: Option<String>| {
            text.map(|text| serde_json::from_str(&text))
                .transpose()
                .map_err(|e| AuditError::StoredData(format!("entry {}: {e}", row.id)))
        };
        Ok(Self {
            before: parse(row.before_json)?,
            after: parse(row.after_json)?,
            id: row.id,
            actor: row.actor,
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            request_id: row.request_id,
            occurred_at: row.occurred_at,
        })
    }
}

/// A reader's filters, as the wire carries them (times unparsed, so that a
/// bad one is a field error whichever door it came through). Every field
/// narrows the list; `since` is inclusive, `until` exclusive.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// `user:12`, `client:3`, `operator:1`, `anonymous`.
    pub actor: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// An exact action name (`site.update`).
    pub action: Option<String>,
    /// RFC 3339.
    pub since: Option<String>,
    /// RFC 3339.
    pub until: Option<String>,
}

impl AuditQuery {
    fn filter(self) -> Result<AuditFilter, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut time = |field: &str, value: Option<String>| {
            value.and_then(|text| match DateTime::parse_from_rfc3339(&text) {
                Ok(at) => Some(at.naive_utc()),
                Err(_) => {
                    errors.add(
                        field,
                        "must be an RFC 3339 date-time (2026-11-30T12:00:00Z)",
                    );
                    None
                }
            })
        };
        let since = time("since", self.since);
        let until = time("until", self.until);
        errors.into_result()?;
        let some = |value: Option<String>| value.filter(|v| !v.is_empty());
        Ok(AuditFilter {
            actor: some(self.actor),
            target_type: some(self.target_type),
            target_id: some(self.target_id),
            actions: some(self.action).into_iter().collect(),
            since,
            until,
        })
    }
}

/// The audit log's reading side, for the gateway: a tenant's log for its
/// admins, the platform's for operators.
pub struct AuditLog {
    db: Db,
}

impl AuditLog {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// The tenant's entries, newest first. The cursor is the last entry's
    /// id: entries are only ever added, so a page never shifts under it.
    pub async fn list(
        &self,
        caller: &Caller,
        scope: TenantScope,
        query: AuditQuery,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>, AuditError> {
        authorize(
            caller,
            Action::ViewAuditLog,
            Place::Tenant(scope.tenant_id()),
        )?;
        let filter = query.filter()?;
        let rows = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                audit::list(tx, &filter, page.after, page.fetch_limit())
            })
            .await?;
        entries_page(rows, page)
    }

    /// The platform's entries (operators' actions on tenants), newest first.
    pub async fn list_platform(
        &self,
        caller: &Caller,
        query: AuditQuery,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>, AuditError> {
        authorize(caller, Action::ViewPlatformAudit, Place::Platform)?;
        let filter = query.filter()?;
        let rows = self
            .db
            .platform(Access::Read, move |tx| {
                audit::list_platform(tx, &filter, page.after, page.fetch_limit())
            })
            .await?;
        entries_page(rows, page)
    }
}

fn entries_page(rows: Vec<AuditRow>, page: PageRequest) -> Result<Page<AuditEntry>, AuditError> {
    let page = Page::from_rows(rows, page, |row| row.id);
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(AuditEntry::try_from)
            .collect::<Result<_, _>>()?,
        next_cursor: page.next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc_3339_or_field_errors() {
        let query = AuditQuery {
            since: Some("2026-11-30T12:00:00+01:00".into()),
            until: Some("yesterday".into()),
            ..AuditQuery::default()
        };
        let errors = query.filter().unwrap_err();
        assert_eq!(errors.errors.len(), 1);
        assert_eq!(errors.errors[0].field, "until");
        let filter = AuditQuery {
            since: Some("2026-11-30T12:00:00+01:00".into()),
            action: Some("site.update".into()),
            actor: Some(String::new()),
            ..AuditQuery::default()
        }
        .filter()
        .unwrap();
        assert_eq!(
            filter.since.map(|at| at.to_string()).as_deref(),
            Some("2026-11-30 11:00:00")
        );
        assert_eq!(filter.actions, vec!["site.update".to_owned()]);
        assert_eq!(filter.actor, None);
    }
}
