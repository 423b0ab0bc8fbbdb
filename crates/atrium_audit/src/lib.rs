//! The audit log: who changed what, when, from which request, with the
//! target before and after. Every domain service writes its entries with
//! [`record`] (or [`record_platform`]) inside the transaction of the change,
//! so there is no change without its entry and no entry without its change.
//!
//! The request id reaches the services without being passed down every
//! signature: the gateway runs each request inside [`with_request_id`], and
//! [`Author::of`] reads it where the service starts its work.

mod error;
mod log;

pub use error::AuditError;
pub use log::{AuditEntry, AuditLog, AuditQuery};

use std::future::Future;
use std::sync::Arc;

use atrium_db::audit::{self, NewAuditEntry};
use atrium_db::{DbResult, PlatformTx, TenantTx};

pub use atrium_db::audit::{AuditFilter, AuditRow};
use atrium_permissions::Caller;
use serde::Serialize;

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
}

/// Runs `work` (a request's handling) with `id` as the request id that
/// audit entries written meanwhile record.
pub async fn with_request_id<F: Future>(id: Arc<str>, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}

/// Who makes a change, and in which request: read once, on the request's
/// task, then moved into the transaction that writes the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub actor: String,
    pub request_id: Option<Arc<str>>,
}

impl Author {
    pub fn of(caller: &Caller) -> Self {
        Self {
            actor: actor_of(caller),
            request_id: REQUEST_ID.try_with(Arc::clone).ok(),
        }
    }

    /// The command line (`atrium operator …`, `atrium domain …`): whoever
    /// runs it holds the server's configuration, so it is an operator
    /// without an account; entries name it `cli`.
    pub fn command_line() -> Self {
        Self {
            actor: "cli".into(),
            request_id: None,
        }
    }
}

/// The actor as entries name it: `user:ID`, `client:ID`, `operator:ID`, or
/// `anonymous` (self-registration, a password reset by mailed link).
pub fn actor_of(caller: &Caller) -> String {
    match caller {
        Caller::Anonymous => "anonymous".into(),
        Caller::Operator { id } => format!("operator:{id}"),
        Caller::User { id, .. } => format!("user:{id}"),
        Caller::Client { id, .. } => format!("client:{id}"),
    }
}

/// One change: an action named `TARGET_TYPE.VERB` (`organization.update`),
/// its target, and the target's state before and after (`None`: it did not
/// exist). Secrets never go in: callers pass what the API would show.
pub struct Change<'a, B: Serialize, A: Serialize> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: String,
    pub before: Option<&'a B>,
    pub after: Option<&'a A>,
}

fn to_json<T: Serialize>(value: Option<&T>) -> Option<String> {
    // A domain type that cannot serialize is a bug; the entry then says so
    // rather than failing the change.
    value.map(|v| {
        serde_json::to_string(v)
            .unwrap_or_else(|e| serde_json::json!({ "unserializable": e.to_string() }).to_string())
    })
}

/// Writes a tenant entry in the change's transaction.
pub fn record<B: Serialize, A: Serialize>(
    tx: &mut TenantTx<'_>,
    author: &Author,
    change: Change<'_, B, A>,
) -> DbResult<()> {
    let before = to_json(change.before);
    let after = to_json(change.after);
    audit::record(
        tx,
        NewAuditEntry {
            actor: &author.actor,
            action: change.action,
            target_type: change.target_type,
            target_id: &change.target_id,
            before_json: before.as_deref(),
            after_json: after.as_deref(),
            request_id: author.request_id.as_deref(),
        },
    )
}

/// Writes a platform entry (an operator's action on a tenant) in the
/// change's transaction.
pub fn record_platform<B: Serialize, A: Serialize>(
    tx: &mut PlatformTx<'_>,
    author: &Author,
    change: Change<'_, B, A>,
) -> DbResult<()> {
    let before = to_json(change.before);
    let after = to_json(change.after);
    audit::record_platform(
        tx,
        NewAuditEntry {
            actor: &author.actor,
            action: change.action,
            target_type: change.target_type,
            target_id: &change.target_id,
            before_json: before.as_deref(),
            after_json: after.as_deref(),
            request_id: author.request_id.as_deref(),
        },
    )
}

/// The tenant's entries that `filter` selects, newest first, after the
/// cursor `before` (an entry id), inside the caller's transaction: a
/// domain's own view of the log (a site's settings history, say).
pub fn entries(
    tx: &mut TenantTx<'_>,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> DbResult<Vec<AuditRow>> {
    audit::list(tx, filter, before, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_author_carries_the_request_id_of_its_task() {
        let caller = Caller::Operator {
            id: atrium_core::OperatorId(3),
        };
        assert_eq!(Author::of(&caller).request_id, None);
        let author = with_request_id(Arc::from("req-1"), async { Author::of(&caller) }).await;
        assert_eq!(author.actor, "operator:3");
        assert_eq!(author.request_id.as_deref(), Some("req-1"));
    }
}
