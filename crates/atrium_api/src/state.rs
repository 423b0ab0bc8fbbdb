//! Everything a request handler can reach, built once at start-up: what the
//! whole gateway shares, then one entry per domain.

use std::sync::Arc;

use atrium_core::Settings;
use atrium_db::{Db, ROUTING_CHANNEL, SETTINGS_CHANNEL};
use atrium_identity::{Identity, KeyStore, RecoveryOptions, ThrottleLimits};
use atrium_mail::{DeliveryOptions, MailError, Outbox, Transport};
use atrium_tenants::TenantService;

use crate::graphql::{build_schema, AtriumSchema};
use crate::observability::Metrics;
use crate::sites::SitesState;

pub struct AppState {
    /// The process's settings (`atrium.toml`, `ATRIUM_*`).
    pub settings: Arc<Settings>,
    pub db: Db,
    pub metrics: Arc<Metrics>,
    pub graphql: AtriumSchema,
    pub sites: SitesState,
    pub identity: Arc<Identity>,
    pub tenants: Arc<TenantService>,
    /// The organization tree, memberships, grants and creator requests.
    pub organizations: Arc<atrium_organizations::Organizations>,
    /// Courses, their teams and enrollments, the catalog, libraries.
    pub courses: Arc<atrium_courses::Courses>,
    /// The audit log's reading side.
    pub audit: Arc<atrium_audit::AuditLog>,
    pub lifecycle: crate::limits::Lifecycle,
    /// What readiness asks of Citus (tests give a fixed answer here).
    pub citus: crate::operations::CitusProbe,
    /// The mail spool's wake-up, shared by its senders and this process's
    /// delivery worker.
    pub outbox: Outbox,
}

/// The organizations service, told what other domains hold an
/// organization by (its deletion refuses while anything does).
fn organizations_with_holders(db: &Db) -> atrium_organizations::Organizations {
    atrium_organizations::Organizations::new(db.clone())
        .with_holder(Arc::new(|tx, org| {
            atrium_sites::tx::filters_naming(tx, &org.short_name)
        }))
        .with_holder(Arc::new(|tx, org| {
            atrium_identity::tx::clients_limited_to(tx, org.id)
        }))
        .with_holder(Arc::new(|tx, org| atrium_courses::tx::holding(tx, org.id)))
        .with_content(Arc::new(atrium_courses::tx::content_seen))
}

impl AppState {
    /// `keys` from [`KeyStore::open`] on the same database.
    pub fn new(settings: Settings, db: Db, keys: KeyStore) -> Arc<Self> {
        let settings = Arc::new(settings);
        let sites = SitesState::new(&db, &settings);
        let identity = Identity::new(
            db.clone(),
            Arc::new(keys),
            Arc::clone(&sites.helpers),
            settings.access_token_ttl_secs,
            settings.refresh_token_ttl_secs,
            ThrottleLimits {
                per_name: settings.login_max_failures_per_name,
                per_address: settings.login_max_failures_per_address,
                window_secs: settings.login_failure_window_secs,
            },
        );
        // The mail flows of identity (password reset, verification).
        let outbox = Outbox::default();
        let identity = identity
            .with_client_token_ttl(settings.client_token_ttl_secs)
            .with_recovery(RecoveryOptions {
                outbox: outbox.clone(),
                reset_ttl_secs: settings.password_reset_ttl_secs,
                verification_ttl_secs: settings.email_verification_ttl_secs,
                from_address: settings.mail_from_address.clone(),
                require_verification: settings.require_email_verification,
            });
        let identity = Arc::new(identity);
        identity.hear_local_changes();
        atrium_identity::set_password_hash_queue(settings.password_hash_queue);
        let tenants = Arc::new(TenantService::new(
            db.clone(),
            Arc::clone(&sites.directory),
            Arc::clone(&sites.service),
        ));
        let metrics = Arc::new(Metrics::new());
        metrics.follow_connection_waits(&db);
        let (directory, snapshots) = (Arc::clone(&sites.directory), Arc::clone(&sites.snapshots));
        let caching = Arc::clone(&identity);
        metrics.follow_caches(move || {
            let mut reports = caching.cache_reports().to_vec();
            reports.extend(directory.cache_reports());
            reports.push(snapshots.cache_report());
            reports
        });
        Arc::new(Self {
            metrics,
            graphql: build_schema(&settings),
            settings,
            sites,
            identity,
            tenants,
            organizations: Arc::new(organizations_with_holders(&db)),
            courses: Arc::new(atrium_courses::Courses::new(db.clone())),
            audit: Arc::new(atrium_audit::AuditLog::new(db.clone())),
            db,
            lifecycle: Default::default(),
            citus: Default::default(),
            outbox,
        })
    }

    /// Starts this process's mail delivery worker (on the current tokio
    /// runtime), or says what is wrong with the mail settings.
    pub fn start_mail_delivery(&self) -> Result<(), MailError> {
        atrium_mail::check_address(&self.settings.mail_from_address)?;
        let transport = Transport::from_setting(&self.settings.mail_transport)?;
        atrium_mail::spawn_delivery(
            self.db.clone(),
            transport,
            self.outbox.clone(),
            DeliveryOptions {
                max_attempts: self.settings.mail_max_attempts.max(1),
                ..DeliveryOptions::default()
            },
        );
        Ok(())
    }

    /// Keeps this replica's caches in step with writes made by others
    /// (PostgreSQL; on SQLite only the signing keys' timer runs). Call it
    /// inside the server's runtime.
    pub fn listen_for_changes(self: &Arc<Self>) {
        self.identity.listen_for_changes(
            &self.settings.database_url,
            std::time::Duration::from_secs(self.settings.signing_keys_reload_secs),
        );
        for channel in [ROUTING_CHANNEL, SETTINGS_CHANNEL] {
            let state = Arc::downgrade(self);
            atrium_db::spawn_listener(&self.settings.database_url, channel, move || {
                if let Some(state) = state.upgrade() {
                    state.forget_cached();
                }
            });
        }
    }

    /// Drops every cache that mirrors the database.
    pub fn forget_cached(&self) {
        self.sites.forget_cached();
    }
}
