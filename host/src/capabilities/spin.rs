//! Spin's `fermyon:spin/key-value@2.0.0` and `fermyon:spin/variables@2.0.0`, so
//! components written with spin-sdk 5.2 run unchanged. Key-value store "default" is
//! the component's own kv namespace (granted by `grants.kv`); variables are the
//! `config` table of its manifest entry.

use wasmtime::component::{Linker, Resource};

use super::StoreData;
use super::kv::{KvError, KvStore};
use crate::runtime::state::StoreState;

wasmtime::component::bindgen!({
    path: "../wit/spin",
    world: "fermyon:spin/spin-imports",
    imports: { default: async | trappable },
    with: {
        "fermyon:spin/key-value.store": SpinStore,
    },
});

use fermyon::spin::key_value::{self as kv_wit, Error as KvWitError};
use fermyon::spin::variables::{self as vars_wit, Error as VarsWitError};

/// An open Spin store: a handle on the component's kv namespace.
pub struct SpinStore(KvStore);

pub fn add_key_value_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    kv_wit::add_to_linker::<StoreState, StoreData>(linker, |state| state)
}

pub fn add_variables_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    vars_wit::add_to_linker::<StoreState, StoreData>(linker, |state| state)
}

fn other(error: KvError) -> KvWitError {
    match error {
        KvError::TooLarge(m) | KvError::Unavailable(m) => KvWitError::Other(m),
    }
}

impl kv_wit::Host for StoreState {}

impl kv_wit::HostStore for StoreState {
    async fn open(&mut self, label: String) -> wasmtime::Result<Result<Resource<SpinStore>, KvWitError>> {
        if label != "default" {
            return Ok(Err(KvWitError::NoSuchStore));
        }
        let Some(kv) = self.kv.clone() else { return Ok(Err(KvWitError::AccessDenied)) };
        Ok(Ok(self.table.push(SpinStore(kv))?))
    }

    async fn get(&mut self, store: Resource<SpinStore>, key: String) -> wasmtime::Result<Result<Option<Vec<u8>>, KvWitError>> {
        let kv = self.table.get(&store)?.0.clone();
        Ok(kv.get(&key).await.map_err(other))
    }

    async fn set(&mut self, store: Resource<SpinStore>, key: String, value: Vec<u8>) -> wasmtime::Result<Result<(), KvWitError>> {
        let kv = self.table.get(&store)?.0.clone();
        Ok(kv.set(&key, value, None).await.map_err(other))
    }

    async fn delete(&mut self, store: Resource<SpinStore>, key: String) -> wasmtime::Result<Result<(), KvWitError>> {
        let kv = self.table.get(&store)?.0.clone();
        Ok(kv.delete(&key).await.map(|_| ()).map_err(other))
    }

    async fn exists(&mut self, store: Resource<SpinStore>, key: String) -> wasmtime::Result<Result<bool, KvWitError>> {
        let kv = self.table.get(&store)?.0.clone();
        Ok(kv.get(&key).await.map(|v| v.is_some()).map_err(other))
    }

    async fn get_keys(&mut self, store: Resource<SpinStore>) -> wasmtime::Result<Result<Vec<String>, KvWitError>> {
        let kv = self.table.get(&store)?.0.clone();
        Ok(kv.list_keys("", 10_000).await.map_err(other))
    }

    async fn drop(&mut self, store: Resource<SpinStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}

impl vars_wit::Host for StoreState {
    async fn get(&mut self, name: String) -> wasmtime::Result<Result<String, VarsWitError>> {
        // Spin variable names: lower-case letters, digits and underscores, starting with a letter.
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Ok(Err(VarsWitError::InvalidName(format!("{name:?}: use lower-case letters, digits and _"))));
        }
        Ok(self.settings.get(&name).cloned().ok_or(VarsWitError::Undefined(format!("no variable {name:?} in this component's config"))))
    }
}
