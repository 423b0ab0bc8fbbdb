//! `atrium`: the one binary. Serves the API, runs migrations, creates
//! operators, and prints the API contracts.

use std::path::PathBuf;
use std::process::ExitCode;

use atrium_core::Settings;
use atrium_db::{Backend, Db, DbOptions};
use atrium_identity::KeyStore;
use clap::{Parser, Subcommand};

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
    /// Platform operators.
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
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
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Create a platform operator.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, env = "ATRIUM_OPERATOR_PASSWORD")]
        password: String,
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
        Command::Operator {
            command: OperatorCommand::Create { email, password },
        } => create_operator(settings, &email, &password),
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

fn migrate(settings: &Settings, revert_all: bool) -> Result<(), AnyError> {
    let url = settings
        .migration_database_url
        .as_deref()
        .unwrap_or(&settings.database_url);
    if revert_all {
        let reverted = atrium_db::revert_all(url)?;
        tracing::info!(reverted, "migrations reverted");
    } else {
        let applied = atrium_db::run_migrations(url)?;
        tracing::info!(applied, "migrations applied");
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

fn connect(settings: &Settings, pool_size: u32) -> Result<Db, AnyError> {
    let options = DbOptions {
        pool_size,
        timeout: std::time::Duration::from_millis(settings.database_timeout_ms),
    };
    Ok(Db::connect(&settings.database_url, &options)?)
}

fn runtime() -> Result<tokio::runtime::Runtime, AnyError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn create_operator(settings: Settings, email: &str, password: &str) -> Result<(), AnyError> {
    migrate_on_start(&settings)?;
    // One connection: a short command must not leave pool threads opening
    // connections (and TLS sessions) while the process exits.
    let db = connect(&settings, 1)?;
    // The first command on a fresh machine also makes the signing key, so
    // that every replica started afterwards shares it.
    KeyStore::load_or_generate(&settings.jwt_key_file)?;
    let id = runtime()?.block_on(atrium_identity::create_operator(&db, email, password))?;
    println!("operator {id} created: {}", email.trim().to_lowercase());
    Ok(())
}

/// On PostgreSQL, running servers hear of the approval through the routing
/// channel; a SQLite server keeps its cached answer for the host until its
/// next site write or restart (so approve there through the API).
fn approve_domain(settings: Settings, domain: &str) -> Result<(), AnyError> {
    migrate_on_start(&settings)?;
    let db = connect(&settings, 1)?;
    let claim = runtime()?.block_on(atrium_sites::approve_domain_claim(&db, domain))?;
    println!(
        "domain {} approved: it now routes to site {} of tenant {}",
        claim.domain, claim.site_id.0, claim.tenant_slug
    );
    Ok(())
}

fn reject_domain(settings: Settings, domain: &str) -> Result<(), AnyError> {
    migrate_on_start(&settings)?;
    let db = connect(&settings, 1)?;
    let claim = runtime()?.block_on(atrium_sites::reject_domain_claim(&db, domain))?;
    println!(
        "domain {} rejected: site {} of tenant {} no longer claims it",
        claim.domain, claim.site_id.0, claim.tenant_slug
    );
    Ok(())
}

fn serve(settings: Settings) -> Result<(), AnyError> {
    // Platform defaults obey the same rules as a site's values: a string
    // "false" for ALLOW_PUBLIC_ACCOUNT_CREATION must not open registration.
    atrium_sites::settings::validate_configuration(&settings.site_defaults)
        .map_err(|e| format!("site_defaults: {e}"))?;
    migrate_on_start(&settings)?;
    let db = connect(&settings, settings.database_pool_size)?;
    let keys = KeyStore::load_or_generate(&settings.jwt_key_file)?;
    let listen = settings.listen.clone();
    let workers = settings
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    actix_web::rt::System::new().block_on(async move {
        let state = atrium_api::AppState::new(settings, db, keys);
        state.listen_for_changes();
        let server = actix_web::HttpServer::new(move || atrium_api::app(state.clone()))
            .workers(workers)
            .shutdown_timeout(30)
            .bind(&listen)?;
        tracing::info!(%listen, workers, "atrium is serving");
        // actix stops accepting on SIGTERM/SIGINT and lets requests in
        // flight finish (up to shutdown_timeout).
        server.run().await?;
        tracing::info!("atrium stopped");
        Ok(())
    })
}
