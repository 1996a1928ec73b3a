//! Host capabilities given to components through the WIT interfaces in `wit/`.
//!
//! Each capability is a unit in its own folder: a type implementing [`Capability`]
//! (the interfaces it provides, the grant that allows it, how it links, the state an
//! instance gets) and the `Host` impls of its interfaces, written against a narrow
//! view of the store (its own state, plus the resource table or the open-transaction
//! count where it needs them), not the whole [`StoreState`]. [`ALL`] is the one list:
//! it drives linking, the grant check at load, store setup, the policy-hook check of
//! the config and the capability table in `docs/plugins.md` (a test keeps them equal).
//!
//! Adding a capability: its WIT interface in `wit/`, a folder here implementing
//! [`Capability`], an entry in [`ALL`], a field for its state in [`States`], its grant
//! in [`crate::config::Grants`], and a row in the table of `docs/plugins.md`.
//!
//! Guest mistakes (bad SQL, a missing grant) come back as WIT errors; only host bugs
//! trap. `config` and `clock` are linked for every component (they reveal nothing
//! beyond the component's own manifest entry and the time); `db`, `log`, `kv`,
//! `queue`, `blobs`, `events` and `federation` only when granted.

pub mod blobs;
pub mod clock;
pub mod config;
pub mod db;
pub mod events;
pub mod federation;
pub mod kv;
pub mod log;
pub mod outbound_http;
pub mod queue;
pub mod spin;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::component::Linker;

use crate::config::{ComponentEntry, Grants, Hook};
use crate::db::Database;
use crate::runtime::state::{Shared, StoreState};

wasmtime::component::bindgen!({
    path: ["../wit/host", "../wit/app"],
    world: "aerie:app/capabilities",
    imports: { default: async | trappable },
    with: {
        "aerie:host/db.transaction": db::TransactionSlot,
        "aerie:host/blobs.writer": blobs::BlobWriter,
    },
});

/// Bindings for job components (`hook = "job"`), sharing the capability bindings above.
pub mod job_world {
    wasmtime::component::bindgen!({
        path: ["../wit/host", "../wit/app"],
        world: "aerie:app/job",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "aerie:host": crate::capabilities::aerie::host,
        },
    });
}

/// Bindings for moderation policies (`hook = "policy"`): kv and log only.
pub mod policy_world {
    wasmtime::component::bindgen!({
        path: ["../wit/host", "../wit/app"],
        world: "aerie:app/policy-plugin",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "aerie:host": crate::capabilities::aerie::host,
        },
    });
}

/// Every capability this host provides, in linking order.
pub static ALL: &[&dyn Capability] = &[
    &config::Config,
    &clock::Clock,
    &spin::SpinVariables,
    &outbound_http::OutboundHttp,
    &db::Db,
    &log::Log,
    &kv::Kv,
    &spin::SpinKeyValue,
    &queue::Queue,
    &blobs::Blobs,
    &events::Events,
    &federation::Federation,
];

/// How a manifest entry grants a capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Linked for every component.
    Always,
    /// `grants.<key> = true`.
    Switch(&'static str),
    /// `grants.<key> = "read-only"` or `"read-write"`.
    Access(&'static str),
}

impl Grant {
    /// The `grants` key, unless the capability is always linked.
    pub fn key(self) -> Option<&'static str> {
        match self {
            Grant::Always => None,
            Grant::Switch(key) | Grant::Access(key) => Some(key),
        }
    }

    /// What to add to a manifest entry to grant it, e.g. `grants = { kv = true }`.
    pub fn fix(self) -> String {
        match self {
            Grant::Always => String::new(),
            Grant::Switch(key) => format!("grants = {{ {key} = true }}"),
            Grant::Access(key) => format!("grants = {{ {key} = \"read-only\" }} (or \"read-write\")"),
        }
    }
}

/// Hooks whose components may be granted a capability that reaches data or the network.
pub const HTTP_AND_JOB: &[Hook] = &[Hook::Http, Hook::Job];
/// Every hook (a policy too).
pub const EVERY_HOOK: &[Hook] = &[Hook::Http, Hook::Job, Hook::Policy];

/// One host capability, as a unit.
pub trait Capability: Sync {
    /// Its name in messages and in the docs' capability table.
    fn name(&self) -> &'static str;

    /// The WIT interfaces it provides, as components import them (`package/interface`,
    /// with the version where the docs name it).
    fn interfaces(&self) -> &'static [&'static str];

    /// How a manifest entry grants it.
    fn grant(&self) -> Grant;

    /// Whether `grants` allow it: then it is linked and its state is built.
    fn granted(&self, grants: &Grants) -> bool;

    /// The hooks whose components may be granted it (a policy sees every activity, so it
    /// gets nothing that reaches data or the network).
    fn hooks(&self) -> &'static [Hook] {
        EVERY_HOOK
    }

    /// Links its interfaces. The job and policy worlds share the capability bindings
    /// (`with: "aerie:host"`), so this one linker serves every world it appears in.
    fn add_to_linker(&self, linker: &mut Linker<StoreState>) -> wasmtime::Result<()>;

    /// Builds its per-instance state into its field of `states` (only when granted).
    fn set_up(&self, setup: &Setup<'_>, states: &mut States);
}

/// What store setup gives each capability to build its state from.
pub struct Setup<'a> {
    pub component_id: &'a Arc<str>,
    pub entry: &'a ComponentEntry,
    pub database: &'a Database,
    /// The component's SQL policy, made once when it was loaded (with a db grant).
    pub sql_policy: Option<&'a Arc<db::sql_policy::SqlPolicy>>,
    /// The `config` table of the component's manifest entry.
    pub settings: &'a Arc<BTreeMap<String, String>>,
    pub shared: &'a Shared,
}

/// The per-instance state of every capability; a field stays `None` when the
/// capability was not granted (its calls are then refused, though it is not linked).
#[derive(Default)]
pub struct States {
    pub config: Option<config::Settings>,
    pub clock: Option<clock::ClockState>,
    pub db: Option<db::DbCtx>,
    pub kv: Option<kv::KvStore>,
    pub queue: Option<queue::QueueState>,
    pub blobs: Option<blobs::BlobsCtx>,
    pub events: Option<events::EventsState>,
    pub federation: Option<federation::FederationState>,
}

/// The capabilities `grants` allow.
pub fn granted(grants: &Grants) -> impl Iterator<Item = &'static dyn Capability> + '_ {
    ALL.iter().copied().filter(move |capability| capability.granted(grants))
}

/// Links every capability `grants` allow.
pub fn add_granted_to_linker(grants: &Grants, linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    for capability in granted(grants) {
        capability.add_to_linker(linker)?;
    }
    Ok(())
}

/// The state of every capability `setup.entry` is granted.
pub fn set_up(setup: &Setup<'_>) -> States {
    let mut states = States::default();
    for capability in granted(&setup.entry.grants) {
        capability.set_up(setup, &mut states);
    }
    states
}

/// Who provides an import.
#[derive(Clone, Copy)]
pub enum Provider {
    /// One of [`ALL`].
    Capability(&'static dyn Capability),
    /// WASI, linked for everyone.
    Wasi,
    /// A host interface (`aerie:`, `fermyon:`, `spin:`) no capability provides.
    Nobody,
}

/// Who provides `import` (a version after `@` is ignored).
pub fn provider(import: &str) -> Provider {
    let bare = unversioned(import);
    if let Some(capability) = ALL.iter().copied().find(|c| c.interfaces().iter().any(|i| unversioned(i) == bare)) {
        return Provider::Capability(capability);
    }
    if bare.starts_with("aerie:") || bare.starts_with("fermyon:") || bare.starts_with("spin:") {
        return Provider::Nobody;
    }
    Provider::Wasi
}

fn unversioned(interface: &str) -> &str {
    interface.split('@').next().unwrap_or(interface)
}

/// Refuses, with the fix, an import no capability provides or one the entry does not grant.
pub fn check_import(entry: &ComponentEntry, import: &str) -> anyhow::Result<()> {
    match provider(import) {
        Provider::Nobody => anyhow::bail!(
            "component {:?} ({}) imports {import}, which this host does not provide (it offers {})",
            entry.id,
            entry.source,
            ALL.iter().flat_map(|c| c.interfaces().iter().copied()).collect::<Vec<_>>().join(", ")
        ),
        Provider::Capability(capability) if !capability.granted(&entry.grants) => anyhow::bail!(
            "component {:?} ({}) imports {import}, but its manifest entry does not grant it. Fix: add {} to its [[components]] entry",
            entry.id,
            entry.source,
            capability.grant().fix()
        ),
        Provider::Capability(_) | Provider::Wasi => Ok(()),
    }
}
