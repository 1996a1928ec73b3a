//! `aerie:host/clock`: wall-clock milliseconds and time-ordered ids from the host.

use std::sync::Arc;

use wasmtime::component::{HasData, Linker};

use super::aerie::host::clock::{self as wit, Host};
use super::{Capability, Grant, Setup, States};
use crate::config::Grants;
use crate::ids::IdGenerator;
use crate::runtime::state::StoreState;

/// The capability: always linked.
pub struct Clock;

/// The node's id generator.
pub struct ClockState {
    pub ids: Arc<IdGenerator>,
}

/// What the `Host` impl works on.
pub struct ClockView<'a>(Option<&'a ClockState>);

impl<'a> ClockView<'a> {
    pub fn new(states: &'a States) -> ClockView<'a> {
        ClockView(states.clock.as_ref())
    }

    fn ids(&self) -> wasmtime::Result<&'a IdGenerator> {
        self.0.map(|s| &*s.ids).ok_or_else(|| wasmtime::format_err!("clock was not set up for this store"))
    }
}

struct Data;

impl HasData for Data {
    type Data<'a> = ClockView<'a>;
}

impl Capability for Clock {
    fn name(&self) -> &'static str {
        "clock"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["aerie:host/clock"]
    }

    fn grant(&self) -> Grant {
        Grant::Always
    }

    fn granted(&self, _: &Grants) -> bool {
        true
    }

    fn add_to_linker(&self, linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
        wit::add_to_linker::<StoreState, Data>(linker, |state| ClockView::new(&state.capabilities))
    }

    fn set_up(&self, setup: &Setup<'_>, states: &mut States) {
        states.clock = Some(ClockState { ids: setup.shared.ids.clone() });
    }
}

impl Host for ClockView<'_> {
    async fn now_millis(&mut self) -> wasmtime::Result<i64> {
        Ok(crate::clock::now_millis())
    }

    async fn next_id(&mut self) -> wasmtime::Result<i64> {
        Ok(self.ids()?.next())
    }

    async fn id_at(&mut self, millis: i64, key: String) -> wasmtime::Result<i64> {
        Ok(self.ids()?.at(millis, &key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ids_come_from_the_node_generator_in_order() {
        let states = States { clock: Some(ClockState { ids: Arc::new(IdGenerator::new(1)) }), ..Default::default() };
        let mut view = ClockView::new(&states);
        let (first, second) = (view.next_id().await.unwrap(), view.next_id().await.unwrap());
        assert!(second > first);
        assert!(view.now_millis().await.unwrap() > 0);
        assert!(ClockView::new(&States::default()).next_id().await.is_err());
    }
}
