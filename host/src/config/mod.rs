//! The one configuration file, `aerie.toml`, with every key overridable by an
//! `AERIE_<SECTION>_<KEY>` environment variable.
//!
//! Loading never stops at the first mistake: every problem is collected with its key,
//! where it came from and the fix ([`Problems`]), so an operator fixes them all in one
//! go. `deploy/aerie.example.toml` documents every key with its default; it is also the
//! template written on first start (embedded, never read from the build tree).

mod load;
mod problems;
mod validate;

use std::path::PathBuf;

use serde::Deserialize;

pub use load::{from_sources, load_file};
pub use problems::{Problem, Problems};
pub use validate::parse_cidr;

pub use crate::capabilities::blobs::BlobsGrant;
pub use crate::capabilities::db::DbGrant;

/// The documented example, embedded so the binary alone can write a first config.
pub const EXAMPLE: &str = include_str!("../../../deploy/aerie.example.toml");

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub instance: InstanceConfig,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub storage: StorageConfig,
    pub runtime: RuntimeConfig,
    pub jobs: JobsConfig,
    pub blobs: BlobsConfig,
    pub federation: FederationConfig,
    /// The component manifest: extra components, or replacements for built-in ones.
    pub components: Vec<ComponentEntry>,
}

/// Who the instance is.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct InstanceConfig {
    /// The `acct:` domain (Mastodon's LOCAL_DOMAIN). Unset: a local trial on `localhost`.
    pub domain: Option<String>,
    /// Where the instance is served (Mastodon's WEB_DOMAIN); defaults to `domain`.
    pub web_domain: Option<String>,
    pub title: String,
    pub description: String,
    pub contact_email: String,
    pub registrations_open: bool,
    pub approval_required: bool,
    pub max_characters: u32,
    /// The longer description clients show on the instance's about page.
    pub extended_description: String,
    /// The privacy policy; unset, `/api/v1/instance/privacy_policy` is a 404.
    pub privacy_policy: String,
    /// The terms of service; unset, `/api/v1/instance/terms_of_service` is a 404.
    pub terms_of_service: String,
}

impl Default for InstanceConfig {
    fn default() -> Self {
        InstanceConfig {
            domain: None,
            web_domain: None,
            title: "Aerie".into(),
            description: "A small home on the fediverse".into(),
            contact_email: String::new(),
            registrations_open: false,
            approval_required: false,
            max_characters: 500,
            extended_description: String::new(),
            privacy_policy: String::new(),
            terms_of_service: String::new(),
        }
    }
}

/// The HTTP listener and what it trusts.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: String,
    /// Addresses (CIDRs) whose `X-Forwarded-For/-Proto/-Host` headers are believed.
    pub trusted_proxies: Vec<String>,
    /// The public scheme; `https` with a domain, `http` for a local trial.
    pub scheme: Option<String>,
    pub request_timeout_secs: u64,
    /// Largest body of a route that takes files (media uploads, avatar and header).
    pub body_limit_bytes: u64,
    /// Largest body of every other route (Mastodon's 1 MiB); over it: 413.
    pub api_body_limit_bytes: u64,
    /// A request whose headers have not all arrived this long after its first byte
    /// closes its connection (slow clients holding sockets).
    pub header_timeout_secs: u64,
    /// A keep-alive connection without a request for this long is closed.
    pub idle_timeout_secs: u64,
    /// Client connections open at once; 0 sizes it from the open-file limit.
    pub max_connections: u64,
    /// Connections one client address may hold (behind a trusted proxy: requests in
    /// flight per forwarded address); 0 turns the cap off.
    pub max_connections_per_address: u64,
    /// Client API requests per account (or, without a token, per address) in five
    /// minutes, as Mastodon counts them; 0 turns the limit off.
    pub api_rate_limit: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            trusted_proxies: vec!["127.0.0.1/32".into(), "::1/128".into()],
            scheme: None,
            request_timeout_secs: 30,
            body_limit_bytes: 41_943_040,
            api_body_limit_bytes: 1_048_576,
            header_timeout_secs: 15,
            idle_timeout_secs: 60,
            max_connections: 0,
            max_connections_per_address: 256,
            api_rate_limit: 300,
        }
    }
}

/// SQLite (default) or PostgreSQL.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://...`; default: `aerie.db` in the data directory.
    pub url: Option<String>,
    /// PostgreSQL pool size; SQLite reads use a read-only connection per thread.
    pub max_connections: u32,
    /// How long a write transaction may stay open before the host rolls it back.
    pub transaction_timeout_ms: u64,
    /// How long a statement waits for a lock before it fails as unavailable.
    pub busy_timeout_ms: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig { url: None, max_connections: 8, transaction_timeout_ms: 5_000, busy_timeout_ms: 5_000 }
    }
}

/// Where files live.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// The data directory; `--data-dir` and `AERIE_DATA_DIR` take precedence.
    pub data_dir: Option<PathBuf>,
}

/// The component runtime.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RuntimeConfig {
    /// Compiled-component cache; default `cache/components` in the data directory.
    pub cache_dir: Option<PathBuf>,
    /// How often the epoch advances; the granularity of time budgets.
    pub epoch_tick_ms: u64,
    /// Default time budget per call, for components that set none.
    pub time_budget_ms: u64,
    /// Default memory limit per instance, for components that set none.
    pub memory_mb: u64,
    /// The largest memory any component may be given (sizes the instance pool).
    pub max_memory_mb: u64,
    /// How many component instances may be alive at once.
    pub max_instances: u32,
    /// How many requests one HTTP component instance serves before it is replaced
    /// (instances are kept warm between requests); 1 makes a fresh instance for each.
    pub requests_per_instance: u32,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            cache_dir: None,
            epoch_tick_ms: 10,
            time_budget_ms: 10_000,
            memory_mb: 64,
            max_memory_mb: 256,
            max_instances: 128,
            requests_per_instance: 1000,
        }
    }
}

/// Background job workers.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Jobs run at once on this node.
    pub concurrency: u32,
    /// How long a claimed job is held before another node may take it over.
    pub lease_secs: u64,
    /// How often idle workers look for due jobs.
    pub poll_ms: u64,
    /// Days a finished job stays in the queue table (its idempotency key with it);
    /// 0 keeps them forever.
    pub keep_done_days: u32,
    /// Days a dead-lettered job stays for inspection; 0 keeps them forever.
    pub keep_dead_days: u32,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig { concurrency: 4, lease_secs: 300, poll_ms: 500, keep_done_days: 7, keep_dead_days: 30 }
    }
}

/// Server-to-server traffic: how this instance reaches other servers.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FederationConfig {
    /// The scheme used to reach other servers by domain (WebFinger): `https`; `http`
    /// only for a lab of instances without TLS.
    pub scheme: String,
    /// Whether outbound requests may reach private, loopback, link-local and other
    /// special-purpose addresses (IPv6 forms that embed one included).
    /// Off: a remote document cannot make this server probe its own network (SSRF).
    pub allow_private_networks: bool,
    /// Host names resolved to fixed `IP:PORT` addresses instead of DNS (a lab or tests:
    /// `"b.test" = "127.0.0.1:9002"`).
    pub resolve: std::collections::BTreeMap<String, String>,
    /// Seconds an outbound request may take, connection included.
    pub request_timeout_secs: u64,
    /// Deliveries in flight at once to one remote host.
    pub per_host_concurrency: u32,
    /// Consecutive failed deliveries after which a host is skipped for a while.
    pub circuit_breaker_failures: u32,
    /// Sign outbound requests with RFC 9421 HTTP Message Signatures instead of
    /// draft-cavage. Off: servers before Mastodon 4.5 only read draft-cavage.
    pub rfc9421_outbound: bool,
    /// A PEM bundle of CA certificates trusted, besides the system roots, for outbound
    /// federation requests (a private CA in a lab or in tests).
    pub extra_ca_file: Option<PathBuf>,
    /// Seconds before a stored key whose signature fails is refetched again (a peer
    /// that rotated its key needs one refetch; more would be a fetch amplifier).
    pub key_refetch_interval_secs: u64,
    /// Key fetches to one remote host at once (unknown keys and refetches alike)...
    pub key_fetch_burst: u32,
    /// ...refilled at this many a minute; beyond them the inbox answers 429.
    pub key_fetches_per_minute: u32,
}

impl Default for FederationConfig {
    fn default() -> Self {
        FederationConfig {
            scheme: "https".into(),
            allow_private_networks: false,
            resolve: Default::default(),
            request_timeout_secs: 10,
            per_host_concurrency: 4,
            circuit_breaker_failures: 10,
            rfc9421_outbound: false,
            extra_ca_file: None,
            key_refetch_interval_secs: 300,
            key_fetch_burst: 30,
            key_fetches_per_minute: 60,
        }
    }
}

/// The blob store (media files): a local folder or an S3-compatible bucket.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BlobsConfig {
    /// `local` (a folder) or `s3` (an S3-compatible bucket).
    pub backend: String,
    /// The local folder; default `blobs` in the data directory.
    pub dir: Option<PathBuf>,
    /// The S3 endpoint URL (MinIO, Garage, R2, moto...); unset: AWS S3 itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: Option<String>,
    /// Path-style addressing (`endpoint/bucket/key`), which most self-hosted servers need.
    pub path_style: bool,
    /// Unset: the standard AWS chain (AWS_ACCESS_KEY_ID..., ~/.aws, instance roles).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

impl Default for BlobsConfig {
    fn default() -> Self {
        BlobsConfig {
            backend: "local".into(),
            dir: None,
            endpoint: None,
            region: "us-east-1".into(),
            bucket: None,
            path_style: true,
            access_key_id: None,
            secret_access_key: None,
        }
    }
}

// By hand, so the secret key never reaches a log line through `{:?}`.
impl std::fmt::Debug for BlobsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobsConfig")
            .field("backend", &self.backend)
            .field("dir", &self.dir)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("path_style", &self.path_style)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key.as_ref().map(|_| "(set)"))
            .finish()
    }
}

/// One component in the manifest.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ComponentEntry {
    pub id: String,
    /// `builtin:NAME` or a path to a `.wasm` file.
    pub source: String,
    /// `http` (serves routes), `job` (runs the job kinds in `jobs`) or `policy`.
    pub hook: Hook,
    /// URL paths served: exact (`/api/v1/instance`) or prefixes ending in `/*`.
    pub routes: Vec<String>,
    /// Job kinds handled, for `hook = "job"`.
    pub jobs: Vec<String>,
    /// Settings the component reads through `config` (and Spin's `variables`).
    pub config: std::collections::BTreeMap<String, String>,
    pub grants: Grants,
    pub limits: Limits,
}

impl Default for ComponentEntry {
    fn default() -> Self {
        ComponentEntry {
            id: String::new(),
            source: String::new(),
            hook: Hook::Http,
            routes: Vec::new(),
            jobs: Vec::new(),
            config: Default::default(),
            grants: Grants::default(),
            limits: Limits::default(),
        }
    }
}

/// How a component is called (`hook` in its manifest entry).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hook {
    /// Serves the routes its entry names (exports `wasi:http/incoming-handler`).
    #[default]
    Http,
    /// Runs the job kinds its entry lists (world `aerie:app/job`).
    Job,
    /// A moderation policy (world `aerie:app/policy-plugin`).
    Policy,
}

impl Hook {
    /// As written in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Hook::Http => "http",
            Hook::Job => "job",
            Hook::Policy => "policy",
        }
    }
}

impl std::fmt::Display for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// What a component may use. Anything not granted is not linked. Each grant belongs
/// to a capability in `crate::capabilities`, which reads it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Grants {
    /// `none`, `read-only` or `read-write`.
    pub db: DbGrant,
    /// Tables the component may name; unset: every table but the host's own.
    pub tables: Option<Vec<String>>,
    pub log: bool,
    /// Its own key-value namespace (also Spin's key-value store "default").
    pub kv: bool,
    /// Enqueueing jobs.
    pub queue: bool,
    /// The blob store: `none`, `read-only` or `read-write`.
    pub blobs: BlobsGrant,
    /// Publishing streaming events.
    pub events: bool,
    /// Signed fetches of remote documents and deliveries to remote inboxes.
    pub federation: bool,
}

impl Default for Grants {
    fn default() -> Self {
        Grants {
            db: DbGrant::None,
            tables: None,
            log: true,
            kv: false,
            queue: false,
            blobs: BlobsGrant::None,
            events: false,
            federation: false,
        }
    }
}

/// Per-component limits; unset ones take the runtime defaults.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    pub time_ms: Option<u64>,
    pub memory_mb: Option<u64>,
    /// Calls per second this node lets through (a burst of one second's worth);
    /// over it, HTTP calls get 429 and jobs wait. Unset: no rate limit.
    pub calls_per_second: Option<u32>,
}

impl Config {
    /// The instance's `acct:` domain, or `localhost` for a local trial.
    pub fn domain(&self) -> &str {
        self.instance.domain.as_deref().unwrap_or("localhost")
    }

    /// Where the instance is served.
    pub fn web_domain(&self) -> &str {
        self.instance.web_domain.as_deref().unwrap_or_else(|| self.domain())
    }

    /// Whether this is a local trial (no domain): it cannot federate.
    pub fn is_trial(&self) -> bool {
        self.instance.domain.is_none()
    }

    /// The public base URL of a local trial serving on `port`: `scheme://web_domain`
    /// with the port unless it is the scheme's default (`http://localhost:8080`), so
    /// the trial's links lead to it. `None` with a domain, whose URLs never carry the
    /// listening port (a proxy or tunnel serves them).
    pub fn trial_base(&self, port: u16) -> Option<String> {
        if !self.is_trial() {
            return None;
        }
        let default_port = if self.scheme() == "https" { 443 } else { 80 };
        Some(if port == default_port {
            format!("{}://{}", self.scheme(), self.web_domain())
        } else {
            format!("{}://{}:{port}", self.scheme(), self.web_domain())
        })
    }

    /// The public scheme: configured, else `http` for a trial and `https` otherwise.
    pub fn scheme(&self) -> &str {
        match self.server.scheme.as_deref() {
            Some(scheme) => scheme,
            None if self.is_trial() => "http",
            None => "https",
        }
    }
}

#[cfg(test)]
mod tests;
