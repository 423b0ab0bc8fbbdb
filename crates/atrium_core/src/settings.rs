//! Every configuration option, declared once with its default.
//!
//! Sources, later ones winning: the defaults below, `atrium.toml` (or the file
//! named by `ATRIUM_CONFIG`), `ATRIUM_*` environment variables and, for the
//! database, the conventional `DATABASE_URL`. The defaults need nothing
//! installed: SQLite in the working directory, listening on localhost.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use crate::host::HostName;
use crate::secrets::redact_url;

/// `Debug` is written by hand below: database URLs carry passwords.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Address the HTTP server binds.
    pub listen: String,
    /// `sqlite://path` or `postgres://...`; the scheme picks the backend.
    pub database_url: String,
    /// Owner connection used to run PostgreSQL migrations. The service itself
    /// connects with `database_url` as a role that owns nothing (see README).
    pub migration_database_url: Option<String>,
    /// Connections in the pool; also the bound on concurrent blocking
    /// database work. Default: twice the cores plus two
    /// ([`default_pool_size`]).
    pub database_pool_size: u32,
    /// How long a request waits for a permit (the pool's connections are
    /// all busy), and then for its checkout (a connection is being
    /// opened), before a 503. Both are milliseconds when the database is
    /// well; during an outage every checkout waits this long, and work
    /// queued behind it answers within about twice this. It also caps the
    /// pool's reconnection backoff (at half of it), hence the recovery.
    pub database_timeout_ms: u64,
    /// PostgreSQL `statement_timeout` of every pooled connection: a query
    /// running longer is cancelled (and the request answers 503).
    pub database_statement_timeout_ms: u64,
    /// PostgreSQL: run reads in a transaction with `SET LOCAL`, as writes
    /// do (three round trips), instead of on a session set to their tenant
    /// (one or two). For a connection pooler in transaction mode, which
    /// hands a session's statements to different server connections, and
    /// for Citus, which passes only `SET LOCAL` on to its workers.
    pub database_reads_in_transactions: bool,
    /// Requests to this host are platform requests (operators only).
    pub platform_domain: String,
    /// PEM file of an Ed25519 key imported once, when the database holds no
    /// signing key yet (so that tokens signed before keys moved into the
    /// database stay valid). Signing keys live in the database since.
    pub jwt_key_file: PathBuf,
    /// File holding the key-encryption key (base64 of 32 bytes) that seals
    /// the signing keys' private halves in the database; every replica needs
    /// the same one. Generated with mode 0600 when absent, refused when
    /// group or others can read it. `ATRIUM_KEY_ENCRYPTION_KEY` (the same
    /// base64 text) wins over the file. Default: `key-encryption.key`
    /// beside `jwt_key_file`.
    pub key_encryption_key_file: Option<PathBuf>,
    /// How often a replica reloads the signing keys from the database
    /// anyway (on PostgreSQL changes are also announced at once; a SQLite
    /// server hears of a CLI rotation only this way).
    pub signing_keys_reload_secs: u64,
    /// Lifetime of an access token.
    pub access_token_ttl_secs: u64,
    /// Lifetime of a login's refresh tokens, counted from the login: a
    /// rotation hands out a new token with the same expiry, so a family
    /// (a stolen one too) cannot be kept alive past it.
    pub refresh_token_ttl_secs: u64,
    /// Lifetime of an API client's access token (client credentials grant,
    /// which has no refresh token: the client asks again).
    pub client_token_ttl_secs: u64,
    /// GraphQL introspection (switch off in production if the schema should
    /// not be browsable; `graphiql` switches the explorer page).
    pub graphql_introspection: bool,
    pub graphql_max_depth: usize,
    pub graphql_max_complexity: usize,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// HTTP worker threads; defaults to the number of cores.
    pub workers: Option<usize>,
    /// A client must send a request's head (line and headers) within this
    /// time, or gets a 408 and the connection is closed.
    pub client_request_timeout_ms: u64,
    /// How long a connection may take to close after its response.
    pub client_disconnect_timeout_ms: u64,
    /// An idle keep-alive connection is closed after this time.
    pub keep_alive_secs: u64,
    /// The whole request, body and GraphQL execution included, must finish
    /// within this time, or answers 503.
    pub request_timeout_ms: u64,
    /// From SIGTERM to exit: readiness fails at once, requests in flight
    /// may finish within this time, then the process exits regardless.
    pub shutdown_grace_secs: u64,
    /// The first part of the grace period, in which the server still accepts
    /// requests (readiness failing) so that load balancers can take it out.
    pub shutdown_drain_secs: u64,
    /// Platform-wide defaults of site configuration keys, used when a site
    /// does not set a key.
    pub site_defaults: serde_json::Map<String, serde_json::Value>,
    /// `text` or `json` log lines.
    pub log_format: String,
    /// Failed password logins (and registrations) allowed per login name
    /// and realm (the platform, or one tenant) in one window; past it, 429.
    pub login_max_failures_per_name: u32,
    /// Failed password logins (and registrations) allowed per client
    /// address, across realms, in one window; higher than per name, since
    /// many people may share an address.
    pub login_max_failures_per_address: u32,
    /// The window of the two limits above, in seconds.
    pub login_failure_window_secs: u64,
    /// Proxies whose `X-Forwarded-For` is believed (CIDRs or addresses):
    /// the client is the nearest hop not in this list. Empty: the peer
    /// address is the client.
    pub trusted_proxies: Vec<crate::Cidr>,
    /// Password checks that may wait for a hashing slot (one per core runs
    /// at once); past that, 503 with `Retry-After`.
    pub password_hash_queue: usize,
    /// The GraphiQL page at `GET /graphql` (its assets are in the binary).
    pub graphiql: bool,
    /// "Did you mean …?" hints in GraphQL validation errors; off whenever
    /// `graphql_introspection` is off, since they spell the schema out.
    pub graphql_suggestions: bool,
    /// Tenants may add `{slug}.{tenant_domain_base}` and the names below it
    /// without an operator; any other domain waits for an operator's
    /// approval (domain claims). Empty: every domain waits.
    pub tenant_domain_base: String,
    /// Where outgoing mail goes: `smtp://[user:password@]host[:port]`
    /// (add `?tls=required` for STARTTLS), `smtps://…` (TLS from the
    /// start), or `file://DIR`, a folder that receives one `.eml` file per
    /// mail (relative paths from the working directory).
    pub mail_transport: String,
    /// The sender of platform mail when a site sets no
    /// `email_from_address`.
    pub mail_from_address: String,
    /// Sends of one mail before it is given up (kept in `mail_outbox`
    /// with its `last_error`).
    pub mail_max_attempts: u32,
    /// Lifetime of a password-reset link.
    pub password_reset_ttl_secs: u64,
    /// Lifetime of an email-verification link.
    pub email_verification_ttl_secs: u64,
    /// Whether registration waits for the email to be verified, on sites
    /// that do not set `REQUIRE_EMAIL_VERIFICATION`.
    pub require_email_verification: bool,
}

/// Twice the cores plus two: the classic PostgreSQL sizing rule, counted
/// on this machine's cores because the default assumes the database beside
/// the service. More connections than the database's cores can run only
/// queue inside it, where the waiting is slower and shows up as the tail:
/// measured on 2 cores, a pool of 16 gave the course list a p99 of 45 ms,
/// a pool of 6 one of 8 ms at the same throughput. With the database on
/// its own machine, count that machine's cores.
pub fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
    cores * 2 + 2
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://atrium.db".into(),
            migration_database_url: None,
            database_pool_size: default_pool_size(),
            database_timeout_ms: 500,
            database_statement_timeout_ms: 10_000,
            database_reads_in_transactions: false,
            platform_domain: "localhost".into(),
            jwt_key_file: PathBuf::from("keys/jwt-ed25519.pem"),
            key_encryption_key_file: None,
            signing_keys_reload_secs: 30,
            access_token_ttl_secs: 900,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            client_token_ttl_secs: 900,
            graphql_introspection: true,
            // GraphiQL's introspection query (nested `ofType`s) is 15 deep:
            // at 12 its schema fetch fails and the explorer has no docs.
            graphql_max_depth: 15,
            graphql_max_complexity: 500,
            max_body_bytes: 256 * 1024,
            workers: None,
            client_request_timeout_ms: 5_000,
            client_disconnect_timeout_ms: 1_000,
            keep_alive_secs: 5,
            request_timeout_ms: 30_000,
            shutdown_grace_secs: 10,
            shutdown_drain_secs: 2,
            site_defaults: default_site_settings(),
            log_format: "text".into(),
            login_max_failures_per_name: 5,
            login_max_failures_per_address: 50,
            login_failure_window_secs: 900,
            trusted_proxies: Vec::new(),
            password_hash_queue: 64,
            graphiql: true,
            graphql_suggestions: true,
            tenant_domain_base: "localhost".into(),
            mail_transport: "file://mail".into(),
            mail_from_address: "noreply@localhost".into(),
            mail_max_attempts: 10,
            password_reset_ttl_secs: 3_600,
            email_verification_ttl_secs: 172_800,
            require_email_verification: false,
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = serde_json::to_value(self).map_err(|_| std::fmt::Error)?;
        for url in ["database_url", "migration_database_url", "mail_transport"] {
            if let Some(serde_json::Value::String(value)) = shown.get_mut(url) {
                *value = redact_url(value);
            }
        }
        write!(f, "Settings {shown}")
    }
}

fn default_site_settings() -> serde_json::Map<String, serde_json::Value> {
    let mut defaults = serde_json::Map::new();
    defaults.insert("PLATFORM_NAME".into(), "Atrium".into());
    defaults.insert("ALLOW_PUBLIC_ACCOUNT_CREATION".into(), true.into());
    defaults
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct SettingsError(#[from] Box<figment::Error>);

impl Settings {
    /// Loads the settings from `file` (if it exists) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("ATRIUM_CONFIG").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("atrium.toml"));
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            // ATRIUM_OPERATOR_PASSWORD belongs to `operator create` alone;
            // the key-encryption key is read where it is used, so that it
            // never sits in (and is never printed with) the settings.
            .merge(Env::prefixed("ATRIUM_").ignore(&[
                "CONFIG",
                "TEST_DATABASE_URL",
                "OPERATOR_PASSWORD",
                "KEY_ENCRYPTION_KEY",
            ]))
            .extract()
            .map_err(|e| SettingsError(Box::new(e)))
    }

    /// The platform host, normalized as request hosts are (case, port and
    /// trailing dot ignored). An invalid `platform_domain` matches no
    /// request; [`Settings::check`] refuses it at start.
    pub fn platform_host(&self) -> String {
        HostName::parse(self.platform_domain.trim()).map_or_else(
            |_| self.platform_domain.to_ascii_lowercase(),
            |host| host.to_string(),
        )
    }

    /// Where the key-encryption key file is: the setting, else beside
    /// `jwt_key_file`.
    pub fn key_encryption_key_path(&self) -> PathBuf {
        self.key_encryption_key_file.clone().unwrap_or_else(|| {
            self.jwt_key_file
                .parent()
                .unwrap_or(Path::new(""))
                .join("key-encryption.key")
        })
    }

    /// What can be wrong with settings that parsed: the first problem,
    /// naming its setting.
    pub fn check(&self) -> Result<(), String> {
        HostName::parse(self.platform_domain.trim())
            .map_err(|e| format!("platform_domain {:?}: {e}", self.platform_domain))?;
        for (name, value) in [
            ("client_request_timeout_ms", self.client_request_timeout_ms),
            ("keep_alive_secs", self.keep_alive_secs),
            ("request_timeout_ms", self.request_timeout_ms),
            ("shutdown_grace_secs", self.shutdown_grace_secs),
            ("signing_keys_reload_secs", self.signing_keys_reload_secs),
        ] {
            if value == 0 {
                return Err(format!("{name} must be greater than 0"));
            }
        }
        if self.shutdown_drain_secs >= self.shutdown_grace_secs {
            return Err("shutdown_drain_secs must be shorter than shutdown_grace_secs".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // figment's Jail fixes the closure's (large) error type.
    #[allow(clippy::result_large_err)]
    fn file_and_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "atrium.toml",
                "listen = \"0.0.0.0:9000\"\n[site_defaults]\nPLATFORM_NAME = \"Campus\"\n",
            )?;
            jail.set_env("DATABASE_URL", "postgres://db/atrium");
            jail.set_env("ATRIUM_PLATFORM_DOMAIN", "admin.example.org");
            let settings = Settings::load(None).expect("settings");
            assert_eq!(settings.listen, "0.0.0.0:9000");
            assert_eq!(settings.database_url, "postgres://db/atrium");
            assert_eq!(settings.platform_domain, "admin.example.org");
            assert_eq!(settings.site_defaults["PLATFORM_NAME"], "Campus");
            jail.set_env("ATRIUM_TRUSTED_PROXIES", "[10.0.0.0/8, 192.0.2.1]");
            let settings = Settings::load(None).expect("settings");
            let proxies: Vec<String> = settings
                .trusted_proxies
                .iter()
                .map(|c| c.to_string())
                .collect();
            assert_eq!(proxies, ["10.0.0.0/8", "192.0.2.1/32"]);
            jail.set_env("ATRIUM_TRUSTED_PROXIES", "[10.0.0.0/80]");
            assert!(Settings::load(None).is_err());
            Ok(())
        });
    }

    #[test]
    fn the_platform_domain_is_normalized_like_request_hosts() {
        let settings = |domain: &str| Settings {
            platform_domain: domain.into(),
            ..Settings::default()
        };
        assert_eq!(
            settings("Admin.Example.ORG.").platform_host(),
            "admin.example.org"
        );
        assert_eq!(
            settings("admin.example.org:8443").platform_host(),
            "admin.example.org"
        );
        assert_eq!(settings("127.0.0.1").platform_host(), "127.0.0.1");
        assert!(settings("admin.example.org").check().is_ok());
        let refused = settings("admin example").check().unwrap_err();
        assert!(refused.contains("platform_domain"), "{refused}");
    }

    #[test]
    fn debug_output_hides_database_passwords() {
        let settings = Settings {
            database_url: "postgres://app:s3cret@db/atrium".into(),
            migration_database_url: Some("postgres://owner:0wner-secret@db/atrium".into()),
            ..Settings::default()
        };
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("0wner-secret"),
            "{shown}"
        );
        assert!(shown.contains("postgres://app:***@db/atrium"), "{shown}");
    }
}
