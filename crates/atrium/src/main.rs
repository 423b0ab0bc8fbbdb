//! `atrium`: the one binary. Serves the API, runs migrations, creates
//! operators, and prints the API contracts.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use atrium_audit::Author;
use atrium_core::{redact_url, Settings};
use atrium_db::{Backend, Db, DbOptions};
use atrium_identity::{Kek, KeyStore, OperatorRef};
use clap::{Parser, Subcommand};

/// Each password hash takes ~19 MiB (argon2). glibc's allocator keeps such
/// blocks in per-thread arenas once freed, so hashes run over the blocking
/// pool's threads grew the process to hundreds of MiB; mimalloc gives them
/// back, and the resident set follows the hashes in flight (two at most,
/// one per core).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "atrium", version, about = "Multi-tenant learning platform API")]
struct Cli {
    /// Configuration file (default: atrium.toml, or $ATRIUM_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default). SQLite databases are migrated first.
    Serve,
    /// Apply pending migrations (on PostgreSQL, as the owner:
    /// migration_database_url, else database_url).
    Migrate {
        /// Revert every migration instead.
        #[arg(long)]
        revert_all: bool,
    },
    /// Scale out on Citus (as the owner, after `migrate`, against the
    /// coordinator): platform tables become reference tables, tenant
    /// tables are distributed by tenant_id, co-located. Idempotent.
    Distribute {
        /// Print the plan, computed from the catalog, and change nothing
        /// (on any PostgreSQL).
        #[arg(long)]
        dry_run: bool,
    },
    /// Platform operators.
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// Token signing keys (in the database, shared by every server).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Domains tenants claimed outside their own base.
    Domain {
        #[command(subcommand)]
        command: DomainCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Print the GraphQL schema (SDL).
    GraphqlSchema,
    /// Print the permission matrix (role × action) as a Markdown table.
    Permissions,
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Create a platform operator. The password comes from
    /// ATRIUM_OPERATOR_PASSWORD or, when that is unset, from one line of
    /// standard input.
    Create {
        #[arg(long)]
        email: String,
        /// Deprecated: other users of the machine see it (process list,
        /// shell history). Use ATRIUM_OPERATOR_PASSWORD or standard input.
        #[arg(long)]
        password: Option<String>,
    },
    /// List operators: id, email, active or disabled.
    List,
    /// Disable an operator: it cannot log in, and its tokens are refused at
    /// once on every server (PostgreSQL; a SQLite server is told by its
    /// own API only, see `keys`). The last active operator stays.
    Disable { email: String },
    /// Enable a disabled operator again.
    Enable { email: String },
    /// Delete an operator (not the last active one).
    Delete { email: String },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// List the signing keys: kid, created, state.
    List,
    /// Add a key that signs from now on; the one that signed keeps
    /// verifying its tokens until they expire. Running servers pick it up
    /// without a restart.
    Rotate,
    /// Retire a key: the tokens it signed are refused from now on. The key
    /// that signs cannot be retired (rotate first).
    Retire {
        /// As `keys list` shows it; a kid may begin with `-`.
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
}

#[derive(Subcommand)]
enum DomainCommand {
    /// Approve a pending domain: it routes to the site that claimed it.
    Approve {
        /// The pending domain, as the site has it.
        domain: String,
    },
    /// Reject a pending domain: the name is free again, and the site falls
    /// back to its earlier domain (if it had one).
    Reject { domain: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("atrium: {error}");
            return ExitCode::from(2);
        }
    };
    init_logging(&settings);
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate { revert_all } => migrate(&settings, revert_all),
        Command::Distribute { dry_run } => distribute(&settings, dry_run),
        Command::Operator {
            command: OperatorCommand::Create { email, password },
        } => operator_password(password)
            .and_then(|password| create_operator(settings, &email, &password)),
        Command::Operator { command } => manage_operators(settings, command),
        Command::Keys { command } => manage_keys(settings, command),
        Command::Domain {
            command: DomainCommand::Approve { domain },
        } => approve_domain(settings, &domain),
        Command::Domain {
            command: DomainCommand::Reject { domain },
        } => reject_domain(settings, &domain),
        Command::Openapi => {
            println!("{}", atrium_api::openapi::json());
            Ok(())
        }
        Command::GraphqlSchema => {
            print!("{}", atrium_api::graphql::sdl());
            Ok(())
        }
        Command::Permissions => {
            print!("{}", atrium_permissions::render_markdown());
            Ok(())
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("atrium: {error}");
            ExitCode::FAILURE
        }
    }
}

type AnyError = Box<dyn std::error::Error + Send + Sync>;

fn init_logging(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ATRIUM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if settings.log_format == "json" {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}

/// The owner's URL (`migration_database_url`, else `database_url`): what
/// alters the schema runs as the owner.
fn owner_url(settings: &Settings) -> &str {
    settings
        .migration_database_url
        .as_deref()
        .unwrap_or(&settings.database_url)
}

fn migrate(settings: &Settings, revert_all: bool) -> Result<(), AnyError> {
    let url = owner_url(settings);
    if revert_all {
        let reverted = atrium_db::revert_all(url)?;
        tracing::info!(reverted, "migrations reverted");
    } else {
        let applied = atrium_db::run_migrations(url)?;
        tracing::info!(applied, "migrations applied");
    }
    Ok(())
}

/// Run as the owner, like `migrate`: the conversion alters every table.
fn distribute(settings: &Settings, dry_run: bool) -> Result<(), AnyError> {
    let url = owner_url(settings);
    if dry_run {
        let plan = atrium_db::distribution::plan(url)?;
        println!("Plan for {}:\n", redact_url(url));
        print!("{plan}");
    } else {
        let done = atrium_db::distribution::distribute(url)?;
        print!("{done}");
    }
    Ok(())
}

/// SQLite is migrated by the service itself (it owns its file); PostgreSQL
/// only when an owner URL is configured, since the service's role owns
/// nothing.
fn migrate_on_start(settings: &Settings) -> Result<(), AnyError> {
    match (
        Backend::from_url(&settings.database_url)?,
        &settings.migration_database_url,
    ) {
        (Backend::Sqlite, _) => migrate(settings, false),
        (Backend::Postgres, Some(_)) => migrate(settings, false),
        (Backend::Postgres, None) => Ok(()),
    }
}

/// Every command's pool: the server's, and the one connection of a
/// command-line command, which reads tenant rows too (on Citus they are on
/// the workers, so the same check applies).
fn connect(settings: &Settings, pool_size: u32) -> Result<Db, AnyError> {
    let db = connect_reading(settings, pool_size, settings.database_reads_in_transactions)?;
    check_citus(settings, db, pool_size)
}

fn connect_reading(
    settings: &Settings,
    pool_size: u32,
    reads_in_transactions: bool,
) -> Result<Db, AnyError> {
    let options = DbOptions {
        pool_size,
        timeout: Duration::from_millis(settings.database_timeout_ms),
        statement_timeout: Duration::from_millis(settings.database_statement_timeout_ms),
        reads_in_transactions,
    };
    Ok(Db::connect(&settings.database_url, &options)?)
}

/// Asks the database about Citus before using it (see `atrium_db::citus`):
/// misconfigured, the server refuses to start, saying what to change; on
/// Citus, reads run in transactions whatever `database_reads_in_transactions`
/// says, since a session's `SET` never reaches the workers.
///
/// The question goes through the pool already open, and the pool is opened
/// again only when Citus turns reads in transactions on: whether reads run
/// in transactions is fixed for a pool's life (every unit of work relies on
/// it), and asking through the server's own pool costs nothing more on
/// every other deployment.
fn check_citus(settings: &Settings, db: Db, pool_size: u32) -> Result<Db, AnyError> {
    let found = runtime()?.block_on(db.citus())?;
    let reads_in_transactions = found
        .reads_in_transactions(settings.database_reads_in_transactions)
        .map_err(|message| format!("refusing to start: {message}"))?;
    if let Some(version) = &found.version {
        tracing::info!(
            citus = %version,
            "Citus found: reads run in transactions (SET LOCAL reaches the workers)"
        );
    }
    if reads_in_transactions == db.reads_in_transactions() {
        return Ok(db);
    }
    drop(db);
    connect_reading(settings, pool_size, reads_in_transactions)
}

fn runtime() -> Result<tokio::runtime::Runtime, AnyError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// The new operator's password: from the flag (with a warning), else
/// ATRIUM_OPERATOR_PASSWORD, else one line of standard input.
fn operator_password(flag: Option<String>) -> Result<String, AnyError> {
    if let Some(password) = flag {
        eprintln!(
            "atrium: warning: --password shows the password to other users of this machine \
             (process list, shell history); set ATRIUM_OPERATOR_PASSWORD or pipe it on \
             standard input instead"
        );
        return Ok(password);
    }
    if let Some(password) = std::env::var_os("ATRIUM_OPERATOR_PASSWORD") {
        return password
            .into_string()
            .map_err(|_| "ATRIUM_OPERATOR_PASSWORD is not valid UTF-8".into());
    }
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    if terminal {
        eprint!("password of the new operator: ");
        set_terminal_echo(false);
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if terminal {
        set_terminal_echo(true);
        eprintln!();
    }
    read?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        return Err(
            "no password: set ATRIUM_OPERATOR_PASSWORD or pipe it on standard input".into(),
        );
    }
    Ok(password.to_owned())
}

/// Best effort: a password typed at a terminal is not shown.
fn set_terminal_echo(on: bool) {
    let _ = std::process::Command::new("stty")
        .arg(if on { "echo" } else { "-echo" })
        .stdin(std::process::Stdio::inherit())
        .status();
}

fn create_operator(settings: Settings, email: &str, password: &str) -> Result<(), AnyError> {
    migrate_on_start(&settings)?;
    // One connection: a short command must not leave pool threads opening
    // connections (and TLS sessions) while the process exits.
    let db = connect(&settings, 1)?;
    let runtime = runtime()?;
    // The first command on a fresh machine also makes the key-encryption
    // key and the first signing key, for the servers started afterwards.
    runtime.block_on(KeyStore::open(&db, &settings))?;
    let id = runtime.block_on(atrium_identity::create_operator(
        &db,
        email,
        password,
        &Author::command_line(),
    ))?;
    println!("operator {id} created: {}", email.trim().to_lowercase());
    Ok(())
}

fn manage_operators(settings: Settings, command: OperatorCommand) -> Result<(), AnyError> {
    migrate_on_start(&settings)?;
    let db = connect(&settings, 1)?;
    let runtime = runtime()?;
    let (operator, done) = match command {
        // `main` sends `create` to `create_operator`, which reads a password.
        OperatorCommand::Create { .. } => unreachable!("operator create is handled in main"),
        OperatorCommand::List => {
            let mut page = atrium_core::PageRequest {
                limit: 100,
                after: None,
            };
            loop {
                let found = runtime.block_on(atrium_identity::list_operators(&db, page))?;
                for operator in &found.items {
                    let state = if operator.is_active {
                        "active"
                    } else {
                        "disabled"
                    };
                    println!("{}\t{}\t{state}", operator.id, operator.email);
                }
                match found.items.last() {
                    Some(last) if found.next_cursor.is_some() => page.after = Some(last.id.0),
                    _ => return Ok(()),
                }
            }
        }
        OperatorCommand::Disable { email } => (
            runtime.block_on(atrium_identity::set_operator_active(
                &db,
                OperatorRef::Email(email),
                false,
                &Author::command_line(),
            ))?,
            "disabled",
        ),
        OperatorCommand::Enable { email } => (
            runtime.block_on(atrium_identity::set_operator_active(
                &db,
                OperatorRef::Email(email),
                true,
                &Author::command_line(),
            ))?,
            "enabled",
        ),
        OperatorCommand::Delete { email } => (
            runtime.block_on(atrium_identity::delete_operator(
                &db,
                OperatorRef::Email(email),
                &Author::command_line(),
            ))?,
            "deleted",
        ),
    };
    println!("operator {} {done}: {}", operator.id, operator.email);
    Ok(())
}

/// Key commands write to the database; running servers hear of it on
/// PostgreSQL at once, on SQLite within `signing_keys_reload_secs`.
fn manage_keys(settings: Settings, command: KeysCommand) -> Result<(), AnyError> {
    migrate_on_start(&settings)?;
    let db = connect(&settings, 1)?;
    let runtime = runtime()?;
    let grace = atrium_identity::keys::grace_secs(&settings);
    match command {
        KeysCommand::List => {
            let keys = runtime.block_on(atrium_identity::keys::list(&db, grace))?;
            if keys.is_empty() {
                println!("no signing key yet: the first server to start makes one");
            }
            for key in keys {
                println!(
                    "{}\t{}\t{}",
                    key.kid,
                    key.created_at.format("%Y-%m-%dT%H:%M:%SZ"),
                    key.state
                );
            }
        }
        KeysCommand::Rotate => {
            // Opening the keyring first makes the first key (importing the
            // PEM file) on a fresh database, and proves that this KEK opens
            // the keys the servers use.
            let kek = Kek::from_settings(&settings)?;
            let keys = runtime.block_on(KeyStore::open(&db, &settings))?;
            let previous = keys.kid();
            let kid = runtime.block_on(atrium_identity::keys::rotate(&db, &Arc::new(kek)))?;
            println!("{kid} signs from now on; {previous} verifies its tokens until they expire");
        }
        KeysCommand::Retire { kid } => {
            runtime.block_on(atrium_identity::keys::retire(&db, &kid))?;
            println!("{kid} retired: the tokens it signed are refused");
            println!(
                "(by running servers at once on PostgreSQL, within signing_keys_reload_secs on SQLite)"
            );
        }
    }
    Ok(())
}

/// On PostgreSQL, running servers hear of the approval through the routing
/// channel; a SQLite server keeps its cached answer for the host until its
/// next site write or restart (so approve there through the API).
fn approve_domain(settings: Settings, domain: &str) -> Result<(), AnyError> {
    migrate_on_start(&settings)?;
    let db = connect(&settings, 1)?;
    let claim = runtime()?.block_on(atrium_sites::approve_domain_claim(
        &db,
        domain,
        &Author::command_line(),
    ))?;
    println!(
        "domain {} approved: it now routes to site {} of tenant {}",
        claim.domain, claim.site_id.0, claim.tenant_slug
    );
    Ok(())
}

fn reject_domain(settings: Settings, domain: &str) -> Result<(), AnyError> {
    migrate_on_start(&settings)?;
    let db = connect(&settings, 1)?;
    let claim = runtime()?.block_on(atrium_sites::reject_domain_claim(
        &db,
        domain,
        &Author::command_line(),
    ))?;
    println!(
        "domain {} rejected: site {} of tenant {} no longer claims it",
        claim.domain, claim.site_id.0, claim.tenant_slug
    );
    Ok(())
}

fn serve(settings: Settings) -> Result<(), AnyError> {
    settings.check()?;
    // Platform defaults obey the same rules as a site's values: a string
    // "false" for ALLOW_PUBLIC_ACCOUNT_CREATION must not open registration.
    atrium_sites::settings::validate_configuration(&settings.site_defaults)
        .map_err(|e| format!("site_defaults: {e}"))?;
    migrate_on_start(&settings)?;
    let db = connect(&settings, settings.database_pool_size)?;
    let listen = settings.listen.clone();
    let workers = settings
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let stop = StopTimes {
        drain: Duration::from_secs(settings.shutdown_drain_secs),
        grace: Duration::from_secs(settings.shutdown_grace_secs),
    };
    let database = redact_url(&settings.database_url);
    actix_web::rt::System::new().block_on(async move {
        let keys = KeyStore::open(&db, &settings).await?;
        let state = atrium_api::AppState::new(settings, db, keys);
        state.listen_for_changes();
        state.start_mail_delivery()?;
        let for_workers = Arc::clone(&state);
        let server = actix_web::HttpServer::new(move || atrium_api::app(for_workers.clone()));
        let server = atrium_api::limits::configure_server(server, &state.settings)
            .workers(workers)
            // Signals are ours (below): readiness must fail first.
            .disable_signals()
            .bind(&listen)?
            .run();
        tracing::info!(%listen, workers, %database, "atrium is serving");
        actix_web::rt::spawn(stop_on_signal(server.handle(), state, stop));
        server.await?;
        tracing::info!("atrium stopped");
        Ok(())
    })
}

#[derive(Clone, Copy)]
struct StopTimes {
    drain: Duration,
    grace: Duration,
}

/// On SIGTERM or SIGINT: readiness answers 503 at once; the server keeps
/// serving for the drain time (load balancers see it is not ready), then
/// stops accepting and lets requests in flight finish within the rest of
/// the grace period (actix's shutdown timeout). Blocking work still
/// running past the grace period does not keep the process alive.
async fn stop_on_signal(server: ServerHandle, state: Arc<atrium_api::AppState>, times: StopTimes) {
    let signal = stop_signal().await;
    state.lifecycle.begin_draining();
    tracing::info!(
        signal,
        drain_secs = times.drain.as_secs(),
        grace_secs = times.grace.as_secs(),
        "stopping: not ready; requests in flight may finish"
    );
    std::thread::spawn(move || {
        std::thread::sleep(times.grace + Duration::from_millis(500));
        tracing::warn!("the shutdown grace period is over; exiting now");
        std::process::exit(1);
    });
    tokio::time::sleep(times.drain).await;
    server.stop(true).await;
}

#[cfg(unix)]
async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        },
        (Err(error), _) | (_, Err(error)) => {
            tracing::error!(%error, "cannot listen for stop signals");
            std::future::pending().await
        }
    }
}

#[cfg(not(unix))]
async fn stop_signal() -> &'static str {
    let _ = tokio::signal::ctrl_c().await;
    "Ctrl-C"
}
