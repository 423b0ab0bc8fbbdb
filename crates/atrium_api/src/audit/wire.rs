//! The wire types of the audit log.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::wire::{list_type, utc};

/// One change: who made it, what it was, on what, the target before and
/// after (`null`: it did not exist), and the request that made it.
#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "AuditEvent")]
pub struct AuditEventDto {
    pub id: i64,
    /// `user:ID`, `client:ID`, `operator:ID`, or `anonymous`.
    pub actor: String,
    /// `TARGET_TYPE.VERB`, e.g. `site.update`, `user.create`,
    /// `tenant.delete`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// The target as the API showed it before the change; never a secret.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The target as the API showed it after the change; never a secret.
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    /// The `x-request-id` of the request that made the change.
    pub request_id: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

impl From<atrium_audit::AuditEntry> for AuditEventDto {
    fn from(e: atrium_audit::AuditEntry) -> Self {
        Self {
            id: e.id,
            actor: e.actor,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            before: e.before,
            after: e.after,
            request_id: e.request_id,
            occurred_at: utc(e.occurred_at),
        }
    }
}

list_type!(AuditEventList, AuditEventDto);

/// The filters of `GET /api/v1/audit-events` (besides `limit` and
/// `cursor`); each one narrows the list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditEventQuery {
    /// Who made the change: `user:12`, `client:3`, `operator:1`,
    /// `anonymous`.
    pub actor: Option<String>,
    /// `site`, `user`, `api_client`, `tenant`, …
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// An exact action name, e.g. `user.update`.
    pub action: Option<String>,
    /// Entries at or after this time (RFC 3339).
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// Entries before this time (RFC 3339).
    #[param(format = DateTime)]
    pub until: Option<String>,
}

impl From<AuditEventQuery> for atrium_audit::AuditQuery {
    fn from(q: AuditEventQuery) -> Self {
        Self {
            actor: q.actor,
            target_type: q.target_type,
            target_id: q.target_id,
            action: q.action,
            since: q.since,
            until: q.until,
        }
    }
}
