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

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// database work.
    pub database_pool_size: u32,
    /// How long a request waits for a pooled connection before a 503.
    pub database_timeout_ms: u64,
    /// Requests to this host are platform requests (operators only).
    pub platform_domain: String,
    /// PEM file holding the Ed25519 key that signs access tokens; generated
    /// with mode 0600 on first start when absent.
    pub jwt_key_file: PathBuf,
    /// Lifetime of an access token.
    pub access_token_ttl_secs: u64,
    /// GraphQL introspection and the GraphiQL page (switch off in production
    /// if the schema should not be browsable).
    pub graphql_introspection: bool,
    pub graphql_max_depth: usize,
    pub graphql_max_complexity: usize,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// HTTP worker threads; defaults to the number of cores.
    pub workers: Option<usize>,
    /// Platform-wide defaults of site configuration keys, used when a site
    /// does not set a key.
    pub site_defaults: serde_json::Map<String, serde_json::Value>,
    /// `text` or `json` log lines.
    pub log_format: String,
    /// Tenants may add `{slug}.{tenant_domain_base}` and the names below it
    /// without an operator; any other domain waits for an operator's
    /// approval (domain claims). Empty: every domain waits.
    pub tenant_domain_base: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://atrium.db".into(),
            migration_database_url: None,
            database_pool_size: 16,
            database_timeout_ms: 5_000,
            platform_domain: "localhost".into(),
            jwt_key_file: PathBuf::from("keys/jwt-ed25519.pem"),
            access_token_ttl_secs: 900,
            graphql_introspection: true,
            graphql_max_depth: 12,
            graphql_max_complexity: 500,
            max_body_bytes: 256 * 1024,
            workers: None,
            site_defaults: default_site_settings(),
            log_format: "text".into(),
            tenant_domain_base: "localhost".into(),
        }
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
            .merge(Env::prefixed("ATRIUM_").ignore(&["CONFIG", "TEST_DATABASE_URL"]))
            .extract()
            .map_err(|e| SettingsError(Box::new(e)))
    }

    /// The platform host, lowercase.
    pub fn platform_host(&self) -> String {
        self.platform_domain.to_ascii_lowercase()
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
            Ok(())
        });
    }
}
