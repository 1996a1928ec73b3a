//! Host capabilities given to components through the WIT interfaces in `wit/host`.
//! One module per capability; each owns its linking and its per-store state.
//!
//! Guest mistakes (bad SQL, a missing grant) come back as WIT errors; only host bugs
//! trap.

pub mod db;
pub mod log;
pub mod outbound_http;

wasmtime::component::bindgen!({
    path: ["../wit/host", "../wit/app"],
    world: "aerie:app/capabilities",
    imports: { default: async | trappable },
    with: {
        "aerie:host/db.transaction": db::TransactionSlot,
    },
});
