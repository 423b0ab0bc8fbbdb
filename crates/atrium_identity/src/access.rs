//! Access ends on the next request, on every replica: this replica's
//! identity caches (grants, operators, verified tokens, signing keys) kept
//! in step with the database.
//!
//! Whoever removes access announces it in the writing transaction
//! (`atrium_db::access::announce`); the change reaches [`Identity::forget`]
//! here once committed: on this replica through the database handle's hook,
//! on the others through the `atrium_access` channel, polled every
//! [`ACCESS_POLL`]. A listener that (re)connects forgets everything, since
//! notifications sent while it was away are lost.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use atrium_core::OperatorId;
use atrium_db::access::{self, AccessChange};
use atrium_db::{operators, signing_keys, Access, Heard};

use crate::{Identity, IdentityError};

/// How often a replica looks for access changes made by others: the bound
/// on how long a revoked token keeps working elsewhere, plus the time
/// PostgreSQL takes to deliver a notification (about a millisecond on one
/// network).
pub const ACCESS_POLL: Duration = Duration::from_millis(10);

impl Identity {
    /// Drops what this replica caches about whoever `change` names; their
    /// next request reads the database.
    pub fn forget(&self, change: &AccessChange) {
        self.access_epoch.fetch_add(1, Ordering::SeqCst);
        match *change {
            AccessChange::User { tenant, user } => self.grants.invalidate(&(tenant, user)),
            AccessChange::Operator(id) => self.operators.invalidate(&id),
            AccessChange::Client { tenant, client } => {
                self.forget_client(tenant, atrium_core::ApiClientId(client))
            }
        }
    }

    /// Drops every cached grant and operator.
    pub fn forget_everyone(&self) {
        self.access_epoch.fetch_add(1, Ordering::SeqCst);
        self.grants.invalidate_all();
        self.operators.invalidate_all();
        self.clients.invalidate_all();
    }

    /// Whether `id` names an operator that exists and is active (cached).
    pub(crate) async fn operator_is_active(&self, id: OperatorId) -> Result<bool, IdentityError> {
        if let Some(active) = self.counters.operators.count(self.operators.get(&id)) {
            return Ok(active);
        }
        let epoch = self.access_epoch.load(Ordering::SeqCst);
        let active = self
            .db
            .platform(Access::Read, move |tx| operators::find(tx, id.0))
            .await?
            .is_some_and(|row| row.is_active);
        self.remember_unless_changed(epoch, || self.operators.insert(id, active));
        Ok(active)
    }

    /// Caches what was read since `epoch` unless an access change arrived
    /// meanwhile: the read may predate that change, and caching it would
    /// undo the invalidation.
    pub(crate) fn remember_unless_changed(&self, epoch: u64, remember: impl FnOnce()) {
        if self.access_epoch.load(Ordering::SeqCst) == epoch {
            remember();
        }
    }

    /// Reads the signing keys again; `true` when they changed (and then
    /// tokens checked before are checked again: their key may be retired).
    pub async fn reload_keys(&self) -> Result<bool, IdentityError> {
        let changed = self.keys.reload().await?;
        if changed {
            self.verified.invalidate_all();
        }
        Ok(changed)
    }

    /// Adds a signing key that signs from now on; the previous one verifies
    /// the tokens it signed until they expire. The new kid.
    pub async fn rotate_keys(&self) -> Result<String, IdentityError> {
        let kid = self.keys.rotate().await?;
        self.reload_keys().await?;
        Ok(kid)
    }

    /// Retires a signing key: its tokens stop verifying (see
    /// [`crate::keys::retire`]).
    pub async fn retire_key(&self, kid: &str) -> Result<(), IdentityError> {
        self.keys.retire(kid).await?;
        self.reload_keys().await?;
        Ok(())
    }

    /// Hears the access changes this process commits (the database
    /// handle's hook), at once. Enough on SQLite, where there is one
    /// process.
    pub fn hear_local_changes(self: &Arc<Self>) {
        let identity = Arc::downgrade(self);
        self.db.on_access_change(move |change| {
            if let Some(identity) = identity.upgrade() {
                identity.forget(change);
            }
        });
    }

    /// Keeps this replica in step with the others: access changes (every
    /// [`ACCESS_POLL`]) and signing keys (on notification, and every
    /// `reload_keys_every` whatever the backend). Spawns a task: call it
    /// inside the server's runtime.
    pub fn listen_for_changes(self: &Arc<Self>, database_url: &str, reload_keys_every: Duration) {
        let identity = Arc::downgrade(self);
        atrium_db::spawn_payload_listener(
            database_url,
            access::CHANNEL,
            ACCESS_POLL,
            move |heard| {
                let Some(identity) = identity.upgrade() else {
                    return false;
                };
                match heard {
                    Heard::Connected => identity.forget_everyone(),
                    Heard::Notification(payload) => match AccessChange::decode(payload) {
                        Some(change) => identity.forget(&change),
                        None => {
                            tracing::warn!(payload, "unknown access change; forgetting everyone");
                            identity.forget_everyone();
                        }
                    },
                }
                true
            },
        );
        let wake = Arc::new(tokio::sync::Notify::new());
        let waker = Arc::clone(&wake);
        atrium_db::spawn_listener(database_url, signing_keys::CHANNEL, move || {
            waker.notify_one()
        });
        let identity = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut timer = tokio::time::interval(reload_keys_every);
            timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            timer.tick().await;
            loop {
                tokio::select! {
                    _ = timer.tick() => {}
                    () = wake.notified() => {}
                }
                let Some(identity) = identity.upgrade() else {
                    return;
                };
                if let Err(error) = identity.reload_keys().await {
                    tracing::warn!(%error, "could not reload the signing keys");
                }
            }
        });
    }
}
