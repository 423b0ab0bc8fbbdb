//! Cross-replica cache invalidation over PostgreSQL LISTEN/NOTIFY.
//!
//! Writers call [`notify`] (or [`notify_payload`]) inside their
//! transaction (PostgreSQL delivers the notification on commit, never for a
//! rollback); every replica runs one listener thread per channel that turns
//! notifications into cache invalidations. SQLite is single-process, so
//! there is nothing to send.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::connection::DbConnection;
use crate::error::DbResult;

/// Sites, domains or tenant status changed: host resolution must forget.
pub const ROUTING_CHANNEL: &str = "atrium_routing";

/// How often the listener of [`spawn_listener`] looks for notifications.
/// The contract is that a change on one replica is seen by the others
/// within 2 seconds.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(200);

pub(crate) fn notify(conn: &mut DbConnection, channel: &str) -> DbResult<()> {
    if let DbConnection::Postgres(pg) = conn {
        pg.batch_execute(&format!("NOTIFY {channel}"))?;
    }
    Ok(())
}

/// Like [`notify`], with a payload the listeners receive (at most 8000
/// bytes, PostgreSQL's limit). Bound, not quoted into SQL.
pub(crate) fn notify_payload(
    conn: &mut DbConnection,
    channel: &str,
    payload: &str,
) -> DbResult<()> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(channel)
            .bind::<Text, _>(payload)
            .execute(pg)?;
    }
    Ok(())
}

/// What a listener hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard<'a> {
    /// The listener (re)connected: notifications sent while it was not
    /// listening are lost, so everything cached may be stale.
    Connected,
    /// One notification, with its payload (empty for a bare `NOTIFY`).
    Notification(&'a str),
}

/// Starts a thread that calls `on_change` for every batch of notifications
/// on `channel` (polled every [`DEFAULT_POLL_INTERVAL`]), and once after
/// every (re)connection. Does nothing for SQLite URLs.
pub fn spawn_listener(url: &str, channel: &'static str, on_change: impl Fn() + Send + 'static) {
    spawn_payload_listener(url, channel, DEFAULT_POLL_INTERVAL, move |heard| {
        // One invalidation per batch, not one per notification.
        if let Heard::Connected | Heard::Notification("") = heard {
            on_change();
        }
        true
    });
}

/// Starts a thread that calls `on_event` with every notification on
/// `channel` and its payload, and with [`Heard::Connected`] after every
/// (re)connection. The connection is polled every `poll`: a notification is
/// handled at most `poll` (plus the time of the callback) after its
/// transaction committed. Polling only reads what already arrived on the
/// socket (libpq's `PQconsumeInput`), it sends nothing to the server, so a
/// short interval costs this replica a little CPU and the database nothing.
/// The thread ends when `on_event` returns `false` (what it served is
/// gone). Does nothing for SQLite URLs.
pub fn spawn_payload_listener(
    url: &str,
    channel: &'static str,
    poll: Duration,
    on_event: impl Fn(Heard<'_>) -> bool + Send + 'static,
) {
    if !url.starts_with("postgres") {
        return;
    }
    let url = url.to_owned();
    let scrubber = atrium_core::Scrubber::for_url(&url);
    let spawned = std::thread::Builder::new().name(format!("listen-{channel}")).spawn(move || loop {
        match listen(&url, channel, poll, &on_event) {
            Ok(()) => return,
            Err(error) => tracing::warn!(error = %scrubber.scrub(&error.to_string()), channel, "notification listener lost its connection; reconnecting"),
        }
        std::thread::sleep(Duration::from_secs(1));
    });
    if let Err(error) = spawned {
        tracing::error!(%error, "could not start the notification listener");
    }
}

fn listen(
    url: &str,
    channel: &str,
    poll: Duration,
    on_event: &impl Fn(Heard<'_>) -> bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = PgConnection::establish(url)?;
    conn.batch_execute(&format!("LISTEN {channel}"))?;
    let mut listening = on_event(Heard::Connected);
    while listening {
        let mut bare = false;
        for notification in conn.notifications_iter() {
            let notification = notification?;
            if notification.payload.is_empty() {
                bare = true;
            } else {
                listening &= on_event(Heard::Notification(&notification.payload));
            }
        }
        if bare {
            listening &= on_event(Heard::Notification(""));
        }
        std::thread::sleep(poll);
    }
    Ok(())
}
