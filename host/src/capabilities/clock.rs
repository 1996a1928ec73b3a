//! `aerie:host/clock`: wall-clock milliseconds and time-ordered ids from the host.

use wasmtime::component::Linker;

use super::StoreData;
use super::aerie::host::clock::{self as wit, Host};
use crate::runtime::state::StoreState;

pub fn add_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    wit::add_to_linker::<StoreState, StoreData>(linker, |state| state)
}

impl Host for StoreState {
    async fn now_millis(&mut self) -> wasmtime::Result<i64> {
        Ok(crate::clock::now_millis())
    }

    async fn next_id(&mut self) -> wasmtime::Result<i64> {
        Ok(self.shared.ids.next())
    }

    async fn id_at(&mut self, millis: i64, key: String) -> wasmtime::Result<i64> {
        Ok(self.shared.ids.at(millis, &key))
    }
}
