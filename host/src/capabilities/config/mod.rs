//! `aerie:host/config`: the component's own settings from its manifest entry.

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::component::{HasData, Linker};

use super::aerie::host::config::{self as wit, Host};
use super::{Capability, Grant, Setup, States};
use crate::config::Grants;
use crate::runtime::state::StoreState;

/// The capability: always linked.
pub struct Config;

/// The `config` table of the component's manifest entry (also Spin's variables).
pub struct Settings(pub Arc<BTreeMap<String, String>>);

/// What the `Host` impl works on: the settings, `None` only if setup skipped them.
pub struct ConfigView<'a>(Option<&'a Settings>);

impl<'a> ConfigView<'a> {
    pub fn new(states: &'a States) -> ConfigView<'a> {
        ConfigView(states.config.as_ref())
    }

    /// The settings; a missing one is a host bug (config is set up for every store).
    pub fn settings(&self) -> wasmtime::Result<&'a BTreeMap<String, String>> {
        self.0.map(|s| &*s.0).ok_or_else(|| wasmtime::format_err!("config was not set up for this store"))
    }
}

struct Data;

impl HasData for Data {
    type Data<'a> = ConfigView<'a>;
}

impl Capability for Config {
    fn name(&self) -> &'static str {
        "config"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["aerie:host/config"]
    }

    fn grant(&self) -> Grant {
        Grant::Always
    }

    fn granted(&self, _: &Grants) -> bool {
        true
    }

    fn add_to_linker(&self, linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
        wit::add_to_linker::<StoreState, Data>(linker, |state| ConfigView::new(&state.capabilities))
    }

    fn set_up(&self, setup: &Setup<'_>, states: &mut States) {
        states.config = Some(Settings(setup.settings.clone()));
    }
}

impl Host for ConfigView<'_> {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.settings()?.get(&key).cloned())
    }

    async fn get_all(&mut self) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(self.settings()?.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_component_reads_its_own_settings() {
        let settings = Settings(Arc::new(BTreeMap::from([("greeting".to_string(), "hi".to_string())])));
        let states = States { config: Some(settings), ..Default::default() };
        let mut view = ConfigView::new(&states);
        assert_eq!(view.get("greeting".into()).await.unwrap().as_deref(), Some("hi"));
        assert_eq!(view.get("other".into()).await.unwrap(), None);
        assert_eq!(view.get_all().await.unwrap(), vec![("greeting".to_string(), "hi".to_string())]);
        // Not set up is a host bug: the call traps rather than answering.
        assert!(ConfigView::new(&States::default()).get("greeting".into()).await.is_err());
    }
}
