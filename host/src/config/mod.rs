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
pub use validate::parse_cidr;
pub use problems::{Problem, Problems};

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
    pub body_limit_bytes: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            trusted_proxies: vec!["127.0.0.1/32".into(), "::1/128".into()],
            scheme: None,
            request_timeout_secs: 30,
            body_limit_bytes: 41_943_040,
        }
    }
}

/// SQLite (default) or PostgreSQL.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://...`; default: `aerie.db` in the data directory.
    pub url: Option<String>,
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
        }
    }
}

/// One component in the manifest.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ComponentEntry {
    pub id: String,
    /// `builtin:NAME` or a path to a `.wasm` file.
    pub source: String,
    /// URL paths served: exact (`/api/v1/instance`) or prefixes ending in `/*`.
    pub routes: Vec<String>,
    pub grants: Grants,
    pub limits: Limits,
}

/// What a component may use. Anything not granted is not linked.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Grants {
    /// `none`, `read-only` or `read-write`.
    pub db: String,
    pub log: bool,
}

impl Default for Grants {
    fn default() -> Self {
        Grants { db: "none".into(), log: true }
    }
}

/// Per-component limits; unset ones take the runtime defaults.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    pub time_ms: Option<u64>,
    pub memory_mb: Option<u64>,
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
