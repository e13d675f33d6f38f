//! The `grants` command line.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use domain::account::{AccountInput, NewAccount};

use crate::app;
use crate::clock::SystemClock;
use crate::config::Settings;

/// Grant applications and expert review for rural NGOs.
#[derive(Debug, Parser)]
#[command(name = "grants", version, about)]
pub struct Cli {
    /// A TOML file of settings; `GRANTS_*` environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do; `serve` when absent.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Run only the mail worker, which sends the outbox (`serve` runs one too unless
    /// `GRANTS_MAIL_WORKER=false`).
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts.
    Admin {
        /// The admin action.
        #[command(subcommand)]
        action: AdminCommand,
    },
    /// Print the OpenAPI document as YAML.
    Openapi,
    /// Ask the server running on this machine (at `GRANTS_BIND`) whether it is ready:
    /// exits 0 when `GET /ready` answers 200, for container health checks.
    Health {
        /// The path to probe: `/ready` (the database is reachable and migrated) or
        /// `/health` (the process answers).
        #[arg(long, default_value = "/ready")]
        path: String,
    },
}

/// Account administration from the command line.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin account; the password is read from the first line of standard input.
    Create(CreateAdmin),
    /// Confirm a registered applicant's address by hand, for someone whose confirmation
    /// mail does not arrive. Make sure first that the address is theirs.
    ConfirmEmail(ConfirmEmail),
}

/// Arguments of `grants admin confirm-email`.
#[derive(Debug, Args)]
pub struct ConfirmEmail {
    /// The registered, unconfirmed address.
    #[arg(long)]
    pub email: String,
}

/// Arguments of `grants admin create`.
#[derive(Debug, Args)]
pub struct CreateAdmin {
    /// The admin's e-mail address.
    #[arg(long)]
    pub email: String,
    /// The admin's name.
    #[arg(long)]
    pub name: String,
    /// Read the password from standard input (required, so it never appears in the
    /// process list or shell history).
    #[arg(long, required = true)]
    pub password_stdin: bool,
    /// Preferred language: kk, ru or en.
    #[arg(long, default_value = "ru")]
    pub language: String,
}

/// Runs the parsed command line.
///
/// # Errors
/// Whatever the command fails with, with its cause chain.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            print!("{}", crate::api::document::yaml());
            Ok(())
        }
        Command::Health { path } => {
            // Settings only: no log set-up and no data directory, just the address.
            let settings = Settings::load(cli.config.as_deref()).context("loading settings")?;
            crate::probe::check(&settings.bind, &path).await
        }
        Command::Serve => {
            let settings = load(cli.config.as_ref())?;
            app::serve(settings).await
        }
        Command::Worker => {
            let settings = load(cli.config.as_ref())?;
            app::work(settings).await
        }
        Command::Migrate => {
            let settings = load(cli.config.as_ref())?;
            let store = persistence::Store::connect(&settings.database_url(), 1)
                .await
                .with_context(|| {
                    format!(
                        "connecting to the database ({})",
                        settings.database_location()
                    )
                })?;
            store.migrate().await.with_context(|| {
                format!("migrating the database ({})", settings.database_location())
            })?;
            store.close().await.context("closing the database")?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Admin {
            action: AdminCommand::Create(args),
        } => {
            let settings = load(cli.config.as_ref())?;
            create_admin(settings, &args).await
        }
        Command::Admin {
            action: AdminCommand::ConfirmEmail(args),
        } => {
            let settings = load(cli.config.as_ref())?;
            confirm_email(settings, &args).await
        }
    }
}

fn load(config: Option<&PathBuf>) -> anyhow::Result<Settings> {
    let settings = Settings::load(config.map(PathBuf::as_path)).context("loading settings")?;
    init_logging(&settings.log);
    if settings.jwt_secret.is_none() || settings.database_url.is_none() {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating data directory {}", settings.data_dir.display()))?;
    }
    Ok(settings)
}

/// Whether [`init_logging`] has set up the log, so a failure is reported there.
static LOGGING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Structured JSON logs to standard error, filtered by `filter` (settings have checked it).
pub fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let installed = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_current_span(true)
        .with_span_list(false)
        .try_init()
        .is_ok();
    if installed {
        LOGGING.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Reports a failed command once: in the log when it is set up, otherwise as a plain line
/// on standard error (settings that could not be loaded, before there is a log).
pub fn report_failure(err: &anyhow::Error) {
    if LOGGING.load(std::sync::atomic::Ordering::SeqCst) {
        tracing::error!(error = format!("{err:#}"), "failed");
    } else {
        eprintln!("grants: {err:#}");
    }
}

async fn create_admin(settings: Settings, args: &CreateAdmin) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']);
    let input = AccountInput {
        email: &args.email,
        password,
        name: &args.name,
        language: Some(&args.language),
    };
    let account = NewAccount::by_admin(input, "admin").map_err(|errors| {
        let reasons: Vec<String> = errors
            .errors()
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        anyhow::anyhow!("invalid account: {}", reasons.join("; "))
    })?;
    let state = app::build_state(settings, Arc::new(SystemClock)).await?;
    let credentials = crate::api::accounts::credentials(&state);
    let user =
        usecases::signin::create_confirmed(&state.store, &credentials, account, state.clock.now())
            .await
            .map_err(|err| {
                if matches!(
                    err,
                    usecases::Error::Store(persistence::RepoError::Conflict(
                        persistence::Clash::Email
                    ))
                ) {
                    anyhow::anyhow!("an account with this e-mail already exists")
                } else {
                    anyhow::anyhow!("creating the account: {err}")
                }
            })?;
    println!("{}", user.id);
    state.store.close().await.context("closing the database")?;
    Ok(())
}

async fn confirm_email(settings: Settings, args: &ConfirmEmail) -> anyhow::Result<()> {
    let email = domain::email::Email::parse(&args.email)
        .map_err(|e| anyhow::anyhow!("invalid e-mail address: {e}"))?;
    let state = app::build_state(settings, Arc::new(SystemClock)).await?;
    let confirmed = state
        .store
        .confirm_address(email.as_str(), state.clock.now())
        .await;
    state.store.close().await.context("closing the database")?;
    let user = match confirmed {
        Ok(user) => user,
        Err(persistence::RepoError::NotFound) => {
            anyhow::bail!("no account with this address waits for confirmation")
        }
        Err(persistence::RepoError::Conflict(persistence::Clash::SeveralRegistrations)) => {
            anyhow::bail!(
                "this address was registered more than once: only its holder can confirm, \
                 with the mailed code and the password they chose"
            )
        }
        Err(err) => return Err(anyhow::Error::new(err).context("confirming the address")),
    };
    println!("{}", user.id);
    Ok(())
}
