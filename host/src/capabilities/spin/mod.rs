//! Spin's `fermyon:spin/key-value@2.0.0` and `fermyon:spin/variables@2.0.0`, so
//! components written with spin-sdk 5.2 run unchanged. Key-value store "default" is
//! the component's own kv namespace (granted by `grants.kv`); variables are the
//! `config` table of its manifest entry.

use std::collections::BTreeMap;

use wasmtime::component::{HasData, Linker, Resource, ResourceTable};

use super::config::ConfigView;
use super::kv::{KvError, KvStore};
use super::{Capability, Grant, Setup, States};
use crate::config::Grants;
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

/// Spin's key-value: granted with `grants.kv`, on the state the [`super::kv`] capability sets up.
pub struct SpinKeyValue;

/// Spin's variables: always linked, on the settings the [`super::config`] capability sets up.
pub struct SpinVariables;

/// What the key-value `Host` impls work on: the component's namespace and the table
/// open stores live in.
pub struct KeyValueView<'a> {
    pub kv: Option<&'a KvStore>,
    pub table: &'a mut ResourceTable,
}

struct KeyValueData;

impl HasData for KeyValueData {
    type Data<'a> = KeyValueView<'a>;
}

struct VariablesData;

impl HasData for VariablesData {
    type Data<'a> = ConfigView<'a>;
}

impl Capability for SpinKeyValue {
    fn name(&self) -> &'static str {
        "spin key-value"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["fermyon:spin/key-value@2.0.0"]
    }

    fn grant(&self) -> Grant {
        Grant::Switch("kv")
    }

    fn granted(&self, grants: &Grants) -> bool {
        grants.kv
    }

    fn add_to_linker(&self, linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
        kv_wit::add_to_linker::<StoreState, KeyValueData>(linker, |state| KeyValueView {
            kv: state.capabilities.kv.as_ref(),
            table: &mut state.table,
        })
    }

    fn set_up(&self, setup: &Setup<'_>, states: &mut States) {
        // The same namespace as `aerie:host/kv` (that capability is granted by the same key).
        if states.kv.is_none() {
            states.kv = Some(KvStore::new(setup.database.clone(), setup.component_id.to_string()));
        }
    }
}

impl Capability for SpinVariables {
    fn name(&self) -> &'static str {
        "spin variables"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["fermyon:spin/variables@2.0.0"]
    }

    fn grant(&self) -> Grant {
        Grant::Always
    }

    fn granted(&self, _: &Grants) -> bool {
        true
    }

    fn add_to_linker(&self, linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
        vars_wit::add_to_linker::<StoreState, VariablesData>(linker, |state| ConfigView::new(&state.capabilities))
    }

    fn set_up(&self, setup: &Setup<'_>, states: &mut States) {
        if states.config.is_none() {
            states.config = Some(super::config::Settings(setup.settings.clone()));
        }
    }
}

fn other(error: KvError) -> KvWitError {
    match error {
        KvError::TooLarge(m) | KvError::Unavailable(m) => KvWitError::Other(m),
    }
}

impl kv_wit::Host for KeyValueView<'_> {}

impl kv_wit::HostStore for KeyValueView<'_> {
    async fn open(&mut self, label: String) -> wasmtime::Result<Result<Resource<SpinStore>, KvWitError>> {
        if label != "default" {
            return Ok(Err(KvWitError::NoSuchStore));
        }
        let Some(kv) = self.kv.cloned() else { return Ok(Err(KvWitError::AccessDenied)) };
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

impl vars_wit::Host for ConfigView<'_> {
    async fn get(&mut self, name: String) -> wasmtime::Result<Result<String, VarsWitError>> {
        // Spin variable names: lower-case letters, digits and underscores, starting with a letter.
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Ok(Err(VarsWitError::InvalidName(format!("{name:?}: use lower-case letters, digits and _"))));
        }
        let settings: &BTreeMap<String, String> = self.settings()?;
        Ok(settings.get(&name).cloned().ok_or(VarsWitError::Undefined(format!("no variable {name:?} in this component's config"))))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::capabilities::config::Settings;
    use kv_wit::HostStore as _;
    use vars_wit::Host as _;

    #[tokio::test]
    async fn variables_are_the_config_table() {
        let states = States { config: Some(Settings(Arc::new(BTreeMap::from([("name".into(), "aerie".into())])))), ..Default::default() };
        let mut view = ConfigView::new(&states);
        assert_eq!(view.get("name".into()).await.unwrap().unwrap(), "aerie");
        assert!(matches!(view.get("other".into()).await.unwrap(), Err(VarsWitError::Undefined(_))));
        assert!(matches!(view.get("Bad".into()).await.unwrap(), Err(VarsWitError::InvalidName(_))));
    }

    #[tokio::test]
    async fn the_default_store_opens_only_with_a_kv_grant() {
        let (_dir, database) = crate::capabilities::tests::database().await;
        let kv = KvStore::new(database, "spin");
        let mut table = ResourceTable::new();
        let mut view = KeyValueView { kv: Some(&kv), table: &mut table };
        let store = view.open("default".into()).await.unwrap().unwrap();
        view.set(Resource::new_borrow(store.rep()), "k".into(), b"v".to_vec()).await.unwrap().unwrap();
        assert_eq!(view.get(Resource::new_borrow(store.rep()), "k".into()).await.unwrap().unwrap(), Some(b"v".to_vec()));
        assert!(matches!(view.open("other".into()).await.unwrap(), Err(KvWitError::NoSuchStore)));

        let mut view = KeyValueView { kv: None, table: &mut table };
        assert!(matches!(view.open("default".into()).await.unwrap(), Err(KvWitError::AccessDenied)));
    }
}
