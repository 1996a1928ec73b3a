//! The `aerie` command line.

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::db::{Engine, Value};
use crate::identity;
use crate::operator_error::{EXIT_OPERATOR, OperatorError};
use crate::startup::{self, GlobalArgs, ServeArgs};

#[derive(Debug, Parser)]
#[command(name = "aerie", version, about = "A fediverse server for home and edge", propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the instance (creating it on first start).
    Serve(ServeArgs),
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Bring the database schema up to date.
    Migrate,
    /// The component manifest: what runs, and reloading it (works while the server runs).
    Components {
        #[command(subcommand)]
        command: ComponentsCommand,
    },
    /// Administer the instance (works while the server runs).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check the configuration, data directory, database and components; report every problem.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum ComponentsCommand {
    /// Id, source hash, hook, grants, limits, and per node: calls, traps, p99.
    List,
    /// Reload one component (or all) from its source on every running node.
    Reload {
        /// The component id; all components when omitted.
        id: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// The instance itself.
    Instance {
        #[command(subcommand)]
        command: InstanceCommand,
    },
    /// Local accounts: create, modify, delete, list.
    Accounts {
        #[command(subcommand)]
        command: crate::accounts_cli::AccountsCommand,
    },
    /// Moderation reports: received from other servers (Flag) and filed by local users.
    Reports {
        #[command(subcommand)]
        command: crate::reports_cli::ReportsCommand,
    },
    /// Announcements shown to every local user: publish, list, remove.
    Announcement {
        #[command(subcommand)]
        command: crate::announcements_cli::AnnouncementCommand,
    },
    /// Backups: create (while the server runs), verify, restore.
    Backup {
        #[command(subcommand)]
        command: crate::backup_cli::BackupCommand,
    },
    /// Custom emoji: add, list, remove.
    Emoji {
        #[command(subcommand)]
        command: crate::emoji_cli::EmojiCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum InstanceCommand {
    /// Show the instance's identity, database and counts.
    Show,
}

/// Runs the command line; returns the process exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("aerie: cannot start the async runtime: {e}");
            return 1;
        }
    };
    let result = runtime.block_on(dispatch(&cli));
    match result {
        Ok(()) => 0,
        Err(error) => match error.downcast_ref::<OperatorError>() {
            Some(operator) => {
                eprintln!("aerie: {operator}");
                EXIT_OPERATOR
            }
            None => {
                eprintln!("aerie: {error:#}");
                1
            }
        },
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("AERIE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,wasmtime=warn,cranelift=warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).try_init();
}

async fn dispatch(cli: &Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Serve(args) => startup::serve(&cli.global, args).await,
        Command::Config { command: ConfigCommand::Check } => config_check(&cli.global).await,
        Command::Migrate => {
            let instance = startup::open_instance(&cli.global, true).await?;
            println!("aerie: the {} schema is up to date", engine_name(instance.database.engine()));
            instance.database.close().await;
            Ok(())
        }
        Command::Admin { command: AdminCommand::Instance { command: InstanceCommand::Show } } => instance_show(&cli.global).await,
        Command::Admin { command: AdminCommand::Accounts { command } } => crate::accounts_cli::run(&cli.global, command).await,
        Command::Admin { command: AdminCommand::Reports { command } } => crate::reports_cli::run(&cli.global, command).await,
        Command::Admin { command: AdminCommand::Announcement { command } } => crate::announcements_cli::run(&cli.global, command).await,
        Command::Admin { command: AdminCommand::Backup { command } } => crate::backup_cli::run(&cli.global, command).await,
        Command::Admin { command: AdminCommand::Emoji { command } } => crate::emoji_cli::run(&cli.global, command).await,
        Command::Components { command: ComponentsCommand::List } => crate::components_cli::list(&cli.global).await,
        Command::Components { command: ComponentsCommand::Reload { id } } => {
            crate::components_cli::reload(&cli.global, id.as_deref()).await
        }
    }
}

fn engine_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "SQLite",
        Engine::Postgres => "PostgreSQL",
    }
}

async fn config_check(global: &GlobalArgs) -> anyhow::Result<()> {
    let mut paths = startup::Paths::resolve(global);
    let config: Config = startup::load_config(&mut paths, global)?;
    crate::datadir::prepare(&paths.data_dir)?;
    let database = startup::open_database(&config, &paths.data_dir, false).await?;
    // A database `aerie serve` has not set up yet has no identity to compare.
    let initialized = database.query("SELECT key FROM instance_settings WHERE key = $1", vec!["domain".into()]).await.is_ok();
    if initialized {
        identity::check(&database, &config, &paths.config_file, false).await?;
    }
    let (runtime, _) = startup::build_runtime(&config, &paths, &database, Default::default(), startup::RuntimeUse::Check).await?;
    println!(
        "aerie: {} is fine: domain {}{}, {} database, {} component(s) load",
        paths.config_file.display(),
        config.domain(),
        if config.is_trial() { " (local trial, cannot federate)" } else { "" },
        engine_name(database.engine()),
        runtime.components().len()
    );
    database.close().await;
    Ok(())
}

async fn instance_show(global: &GlobalArgs) -> anyhow::Result<()> {
    let instance = startup::open_instance(global, false).await?;
    let db = &instance.database;
    let count = |sql: &'static str| async move {
        db.query(sql, vec![]).await.ok().and_then(|r| r.get(0, "n").and_then(Value::as_i64)).unwrap_or(0)
    };
    let domain = identity::setting(db, "domain").await?.unwrap_or_else(|| "(not recorded yet)".into());
    let web_domain = identity::setting(db, "web_domain").await?.unwrap_or_default();
    println!("domain:      {domain}");
    println!("web domain:  {web_domain}");
    println!("database:    {}", engine_name(db.engine()));
    println!("data dir:    {}", instance.paths.data_dir.display());
    println!("accounts:    {} local", count("SELECT COUNT(*) AS n FROM accounts WHERE domain IS NULL").await);
    println!("statuses:    {} local", count("SELECT COUNT(*) AS n FROM statuses WHERE local = 1").await);
    println!("known peers: {}", count("SELECT COUNT(*) AS n FROM instances").await);
    db.close().await;
    Ok(())
}
