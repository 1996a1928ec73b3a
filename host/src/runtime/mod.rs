//! The component runtime: compiles (or loads from cache) each manifest entry, links
//! exactly the capabilities it was granted, runs calls under a time budget and a
//! memory limit, and swaps in changed components without a restart.

pub mod cache;
pub mod engine;
pub mod http;
pub mod job;
pub mod policy;
pub mod rate;
pub mod reload;
pub mod state;
pub mod stats;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use arc_swap::ArcSwap;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store, StoreLimitsBuilder, UpdateDeadline};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi_http::WasiHttpCtx;
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use crate::capabilities::db::Transactions;
use crate::capabilities::db::sql_policy::SqlPolicy;
use crate::capabilities::job_world::JobPre;
use crate::capabilities::outbound_http::DenyOutbound;
use crate::capabilities::policy_world::PolicyPluginPre;
use crate::capabilities::{self, Setup};
use crate::config::{ComponentEntry, Hook, RuntimeConfig};
use crate::db::Database;
use crate::manifest;
use crate::metrics::Metrics;
use cache::{CacheOutcome, CompileCache};
use state::{Shared, StoreState};
use stats::CallStats;

/// How a component is called.
pub enum Handler {
    Http(ProxyPre<StoreState>),
    Job(JobPre<StoreState>),
    Policy(PolicyPluginPre<StoreState>),
}

/// A component ready to serve: compiled, linked and pre-instantiated.
pub struct LoadedComponent {
    pub entry: ComponentEntry,
    pub id: Arc<str>,
    pub hash: String,
    pub time_budget: Duration,
    pub memory_bytes: usize,
    pub stats: CallStats,
    /// `limits.calls_per_second`, when set.
    pub rate: Option<rate::RateLimit>,
    handler: Handler,
    sql_policy: Option<Arc<SqlPolicy>>,
    settings: Arc<BTreeMap<String, String>>,
    /// Warm HTTP instances waiting for their next request.
    idle: http::IdlePool,
}

impl LoadedComponent {
    pub fn hook(&self) -> Hook {
        match self.handler {
            Handler::Http(_) => Hook::Http,
            Handler::Job(_) => Hook::Job,
            Handler::Policy(_) => Hook::Policy,
        }
    }
}

pub struct Runtime {
    engine: Engine,
    cache: CompileCache,
    database: Database,
    defaults: RuntimeConfig,
    shared: Arc<Shared>,
    pub metrics: Arc<Metrics>,
    /// Swapped whole on reload; a call holds its own `Arc` and finishes on the
    /// version it started with.
    components: ArcSwap<HashMap<String, Arc<LoadedComponent>>>,
    /// Ids of the `hook = "policy"` components, in manifest order (the order they run in).
    policy_order: ArcSwap<Vec<String>>,
}

impl Runtime {
    /// Builds the engine, starts the epoch ticker and opens the compile cache.
    pub fn new(
        config: &RuntimeConfig,
        cache_dir: &std::path::Path,
        database: Database,
        metrics: Arc<Metrics>,
        shared: Arc<Shared>,
    ) -> anyhow::Result<Runtime> {
        let engine = engine::build(config)?;
        engine::start_epoch_ticker(&engine, Duration::from_millis(config.epoch_tick_ms));
        let cache = CompileCache::open(cache_dir, &engine)?;
        Ok(Runtime {
            engine,
            cache,
            database,
            defaults: config.clone(),
            shared,
            metrics,
            components: ArcSwap::from_pointee(HashMap::new()),
            policy_order: ArcSwap::from_pointee(Vec::new()),
        })
    }

    /// Loads every entry; the first failure names the component, its source and the fix.
    pub fn load_all(&self, entries: &[ComponentEntry]) -> anyhow::Result<()> {
        let mut loaded = HashMap::new();
        for entry in entries {
            let started = Instant::now();
            let wasm = manifest::read_source(entry)?;
            let (component, outcome) = self.prepare(entry, &wasm)?;
            tracing::info!(
                component = %component.id,
                source = %entry.source,
                hash = &component.hash[..12],
                cache = ?outcome,
                ms = started.elapsed().as_millis() as u64,
                "component ready"
            );
            loaded.insert(entry.id.clone(), Arc::new(component));
        }
        self.components.store(Arc::new(loaded));
        self.policy_order.store(Arc::new(entries.iter().filter(|e| e.hook == Hook::Policy).map(|e| e.id.clone()).collect()));
        Ok(())
    }

    /// The loaded component `id`.
    /// The node's id generator, shared with the components' `clock`.
    pub fn ids(&self) -> &std::sync::Arc<crate::ids::IdGenerator> {
        &self.shared.ids
    }

    /// The durable job queue.
    pub fn jobs(&self) -> &crate::jobs::Jobs {
        &self.shared.jobs
    }

    /// Signed fetches and deliveries (set when the node serves).
    pub fn federation(&self) -> Option<&crate::federation::service::Federation> {
        self.shared.federation.as_deref()
    }

    /// Web Push (set when the node serves).
    pub fn web_push(&self) -> Option<&crate::mastodon::push::WebPush> {
        self.shared.push.as_deref()
    }

    /// The host's own database handle (host-only tables; never component SQL).
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// The blob store components write media to (served at `/system/media/*`).
    pub fn blobs(&self) -> &crate::blobs::BlobStore {
        &self.shared.blobs
    }

    /// The streaming event bus.
    pub fn events(&self) -> &crate::events::EventBus {
        &self.shared.events
    }

    pub fn component(&self, id: &str) -> Option<Arc<LoadedComponent>> {
        self.components.load().get(id).cloned()
    }

    /// Every loaded component, sorted by id.
    pub fn components(&self) -> Vec<Arc<LoadedComponent>> {
        let mut all: Vec<_> = self.components.load().values().cloned().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// The job component handling `kind`.
    pub fn job_handler(&self, kind: &str) -> Option<Arc<LoadedComponent>> {
        self.components.load().values().find(|c| matches!(c.handler, Handler::Job(_)) && c.entry.jobs.iter().any(|k| k == kind)).cloned()
    }

    /// Compiles (or loads from cache), checks grants, links and pre-instantiates.
    fn prepare(&self, entry: &ComponentEntry, wasm: &[u8]) -> anyhow::Result<(LoadedComponent, CacheOutcome)> {
        let hash = cache::content_hash(wasm);
        let (component, outcome) = self
            .cache
            .load_or_compile(&self.engine, wasm, &hash)
            .with_context(|| format!("component {:?} ({}): not a valid WebAssembly component", entry.id, entry.source))?;
        let loaded = self.link(entry, &component, hash)?;
        Ok((loaded, outcome))
    }

    fn link(&self, entry: &ComponentEntry, component: &Component, hash: String) -> anyhow::Result<LoadedComponent> {
        for (import, _) in component.component_type().imports(&self.engine) {
            capabilities::check_import(entry, import)?;
        }

        let mut linker = Linker::<StoreState>::new(&self.engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        capabilities::add_granted_to_linker(&entry.grants, &mut linker)?;
        let instance_pre = linker
            .instantiate_pre(component)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("component {:?} ({}): cannot be linked", entry.id, entry.source))?;
        let handler = match entry.hook {
            Hook::Job => Handler::Job(JobPre::new(instance_pre).map_err(anyhow::Error::from).with_context(|| {
                format!(
                    "component {:?} ({}): hook = \"job\" components export aerie:app/job-handler (world aerie:app/job)",
                    entry.id, entry.source
                )
            })?),
            Hook::Policy => Handler::Policy(PolicyPluginPre::new(instance_pre).map_err(anyhow::Error::from).with_context(|| {
                format!(
                    "component {:?} ({}): hook = \"policy\" components export aerie:app/policy (world aerie:app/policy-plugin)",
                    entry.id, entry.source
                )
            })?),
            Hook::Http => Handler::Http(ProxyPre::new(instance_pre).map_err(anyhow::Error::from).with_context(|| {
                format!(
                    "component {:?} ({}): it does not export wasi:http/incoming-handler@0.2, which HTTP components must \
                     (with aerie-sdk, `#[aerie_sdk::http_component]`; with spin-sdk 5, `#[http_component]`)",
                    entry.id, entry.source
                )
            })?),
        };
        Ok(LoadedComponent {
            entry: entry.clone(),
            id: entry.id.as_str().into(),
            hash,
            time_budget: Duration::from_millis(entry.limits.time_ms.unwrap_or(self.defaults.time_budget_ms)),
            memory_bytes: (entry.limits.memory_mb.unwrap_or(self.defaults.memory_mb) as usize) << 20,
            stats: CallStats::default(),
            rate: entry.limits.calls_per_second.map(rate::RateLimit::new),
            handler,
            sql_policy: capabilities::db::sql_policy(entry, self.database.engine()),
            settings: Arc::new(entry.config.clone()),
            idle: Default::default(),
        })
    }

    /// A fresh store for one call of `component`, with its limits and deadline armed.
    fn new_store(&self, component: &LoadedComponent) -> Store<StoreState> {
        let setup = Setup {
            component_id: &component.id,
            entry: &component.entry,
            database: &self.database,
            sql_policy: component.sql_policy.as_ref(),
            settings: &component.settings,
            shared: &self.shared,
        };
        let state = StoreState {
            component_id: component.id.clone(),
            table: Default::default(),
            wasi: WasiCtxBuilder::new().build(),
            http: WasiHttpCtx::new(),
            http_hooks: DenyOutbound,
            limits: state::PeakLimits::new(
                StoreLimitsBuilder::new().memory_size(component.memory_bytes).trap_on_grow_failure(true).build(),
            ),
            capabilities: capabilities::set_up(&setup),
            transactions: Transactions { open: 0, single_writer: self.database.engine() == crate::db::Engine::Sqlite },
            started: Instant::now(),
            budget: component.time_budget,
            timed_out: false,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        // At every epoch tick the guest yields to the executor, so a runaway guest never
        // pins a tokio worker; once past its budget it is stopped with a trap.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|mut ctx| {
            let state = ctx.data_mut();
            if state.started.elapsed() >= state.budget {
                state.timed_out = true;
                return Err(wasmtime::format_err!("time budget of {} ms exceeded", state.budget.as_millis()));
            }
            Ok(UpdateDeadline::Yield(1))
        });
        store
    }

    /// Records a finished call in the component's stats and the metrics.
    fn record(&self, component: &LoadedComponent, outcome: &str, elapsed: Duration) {
        component.stats.record(elapsed, !matches!(outcome, "ok" | "error"));
        self.metrics.record_call(&component.id, outcome, elapsed.as_secs_f64());
    }
}
