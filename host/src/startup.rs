//! From command line to a configured instance: where the data and config live, first
//! start, loading and checking the config, opening the database.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;

use crate::blobs::{BlobError, BlobStore};
use crate::config::{self, Config};
use crate::db::Database;
use crate::federation::service::Federation;
use crate::ids::IdGenerator;
use crate::jobs::{Jobs, worker};
use crate::manifest;
use crate::metrics::Metrics;
use crate::operator_error::OperatorError;
use crate::runtime::state::Shared;
use crate::runtime::{Runtime, reload};
use crate::server::{self, AppState, HttpLimits, client_info::ProxyTrust, routes::RouteTable};
use crate::{datadir, identity, keys};

pub const DEFAULT_DATA_DIR: &str = "aerie-data";
pub const CONFIG_FILE_NAME: &str = "aerie.toml";
/// Password checks one client address may make per minute.
const LOGIN_ATTEMPTS_PER_MINUTE: u32 = 10;

/// Global options: usable before or after any subcommand.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GlobalArgs {
    /// The configuration file (default: aerie.toml in the data directory).
    #[arg(long, global = true, env = "AERIE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The data directory: database, keys, caches (default: ./aerie-data).
    #[arg(long, global = true, env = "AERIE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Where this instance's files are.
#[derive(Debug, Clone)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub config_file: PathBuf,
    /// Whether `--config` named the file (then it must exist).
    pub config_explicit: bool,
}

impl Paths {
    pub fn resolve(global: &GlobalArgs) -> Paths {
        let data_dir = global.data_dir.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        match &global.config {
            Some(file) => Paths { data_dir, config_file: file.clone(), config_explicit: true },
            None => Paths { config_file: data_dir.join(CONFIG_FILE_NAME), data_dir, config_explicit: false },
        }
    }
}

/// An instance whose config is loaded and whose database is open.
pub struct Instance {
    pub paths: Paths,
    pub config: Config,
    pub database: Database,
}

/// Loads the config, reporting every problem at once.
pub fn load_config(paths: &mut Paths, global: &GlobalArgs) -> Result<Config, OperatorError> {
    if !paths.config_file.is_file() {
        let fix = if paths.config_explicit {
            "check the --config path (aerie writes a config of its own on first start when --config is not given)".to_string()
        } else {
            format!("run `aerie serve` once to create the instance in {}, or pass --data-dir", paths.data_dir.display())
        };
        return Err(OperatorError::new(format!("no configuration file at {}", paths.config_file.display()), fix));
    }
    let config = config::load_file(&paths.config_file, std::env::vars())
        .map_err(|problems| OperatorError::new(problems.to_string().trim_end().to_string(), ""))?;
    // `storage.data_dir` applies when the config lives outside the data directory.
    if paths.config_explicit
        && global.data_dir.is_none()
        && let Some(dir) = &config.storage.data_dir
    {
        paths.data_dir = dir.clone();
    }
    Ok(config)
}

/// The database URL: configured, or the embedded SQLite file in the data directory.
pub fn database_url(config: &Config, data_dir: &Path) -> String {
    config.database.url.clone().unwrap_or_else(|| format!("sqlite://{}", data_dir.join("aerie.db").display()))
}

/// Opens the database, turning connection failures into an actionable error.
pub async fn open_database(config: &Config, data_dir: &Path, migrate: bool) -> anyhow::Result<Database> {
    let url = database_url(config, data_dir);
    Database::open(&url, &config.database, migrate).await.map_err(|e| {
        // The migration lock explains itself (who holds it, what to do); the fix
        // below is about reaching the database, which then worked.
        if e.downcast_ref::<OperatorError>().is_some() {
            return e;
        }
        OperatorError::new(
            format!("cannot open the database {}: {e:#}", redact(&url)),
            "check database.url (and that PostgreSQL is running and the database exists), or remove it to use the embedded SQLite",
        )
        .into()
    })
}

/// Hides a password in a database URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Opens an existing instance (for admin commands, `migrate`, `config check`).
pub async fn open_instance(global: &GlobalArgs, migrate: bool) -> anyhow::Result<Instance> {
    let mut paths = Paths::resolve(global);
    let config = load_config(&mut paths, global)?;
    if migrate && config.database.url.is_none() {
        // The embedded database may not exist yet (an admin command run while the
        // first `aerie serve` starts): its folder is made as `serve` would make it.
        datadir::prepare(&paths.data_dir)?;
    }
    let database = open_database(&config, &paths.data_dir, migrate).await?;
    Ok(Instance { paths, config, database })
}

/// Writes the first config file, from the embedded example, with `domain` set.
fn write_first_config(path: &Path, domain: Option<&str>) -> anyhow::Result<()> {
    let mut text = config::EXAMPLE.to_string();
    if let Some(domain) = domain {
        text = text.replacen("# domain = \"social.example.org\"", &format!("domain = \"{domain}\""), 1);
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

/// This process's name in job leases and component status: host name, process id
/// and a random tag, drawn once per process. The tag keeps names apart where host
/// and pid repeat (containers whose hostname is set and whose aerie runs as pid 1),
/// so one process never renews, completes or reclaims another's jobs.
pub fn node_name() -> String {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "node".into());
        format!("{host}:{}:{:04x}", std::process::id(), rand::random::<u16>())
    })
    .clone()
}

/// Opens the blob store and proves it usable now, not at the first upload.
pub async fn open_blobs(config: &Config, data_dir: &Path) -> Result<BlobStore, OperatorError> {
    let to_operator = |e: BlobError| OperatorError::new(format!("the blob store is not usable: {e}"), "");
    let store = BlobStore::from_config(&config.blobs, data_dir).await.map_err(to_operator)?;
    store.check().await.map_err(to_operator)?;
    Ok(store)
}

/// What a runtime is built for.
#[derive(Clone, Copy)]
pub enum RuntimeUse<'a> {
    /// A serving node: leases an id node tag and keeps it alive, and federates as the
    /// instance actor with this key.
    Serve(&'a keys::InstanceKey),
    /// A check that loads components and makes no ids.
    Check,
}

/// The component runtime with every manifest entry loaded, and the job queue.
pub async fn build_runtime(
    config: &Config,
    paths: &Paths,
    database: &Database,
    metrics: Arc<Metrics>,
    purpose: RuntimeUse<'_>,
) -> anyhow::Result<(Arc<Runtime>, Jobs)> {
    let blobs = open_blobs(config, &paths.data_dir).await?;
    let node = node_name();
    let ids = match purpose {
        RuntimeUse::Serve(_) => {
            let ids = Arc::new(IdGenerator::new(crate::ids::claim_node_tag(database, &node).await?));
            crate::ids::spawn_heartbeat(database.clone(), node.clone(), ids.clone());
            ids
        }
        RuntimeUse::Check => Arc::new(IdGenerator::new(0)),
    };
    let jobs = Jobs::new(database.clone(), node, ids.clone());
    let events = crate::events::EventBus::start(database, &database_url(config, &paths.data_dir));
    let federation = match purpose {
        RuntimeUse::Serve(key) => {
            let pem = rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(&key.private, rsa::pkcs8::LineEnding::LF)?;
            Some(Arc::new(Federation::new(config, database.clone(), jobs.clone(), &pem)?))
        }
        RuntimeUse::Check => None,
    };
    let push = match purpose {
        RuntimeUse::Serve(_) => {
            let vapid = crate::mastodon::push::vapid::shared_key(database, &paths.data_dir).await?;
            // The public half, for the v2 instance's configuration.vapid.public_key.
            identity::set_settings(database, &[("vapid_public_key", vapid.public_key.clone())]).await?;
            let entries = manifest::effective(config);
            let routes = RouteTable::new(
                entries.iter().filter(|e| e.hook == crate::config::Hook::Http).map(|e| (e.id.as_str(), e.routes.as_slice())),
            );
            Some(Arc::new(crate::mastodon::push::WebPush::new(config, vapid, routes)))
        }
        RuntimeUse::Check => None,
    };
    let shared = Arc::new(Shared { ids, jobs: jobs.clone(), blobs, events, federation, push });
    let cache_dir = config.runtime.cache_dir.clone().unwrap_or_else(|| paths.data_dir.join("cache").join("components"));
    let runtime = Runtime::new(&config.runtime, &cache_dir, database.clone(), metrics, shared)?;
    runtime.load_all(&manifest::effective(config)).map_err(|e| OperatorError::new(format!("{e:#}"), ""))?;
    Ok((Arc::new(runtime), jobs))
}

/// Options of `aerie serve`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// Listen on this address instead of server.listen (e.g. 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// The instance's domain, on first start (it is set once).
    #[arg(long, value_name = "NAME")]
    pub domain: Option<String>,
}

/// `aerie serve`: first start if needed, then serve until stopped.
pub async fn serve(global: &GlobalArgs, args: &ServeArgs) -> anyhow::Result<()> {
    let mut paths = Paths::resolve(global);
    let first_start = !paths.config_explicit && !paths.config_file.exists();
    if first_start {
        datadir::prepare(&paths.data_dir)?;
        write_first_config(&paths.config_file, args.domain.as_deref())?;
        println!("aerie: first start: created {} and {}", paths.data_dir.display(), paths.config_file.display());
    }
    let config = load_config(&mut paths, global)?;
    if let Some(domain) = &args.domain
        && config.instance.domain.as_deref() != Some(domain.as_str())
    {
        return Err(OperatorError::new(
            format!(
                "--domain {domain} does not match the configuration ({})",
                config.instance.domain.as_deref().unwrap_or("no domain: local trial")
            ),
            format!(
                "--domain only sets the domain on first start; set [instance] domain = \"{domain}\" in {}",
                paths.config_file.display()
            ),
        )
        .into());
    }
    datadir::prepare(&paths.data_dir)?;
    // Before anything opens files: every client connection is a descriptor too.
    let open_files = server::fd_limit::raise_to_hard_limit();
    crate::disk_full::watch(&paths.data_dir);
    let database = open_database(&config, &paths.data_dir, true).await?;
    identity::check(&database, &config, &paths.config_file, true).await?;
    identity::sync_settings(&database, &config).await?;
    let instance_key = keys::shared_instance_key(&database, &paths.data_dir).await?;
    // The instance actor's public key, for the `activitypub` component to publish.
    identity::set_settings(&database, &[("instance_public_key_pem", instance_key.public_pem.clone())]).await?;

    let (runtime, jobs) = build_runtime(&config, &paths, &database, Arc::new(Metrics::new()), RuntimeUse::Serve(&instance_key)).await?;
    let entries = manifest::effective(&config);
    let routes =
        RouteTable::new(entries.iter().filter(|e| e.hook == crate::config::Hook::Http).map(|e| (e.id.as_str(), e.routes.as_slice())));
    reload::spawn_watcher(runtime.clone(), jobs.node().to_string(), std::time::Duration::from_secs(1));
    jobs.schedule_recurring(worker::PRUNE_KIND, worker::PRUNE_SCHEDULE, worker::PRUNE_KIND, Vec::new()).await?;
    // Before the workers run: what an earlier, killed process of this node held is
    // queued again now, not when its leases run out. Held for the life of the server.
    let _node_lock = crate::jobs::incarnation::start(&paths.data_dir, &jobs).await?;
    let days = |n: u32| (n > 0).then(|| std::time::Duration::from_secs(u64::from(n) * 24 * 3600));
    worker::spawn(
        jobs,
        runtime.clone(),
        worker::WorkerOptions {
            concurrency: config.jobs.concurrency,
            lease: std::time::Duration::from_secs(config.jobs.lease_secs),
            poll: std::time::Duration::from_millis(config.jobs.poll_ms),
            keep_done: days(config.jobs.keep_done_days),
            keep_dead: days(config.jobs.keep_dead_days),
        },
    );

    let hub = crate::mastodon::streaming::hub::Hub::new();
    hub.spawn(runtime.events(), crate::mastodon::streaming::render::Renderer { runtime: runtime.clone(), routes: routes.clone() });
    let trusted = config.server.trusted_proxies.iter().filter_map(|c| config::parse_cidr(c)).collect();
    let state = Arc::new(AppState {
        runtime,
        routes,
        trust: ProxyTrust::new(trusted, config.scheme() == "https")
            .with_configured_host((!config.is_trial()).then(|| config.web_domain().to_string())),
        database: database.clone(),
        web_domain: config.web_domain().to_string(),
        hub,
        api_rate_limit: crate::mastodon::rate_limit::ApiRateLimit::new(config.server.api_rate_limit),
        login_limit: crate::auth::login_limit::LoginLimit::new(LOGIN_ATTEMPTS_PER_MINUTE, std::time::Duration::from_secs(60)),
    });
    let limits = HttpLimits {
        request_timeout: std::time::Duration::from_secs(config.server.request_timeout_secs),
        body_limit: config.server.body_limit_bytes as usize,
        api_body_limit: config.server.api_body_limit_bytes as usize,
    };
    let edge = server::listener::EdgeOptions {
        header_timeout: std::time::Duration::from_secs(config.server.header_timeout_secs),
        idle_timeout: std::time::Duration::from_secs(config.server.idle_timeout_secs),
        max_connections: server::fd_limit::max_connections(config.server.max_connections, open_files),
        max_per_address: config.server.max_connections_per_address as usize,
        shutdown_grace: limits.request_timeout,
    };
    let trust = state.trust.clone();
    let listen = args.listen.clone().unwrap_or_else(|| config.server.listen.clone());
    let listener = tokio::net::TcpListener::bind(&listen).await.map_err(|e| {
        OperatorError::new(
            format!("cannot listen on {listen}: {e}"),
            "choose a free address with --listen or server.listen (ports below 1024 need privileges; use a reverse proxy)",
        )
    })?;
    let local = listener.local_addr()?;
    identity::record_public_base(&database, &config, local.port()).await?;
    if config.is_trial() {
        eprintln!(
            "\n  !! LOCAL TRIAL: no domain is set, so this instance runs as `localhost` and CANNOT FEDERATE.\n  \
             !! Set [instance] domain in {} (or start fresh with --domain) to join the fediverse.\n",
            paths.config_file.display()
        );
    }
    // Tests and scripts read this line to find the port.
    println!("aerie: listening on http://{local} (domain {}, data {})", config.domain(), paths.data_dir.display());
    server::serve(listener, server::router(state, &limits), trust, edge).await?;
    database.close().await;
    Ok(())
}
