//! `aerie:host/events`: components publish streaming events (kind, id, streams).

use wasmtime::component::Linker;

use super::StoreData;
use super::aerie::host::events::{self as wit, Host};
use crate::events::Event;
use crate::runtime::state::StoreState;

pub fn add_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    wit::add_to_linker::<StoreState, StoreData>(linker, |state| state)
}

impl Host for StoreState {
    async fn publish(&mut self, kind: String, id: i64, streams: Vec<String>) -> wasmtime::Result<()> {
        if !self.events_granted {
            return Err(wasmtime::format_err!("events is not granted to this component"));
        }
        self.shared.events.publish(Event { kind, id, streams }).await;
        Ok(())
    }
}
