//! Access changes: the broadcast that makes a revoked account, role, API
//! client or operator lose access on its very next request, on every
//! replica.
//!
//! Domain code that removes access calls [`announce`] (or
//! [`announce_platform`]) inside its write transaction. After the commit,
//! two deliveries follow:
//! - in this process, at once: the hooks registered with
//!   [`crate::Db::on_access_change`] run on the thread that committed,
//!   before the write returns (this is all there is on SQLite);
//! - on PostgreSQL, a `NOTIFY` on [`CHANNEL`] reaches every other replica's
//!   listener (see [`crate::spawn_payload_listener`]), which drops the same
//!   cache entry. A rolled-back transaction announces nothing, on either
//!   path.

use std::cell::RefCell;

use atrium_core::{OperatorId, TenantId, UserId};

use crate::error::{DbError, DbResult};
use crate::notifications::notify_payload;
use crate::tenancy::{PlatformTx, TenantTx};

/// The channel of access changes; the payload is [`AccessChange::encode`].
pub const CHANNEL: &str = "atrium_access";

/// Whose access changed: the cache entry every replica must drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessChange {
    /// An account was deactivated or deleted, or its roles changed.
    User { tenant: TenantId, user: UserId },
    /// An API client was deleted (or its scopes changed); `client` is the
    /// `api_clients.id` of its row.
    Client { tenant: TenantId, client: i64 },
    /// A platform operator was disabled, enabled or deleted.
    Operator(OperatorId),
}

impl AccessChange {
    /// `user:<tenant>:<id>`, `client:<tenant>:<id>` or `operator:<id>`.
    pub fn encode(&self) -> String {
        match self {
            AccessChange::User { tenant, user } => format!("user:{tenant}:{user}"),
            AccessChange::Client { tenant, client } => format!("client:{tenant}:{client}"),
            AccessChange::Operator(id) => format!("operator:{id}"),
        }
    }

    /// The inverse of [`AccessChange::encode`]; `None` for anything else.
    pub fn decode(payload: &str) -> Option<Self> {
        let mut parts = payload.split(':');
        let kind = parts.next()?;
        let mut number = || parts.next()?.parse::<i64>().ok();
        let change = match kind {
            "user" => AccessChange::User {
                tenant: TenantId(number()?),
                user: UserId(number()?),
            },
            "client" => AccessChange::Client {
                tenant: TenantId(number()?),
                client: number()?,
            },
            "operator" => AccessChange::Operator(OperatorId(number()?)),
            _ => return None,
        };
        parts.next().is_none().then_some(change)
    }

    fn tenant(&self) -> Option<TenantId> {
        match self {
            AccessChange::User { tenant, .. } | AccessChange::Client { tenant, .. } => {
                Some(*tenant)
            }
            AccessChange::Operator(_) => None,
        }
    }
}

thread_local! {
    /// Changes announced by the transaction running on this thread, handed
    /// to the local hooks once it committed (see `Db::run`). A transaction
    /// runs on one blocking thread from start to commit, so a thread-local
    /// is exactly one transaction's list.
    static PENDING: RefCell<Vec<AccessChange>> = const { RefCell::new(Vec::new()) };
}

/// Announces that `change` (a user or API client of this transaction's
/// tenant) lost or changed access. Call it inside the write transaction
/// that makes the change; it takes effect on commit. A change naming
/// another tenant is refused (a programming error, never silent).
pub fn announce(tx: &mut TenantTx<'_>, change: &AccessChange) -> DbResult<()> {
    if change.tenant() != Some(TenantId(tx.tenant())) {
        return Err(DbError::Config(format!(
            "access change {} announced in a transaction of tenant {}",
            change.encode(),
            tx.tenant()
        )));
    }
    send(tx.conn, change)
}

/// [`announce`] from a platform transaction: operators, or the users and
/// clients of any tenant (provisioning and tenant deletion run there).
pub fn announce_platform(tx: &mut PlatformTx<'_>, change: &AccessChange) -> DbResult<()> {
    send(tx.conn, change)
}

fn send(conn: &mut crate::connection::DbConnection, change: &AccessChange) -> DbResult<()> {
    notify_payload(conn, CHANNEL, &change.encode())?;
    PENDING.with(|pending| pending.borrow_mut().push(*change));
    Ok(())
}

/// What the transaction on this thread announced, emptied.
pub(crate) fn take_pending() -> Vec<AccessChange> {
    PENDING.with(|pending| std::mem::take(&mut *pending.borrow_mut()))
}

/// A hook of [`crate::Db::on_access_change`].
pub(crate) type Hook = Box<dyn Fn(&AccessChange) + Send + Sync>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_garbage_is_refused() {
        for change in [
            AccessChange::User {
                tenant: TenantId(3),
                user: UserId(41),
            },
            AccessChange::Client {
                tenant: TenantId(3),
                client: 7,
            },
            AccessChange::Operator(OperatorId(2)),
        ] {
            assert_eq!(AccessChange::decode(&change.encode()), Some(change));
        }
        for bad in [
            "",
            "user:1",
            "user:1:2:3",
            "operator:x",
            "tenant:1",
            "user:1:",
        ] {
            assert_eq!(AccessChange::decode(bad), None, "{bad:?}");
        }
    }
}
