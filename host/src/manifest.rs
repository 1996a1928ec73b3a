//! The component manifest: the built-in components and the `[[components]]` entries
//! of the config, merged. An entry with a built-in's id replaces it.

use std::borrow::Cow;
use std::path::Path;

use anyhow::Context as _;

use crate::config::{BlobsGrant, ComponentEntry, Config, DbGrant, Grants, Hook, Limits};

/// Built-in components, embedded in the binary by `host/build.rs`.
/// (`keyword-filter` and `domain-policy` are shipped, not enabled: an operator turns
/// them on with a `[[components]]` entry, `hook = "policy"`.)
pub const BUILTIN_NAMES: &[&str] = &["mastodon-api", "activitypub", "inbox", "keyword-filter", "domain-policy"];

const MASTODON_API: &[u8] = include_bytes!(concat!(env!("AERIE_COMPONENTS_DIR"), "/mastodon_api.wasm"));
const ACTIVITYPUB: &[u8] = include_bytes!(concat!(env!("AERIE_COMPONENTS_DIR"), "/activitypub.wasm"));
const INBOX: &[u8] = include_bytes!(concat!(env!("AERIE_COMPONENTS_DIR"), "/inbox.wasm"));
const KEYWORD_FILTER: &[u8] = include_bytes!(concat!(env!("AERIE_COMPONENTS_DIR"), "/keyword_filter.wasm"));
const DOMAIN_POLICY: &[u8] = include_bytes!(concat!(env!("AERIE_COMPONENTS_DIR"), "/domain_policy.wasm"));

/// The bytes of built-in component `name`.
pub fn builtin_bytes(name: &str) -> Option<&'static [u8]> {
    match name {
        "mastodon-api" => Some(MASTODON_API),
        "activitypub" => Some(ACTIVITYPUB),
        "inbox" => Some(INBOX),
        "keyword-filter" => Some(KEYWORD_FILTER),
        "domain-policy" => Some(DOMAIN_POLICY),
        _ => None,
    }
}

/// The default manifest entries.
pub fn builtin_entries() -> Vec<ComponentEntry> {
    vec![
        ComponentEntry {
            id: "mastodon-api".into(),
            source: "builtin:mastodon-api".into(),
            // `/@NAME` and `/@NAME/ID` are the HTML profile and status pages for browsers.
            // The two PNGs are the pictures of accounts that have none.
            routes: vec![
                "/api/*".into(),
                "/.well-known/nodeinfo".into(),
                "/nodeinfo/*".into(),
                "/@*".into(),
                "/avatars/original/missing.png".into(),
                "/headers/original/missing.png".into(),
            ],
            grants: Grants {
                db: DbGrant::ReadWrite,
                tables: None,
                log: true,
                kv: true,
                queue: true,
                blobs: BlobsGrant::ReadWrite,
                events: true,
                federation: true,
            },
            limits: Limits::default(),
            ..Default::default()
        },
        ComponentEntry {
            id: "activitypub".into(),
            source: "builtin:activitypub".into(),
            // Discovery and the documents other servers fetch: WebFinger, host-meta, actors,
            // collections and status objects (read-only; signed fetches see what the signer may).
            routes: vec![
                "/.well-known/webfinger".into(),
                "/.well-known/host-meta".into(),
                "/.well-known/host-meta.json".into(),
                "/users/*".into(),
                "/actor".into(),
                "/actor/*".into(),
                "/emojis/*".into(),
            ],
            grants: Grants { db: DbGrant::ReadOnly, log: true, ..Default::default() },
            limits: Limits::default(),
            ..Default::default()
        },
        ComponentEntry {
            id: "inbox".into(),
            source: "builtin:inbox".into(),
            // What an activity from another server does, after the host verified it
            // (federation/inbox.rs queues one `inbox` job per accepted activity).
            hook: Hook::Job,
            jobs: aerie_contract::jobs::INBOX_COMPONENT_KINDS.iter().map(|kind| kind.to_string()).collect(),
            grants: Grants {
                db: DbGrant::ReadWrite,
                tables: None,
                log: true,
                kv: true,
                queue: true,
                blobs: BlobsGrant::None,
                events: true,
                federation: true,
            },
            limits: Limits::default(),
            ..Default::default()
        },
    ]
}

/// Built-ins, then the config's entries (replacing built-ins with the same id).
pub fn effective(config: &Config) -> Vec<ComponentEntry> {
    let mut entries = builtin_entries();
    for entry in &config.components {
        match entries.iter_mut().find(|e| e.id == entry.id) {
            Some(existing) => *existing = entry.clone(),
            None => entries.push(entry.clone()),
        }
    }
    entries
}

/// Reads the component bytes an entry points at.
pub fn read_source(entry: &ComponentEntry) -> anyhow::Result<Cow<'static, [u8]>> {
    if let Some(name) = entry.source.strip_prefix("builtin:") {
        return builtin_bytes(name)
            .map(Cow::Borrowed)
            .with_context(|| format!("component {:?}: there is no built-in component {name:?}", entry.id));
    }
    let path = Path::new(&entry.source);
    std::fs::read(path).map(Cow::Owned).with_context(|| {
        format!("component {:?}: cannot read {}; fix the source path in its [[components]] entry", entry.id, path.display())
    })
}
