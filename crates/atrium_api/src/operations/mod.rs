//! Operations at the gateway: probes and metrics, answered on any host.

pub mod rest;

use std::sync::{Mutex, PoisonError};

use atrium_core::Failure;
use atrium_db::citus::CitusFound;
use atrium_db::{Backend, Db};

use crate::routes::Api;

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_live, _, _>(rest::live)
        .add::<rest::__path_ready, _, _>(rest::ready)
        .add::<rest::__path_metrics, _, _>(rest::metrics);
}

/// Where readiness gets what it says of Citus: the database
/// ([`Db::citus`]), unless a fixed answer was given. The fixed answer is
/// the seam for tests: no test database runs Citus, so the tests of what
/// readiness says of it give the database's answer themselves.
#[derive(Debug, Default)]
pub struct CitusProbe {
    fixed: Mutex<Option<CitusFound>>,
}

impl CitusProbe {
    /// From now on, answers `found` instead of the database's answer
    /// (tests only).
    pub fn answer_with(&self, found: CitusFound) {
        *self.fixed.lock().unwrap_or_else(PoisonError::into_inner) = Some(found);
    }

    /// Readiness's one round trip: on PostgreSQL the question about Citus,
    /// which also shows the database answers; on SQLite (no Citus) a ping.
    /// A fixed answer still pings, so that readiness still needs the
    /// database.
    pub async fn ask(&self, db: &Db) -> Result<CitusFound, Failure> {
        let fixed = self
            .fixed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match (fixed, db.backend()) {
            (Some(found), _) => {
                db.ping().await?;
                Ok(found)
            }
            (None, Backend::Sqlite) => {
                db.ping().await?;
                Ok(CitusFound::default())
            }
            (None, Backend::Postgres) => Ok(db.citus().await?),
        }
    }
}
