use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, OnceLock};

use actix_web::dev::ServerHandle;
use atrium_api::AppState;
use atrium_core::Settings;
use atrium_db::citus::CitusFound;
use atrium_db::{Db, DbOptions};
use atrium_identity::{Identity, KeyStore};
use serde_json::{json, Value};

use crate::client::Request;
use crate::database::{Backend, TestDb};
use crate::mail::MailFolder;

pub const OPERATOR_EMAIL: &str = "ops@platform.test";
pub const OPERATOR_PASSWORD: &str = "operator-password";
pub const ADMIN_PASSWORD: &str = "admin-password";

/// Settings a test may change.
#[derive(Debug, Clone)]
pub struct TestOptions {
    pub graphql_introspection: bool,
    pub graphql_max_depth: usize,
    pub graphql_max_complexity: usize,
    pub max_body_bytes: usize,
    pub client_request_timeout_ms: u64,
    pub keep_alive_secs: u64,
    pub request_timeout_ms: u64,
    pub login_max_failures_per_name: u32,
    pub login_max_failures_per_address: u32,
    pub login_failure_window_secs: u64,
    pub refresh_token_ttl_secs: u64,
    /// CIDRs, as in `atrium.toml`.
    pub trusted_proxies: Vec<String>,
    pub graphiql: bool,
    pub graphql_suggestions: bool,
    /// `test` in tests: tenants provisioned as `{slug}.test.localhost` may
    /// add `{slug}.test` and the names below it (`learn.acme.test`) without
    /// an operator, as most tests do; other domains are claimed pending.
    pub tenant_domain_base: String,
    /// `None`: mail goes into a temporary folder of the test ([`TestApp::mail`]).
    pub mail_transport: Option<String>,
    pub require_email_verification: bool,
    /// What the server is told of Citus instead of the database's answer:
    /// the seam for the tests of Citus, which no test database runs. The
    /// server starts as `atrium serve` would with that answer (reads in
    /// transactions on Citus), and readiness answers from it
    /// ([`atrium_api::CitusProbe`]; change it later through `state.citus`).
    pub citus: Option<CitusFound>,
}

impl Default for TestOptions {
    fn default() -> Self {
        let defaults = Settings::default();
        Self {
            graphql_introspection: true,
            graphql_max_depth: defaults.graphql_max_depth,
            graphql_max_complexity: defaults.graphql_max_complexity,
            max_body_bytes: defaults.max_body_bytes,
            client_request_timeout_ms: defaults.client_request_timeout_ms,
            keep_alive_secs: defaults.keep_alive_secs,
            request_timeout_ms: defaults.request_timeout_ms,
            login_max_failures_per_name: defaults.login_max_failures_per_name,
            login_max_failures_per_address: defaults.login_max_failures_per_address,
            login_failure_window_secs: defaults.login_failure_window_secs,
            refresh_token_ttl_secs: defaults.refresh_token_ttl_secs,
            trusted_proxies: Vec::new(),
            graphiql: true,
            graphql_suggestions: true,
            tenant_domain_base: "test".into(),
            mail_transport: None,
            require_email_verification: false,
            citus: None,
        }
    }
}

/// A running server on its own database.
pub struct TestApp {
    pub db: Arc<TestDb>,
    pub base: String,
    pub state: Arc<AppState>,
    handle: ServerHandle,
    keys: Arc<tempfile::TempDir>,
    mail: Arc<tempfile::TempDir>,
    options: TestOptions,
    operator_token: OnceLock<String>,
}

/// A tenant made by [`TestApp::provision`].
#[derive(Debug, Clone)]
pub struct Provisioned {
    pub slug: String,
    pub domain: String,
    pub org: String,
    pub tenant_id: i64,
    pub site_id: i64,
    pub admin_id: i64,
    pub admin_token: String,
    pub body: Value,
}

impl TestApp {
    /// A server on a fresh database of `backend`, with one operator.
    pub fn start(backend: Backend) -> Self {
        Self::with(TestDb::new(backend), TestOptions::default())
    }

    pub fn with(db: TestDb, options: TestOptions) -> Self {
        let keys = Arc::new(tempfile::tempdir().expect("key dir"));
        let mail = Arc::new(tempfile::tempdir().expect("mail dir"));
        let app = Self::serve(Arc::new(db), keys, mail, &options);
        let created = actix_web::rt::System::new().block_on(
            app.identity()
                .create_operator(OPERATOR_EMAIL, OPERATOR_PASSWORD),
        );
        created.expect("create the test operator");
        app
    }

    /// A second server on the same database, key-encryption key and options,
    /// with caches of its own: another replica.
    pub fn replica(&self) -> Self {
        Self::serve(
            Arc::clone(&self.db),
            Arc::clone(&self.keys),
            Arc::clone(&self.mail),
            &self.options,
        )
    }

    fn key_file(keys: &tempfile::TempDir) -> PathBuf {
        keys.path().join("jwt.pem")
    }

    fn serve(
        db: Arc<TestDb>,
        keys: Arc<tempfile::TempDir>,
        mail: Arc<tempfile::TempDir>,
        options: &TestOptions,
    ) -> Self {
        let settings = Settings {
            database_url: db.url.clone(),
            database_pool_size: 4,
            jwt_key_file: Self::key_file(&keys),
            graphql_introspection: options.graphql_introspection,
            graphql_max_depth: options.graphql_max_depth,
            graphql_max_complexity: options.graphql_max_complexity,
            max_body_bytes: options.max_body_bytes,
            client_request_timeout_ms: options.client_request_timeout_ms,
            keep_alive_secs: options.keep_alive_secs,
            request_timeout_ms: options.request_timeout_ms,
            login_max_failures_per_name: options.login_max_failures_per_name,
            login_max_failures_per_address: options.login_max_failures_per_address,
            login_failure_window_secs: options.login_failure_window_secs,
            refresh_token_ttl_secs: options.refresh_token_ttl_secs,
            trusted_proxies: options
                .trusted_proxies
                .iter()
                .map(|cidr| cidr.parse().expect("a CIDR"))
                .collect(),
            graphiql: options.graphiql,
            graphql_suggestions: options.graphql_suggestions,
            tenant_domain_base: options.tenant_domain_base.clone(),
            mail_transport: options
                .mail_transport
                .clone()
                .unwrap_or_else(|| format!("file://{}", mail.path().display())),
            require_email_verification: options.require_email_verification,
            ..Settings::default()
        };
        // As `atrium serve` decides from what it found.
        let reads_in_transactions = options.citus.as_ref().is_some_and(|found| {
            found
                .reads_in_transactions(false)
                .unwrap_or_else(|message| panic!("atrium serve would refuse: {message}"))
        });
        let citus = options.citus.clone();
        let (sender, receiver) = mpsc::channel::<(SocketAddr, ServerHandle, Arc<AppState>)>();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let pool = Db::connect(
                    &settings.database_url,
                    &DbOptions {
                        pool_size: 4,
                        reads_in_transactions,
                        ..DbOptions::default()
                    },
                )
                .expect("connect to the test database");
                // A key file of an earlier version, imported into the empty
                // table by `open`: the upgrade path, and what lets a test
                // sign claims of its own with the server's key
                // (`sign_with_server_key`).
                if !settings.jwt_key_file.exists() {
                    KeyStore::load_or_generate(&settings.jwt_key_file).expect("a key file");
                }
                // Replicas share the key directory, hence the key-encryption key.
                let keys = KeyStore::open(&pool, &settings)
                    .await
                    .expect("signing keys");
                let state = AppState::new(settings, pool, keys);
                if let Some(found) = citus {
                    state.citus.answer_with(found);
                }
                state.listen_for_changes();
                state.start_mail_delivery().expect("mail settings");
                let for_server = Arc::clone(&state);
                let server =
                    actix_web::HttpServer::new(move || atrium_api::app(Arc::clone(&for_server)));
                let server = atrium_api::limits::configure_server(server, &state.settings)
                    .workers(2)
                    .disable_signals()
                    .bind(("127.0.0.1", 0))
                    .expect("bind a free port");
                let address = server.addrs()[0];
                let server = server.run();
                sender
                    .send((address, server.handle(), state))
                    .expect("hand the server over");
                let _ = server.await;
            })
        });
        let (address, handle, state) = receiver.recv().expect("server started");
        Self {
            db,
            base: format!("http://{address}"),
            state,
            handle,
            keys,
            mail,
            options: options.clone(),
            operator_token: OnceLock::new(),
        }
    }

    /// The mail this server (and its replicas) delivered.
    pub fn mail(&self) -> MailFolder {
        MailFolder {
            dir: self.mail.path().to_path_buf(),
        }
    }

    pub fn identity(&self) -> &Identity {
        &self.state.identity
    }

    /// Signs `claims` under `header` with the servers' signing key: a token
    /// signed right and wrong in every other way, for the tests of what
    /// verification refuses.
    pub fn sign_with_server_key(&self, header: &jsonwebtoken::Header, claims: &Value) -> String {
        let pem = std::fs::read(Self::key_file(&self.keys)).expect("read the signing key");
        let key = jsonwebtoken::EncodingKey::from_ed_pem(&pem).expect("an Ed25519 key");
        jsonwebtoken::encode(header, claims, &key).expect("sign")
    }

    /// A request to `host`.
    pub fn req(&self, method: &str, host: &str, path: &str) -> Request {
        Request::new(method, &format!("{}{path}", self.base), host)
    }

    /// A request to the platform host.
    pub fn platform(&self, method: &str, path: &str) -> Request {
        self.req(method, "localhost", path)
    }

    /// A token of the test operator.
    pub fn operator_token(&self) -> String {
        self.operator_token
            .get_or_init(|| self.login("localhost", OPERATOR_EMAIL, OPERATOR_PASSWORD))
            .clone()
    }

    /// A password-grant token, or a panic with the server's answer.
    pub fn login(&self, host: &str, username: &str, password: &str) -> String {
        let response = self
            .req("POST", host, "/api/v1/auth/token")
            .json(&json!({"grant_type": "password", "username": username, "password": password}))
            .expect(200);
        response.json()["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// The body `POST /api/v1/tenants` takes for a tenant named `slug`.
    pub fn tenant_body(slug: &str) -> Value {
        json!({
            "slug": slug,
            "name": format!("Tenant {slug}"),
            "domain": format!("{slug}.test.localhost"),
            "organization": {"short_name": slug.to_uppercase().replace('-', "_"), "name": format!("{slug} root")},
            "admin": {"email": format!("admin@{slug}.test"), "username": "admin", "password": ADMIN_PASSWORD},
        })
    }

    /// Provisions a tenant and logs its admin in.
    pub fn provision(&self, slug: &str) -> Provisioned {
        self.provision_with(Self::tenant_body(slug))
    }

    pub fn provision_with(&self, body: Value) -> Provisioned {
        let response = self
            .platform("POST", "/api/v1/tenants")
            .bearer(&self.operator_token())
            .json(&body)
            .expect(201);
        let created = response.json();
        let domain = created["site"]["domain"]
            .as_str()
            .expect("domain")
            .to_owned();
        let admin_token = self.login(&domain, "admin", ADMIN_PASSWORD);
        Provisioned {
            slug: created["tenant"]["slug"].as_str().expect("slug").to_owned(),
            org: created["organization"]["short_name"]
                .as_str()
                .expect("org")
                .to_owned(),
            tenant_id: created["tenant"]["id"].as_i64().expect("tenant id"),
            site_id: created["site"]["id"].as_i64().expect("site id"),
            admin_id: created["admin"]["id"].as_i64().expect("admin id"),
            domain,
            admin_token,
            body: created,
        }
    }

    /// Sends a GraphQL operation to `host` with an optional token.
    pub fn graphql(&self, host: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self.req("POST", host, "/graphql");
        if let Some(token) = token {
            request = request.bearer(token);
        }
        request
            .json(&json!({"query": query, "variables": variables}))
            .expect(200)
            .json()
    }
}

impl Provisioned {
    /// A request to this tenant's primary site as its admin.
    pub fn admin(&self, app: &TestApp, method: &str, path: &str) -> Request {
        app.req(method, &self.domain, path)
            .bearer(&self.admin_token)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        actix_web::rt::System::new().block_on(handle.stop(false));
    }
}
