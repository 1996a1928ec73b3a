//! Checks of meaning, after the types are right: addresses parse, domains are host
//! names, limits are consistent, component sources exist.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;

use super::{Config, DbGrant, Hook, Problems};
use crate::capabilities;
use crate::manifest::BUILTIN_NAMES;

pub(crate) fn validate(config: &Config, source_of: &dyn Fn(&str) -> String) -> Problems {
    let mut problems = Problems::default();
    let mut problem = |key: &str, message: String, fix: String| problems.push(key, source_of(key), message, fix);

    for (key, value) in [("instance.domain", &config.instance.domain), ("instance.web_domain", &config.instance.web_domain)] {
        if let Some(domain) = value
            && let Err(why) = check_host_name(domain)
        {
            let bare = domain.trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/');
            problem(
                key,
                format!("{domain:?} {why}"),
                format!(
                    "write only the host name, e.g. {} = \"{}\"",
                    key.rsplit('.').next().unwrap(),
                    if bare.is_empty() { "social.example.org" } else { bare }
                ),
            );
        }
    }
    if config.instance.domain.is_none() && config.instance.web_domain.is_some() {
        problem(
            "instance.web_domain",
            "web_domain is set but domain is not".into(),
            "set instance.domain too (the acct: domain), or remove web_domain".into(),
        );
    }
    if config.instance.max_characters == 0 {
        problem("instance.max_characters", "must be at least 1".into(), "set instance.max_characters = 500 (Mastodon's default)".into());
    }

    if config.server.listen.parse::<SocketAddr>().is_err() {
        problem(
            "server.listen",
            format!("{:?} is not an IP:PORT address", config.server.listen),
            "write it as IP:PORT, e.g. listen = \"127.0.0.1:8080\" (or \"0.0.0.0:8080\" for every interface)".into(),
        );
    }
    for cidr in &config.server.trusted_proxies {
        if parse_cidr(cidr).is_none() {
            problem(
                "server.trusted_proxies",
                format!("{cidr:?} is not an IP address or CIDR range"),
                "list addresses or ranges, e.g. trusted_proxies = [\"127.0.0.1/32\", \"10.0.0.0/8\"]".into(),
            );
        }
    }
    if let Some(scheme) = &config.server.scheme
        && scheme != "http"
        && scheme != "https"
    {
        problem(
            "server.scheme",
            format!("{scheme:?} is not http or https"),
            "set scheme = \"https\" (or \"http\" for a lab without TLS)".into(),
        );
    }
    if config.server.request_timeout_secs == 0 {
        problem("server.request_timeout_secs", "must be at least 1".into(), "set request_timeout_secs = 30".into());
    }
    for (key, value, fix) in [
        ("server.header_timeout_secs", config.server.header_timeout_secs, "header_timeout_secs = 15"),
        ("server.idle_timeout_secs", config.server.idle_timeout_secs, "idle_timeout_secs = 60"),
        ("server.api_body_limit_bytes", config.server.api_body_limit_bytes, "api_body_limit_bytes = 1048576"),
    ] {
        if value == 0 {
            problem(key, "must be at least 1".into(), format!("set {fix}"));
        }
    }
    if config.server.api_body_limit_bytes > config.server.body_limit_bytes {
        problem(
            "server.api_body_limit_bytes",
            format!(
                "{} bytes is above server.body_limit_bytes ({}), the limit for uploads",
                config.server.api_body_limit_bytes, config.server.body_limit_bytes
            ),
            "lower api_body_limit_bytes (1048576 is Mastodon's) or raise body_limit_bytes".into(),
        );
    }

    if let Some(url) = &config.database.url
        && !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://"))
    {
        problem(
            "database.url",
            format!("{url:?} is neither a sqlite: nor a postgres:// URL"),
            "use sqlite:///path/to/aerie.db or postgres://user@host:5432/dbname (or remove it for the embedded SQLite)".into(),
        );
    }
    if config.database.max_connections == 0 {
        problem("database.max_connections", "must be at least 1".into(), "set max_connections = 8".into());
    }
    if config.database.transaction_timeout_ms == 0 {
        problem("database.transaction_timeout_ms", "must be at least 1".into(), "set transaction_timeout_ms = 5000".into());
    }

    for (key, value, fix) in [
        ("jobs.concurrency", config.jobs.concurrency as u64, "concurrency = 4"),
        ("jobs.lease_secs", config.jobs.lease_secs, "lease_secs = 300"),
        ("jobs.poll_ms", config.jobs.poll_ms, "poll_ms = 500"),
        ("federation.request_timeout_secs", config.federation.request_timeout_secs, "request_timeout_secs = 10"),
        ("federation.per_host_concurrency", config.federation.per_host_concurrency as u64, "per_host_concurrency = 4"),
        ("federation.circuit_breaker_failures", config.federation.circuit_breaker_failures as u64, "circuit_breaker_failures = 10"),
        ("federation.key_fetch_burst", config.federation.key_fetch_burst as u64, "key_fetch_burst = 30"),
        ("federation.key_fetches_per_minute", config.federation.key_fetches_per_minute as u64, "key_fetches_per_minute = 60"),
    ] {
        if value == 0 {
            problem(key, "must be at least 1".into(), format!("set {fix}"));
        }
    }

    let federation = &config.federation;
    if federation.scheme != "https" && federation.scheme != "http" {
        problem(
            "federation.scheme",
            format!("{:?} is not http or https", federation.scheme),
            "set scheme = \"https\" (or \"http\" for a lab of instances without TLS)".into(),
        );
    }
    for (host, address) in &federation.resolve {
        if address.parse::<SocketAddr>().is_err() {
            problem(
                "federation.resolve",
                format!("{host:?} = {address:?} is not an IP:PORT address"),
                format!("write it as \"{host}\" = \"127.0.0.1:8080\""),
            );
        }
    }

    if let Some(path) = &federation.extra_ca_file
        && let Err(why) = crate::federation::client::read_extra_ca(path)
    {
        problem("federation.extra_ca_file", why, crate::federation::client::EXTRA_CA_FIX.into());
    }

    let blobs = &config.blobs;
    match blobs.backend.as_str() {
        "local" => {}
        "s3" => {
            if blobs.bucket.as_deref().is_none_or(str::is_empty) {
                problem(
                    "blobs.bucket",
                    "the s3 backend needs a bucket".into(),
                    "set blobs.bucket = \"aerie-media\" (a bucket that exists)".into(),
                );
            }
            if blobs.endpoint.is_none() && blobs.region.is_empty() {
                problem(
                    "blobs.region",
                    "the s3 backend needs an endpoint or a region".into(),
                    "set blobs.endpoint = \"http://127.0.0.1:9000\" for a self-hosted server, or blobs.region = \"us-east-1\" for AWS"
                        .into(),
                );
            }
        }
        other => problem(
            "blobs.backend",
            format!("{other:?} is not a blob backend"),
            "use backend = \"local\" (a folder) or \"s3\" (an S3-compatible bucket)".into(),
        ),
    }
    if let Some(endpoint) = &blobs.endpoint
        && let Err(why) = check_endpoint(endpoint)
    {
        problem(
            "blobs.endpoint",
            format!("{endpoint:?} {why}"),
            "write the server's base URL, e.g. endpoint = \"http://127.0.0.1:9000\" or \"https://s3.example.org\"".into(),
        );
    }
    if blobs.access_key_id.is_some() != blobs.secret_access_key.is_some() {
        let (set, missing) =
            if blobs.access_key_id.is_some() { ("access_key_id", "secret_access_key") } else { ("secret_access_key", "access_key_id") };
        problem(
            &format!("blobs.{missing}"),
            format!("blobs.{set} is set but blobs.{missing} is not"),
            "set both, or neither to use the AWS environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)".into(),
        );
    }

    let rt = &config.runtime;
    for (key, value, fix) in [
        ("runtime.epoch_tick_ms", rt.epoch_tick_ms, "epoch_tick_ms = 10"),
        ("runtime.time_budget_ms", rt.time_budget_ms, "time_budget_ms = 10000"),
        ("runtime.memory_mb", rt.memory_mb, "memory_mb = 64"),
        ("runtime.max_memory_mb", rt.max_memory_mb, "max_memory_mb = 256"),
        ("runtime.max_instances", rt.max_instances as u64, "max_instances = 128"),
    ] {
        if value == 0 {
            problem(key, "must be at least 1".into(), format!("set {fix}"));
        }
    }
    if rt.memory_mb > rt.max_memory_mb {
        problem(
            "runtime.memory_mb",
            format!("{} MB is above runtime.max_memory_mb ({} MB)", rt.memory_mb, rt.max_memory_mb),
            "lower memory_mb or raise max_memory_mb".into(),
        );
    }

    let mut ids = HashSet::new();
    for (i, entry) in config.components.iter().enumerate() {
        let at = |key: &str| format!("components[{i}].{key}");
        if entry.id.is_empty() {
            problem(&at("id"), "every component needs an id".into(), "add id = \"my-component\"".into());
        } else if !ids.insert(entry.id.clone()) {
            problem(&at("id"), format!("{:?} is listed twice", entry.id), "give each [[components]] entry its own id".into());
        }
        if let Some(name) = entry.source.strip_prefix("builtin:") {
            if !BUILTIN_NAMES.contains(&name) {
                problem(
                    &at("source"),
                    format!("there is no built-in component {name:?}"),
                    format!("use one of: {}", BUILTIN_NAMES.iter().map(|n| format!("builtin:{n}")).collect::<Vec<_>>().join(", ")),
                );
            }
        } else if entry.source.is_empty() {
            problem(&at("source"), "no source given".into(), "set source = \"builtin:NAME\" or a path to a .wasm file".into());
        } else if !Path::new(&entry.source).is_file() {
            problem(
                &at("source"),
                format!("{:?} does not exist or is not a file", entry.source),
                "point source at a built .wasm component (cargo build --target wasm32-wasip2 --release)".into(),
            );
        }
        for route in &entry.routes {
            if !route.starts_with('/') || (route.contains('*') && !route.ends_with("/*")) {
                problem(
                    &at("routes"),
                    format!("{route:?} is not a path or a prefix ending in /*"),
                    "write routes as \"/exact/path\" or \"/prefix/*\"".into(),
                );
            }
        }
        match entry.hook {
            Hook::Http if !entry.jobs.is_empty() => {
                problem(&at("jobs"), "an http component does not run jobs".into(), "set hook = \"job\", or remove jobs".into())
            }
            Hook::Job if entry.jobs.is_empty() => {
                problem(&at("jobs"), "a job component lists no job kinds".into(), "add jobs = [\"kind\", ...]".into())
            }
            Hook::Job if !entry.routes.is_empty() => {
                problem(&at("routes"), "a job component serves no routes".into(), "remove routes, or set hook = \"http\"".into())
            }
            Hook::Policy if !entry.routes.is_empty() || !entry.jobs.is_empty() => problem(
                &at("hook"),
                "a policy component serves no routes and runs no jobs".into(),
                "remove routes and jobs from the policy's entry".into(),
            ),
            Hook::Policy if capabilities::granted(&entry.grants).any(|c| !c.hooks().contains(&Hook::Policy)) => problem(
                &at("grants"),
                "a policy gets only kv and log (it sees every activity; it must not reach data or the network)".into(),
                "grant at most { kv = true, log = true }".into(),
            ),
            Hook::Http | Hook::Job | Hook::Policy => {}
        }
        if entry.grants.tables.is_some() && entry.grants.db == DbGrant::None {
            problem(
                &at("grants.tables"),
                "a table allowlist without a db grant".into(),
                "set grants.db = \"read-only\" or \"read-write\", or remove tables".into(),
            );
        }
        if let Some(mb) = entry.limits.memory_mb
            && (mb == 0 || mb > rt.max_memory_mb)
        {
            problem(
                &at("limits.memory_mb"),
                format!("{mb} MB is outside 1..={} (runtime.max_memory_mb)", rt.max_memory_mb),
                "lower it, or raise runtime.max_memory_mb".into(),
            );
        }
        if entry.limits.calls_per_second == Some(0) {
            problem(&at("limits.calls_per_second"), "must be at least 1".into(), "set calls_per_second = 100 or remove it".into());
        }
        if entry.limits.time_ms == Some(0) {
            problem(&at("limits.time_ms"), "must be at least 1".into(), "set time_ms = 1000 or remove it".into());
        }
    }
    problems
}

/// A DNS host name as Mastodon's LOCAL_DOMAIN takes it: no scheme, path or port.
fn check_host_name(name: &str) -> Result<(), &'static str> {
    if name.contains("://") || name.contains('/') {
        return Err("looks like a URL, not a host name");
    }
    if name.is_empty() || name.len() > 253 {
        return Err("is not a host name");
    }
    if name.contains(':') {
        return Err("has a port; the domain is a host name only");
    }
    let labels_ok = name.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    if !labels_ok {
        return Err("is not a valid host name (letters, digits, hyphens and dots)");
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err("has upper-case letters; write the domain in lower case");
    }
    Ok(())
}

/// An S3 endpoint: an absolute http(s) URL with a host and no query.
fn check_endpoint(text: &str) -> Result<(), &'static str> {
    let uri: http::Uri = text.parse().map_err(|_| "is not a URL")?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err("is not an http:// or https:// URL");
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err("has no host");
    }
    if uri.query().is_some() {
        return Err("has a query string");
    }
    Ok(())
}

/// An address or CIDR range; a bare address is a /32 or /128.
pub fn parse_cidr(text: &str) -> Option<ipnet::IpNet> {
    text.parse::<ipnet::IpNet>().ok().or_else(|| text.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}
