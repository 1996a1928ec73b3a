//! The component runtime: compiles (or loads from cache) each manifest entry, links
//! exactly the capabilities it was granted, and runs calls under a time budget and a
//! memory limit.

pub mod cache;
pub mod engine;
pub mod http;
pub mod state;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store, StoreLimitsBuilder, UpdateDeadline};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi_http::WasiHttpCtx;
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use crate::capabilities::db::{DbCtx, DbGrant};
use crate::capabilities::outbound_http::DenyOutbound;
use crate::config::{ComponentEntry, RuntimeConfig};
use crate::db::Database;
use crate::manifest;
use crate::metrics::Metrics;
use cache::{CacheOutcome, CompileCache};
use state::StoreState;

/// A component ready to serve: compiled, linked and pre-instantiated.
pub struct LoadedComponent {
    pub id: Arc<str>,
    pub source: String,
    pub hash: String,
    pub routes: Vec<String>,
    pub db_grant: Option<DbGrant>,
    pub log_grant: bool,
    pub time_budget: Duration,
    pub memory_bytes: usize,
    pre: ProxyPre<StoreState>,
}

pub struct Runtime {
    engine: Engine,
    cache: CompileCache,
    database: Database,
    defaults: RuntimeConfig,
    pub metrics: Arc<Metrics>,
    components: HashMap<String, Arc<LoadedComponent>>,
}

impl Runtime {
    /// Builds the engine, starts the epoch ticker and opens the compile cache.
    pub fn new(config: &RuntimeConfig, cache_dir: &std::path::Path, database: Database, metrics: Arc<Metrics>) -> anyhow::Result<Runtime> {
        let engine = engine::build(config)?;
        engine::start_epoch_ticker(&engine, Duration::from_millis(config.epoch_tick_ms));
        let cache = CompileCache::open(cache_dir, &engine)?;
        Ok(Runtime { engine, cache, database, defaults: config.clone(), metrics, components: HashMap::new() })
    }

    /// Loads every entry; the first failure names the component, its source and the fix.
    pub fn load_all(&mut self, entries: &[ComponentEntry]) -> anyhow::Result<()> {
        for entry in entries {
            let started = Instant::now();
            let (component, outcome) = self.load(entry)?;
            tracing::info!(
                component = %component.id,
                source = %component.source,
                hash = &component.hash[..12],
                cache = ?outcome,
                ms = started.elapsed().as_millis() as u64,
                "component ready"
            );
            self.components.insert(entry.id.clone(), Arc::new(component));
        }
        Ok(())
    }

    /// The loaded component `id`.
    pub fn component(&self, id: &str) -> Option<Arc<LoadedComponent>> {
        self.components.get(id).cloned()
    }

    pub fn components(&self) -> impl Iterator<Item = &Arc<LoadedComponent>> {
        self.components.values()
    }

    fn load(&self, entry: &ComponentEntry) -> anyhow::Result<(LoadedComponent, CacheOutcome)> {
        let wasm = manifest::read_source(entry)?;
        let hash = cache::content_hash(&wasm);
        let (component, outcome) = self
            .cache
            .load_or_compile(&self.engine, &wasm, &hash)
            .with_context(|| format!("component {:?} ({}): not a valid WebAssembly component", entry.id, entry.source))?;
        let db_grant = DbGrant::parse(&entry.grants.db);
        check_grants(entry, &component, &self.engine, db_grant, entry.grants.log)?;

        let mut linker = Linker::<StoreState>::new(&self.engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        if db_grant.is_some() {
            crate::capabilities::db::add_to_linker(&mut linker)?;
        }
        if entry.grants.log {
            crate::capabilities::log::add_to_linker(&mut linker)?;
        }
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("component {:?} ({}): cannot be linked", entry.id, entry.source))?;
        let pre = ProxyPre::new(instance_pre).map_err(anyhow::Error::from).with_context(|| {
            format!(
                "component {:?} ({}): it does not export wasi:http/incoming-handler@0.2, which HTTP components must \
                 (with wasip2, `wasip2::http::proxy::export!`; with spin-sdk 5, `#[http_component]`)",
                entry.id, entry.source
            )
        })?;
        Ok((
            LoadedComponent {
                id: entry.id.as_str().into(),
                source: entry.source.clone(),
                hash,
                routes: entry.routes.clone(),
                db_grant,
                log_grant: entry.grants.log,
                time_budget: Duration::from_millis(entry.limits.time_ms.unwrap_or(self.defaults.time_budget_ms)),
                memory_bytes: (entry.limits.memory_mb.unwrap_or(self.defaults.memory_mb) as usize) << 20,
                pre,
            },
            outcome,
        ))
    }

    /// A fresh store for one call of `component`, with its limits and deadline armed.
    fn new_store(&self, component: &LoadedComponent) -> Store<StoreState> {
        let state = StoreState {
            component_id: component.id.clone(),
            table: Default::default(),
            wasi: WasiCtxBuilder::new().build(),
            http: WasiHttpCtx::new(),
            http_hooks: DenyOutbound,
            limits: StoreLimitsBuilder::new().memory_size(component.memory_bytes).trap_on_grow_failure(true).build(),
            db: component.db_grant.map(|grant| DbCtx { database: self.database.clone(), grant }),
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
}

/// Refuses, with the fix, a component that imports a capability it was not granted.
fn check_grants(entry: &ComponentEntry, component: &Component, engine: &Engine, db: Option<DbGrant>, log: bool) -> anyhow::Result<()> {
    for (name, _) in component.component_type().imports(engine) {
        if name.starts_with("aerie:host/db") && db.is_none() {
            bail!(
                "component {:?} ({}) imports {name}, but its manifest entry grants no db access. \
                 Fix: add grants = {{ db = \"read-only\" }} (or \"read-write\") to its [[components]] entry",
                entry.id,
                entry.source
            );
        }
        if name.starts_with("aerie:host/log") && !log {
            bail!(
                "component {:?} ({}) imports {name}, but its manifest entry sets grants.log = false. \
                 Fix: set grants = {{ log = true }} in its [[components]] entry",
                entry.id,
                entry.source
            );
        }
        if name.starts_with("aerie:host/") && !name.starts_with("aerie:host/db") && !name.starts_with("aerie:host/log") {
            bail!("component {:?} ({}) imports {name}, which this host does not provide", entry.id, entry.source);
        }
    }
    Ok(())
}
