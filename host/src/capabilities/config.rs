//! `aerie:host/config`: the component's own settings from its manifest entry.

use wasmtime::component::Linker;

use super::StoreData;
use super::aerie::host::config::{self as wit, Host};
use crate::runtime::state::StoreState;

pub fn add_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    wit::add_to_linker::<StoreState, StoreData>(linker, |state| state)
}

impl Host for StoreState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.settings.get(&key).cloned())
    }

    async fn get_all(&mut self) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(self.settings.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}
