//! Per-store state: what one component instance can reach while it runs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::StoreLimits;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::blobs::BlobStore;
use crate::capabilities::States;
use crate::capabilities::db::Transactions;
use crate::capabilities::outbound_http::DenyOutbound;
use crate::ids::IdGenerator;
use crate::jobs::Jobs;

/// Host services every store may reach (each still behind its grant).
pub struct Shared {
    pub ids: Arc<IdGenerator>,
    pub jobs: Jobs,
    pub blobs: BlobStore,
    pub events: crate::events::EventBus,
    /// Signed fetches and deliveries; `None` where the node does not serve (CLI checks).
    pub federation: Option<Arc<crate::federation::service::Federation>>,
    /// Web Push (its VAPID key); `None` where the node does not serve.
    pub push: Option<Arc<crate::mastodon::push::WebPush>>,
}

/// The store's memory limits, remembering the largest linear memory the instance
/// asked for: an HTTP instance that grew large (an upload) is not kept warm, so its
/// memory goes back to the pool instead of staying resident.
pub struct PeakLimits {
    pub inner: StoreLimits,
    pub memory_peak: usize,
}

impl PeakLimits {
    pub fn new(inner: StoreLimits) -> PeakLimits {
        PeakLimits { inner, memory_peak: 0 }
    }
}

impl wasmtime::ResourceLimiter for PeakLimits {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let allowed = self.inner.memory_growing(current, desired, maximum)?;
        if allowed {
            self.memory_peak = self.memory_peak.max(desired);
        }
        Ok(allowed)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.inner.memory_grow_failed(error)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.inner.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn tables(&self) -> usize {
        self.inner.tables()
    }

    fn memories(&self) -> usize {
        self.inner.memories()
    }
}

/// The `T` of every `Store<T>` the host creates. Each capability's `Host` impls reach
/// only their own part of it, through the view their module defines.
pub struct StoreState {
    pub component_id: Arc<str>,
    pub table: ResourceTable,
    pub wasi: WasiCtx,
    pub http: WasiHttpCtx,
    pub http_hooks: DenyOutbound,
    pub limits: PeakLimits,
    /// The state of each granted capability (see `crate::capabilities::set_up`).
    pub capabilities: States,
    /// Write transactions this call holds open (db counts them; other writes check them).
    pub transactions: Transactions,
    /// When this call started and how long it may run.
    pub started: Instant,
    pub budget: Duration,
    /// Set when the epoch callback stopped the guest for running past its budget.
    pub timed_out: bool,
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for StoreState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.http_hooks }
    }
}
