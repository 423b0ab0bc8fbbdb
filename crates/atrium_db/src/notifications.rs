//! Cross-replica cache invalidation over PostgreSQL LISTEN/NOTIFY.
//!
//! Writers call [`notify`] inside their transaction (PostgreSQL delivers the
//! notification on commit, never for a rollback); every replica runs one
//! listener thread that turns notifications into cache invalidations. SQLite
//! is single-process, so there is nothing to send.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::connection::DbConnection;
use crate::error::DbResult;

/// Sites, domains or tenant status changed: host resolution must forget.
pub const ROUTING_CHANNEL: &str = "atrium_routing";

/// How often the listener looks for notifications. The contract is that a
/// change on one replica is seen by the others within 2 seconds.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

pub(crate) fn notify(conn: &mut DbConnection, channel: &str) -> DbResult<()> {
    if let DbConnection::Postgres(pg) = conn {
        pg.batch_execute(&format!("NOTIFY {channel}"))?;
    }
    Ok(())
}

/// Starts a thread that calls `on_change` for every notification on
/// `channel`, and once after every (re)connection, since notifications sent
/// while it was disconnected are lost. Does nothing for SQLite URLs.
pub fn spawn_listener(url: &str, channel: &'static str, on_change: impl Fn() + Send + 'static) {
    if !url.starts_with("postgres") {
        return;
    }
    let url = url.to_owned();
    let scrubber = atrium_core::Scrubber::for_url(&url);
    let spawned = std::thread::Builder::new().name(format!("listen-{channel}")).spawn(move || loop {
        match listen(&url, channel, &on_change) {
            Ok(()) => {}
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
    on_change: &impl Fn(),
) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = PgConnection::establish(url)?;
    conn.batch_execute(&format!("LISTEN {channel}"))?;
    on_change();
    loop {
        let mut changed = false;
        for notification in conn.notifications_iter() {
            notification?;
            changed = true;
        }
        if changed {
            on_change();
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}
