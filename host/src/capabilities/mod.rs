//! Host capabilities given to components through the WIT interfaces in `wit/`.
//! One module per capability; each owns its linking and its per-store state.
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
pub mod sql_policy;

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

/// The `HasData` marker all capabilities use: their host state is the store state.
pub struct StoreData;

impl wasmtime::component::HasData for StoreData {
    type Data<'a> = &'a mut crate::runtime::state::StoreState;
}
