//! The wasmtime engine: Cranelift, a pooling allocator sized for the largest
//! component class, and epoch interruption driven by a ticker thread.

use std::time::Duration;

use anyhow::Context as _;
use wasmtime::{Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig};

use crate::config::RuntimeConfig;

/// Builds the engine for `config`.
pub fn build(config: &RuntimeConfig) -> anyhow::Result<Engine> {
    let mut wasm = wasmtime::Config::new();
    wasm.wasm_component_model(true).epoch_interruption(true).cranelift_opt_level(OptLevel::Speed);

    let instances = config.max_instances;
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(instances)
        // A wasip2 component is a few core instances (the program plus adapter shims),
        // each with at most a couple of memories and tables.
        .total_core_instances(instances.saturating_mul(8))
        .total_memories(instances.saturating_mul(2))
        .total_tables(instances.saturating_mul(4))
        .total_stacks(instances)
        .max_memory_size((config.max_memory_mb as usize) << 20)
        // Keep a few warm slots so idle RSS stays small.
        .max_unused_warm_slots(8);
    wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));

    Engine::new(&wasm).map_err(anyhow::Error::from).context("creating the wasmtime engine (pooling allocator)")
}

/// Advances the engine's epoch every `tick` on a dedicated thread, for the life of
/// the process. A running guest checks its budget at each tick.
pub fn start_epoch_ticker(engine: &Engine, tick: Duration) {
    let engine = engine.clone();
    std::thread::Builder::new()
        .name("aerie-epoch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(tick);
                engine.increment_epoch();
            }
        })
        .expect("spawning the epoch ticker thread");
}
